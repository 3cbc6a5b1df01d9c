"""Three-way merge of a form saved after someone else saved the same record: the fields only
this person changed are written, the fields only the other person changed keep the newer
value, and a field both changed, differently, is a clash the person resolves by choosing."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import capfirst

from config.form_fields import add_errors

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


class StaleEdit(Exception):
    """Someone else saved the record after this edit was started."""

    def __init__(self, record: Any, expected_version: int) -> None:
        super().__init__(
            f"“{record}” was changed by someone else while you were editing (your copy is "
            f"version {expected_version}, the saved one is version {record.version})."
        )
        self.record = record
        self.expected_version = expected_version


class ClashingEdit(StaleEdit):
    """Someone else saved the record after this edit was started and changed some of the same
    fields differently: the person chooses whose value stays, field by field."""

    def __init__(self, record: Any, expected_version: int, clashes: list[Clash]) -> None:
        super().__init__(record, expected_version)
        self.clashes = clashes


def save_merging[R](
    update: Callable[..., R],
    *,
    record: R,
    expected_version: int,
    changes: dict[str, Any],
    keep: Mapping[str, str] | None,
    comparable: Callable[[dict[str, Any]], dict[str, Any]] = dict,
) -> R:
    """Save `changes` with `update` (a write function taking the record, expected_version and
    reason) from a form filled from `expected_version`. If someone saved since, write only the
    fields this person changed, recorded as merged; raise ClashingEdit for fields both
    changed differently, unless `keep` settles them; StaleEdit if the history has no record
    of that version. `update` raises StaleEdit when the record moved on."""
    current = record
    for _ in range(3):  # a third person may save between the merge and its write
        try:
            return update(current, expected_version, None, changes)
        except StaleEdit as error:
            current = error.record
        found = merge_since(current, expected_version, changes, keep=keep, comparable=comparable)
        if found is None:
            raise StaleEdit(current, expected_version)
        merged, name = found
        if merged.clashes:
            raise ClashingEdit(current, expected_version, merged.clashes)
        changes = {field: changes[field] for field in merged.changes}
        try:
            return update(
                current,
                current.version,
                f"merged with {name}'s edit"[:100],
                changes,
            )
        except StaleEdit:
            continue
    raise StaleEdit(current, expected_version)


@dataclass
class VersionedEdit[R]:
    """What became of an edit form: `saved`, or the form again with the write's errors at
    their fields, or `conflict`, the record as someone else saved it meanwhile."""

    form: Any
    saved: R | None = None
    conflict: R | None = None


def edit_versioned[R](
    form_class: Any, data: Any, record: R, update: Callable[..., R]
) -> VersionedEdit[R]:
    """A record's edit form (with `initial_for(record)`, `changes()` and a `version` field)
    saved through its write function `update(expected_version=…, **changes)`, which refuses a
    stale one with StaleEdit. Refused, what was typed stays and now carries the saved version:
    saving again replaces the other edit knowingly."""
    form = form_class(data, initial=form_class.initial_for(record))
    if data is None or not form.is_valid():
        return VersionedEdit(form)
    try:
        saved = update(expected_version=form.cleaned_data["version"], **form.changes())
    except StaleEdit as error:
        retyped = data.copy()
        retyped["version"] = str(error.record.version)
        form = form_class(retyped, initial=form_class.initial_for(error.record))
        form.is_valid()
        return VersionedEdit(form, conflict=error.record)
    except ValidationError as error:
        add_errors(form, error)
        return VersionedEdit(form)
    return VersionedEdit(form, saved=saved)
