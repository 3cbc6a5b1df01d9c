"""Three-way merge of a form saved after someone else saved the same record: the fields only
this person changed are written, the fields only the other person changed keep the newer
value, and a field both changed, differently, is a clash the person resolves by choosing."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.text import capfirst

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


def merge_since(
    current: Any,
    expected_version: int,
    changes: Mapping[str, Any],
    *,
    keep: Mapping[str, str] | None = None,
    comparable: Callable[[dict[str, Any]], dict[str, Any]] = dict,
) -> tuple[Merged, str] | None:
    """Merge `changes`, saved from a form filled from `expected_version` of a versioned record
    with history, with what `current` holds now: the merge, and who saved last. None when the
    history holds no record of that version. `comparable` puts values in the form they are
    stored in, so that what was typed compares equal to what is saved when it means the same."""
    history = current.history
    then = history.filter(version=expected_version).order_by("-history_id").first()
    if then is None:
        return None
    columns = {name: current._meta.get_field(name).attname for name in changes}

    def saved(record: Any) -> dict[str, Any]:
        return comparable({name: getattr(record, column) for name, column in columns.items()})

    merged = three_way(saved(then), comparable(dict(changes)), saved(current), keep)
    last = history.order_by("-history_id").first()
    user = last.history_user if last is not None else None
    name = (user.get_full_name() or user.get_username()) if user is not None else "someone"
    return merged, name


def clash_rows(model: Any, clashes: list[Clash]) -> list[dict[str, Any]]:
    """Each field both people changed, labelled, for a form to show and ask whose stays."""
    return [
        {
            "field": clash.field,
            "label": capfirst(model._meta.get_field(clash.field).verbose_name),
            "original": clash.original,
            "theirs": clash.theirs,
            "yours": clash.yours,
        }
        for clash in clashes
    ]
