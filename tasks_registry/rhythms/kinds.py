"""The three kinds of rhythm, as values: on the calendar, around campaigns, and ad hoc.

A calendar rhythm is held as what people choose ("monthly on the last business day", "every 2
weeks on friday") and turned into an RFC 5545 recurrence rule for python-dateutil to expand.
Business days are the one thing RFC 5545 cannot say: the rule names the weekdays, and the
holidays (settings) are skipped or stepped over afterwards.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from tasks_registry.models import CampaignKind

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# The days in each month, February counted in a leap year: 29 February is a date people choose
# (it falls on the 28th in other years).
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}

# Rules with an interval ("every 2 weeks") count their periods from here unless a start is given:
# a Monday and a 1 January, so weeks, months, quarters and years all line up with it.
EPOCH = datetime.date(2024, 1, 1)

Every = Literal["day", "business_day", "week", "month", "quarter", "year"]


def shown(text: str, *, limit: int | None = 80) -> str:
    """Typed text as quoted back in a message: printable characters only, and short."""
    printable = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    return re.sub(r"\s+", " ", printable).strip()[:limit]


def date_text(day: datetime.date) -> str:
    """A date as rhythms write it: 27 november 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


class RhythmError(ValueError):
    """Text that is not a rhythm; the message tells the person who typed it what would be."""


@dataclass(frozen=True)
class DayOfMonth:
    """The nth day of the month; 29, 30 and 31 fall on the last day of shorter months."""

    day: int


@dataclass(frozen=True)
class LastDay:
    """The last day of the month."""


@dataclass(frozen=True)
class BusinessDay:
    """The first or last business day of the month (1 or -1)."""

    which: Literal[1, -1]


@dataclass(frozen=True)
class NthWeekday:
    """The first…fourth or last (1…4, -1) Monday…Sunday (0…6) of the month."""

    nth: Literal[1, 2, 3, 4, -1]
    weekday: int


DayInMonth = DayOfMonth | LastDay | BusinessDay | NthWeekday


@dataclass(frozen=True)
class AdHoc:
    """Done when needed, on no schedule: said on purpose, unlike a rhythm nobody set."""

    kind = "ad_hoc"


@dataclass(frozen=True)
class CalendarRhythm:
    """A rhythm on the calendar.

    `every` names the period; `interval` how many periods apart (counted from `start`, or from
    EPOCH); `weekdays` the days of a weekly rhythm; `on` the day in a month or quarter;
    `month` and `day` the date of a yearly one. `start` is the first day it may fall due.
    A rule pasted as RRULE that none of these can say is kept as it is in `rule_text`.
    """

    every: Every
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    on: DayInMonth | None = None
    month: int | None = None
    day: int | None = None
    start: datetime.date | None = None
    rule_text: str | None = None

    kind = "calendar"

    def __post_init__(self) -> None:
        if self.rule_text is not None:
            return
        if self.every in ("month", "quarter") and self.on is None:
            object.__setattr__(self, "on", DayOfMonth(1))
        _check(self)

    @property
    def anchor(self) -> datetime.date:
        """Where periods are counted from (the rule's DTSTART): the start, or the epoch.

        Quarters are the calendar's: a day counted from the start of the quarter falls in its
        first month, one counted from the end ("the last business day") in its last month.
        """
        day = self.start or EPOCH
        if self.every != "quarter":
            return day
        month = day.month - (day.month - 1) % 3 + (2 if self.counts_from_end else 0)
        return datetime.date(day.year, month, 1)

    @property
    def counts_from_end(self) -> bool:
        match self.on:
            case LastDay() | BusinessDay(which=-1) | NthWeekday(nth=-1):
                return True
        return False

    def rule(self) -> str:
        """The RFC 5545 recurrence rule (the value of an RRULE property)."""
        if self.rule_text is not None:
            return self.rule_text
        parts = {"FREQ": _FREQ[self.every]}
        interval = 3 if self.every == "quarter" else self.interval
        if interval != 1:
            parts["INTERVAL"] = str(interval)
        if self.every == "business_day":
            parts["BYDAY"] = "MO,TU,WE,TH,FR"
        elif self.every == "week":
            parts["BYDAY"] = ",".join(WEEKDAY_CODES[day] for day in self.weekdays)
        elif self.every in ("month", "quarter"):
            parts.update(_day_in_month_parts(self.on or DayOfMonth(1)))
        elif self.every == "year":
            parts["BYMONTH"] = str(self.month)
            parts.update(_day_in_month_parts(DayOfMonth(self.day)))
        return ";".join(f"{key}={value}" for key, value in parts.items())

    @property
    def holidays(self) -> Literal["skip", "forward", "back"] | None:
        """What a holiday does to a date of this rhythm: business days skip it, the first
        business day moves past it, the last business day moves before it."""
        if self.every == "business_day":
            return "skip"
        if isinstance(self.on, BusinessDay):
            return "forward" if self.on.which == 1 else "back"
        return None


@dataclass(frozen=True)
class CampaignRhythm:
    """N days (or business days) before or after each campaign (of one kind, or of any)
    starts or ends."""

    days: int
    business: bool = False
    before: bool = True
    edge: Literal["start", "end"] = "start"
    campaign_kind: str | None = None

    kind = "campaign"

    def __post_init__(self) -> None:
        if self.days == 0:  # on the day itself: neither before nor after
            object.__setattr__(self, "before", True)
        if self.business and self.days == 0:
            object.__setattr__(self, "business", False)
        if not 0 <= self.days <= MAX_CAMPAIGN_DAYS:
            raise RhythmError(
                f"A campaign rhythm is 0 to {MAX_CAMPAIGN_DAYS} days from the campaign, "
                f"not {self.days}."
            )
        if self.campaign_kind is not None and self.campaign_kind not in CampaignKind.values:
            raise RhythmError(f"“{self.campaign_kind}” is not a kind of campaign.")

    def applies_to(self, campaign_kind: str) -> bool:
        return self.campaign_kind is None or self.campaign_kind == campaign_kind


Rhythm = AdHoc | CalendarRhythm | CampaignRhythm

MAX_INTERVAL = 52
MAX_CAMPAIGN_DAYS = 90

_FREQ = {
    "day": "DAILY",
    "business_day": "WEEKLY",
    "week": "WEEKLY",
    "month": "MONTHLY",
    "quarter": "MONTHLY",
    "year": "YEARLY",
}
_BUSINESS_WEEKDAYS = "MO,TU,WE,TH,FR"


def _day_in_month_parts(on: DayInMonth) -> dict[str, str]:
    match on:
        case DayOfMonth(day=day) if day <= 28:
            return {"BYMONTHDAY": str(day)}
        case DayOfMonth(day=day):
            # The day, or the month's last day if it has fewer: the last of 28…day that exists.
            return {"BYMONTHDAY": ",".join(str(d) for d in range(28, day + 1)), "BYSETPOS": "-1"}
        case LastDay():
            return {"BYMONTHDAY": "-1"}
        case BusinessDay(which=which):
            return {"BYDAY": _BUSINESS_WEEKDAYS, "BYSETPOS": str(which)}
        case NthWeekday(nth=nth, weekday=weekday):
            return {"BYDAY": f"{nth}{WEEKDAY_CODES[weekday]}"}
    raise TypeError(on)


def _check(rhythm: CalendarRhythm) -> None:
    """Refuse values the picker or the parser should never make; their messages are still
    written for a person, since a typed rhythm reaches here too."""
    if not 1 <= rhythm.interval <= MAX_INTERVAL:
        raise RhythmError(f"Every 1 to {MAX_INTERVAL} periods, not {rhythm.interval}.")
    if rhythm.every in ("business_day", "quarter") and rhythm.interval != 1:
        raise RhythmError(
            "Business-day and quarterly rhythms have no interval: "
            "say “every business day”, or “every 6 months”."
        )
    if rhythm.every == "week":
        if not rhythm.weekdays:
            raise RhythmError("Say which day of the week, e.g. “weekly on monday”.")
        if tuple(sorted(set(rhythm.weekdays))) != rhythm.weekdays or not all(
            0 <= day <= 6 for day in rhythm.weekdays
        ):
            raise RhythmError("Weekdays must be distinct and in order, Monday first.")
    elif rhythm.weekdays:
        raise RhythmError("Only weekly rhythms name days of the week.")
    if rhythm.every in ("month", "quarter"):
        match rhythm.on:
            case DayOfMonth(day=day) if not 1 <= day <= 31:
                raise RhythmError(f"A month has days 1 to 31, not {day}.")
            case NthWeekday(nth=nth, weekday=weekday) if (
                nth not in ORDINAL_WORDS or not 0 <= weekday <= 6
            ):
                raise RhythmError("Say the first, second, third, fourth or last weekday.")
    elif rhythm.on is not None:
        raise RhythmError("Only monthly and quarterly rhythms name a day of the month.")
    if rhythm.every == "year":
        if rhythm.month is None or not 1 <= rhythm.month <= 12:
            raise RhythmError("Say the date, e.g. “yearly on 15 november”.")
        if rhythm.day is None or not 1 <= rhythm.day <= MONTH_DAYS[rhythm.month - 1]:
            raise RhythmError(
                f"{MONTHS[rhythm.month - 1].capitalize()} has "
                f"{MONTH_DAYS[rhythm.month - 1]} days; {rhythm.day} is not one of them."
            )
    elif rhythm.month is not None or rhythm.day is not None:
        raise RhythmError("Only yearly rhythms name a date.")
