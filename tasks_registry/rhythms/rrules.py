"""Recurrence rules pasted as RFC 5545 text ("RRULE:FREQ=WEEKLY;BYDAY=MO", with or without a
DTSTART line). A rule one of the plain-English forms can say becomes that form; any other is
kept as its rule, and is shown and stored as "RRULE:…"."""

import calendar
import contextlib
import datetime

from dateutil.rrule import rrulestr

from tasks_registry.rhythms.kinds import (
    EPOCH,
    WEEKDAY_CODES,
    BusinessDay,
    CalendarRhythm,
    DayOfMonth,
    LastDay,
    NthWeekday,
    RhythmError,
    date_text,
    shown,
)

# The order rule parts are written in, so that equal rules are equal text.
_PART_ORDER = (
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "WKST",
    "BYMONTH",
    "BYWEEKNO",
    "BYYEARDAY",
    "BYMONTHDAY",
    "BYDAY",
    "BYSETPOS",
)
_FREQS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_TIME_PARTS = {"BYHOUR", "BYMINUTE", "BYSECOND"}
_BUSINESS_WEEKDAYS = "MO,TU,WE,TH,FR"


def looks_like_rrule(text: str) -> bool:
    return text.strip().upper().startswith(("RRULE:", "DTSTART", "FREQ="))


def parse(text: str, *, start: datetime.date | None = None) -> CalendarRhythm:
    start, rule = _lines(text, start)
    canonical = _canonical(rule)
    _check_possible(canonical)
    anchor = start or EPOCH
    try:
        expanded = rrulestr(
            "RRULE:" + ";".join(f"{k}={v}" for k, v in canonical.items()),
            dtstart=datetime.datetime.combine(anchor, datetime.time()),
        )
        expanded.after(datetime.datetime.combine(anchor, datetime.time()), inc=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise RhythmError(f"That RRULE is not valid: {error}.") from None
    rule_text = ";".join(f"{key}={value}" for key, value in canonical.items())
    for candidate in _plain_forms(canonical, start):
        if candidate.rule() == rule_text and (
            candidate.anchor == anchor or not _anchored(candidate)
        ):
            return candidate
    return CalendarRhythm(_FREQS[canonical["FREQ"]], start=start, rule_text=rule_text)


def text(rhythm: CalendarRhythm) -> str:
    written = f"RRULE:{rhythm.rule_text}"
    return f"{written} from {date_text(rhythm.start)}" if rhythm.start else written


def _lines(text: str, start: datetime.date | None) -> tuple[datetime.date | None, str]:
    rule = None
    for line in text.strip().splitlines():
        line = line.strip()
        upper = line.upper()
        if not line:
            continue
        if upper.startswith("DTSTART"):
            start = _dtstart(upper)
        elif upper.startswith("RRULE:"):
            rule = upper.removeprefix("RRULE:")
        elif upper.startswith("FREQ="):
            rule = upper
        else:
            raise RhythmError(
                f"“{shown(line)}” is not part of a recurrence rule: paste the RRULE line "
                "(and the DTSTART line, if there is one)."
            )
    if not rule:
        raise RhythmError("There is no RRULE line: paste one like RRULE:FREQ=WEEKLY;BYDAY=MO.")
    return start, rule


def _dtstart(line: str) -> datetime.date:
    value = line.rpartition(":")[2].strip()
    day = value[:8]
    try:
        # Eight digits only: fromisoformat alone would also take a week date ("2026W481").
        if not (len(day) == 8 and day.isascii() and day.isdigit()):
            raise ValueError(day)
        return datetime.date.fromisoformat(day)
    except ValueError:
        raise RhythmError(
            f"DTSTART “{shown(value, limit=30)}” is not a date like 20261127."
        ) from None


def _canonical(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in rule.strip().strip(";").split(";"):
        key, equals, value = item.partition("=")
        key, value = key.strip(), value.strip().replace(" ", "")
        if not equals or not key or not value:
            raise RhythmError(f"“{shown(item)}” is not a NAME=VALUE part of a recurrence rule.")
        if key in _TIME_PARTS:
            raise RhythmError(
                "Ownermap tracks the day a task is due, not the time: leave out BYHOUR, "
                "BYMINUTE and BYSECOND."
            )
        if key not in _PART_ORDER:
            raise RhythmError(
                f"“{shown(key, limit=20)}” is not a part of a recurrence rule Ownermap reads."
            )
        if key in parts:
            raise RhythmError(f"{key} is given twice.")
        parts[key] = value
    freq = parts.get("FREQ")
    if freq in ("HOURLY", "MINUTELY", "SECONDLY"):
        raise RhythmError("Ownermap tracks due days: the most often a task can fall due is daily.")
    if freq not in _FREQS:
        raise RhythmError("A recurrence rule needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY.")
    if parts.get("INTERVAL") == "1":
        del parts["INTERVAL"]
    if parts.get("WKST") == "MO":
        del parts["WKST"]
    if "UNTIL" in parts:
        parts["UNTIL"] = parts["UNTIL"][:8]  # due dates are days: the time of day means nothing
    for key in ("BYMONTH", "BYMONTHDAY", "BYSETPOS", "BYYEARDAY", "BYWEEKNO"):
        if key in parts:
            parts[key] = _sorted_numbers(key, parts[key])
    if "BYDAY" in parts:
        parts["BYDAY"] = ",".join(sorted(set(parts["BYDAY"].split(",")), key=_weekday_order))
    return {key: parts[key] for key in _PART_ORDER if key in parts}


def _sorted_numbers(key: str, value: str) -> str:
    try:
        numbers = sorted({int(number) for number in value.split(",")})
    except ValueError:
        raise RhythmError(f"{key} takes whole numbers, not “{shown(value, limit=30)}”.") from None
    return ",".join(str(number) for number in numbers)


def _weekday_order(code: str) -> tuple[int, str]:
    day = code[-2:]
    return (WEEKDAY_CODES.index(day) if day in WEEKDAY_CODES else 7, code)


def _check_possible(parts: dict[str, str]) -> None:
    """Refuse the rules that never fall due and are cheap to recognise. python-dateutil looks
    for a first date of such a rule until the year 9999, which takes seconds."""
    months = [int(m) for m in parts.get("BYMONTH", "").split(",") if m] or range(1, 13)
    days = [int(d) for d in parts.get("BYMONTHDAY", "").split(",") if d]
    if any(not 1 <= month <= 12 for month in months):
        raise RhythmError("BYMONTH takes months 1 to 12.")
    if any(not 1 <= abs(day) <= 31 for day in days):
        raise RhythmError("BYMONTHDAY takes days 1 to 31 (or -1 to -31 from the end).")
    if days and not any(
        abs(day) <= calendar.monthrange(2024, month)[1] for month in months for day in days
    ):
        raise RhythmError("That rule never falls due: none of those months has those days.")
    positions = [int(p) for p in parts.get("BYSETPOS", "").split(",") if p]
    if positions and parts["FREQ"] == "DAILY" and any(abs(p) != 1 for p in positions):
        raise RhythmError("That rule never falls due: a daily rule has one date a day.")
    if any(not 1 <= abs(p) <= 366 for p in positions):
        raise RhythmError("BYSETPOS takes 1 to 366 (or -1 to -366 from the end).")


def _anchored(rhythm: CalendarRhythm) -> bool:
    """Whether the rule's dates depend on where it starts counting."""
    return rhythm.interval != 1 or rhythm.every == "quarter"


def _plain_forms(parts: dict[str, str], start: datetime.date | None) -> list[CalendarRhythm]:
    """The plain-English forms this rule might be; parse keeps the one that makes it exactly."""
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    rest = {key: value for key, value in parts.items() if key not in ("FREQ", "INTERVAL")}
    forms: list[CalendarRhythm] = []

    def add(every, **values) -> None:
        with contextlib.suppress(RhythmError):  # not a form this rule fits
            forms.append(CalendarRhythm(every, start=start, **values))

    if freq == "DAILY" and not rest:
        add("day", interval=interval)
    elif freq == "WEEKLY" and set(rest) == {"BYDAY"}:
        codes = rest["BYDAY"].split(",")
        if rest["BYDAY"] == _BUSINESS_WEEKDAYS:
            add("business_day")
        if all(code in WEEKDAY_CODES for code in codes):
            add("week", interval=interval, weekdays=tuple(WEEKDAY_CODES.index(c) for c in codes))
    elif freq == "MONTHLY":
        on = _day_in_month(rest)
        if on is not None:
            if interval == 3:
                add("quarter", on=on)
            add("month", interval=interval, on=on)
    elif freq == "YEARLY" and rest.get("BYMONTH", ",").isdigit():
        on = _day_in_month({key: value for key, value in rest.items() if key != "BYMONTH"})
        if isinstance(on, DayOfMonth):
            add("year", interval=interval, month=int(rest["BYMONTH"]), day=on.day)
    return forms


def _day_in_month(parts: dict[str, str]):
    match parts:
        case {"BYMONTHDAY": "-1", **rest} if not rest:
            return LastDay()
        case {"BYMONTHDAY": day, **rest} if not rest and day.isdigit():
            return DayOfMonth(int(day))
        case {"BYMONTHDAY": days, "BYSETPOS": "-1", **rest} if not rest and days.startswith("28,"):
            return DayOfMonth(int(days.rpartition(",")[2]))
        case {"BYDAY": "MO,TU,WE,TH,FR", "BYSETPOS": "1" | "-1" as which, **rest} if not rest:
            return BusinessDay(int(which))
        case {"BYDAY": code, **rest} if not rest and code[-2:] in WEEKDAY_CODES and code[:-2]:
            try:
                return NthWeekday(int(code[:-2]), WEEKDAY_CODES.index(code[-2:]))
            except ValueError:
                return None
    return None
