"""Derived data kept in step by signal receivers (the lookup's index, the gap rules' facts), and
a way to hold those receivers off during a bulk write that rebuilds what it wrote once, after."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_paused: ContextVar[bool] = ContextVar("derived_data_paused", default=False)


@contextmanager
def derived_paused() -> Iterator[None]:
    """Inside, saves leave the derived data alone: for a bulk write that rebuilds everything it
    wrote once, afterwards (seed_demo reindexed each task at every save of it and its people:
    two thirds of its time)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def receivers_paused() -> bool:
    return _paused.get()
