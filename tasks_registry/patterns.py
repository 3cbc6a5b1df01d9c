"""Patterns: the identifiers a task owns, so that pasting what is on screen (a URL, a promo
code, a SKU, an email template's name, an error code) finds its owner, as CODEOWNERS does for
files.

A pattern is a glob, never a regular expression: `*` stands for any run of characters, `?` for
one character, and everything else, brackets and dots included, stands for itself. Patterns and
identifiers are compared in lower case; a full URL is reduced to its path.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

MAX_PATTERN = 300
WILDCARDS = "*?"
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_SPACE = re.compile(r"\s")


def identifier(text: str) -> str:
    """What a pasted text is matched as: a URL's path (no scheme, host, query or fragment);
    anything else as it is, trimmed and in lower case. Characters that cannot be printed (a
    NUL pasted from a terminal) are dropped: no identifier holds them."""
    text = "".join(char for char in text if char.isprintable()).strip()
    if _URL.match(text) or text.startswith("www."):
        parts = urlsplit(text if _URL.match(text) else f"https://{text}")
        text = parts.path or "/"
    return text.lower()[:MAX_PATTERN]


def looks_like_identifier(text: str) -> bool:
    """One token with something other than letters in it (a digit, "/", "_", "-", "."): a
    code or a path rather than a word. "summer" is a word; "SUMMER25" and "/checkout" are not."""
    text = text.strip()
    if not text or _SPACE.search(text):
        return False
    return not text.isalpha()


def normalise(pattern: str) -> str:
    """A pattern as stored: like an identifier, with runs of `*` made one."""
    return re.sub(r"\*+", "*", identifier(pattern))


def problem_with(pattern: str) -> str | None:
    """Why a pattern cannot be used, or None."""
    if _SPACE.search(pattern.strip()):
        return f"“{pattern}” has a space in it: a pattern is one identifier, e.g. /checkout/*."
    if len(pattern.strip()) > MAX_PATTERN:
        return f"A pattern can be at most {MAX_PATTERN} characters long."
    normal = normalise(pattern)
    if not normal.strip(WILDCARDS + "/"):
        return f"“{pattern}” would match almost anything: give it some fixed characters."
    return None


def literal_start(pattern: str) -> str:
    """The pattern up to its first wildcard."""
    cut = min((pattern.index(c) for c in WILDCARDS if c in pattern), default=len(pattern))
    return pattern[:cut]


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern:
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, ident: str) -> bool:
    return _compiled(pattern).fullmatch(ident) is not None


@dataclass(frozen=True, order=True)
class Specificity:
    """How specific a pattern is, to rank the matching ones: more fixed characters first,
    then fewer wildcards."""

    fixed: int
    fewer_wildcards: int

    @classmethod
    def of(cls, pattern: str) -> "Specificity":
        wildcards = sum(pattern.count(c) for c in WILDCARDS)
        return cls(len(pattern) - wildcards, -wildcards)


def prefixes(ident: str) -> list[str]:
    """Every start of the identifier, the empty one included: the literal starts a matching
    pattern can have."""
    return [ident[:end] for end in range(len(ident) + 1)]
