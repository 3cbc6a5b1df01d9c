"""Who made a change, and why, for the history django-simple-history writes when it is saved."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser


def stamp(obj: Any, *, by: AbstractBaseUser | None, reason: str | None = None) -> None:
    """Mark the next save of `obj` as made by `by` (None for the system), for `reason`.

    simple_history reads these two attributes when it writes the history row; the models do not
    declare them, which is why they are set here, in one place."""
    obj._history_user = by
    if reason is not None:
        obj._change_reason = reason
