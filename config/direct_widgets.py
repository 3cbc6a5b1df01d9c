"""Text inputs, text areas and hidden inputs drawn as strings instead of through the template
engine, with the same HTML as Django's own templates (tests/config/test_direct_widgets.py
compares them). The dashboard draws a fix form in every flagged row: about eighty widgets a
page, and Django's two templates per input (input.html including attrs.html) made the page
20 ms slower than the hand-written forms it replaced (bench/dashboard.py)."""

from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import format_html
from django.utils.safestring import SafeString


class _Direct(forms.Widget):
    def _render(
        self, template_name: str, context: dict[str, Any], renderer: BaseRenderer | None = None
    ) -> SafeString:
        widget = context["widget"]
        # As Django's attrs.html: in order, True bare, False left out, the rest as text.
        attrs = SafeString(
            "".join(
                format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
                for name, value in widget["attrs"].items()
                if value is not False
            )
        )
        if isinstance(self, forms.Textarea):
            return format_html(
                '<textarea name="{}"{}>\n{}</textarea>',
                widget["name"],
                attrs,
                widget["value"] or "",
            )
        value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], value, attrs
        )


class TextInput(_Direct, forms.TextInput):
    pass


class Textarea(_Direct, forms.Textarea):
    pass


class HiddenInput(_Direct, forms.HiddenInput):
    pass
