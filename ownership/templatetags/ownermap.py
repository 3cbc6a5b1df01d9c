"""Small template helpers for the map's pages."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ownership.lookup.words import stem, tokens

register = template.Library()


@register.simple_tag
def fix_form_id(task_pk: int, section: str, kind: str) -> str:
    """The id of one fix form on the dashboard: a task may show in several sections."""
    return f"fix-{task_pk}-{section}-{kind}"


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if mapping else None


@register.filter
def gap_detail(row, rule) -> str:
    """A task's gap in words (TaskGaps.detail), for a template."""
    return row.detail(rule)


@register.simple_tag
def occurrence_key(task_pk: int, day) -> str:
    """Names one occurrence, so a refused confirmation shows its errors at its own form."""
    return f"{task_pk}:{day.isoformat() if day else ''}"


_WORDS = re.compile(r"([A-Za-z0-9\u00c0-\u024f]+)")


@register.filter
def highlight(text: str, terms) -> str:
    """The text with the words whose stems are among `terms` marked: why a lookup's answer
    matched, shown in its name and definition of done. Everything else is escaped."""
    if not text:
        return ""
    parts = []
    for piece in _WORDS.split(text):
        folded = tokens(piece)
        if terms and len(folded) == 1 and stem(folded[0]) in terms:
            parts.append(f"<mark>{escape(piece)}</mark>")
        else:
            parts.append(str(escape(piece)))
    return mark_safe("".join(parts))
