"""The widgets drawn without the template engine give the HTML Django's templates give: if a
Django upgrade changes its widgets, this says so."""

import pytest
from django import forms

from config import direct_widgets

CASES = [
    ("text", {"autocomplete": "off", "placeholder": "Name or email"}, "Ana <ana@example.com>"),
    ("text", {"required": True, "disabled": False, "aria-invalid": "true"}, None),
    ("text", {"hx-get": "/people/suggest?a=1&b=2", "list": "fix-1-people"}, ""),
    ("hidden", {"id": "fix-done-version"}, 3),
    ("textarea", {"rows": 3, "id": "fix-done-definition_of_done"}, 'Line "one"\n<b>two</b>'),
    ("textarea", {"rows": 3}, ""),
]
DJANGO = {"text": forms.TextInput, "hidden": forms.HiddenInput, "textarea": forms.Textarea}
DIRECT = {
    "text": direct_widgets.TextInput,
    "hidden": direct_widgets.HiddenInput,
    "textarea": direct_widgets.Textarea,
}


@pytest.mark.parametrize(("kind", "attrs", "value"), CASES)
def test_a_direct_widget_draws_what_djangos_template_draws(kind, attrs, value):
    expected = DJANGO[kind](attrs=attrs).render("field", value)
    drawn = direct_widgets.__dict__[DIRECT[kind].__name__](attrs=attrs).render("field", value)
    assert drawn == expected
    assert "<b>" not in drawn  # escaped, as Django escapes it
