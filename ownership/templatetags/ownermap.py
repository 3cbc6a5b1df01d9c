"""Small template helpers for the map's pages."""

import html
import re
from functools import lru_cache

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


_WORDS = re.compile(r"([^\W_]+)")


@lru_cache(maxsize=50_000)
def _term_of(piece: str) -> str | None:
    """The index term a word of a text is, or None for a piece that is no single word."""
    words = tokens(piece)
    return stem(words[0]) if len(words) == 1 else None


_SPECIAL = re.compile(r"[&<>\"']")


@register.filter
def highlight(text: str, terms) -> str:
    """The text with the words whose terms are among `terms` marked: why a lookup's answer
    matched, shown in its name and definition of done. Pieces between words are escaped;
    words are letters and digits only, which need no escaping. It runs on every keystroke's
    answers, hence the plain loop and escaping only what needs it."""
    if not text:
        return ""
    if not terms:
        return escape(text)
    pieces = _WORDS.split(text)
    for at in range(len(pieces)):
        piece = pieces[at]
        if at % 2 == 0:
            if _SPECIAL.search(piece):
                pieces[at] = html.escape(piece)
        elif _term_of(piece) in terms:
            pieces[at] = f"<mark>{piece}</mark>"
    # Safe: the separators are escaped above and the words are letters and digits.
    return mark_safe("".join(pieces))
