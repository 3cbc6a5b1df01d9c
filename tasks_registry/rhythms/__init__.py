"""Deadline rhythms: when a task falls due.

Three kinds (kinds.py): on the calendar, as RFC 5545 recurrence rules; around campaigns, N days
or business days before or after each one starts or ends; and ad hoc. english.py reads and
writes them as people do in spreadsheets, rrules.py reads pasted RRULEs, dates.py expands any of
them into due days, business_days.py knows weekends and the configured holidays.

The rhythm is stored on the task as its canonical text (`text(rhythm)`); `stored(task.rhythm)`
reads it back.
"""

from functools import lru_cache

from tasks_registry.rhythms.dates import CampaignDates, Due, campaign_due_day, due_dates
from tasks_registry.rhythms.english import EXAMPLES, EXPECTED, parse, text
from tasks_registry.rhythms.kinds import (
    EPOCH,
    AdHoc,
    BusinessDay,
    CalendarRhythm,
    CampaignRhythm,
    DayOfMonth,
    LastDay,
    NthWeekday,
    Rhythm,
    RhythmError,
)

__all__ = [
    "EPOCH",
    "EXAMPLES",
    "EXPECTED",
    "AdHoc",
    "BusinessDay",
    "CalendarRhythm",
    "CampaignDates",
    "CampaignRhythm",
    "DayOfMonth",
    "Due",
    "LastDay",
    "NthWeekday",
    "Rhythm",
    "RhythmError",
    "campaign_due_day",
    "due_dates",
    "normalise",
    "parse",
    "stored",
    "text",
]


def normalise(typed: str) -> str:
    """The canonical text of a typed rhythm ("" for none); RhythmError if it is not one."""
    return text(parse(typed))


@lru_cache(maxsize=4096)
def stored(saved: str) -> Rhythm | None:
    """The rhythm a task's saved text says. Saved text was written by `text`, so it parses; a
    row written around the write functions that does not gets no due dates (migration 0006
    moved the free text of old maps out of the way). Cached: a map has few distinct rhythms."""
    try:
        return parse(saved)
    except RhythmError:
        return None
