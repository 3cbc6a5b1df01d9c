"""Who owns this? The lookup: its index, ranking, thesaurus, patterns, what it learns from
people's picks, and its answers. `lookup()` is the one way in."""

from ownership.contacts import Contact
from ownership.lookup.answers import Answer, Match, answer_data
from ownership.lookup.search import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    LookupResult,
    answer_for,
    lookup,
    query_words,
)

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "Answer",
    "Contact",
    "LookupResult",
    "Match",
    "answer_data",
    "answer_for",
    "lookup",
    "query_words",
]
