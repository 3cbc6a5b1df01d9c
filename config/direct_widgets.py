"""Text inputs, text areas and hidden inputs drawn as strings instead of through the template
engine, with the same HTML as Django's own templates (tests/config/test_direct_widgets.py
compares them). The dashboard draws a fix form in every flagged row: about eighty widgets a
page, and Django's two templates per input (input.html including attrs.html) made the page
20 ms slower than the hand-written forms it replaced (bench/dashboard.py)."""

from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


class _Direct(forms.Widget):
    def _render(
        self, template_name: str, context: dict[str, Any], renderer: BaseRenderer | None = None
    ) -> SafeString:
        widget = context["widget"]
        # As Django's attrs.html: in order, True bare, False left out, the rest as text.
        attrs = "".join(
            f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
            for name, value in widget["attrs"].items()
            if value is not False
        )
        name = escape(widget["name"])
        if isinstance(self, forms.Textarea):
            text = escape(widget["value"] or "")
            html = f'<textarea name="{name}"{attrs}>\n{text}</textarea>'
        else:
            value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
            html = f'<input type="{escape(widget["type"])}" name="{name}"{value}{attrs}>'
        # Every name and value above went through escape().
        return mark_safe(html)  # noqa: S308


class TextInput(_Direct, forms.TextInput):
    pass


class Textarea(_Direct, forms.Textarea):
    pass


class HiddenInput(_Direct, forms.HiddenInput):
    pass
