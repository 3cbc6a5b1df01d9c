"""Which rhythm was in force when: a task's past due dates come from the rhythm of their time.

A task's current rhythm counts from the day it was set (`Task.rhythm_set_on`). When it
changes, the rhythm it replaces is kept in `Task.past_rhythms` with the days it was in force,
so that an occurrence it made overdue stays overdue, and a past campaign's run sheet still
shows what was asked then. The write functions that change a rhythm (tasks_registry.changes,
the import's apply) call `close_current`.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from tasks_registry import rhythms
from tasks_registry.models import Task
from tasks_registry.rhythms import AdHoc, CampaignRhythm


@dataclass(frozen=True)
class Span:
    """A rhythm and the days it was in force; `ends_on` None for the rhythm in force now."""

    rhythm: rhythms.Rhythm | None
    starts_on: datetime.date
    ends_on: datetime.date | None = None

    def clip(
        self, start: datetime.date, end: datetime.date
    ) -> tuple[datetime.date, datetime.date] | None:
        """The days of [start, end] inside this span, or None if none are."""
        first = max(start, self.starts_on)
        last = end if self.ends_on is None else min(end, self.ends_on)
        return (first, last) if first <= last else None

    def covers(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    @property
    def asks(self) -> bool:
        """Whether it gives due dates at all (ad hoc and no rhythm give none)."""
        return self.rhythm is not None and not isinstance(self.rhythm, AdHoc)

    @property
    def is_campaign(self) -> bool:
        return isinstance(self.rhythm, CampaignRhythm)


def tracked_from(task: Task) -> datetime.date:
    """The first day the task's current rhythm counts from."""
    if task.rhythm_set_on is not None:
        return task.rhythm_set_on
    return timezone.localdate(task.created_at) if task.created_at else timezone.localdate()


def past(task: Task) -> list[Span]:
    """The rhythms the task had before, oldest first."""
    return [
        Span(
            rhythms.stored(entry["rhythm"]),
            datetime.date.fromisoformat(entry["from"]),
            datetime.date.fromisoformat(entry["until"]),
        )
        for entry in task.past_rhythms or ()
    ]


def spans(task: Task) -> list[Span]:
    """Every rhythm the task had that gives due dates, oldest first, the current one last."""
    found = [span for span in past(task) if span.asks]
    current = Span(rhythms.stored(task.rhythm), tracked_from(task))
    if current.asks:
        found.append(current)
    return found


def close_current(task: Task, *, today: datetime.date | None = None) -> None:
    """Keep the rhythm in force until yesterday in the task's past rhythms: called, before it
    is replaced, by every write that changes a task's rhythm. A rhythm set today and replaced
    the same day asked nothing, and is not kept."""
    today = today or timezone.localdate()
    span = Span(rhythms.stored(task.rhythm), tracked_from(task))
    until = today - datetime.timedelta(days=1)
    if not span.asks or until < span.starts_on:
        return
    task.past_rhythms = [
        *(task.past_rhythms or ()),
        {"rhythm": task.rhythm, "from": span.starts_on.isoformat(), "until": until.isoformat()},
    ]


def key(task: Task) -> tuple:
    """What a task's due dates depend on, apart from its completions: tasks with equal keys
    fall due on the same days."""
    return (
        task.rhythm,
        tracked_from(task),
        task.is_active,
        tuple((e["rhythm"], e["from"], e["until"]) for e in task.past_rhythms or ()),
    )
