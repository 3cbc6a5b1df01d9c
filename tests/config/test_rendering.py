"""Objects that templates read as fields (config.rendering.TemplateFields)."""

from dataclasses import dataclass

import pytest
from django.template import Context, Template

from config.rendering import TemplateFields


@dataclass(frozen=True)
class Card(TemplateFields):
    name: str
    tags: list[str]

    def get_link(self) -> str:
        return f"/t/{self.name}"


def test_a_template_reads_fields_and_methods_and_renders_nothing_for_a_missing_one():
    template = Template("{{ c.name }}|{{ c.get_link }}|{{ c.tags.1 }}|{{ c.missing }}|")
    assert template.render(Context({"c": Card("refunds", ["a", "b"])})) == "refunds|/t/refunds|b||"


def test_it_reads_as_a_mapping_without_raising_for_a_field():
    card = Card("refunds", [])
    assert card["name"] == "refunds"
    with pytest.raises(KeyError, match="missing"):
        card["missing"]
