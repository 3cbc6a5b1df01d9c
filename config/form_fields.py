"""Form pieces every app's forms share."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class MultilineField(forms.CharField):
    """Text of several lines. Browsers send a textarea's line breaks as CRLF: stored as typed,
    every save would change the text and the history would show edits nobody made."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a write function's ValidationError on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
