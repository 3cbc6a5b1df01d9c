"""Small template helpers for the map's pages."""

import html
import re
from functools import lru_cache

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from ownership.agenda import occurrence_key
from ownership.lookup.words import stem, tokens

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if mapping else None


register.simple_tag(occurrence_key, name="occurrence_key")


_WORDS = re.compile(r"([^\W_]+)")


@lru_cache(maxsize=20_000)
def _pieces(text: str) -> tuple[str, tuple[str, ...], dict[str, list[int]]]:
    """A text as highlight() marks it: escaped whole; its pieces, escaped separators between
    words; and where each term stands among them. Task names and definitions of done come back
    on keystroke after keystroke, so each is split and stemmed once."""
    pieces = _WORDS.split(text)
    at_term: dict[str, list[int]] = {}
    for at, piece in enumerate(pieces):
        if at % 2 == 0:
            pieces[at] = html.escape(piece)
            continue
        # A word is letters and digits only, which need no escaping.
        words = tokens(piece)
        if len(words) == 1:
            at_term.setdefault(stem(words[0]), []).append(at)
    return html.escape(text), tuple(pieces), at_term


@register.filter
def highlight(text: str, terms) -> str:
    """The text with the words whose terms are among `terms` marked: why a lookup's answer
    matched, shown in its name and definition of done."""
    if not text:
        return ""
    escaped, pieces, at_term = _pieces(text)
    marked = None
    for term in terms or ():
        for at in at_term.get(term, ()):
            if marked is None:
                marked = list(pieces)
            marked[at] = f"<mark>{pieces[at]}</mark>"
    # Safe: the text was escaped whole, or piece by piece with only words (letters and digits)
    # left as they were.
    return mark_safe(escaped if marked is None else "".join(marked))  # noqa: S308


@register.simple_tag
def sign_in_options() -> dict:
    """What the sign-in page offers: the company's provider (single sign-on), passwords, or
    both (config/settings.py)."""
    return {
        "sso": settings.SSO_ON,
        "provider": settings.OWNERMAP_SSO_NAME,
        "passwords_for_all": not settings.SSO_ON or settings.OWNERMAP_SSO_PASSWORD_SIGN_IN,
    }
