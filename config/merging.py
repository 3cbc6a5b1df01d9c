"""Three-way merge of a form saved after someone else saved the same record: the fields only
this person changed are written, the fields only the other person changed keep the newer
value, and a field both changed, differently, is a clash the person resolves by choosing."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

YOURS, THEIRS = "yours", "theirs"


@dataclass(frozen=True)
class Clash:
    field: str
    original: Any
    theirs: Any
    yours: Any


@dataclass(frozen=True)
class Merged:
    changes: dict[str, Any]  # what to write: the fields this person changed, and only those
    clashes: list[Clash]


def three_way(
    original: Mapping[str, Any],
    yours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    keep: Mapping[str, str] | None = None,
) -> Merged:
    """Compare what the form was filled from, what was saved with it, and what is saved now.
    `keep` says, for a field both changed, whose value stays (YOURS or THEIRS)."""
    keep = keep or {}
    changes: dict[str, Any] = {}
    clashes = []
    for field, value in yours.items():
        if value == original[field]:
            continue  # not touched here: whatever is saved now stays
        if theirs[field] in (original[field], value) or keep.get(field) == YOURS:
            changes[field] = value
        elif keep.get(field) != THEIRS:
            clashes.append(Clash(field, original[field], theirs[field], value))
    return Merged(changes, clashes)
