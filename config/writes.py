"""The steps every write function shares: lock the row, apply what changed, say who did it.

with transaction.atomic():
    current = locked(person)
    changed = apply_changes(current, changes)
    if not changed:
        return current
    ...  # the model's own rules
    stamp(current, by=by, reason=reason)
    current.save(update_fields=[*changed, "updated_at"])

A new row is saved with insert_once (a renamed one with save_once), which turns the unique rule a
concurrent write broke into the same ValidationError the check before it would have raised.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model


def locked[M: Model](instance: M) -> M:
    """The row as it is now, locked until the transaction ends: two people saving at once
    queue up, and the second compares with what the first wrote.

    A lock for an update that leaves the key alone (no_key): a row another transaction is
    meanwhile pointing a new foreign key at stays free for that key's check, which comes at
    its commit. Locked for every kind of update, a person being edited while someone made
    them owner of one of their tasks deadlocked the two: each waited for the other's rows."""
    return type(instance)._default_manager.select_for_update(no_key=True).get(pk=instance.pk)


def apply_changes(current: Model, changes: Mapping[str, Any]) -> list[str]:
    """Set on `current` the values that differ from what it holds; their names, in order."""
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, changes[name])
    return changed


_REASON: ContextVar[str | None] = ContextVar("write_reason", default=None)


@contextmanager
def writes_for(reason: str) -> Iterator[None]:
    """Every write in the block that gives no reason of its own is recorded with this one: the
    fixes made from a review session's item say they were made in that session."""
    token = _REASON.set(reason)
    try:
        yield
    finally:
        _REASON.reset(token)


def stamp(obj: Any, *, by: AbstractBaseUser | None, reason: str | None = None) -> None:
    """Mark the next save of `obj` as made by `by` (None for the system), for `reason` (None
    for none, or the block's: writes_for).

    django-simple-history reads these two attributes when it writes the history row; the models
    do not declare them, which is why they are set here, in one place."""
    obj._history_user = by
    obj._change_reason = reason if reason is not None else _REASON.get()


def insert_once(obj: Model, *, taken: ValidationError) -> None:
    """Save a new row, or raise `taken` if a unique rule says it exists already: the check
    before it read the table before someone else's insert of the same thing committed (a form
    sent twice at once), and the database is what keeps one of them."""
    save_once(obj, taken=taken)


def save_once(
    obj: Model, *, taken: ValidationError, update_fields: list[str] | None = None
) -> None:
    """Save a row (a new one, or these fields of one), or raise `taken` if a unique rule says
    another holds the same value: two renames to one name at the same moment, each checked
    before the other committed."""
    try:
        with transaction.atomic():
            obj.save(update_fields=update_fields)
    except IntegrityError:
        raise taken from None
