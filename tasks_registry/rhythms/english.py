"""Rhythms as people write them in spreadsheets, and back.

`parse` reads "weekly on monday", "every 2 weeks on friday", "monthly on the last business day",
"quarterly", "yearly on 15 november", "2 business days before each campaign", "1 day after each
sale ends", "ad hoc" and a pasted "RRULE:…", and refuses anything else with a message saying
what it expected. `text` writes a rhythm back in the one canonical form its parse reads again.
"""

import datetime
import re
import unicodedata

from tasks_registry.models import CampaignKind
from tasks_registry.rhythms import rrules
from tasks_registry.rhythms.kinds import (
    MONTHS,
    ORDINAL_WORDS,
    WEEKDAYS,
    AdHoc,
    BusinessDay,
    CalendarRhythm,
    CampaignRhythm,
    DayInMonth,
    DayOfMonth,
    LastDay,
    NthWeekday,
    Rhythm,
    RhythmError,
    date_text,
    shown,
)

MAX_LENGTH = 300

EXAMPLES = (
    "weekly on monday",
    "every 2 weeks on friday",
    "monthly on the 15th",
    "monthly on the last business day",
    "quarterly",
    "yearly on 15 november",
    "2 business days before each campaign",
    "1 day after each sale ends",
    "ad hoc",
)
EXPECTED = (
    "Write it like one of these: "
    + " · ".join(f"“{example}”" for example in EXAMPLES)
    + " — or paste an RRULE."
)

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "other": 2,
}
_NUMBER = r"(?:\d{1,4}|" + "|".join(_NUMBER_WORDS) + ")"
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_ORDINALS |= {"fourth": 4, "4th": 4, "last": -1, "fifth": 5, "5th": 5}
_WEEKDAY_NAMES = {name: n for n, name in enumerate(WEEKDAYS)}
_WEEKDAY_NAMES |= {name[:3]: n for n, name in enumerate(WEEKDAYS)}
_WEEKDAY_NAMES |= {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_MONTH_NAMES = {name: n for n, name in enumerate(MONTHS, 1)}
_MONTH_NAMES |= {name[:3]: n for n, name in enumerate(MONTHS, 1)} | {"sept": 9}
_KINDS = {"campaign": None, "sale": "sale", "product drop": "product_drop", "drop": "product_drop"}
_KINDS |= {"seasonal rush": "seasonal_rush", "rush": "seasonal_rush"}
_KINDS |= {"channel launch": "channel_launch", "launch": "channel_launch"}
_START_WORDS = ("starts", "start", "begins", "begin", "opens", "goes live", "launches")
_END_WORDS = ("ends", "end", "finishes", "closes", "is over")

_CAMPAIGN = re.compile(
    r"^(?:(?P<count>" + _NUMBER + r") (?P<unit>(?:business |working )?days?)|(?P<the_day>the day))"
    r" (?P<direction>before|after) (?:each|every|the) (?P<kind>"
    + "|".join(sorted(_KINDS, key=len, reverse=True))
    + r")s?(?: (?P<edge>"
    + "|".join(_START_WORDS + _END_WORDS)
    + r"))?$"
)
_CAMPAIGN_SAME_DAY = re.compile(
    r"^(?:on )?the day (?:each|every|a) (?P<kind>"
    + "|".join(sorted(_KINDS, key=len, reverse=True))
    + r") (?P<edge>"
    + "|".join(_START_WORDS + _END_WORDS)
    + r")$"
)
_MENTIONS_CAMPAIGN = re.compile(r"\b(?:campaign|sale|drop|rush|launch)e?s?\b")


def parse(text: str) -> Rhythm | None:
    """The rhythm the text says, or None when it is blank (no rhythm set).

    Raises RhythmError, with a message for the person who typed it, for anything else.
    """
    if not isinstance(text, str):
        raise RhythmError("A rhythm is text.")
    if len(text) > MAX_LENGTH:
        raise RhythmError(f"A rhythm is at most {MAX_LENGTH} characters; this is {len(text)}.")
    if rrules.looks_like_rrule(text):
        found = re.match(r"^(?P<rule>.*\S)\s+from\s+(?P<date>[^\n]+)$", text.strip(), re.S | re.I)
        if found:
            return rrules.parse(found["rule"], start=_date(_normalise(found["date"])))
        return rrules.parse(text)
    words = _normalise(text)
    if not words:
        return None
    if words in ("ad hoc", "adhoc", "as needed", "when needed", "on demand", "as required"):
        return AdHoc()
    campaign = _campaign(words)
    if campaign is not None:
        return campaign
    body, start = _split_start(words)
    rhythm = _calendar(body, start)
    if rhythm is None:
        if _MENTIONS_CAMPAIGN.search(words):
            raise RhythmError(
                "A campaign rhythm reads like “2 business days before each campaign”, "
                "“1 day after each sale ends” or “on the day each product drop starts”."
            )
        raise RhythmError(f"“{shown(text)}” is not a rhythm Ownermap can read. {EXPECTED}")
    return rhythm


def text(rhythm: Rhythm | None) -> str:
    """The canonical text of a rhythm: what is stored on the task and shown to people."""
    match rhythm:
        case None:
            return ""
        case AdHoc():
            return "ad hoc"
        case CampaignRhythm():
            return _campaign_text(rhythm)
        case CalendarRhythm(rule_text=str()):
            return rrules.text(rhythm)
        case CalendarRhythm():
            words = _calendar_text(rhythm)
            return f"{words} from {date_text(rhythm.start)}" if rhythm.start else words
    raise TypeError(rhythm)


def ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def day_in_month_text(on: DayInMonth) -> str:
    match on:
        case DayOfMonth(day=day):
            return f"the {ordinal(day)}"
        case LastDay():
            return "the last day"
        case BusinessDay(which=which):
            return f"the {ORDINAL_WORDS[which]} business day"
        case NthWeekday(nth=nth, weekday=weekday):
            return f"the {ORDINAL_WORDS[nth]} {WEEKDAYS[weekday]}"
    raise TypeError(on)


def list_text(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --- reading -------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", shown(text, limit=None)).lower().replace("\u2019", "'")
    text = re.sub("[\u2013\u2014]", "-", text)  # en and em dashes
    text = re.sub(r"\s+", " ", text).strip()
    return text.rstrip(".").strip()


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _split_start(words: str) -> tuple[str, datetime.date | None]:
    found = re.match(r"^(?P<body>.+?),? (?:from|starting(?: on| from)?) (?P<date>.+)$", words)
    if not found:
        return words, None
    return found["body"], _date(found["date"])


def _date(words: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(words)
    except ValueError:
        pass
    found = re.match(r"^(?:(\d{1,2}) ([a-z]+)|([a-z]+) (\d{1,2})),? (\d{4})$", words)
    if found:
        day, month = (found[1], found[2]) if found[1] else (found[4], found[3])
        if month in _MONTH_NAMES:
            try:
                return datetime.date(int(found[5]), _MONTH_NAMES[month], int(day))
            except ValueError:
                pass
    raise RhythmError(f"“{words}” is not a date: write it like 27 november 2026 or 2026-11-27.")


def _campaign(words: str) -> CampaignRhythm | None:
    found = _CAMPAIGN.match(words)
    if found:
        before = found["direction"] == "before"
        if found["the_day"]:
            days, business = 1, False
        else:
            days, business = _number(found["count"]), not found["unit"].startswith("day")
        edge = found["edge"]
        if edge is None:
            edge = "start" if before else "end"
        else:
            edge = "start" if edge in _START_WORDS else "end"
        return CampaignRhythm(
            days=days,
            business=business,
            before=before,
            edge=edge,
            campaign_kind=_KINDS[found["kind"]],
        )
    found = _CAMPAIGN_SAME_DAY.match(words)
    if found:
        edge = "start" if found["edge"] in _START_WORDS else "end"
        return CampaignRhythm(days=0, edge=edge, campaign_kind=_KINDS[found["kind"]])
    return None


def _calendar(body: str, start: datetime.date | None) -> CalendarRhythm | None:
    for pattern, build in _CALENDAR_FORMS:
        found = re.match(pattern, body)
        if found:
            return build(found, start)
    return None


def _interval(found: re.Match) -> int:
    return _number(found["n"]) if found["n"] else 1


def _weekdays(words: str | None) -> tuple[int, ...]:
    if not words:
        raise RhythmError("Say which day of the week, e.g. “weekly on monday”.")
    days = set()
    for word in re.split(r"\s*(?:,|&|/|\band\b)\s*", words):
        name = word.strip().removeprefix("on ").strip()
        name = name[:-1] if name.endswith("s") and name[:-1] in _WEEKDAY_NAMES else name
        if name not in _WEEKDAY_NAMES:
            raise RhythmError(f"“{name}” is not a day of the week.")
        days.add(_WEEKDAY_NAMES[name])
    return tuple(sorted(days))


def _day_in_month(words: str | None) -> DayInMonth:
    if not words:
        return DayOfMonth(1)
    words = words.removeprefix("the ").strip()
    found = re.match(r"^(?:day )?(\d{1,2})(?:st|nd|rd|th)?(?: day)?$", words)
    if found:
        day = int(found[1])
        if not 1 <= day <= 31:
            raise RhythmError(f"A month has days 1 to 31, not {day}.")
        return DayOfMonth(day)
    if words in ("first day", "1st day"):
        return DayOfMonth(1)
    if words == "last day":
        return LastDay()
    found = re.match(r"^(\w+) (?:business|working) day$", words)
    if found and found[1] in ("first", "1st", "last"):
        return BusinessDay(_ORDINALS[found[1]])
    found = re.match(r"^(\w+) (\w+?)s?$", words)
    if found and found[1] in _ORDINALS and found[2] in _WEEKDAY_NAMES:
        if _ORDINALS[found[1]] == 5:
            raise RhythmError("Not every month has a fifth weekday: say the last one instead.")
        return NthWeekday(_ORDINALS[found[1]], _WEEKDAY_NAMES[found[2]])
    raise RhythmError(
        f"“{words}” is not a day of the month: write the 15th, the last day, the first business "
        "day, the last business day or the second tuesday."
    )


def _year_date(words: str | None) -> tuple[int, int]:
    if not words:
        raise RhythmError("Say the date, e.g. “yearly on 15 november”.")
    words = words.removeprefix("the ")
    found = re.match(
        r"^(?:(\d{1,2})(?:st|nd|rd|th)?(?: of)? ([a-z]+)|([a-z]+) (\d{1,2})(?:st|nd|rd|th)?)$",
        words,
    )
    if not found:
        raise RhythmError(f"“{words}” is not a date in the year: write it like 15 november.")
    day, month = (found[1], found[2]) if found[1] else (found[4], found[3])
    if month not in _MONTH_NAMES:
        raise RhythmError(f"“{month}” is not a month.")
    return _MONTH_NAMES[month], int(day)


def _daily(found, start):
    return CalendarRhythm("day", interval=_interval(found), start=start)


def _business(found, start):
    return CalendarRhythm("business_day", start=start)


def _listed_weekdays(found, start):
    # "every monday and thursday": only when every word is a day, so that "every sale" gets
    # the general message rather than "sale is not a day of the week".
    try:
        weekdays = _weekdays(found["days"])
    except RhythmError:
        return None
    return CalendarRhythm("week", weekdays=weekdays, start=start)


def _weekly(found, start):
    return CalendarRhythm(
        "week", interval=_interval(found), weekdays=_weekdays(found["days"]), start=start
    )


def _fortnightly(found, start):
    return CalendarRhythm("week", interval=2, weekdays=_weekdays(found["days"]), start=start)


def _monthly(found, start):
    return CalendarRhythm(
        "month", interval=_interval(found), on=_day_in_month(found["on"]), start=start
    )


def _quarterly(found, start):
    return CalendarRhythm("quarter", on=_day_in_month(found["on"]), start=start)


def _yearly(found, start):
    month, day = _year_date(found["date"])
    return CalendarRhythm("year", interval=_interval(found), month=month, day=day, start=start)


_N = r"(?P<n>" + _NUMBER + ")"
_ON = r"(?: on (?P<on>.+))?"
_CALENDAR_FORMS = [
    (r"^(?:daily|every day|each day)(?P<n>)$", _daily),
    (r"^every " + _N + r" days?$", _daily),
    (
        r"^(?:(?:every|each|on) )?(?:business|working) ?days?$"
        r"|^(?:every|each|on) weekdays?$|^weekdays$|^daily on (?:business|working) days$",
        _business,
    ),
    (r"^(?:weekly|every week|each week)(?P<n>)(?: on (?P<days>.+))?$", _weekly),
    (r"^every " + _N + r" weeks?(?: on (?P<days>.+))?$", _weekly),
    (r"^(?:fortnightly|biweekly|bi-weekly)(?: on (?P<days>.+))?$", _fortnightly),
    (r"^(?:monthly|every month|each month)(?P<n>)" + _ON + "$", _monthly),
    (r"^every " + _N + r" months?" + _ON + "$", _monthly),
    (r"^(?:on )?(?P<on>.+?) (?:of|in) (?:each|every|the) month(?P<n>)$", _monthly),
    (r"^(?:quarterly|every quarter|each quarter)" + _ON + "$", _quarterly),
    (r"^(?:on )?(?P<on>.+?) (?:of|in) (?:each|every|the) quarter$", _quarterly),
    (r"^(?:yearly|annually|every year|each year)(?P<n>)(?: on (?P<date>.+))?$", _yearly),
    (r"^every " + _N + r" years?(?: on (?P<date>.+))?$", _yearly),
    # Each separator differs from the others in its first character ("and" is a word), so a
    # text that does not match fails at once: optional separators inside a repeated group
    # made a long line of letters take exponential time to refuse.
    (
        r"^(?:every|each|on) (?P<days>[a-z]+(?:(?:, ?|/ ?| & | )[a-z]+)*(?:,| &|/)? ?)$",
        _listed_weekdays,
    ),
]


# --- writing -------------------------------------------------------------------------------------


def _calendar_text(rhythm: CalendarRhythm) -> str:
    n = rhythm.interval
    match rhythm.every:
        case "day":
            return "daily" if n == 1 else f"every {n} days"
        case "business_day":
            return "every business day"
        case "week":
            days = list_text([WEEKDAYS[day] for day in rhythm.weekdays])
            return f"weekly on {days}" if n == 1 else f"every {n} weeks on {days}"
        case "month":
            on = day_in_month_text(rhythm.on)
            return f"monthly on {on}" if n == 1 else f"every {n} months on {on}"
        case "quarter":
            return (
                "quarterly"
                if rhythm.on == DayOfMonth(1)
                else f"quarterly on {day_in_month_text(rhythm.on)}"
            )
        case "year":
            on = f"{rhythm.day} {MONTHS[rhythm.month - 1]}"
            return f"yearly on {on}" if n == 1 else f"every {n} years on {on}"
    raise TypeError(rhythm.every)


def _campaign_text(rhythm: CampaignRhythm) -> str:
    kind = (
        "campaign"
        if rhythm.campaign_kind is None
        else CampaignKind(rhythm.campaign_kind).label.lower()
    )
    edge = "starts" if rhythm.edge == "start" else "ends"
    if rhythm.days == 0:
        return f"on the day each {kind} {edge}"
    unit = "business day" if rhythm.business else "day"
    amount = f"{rhythm.days} {unit}{'s' if rhythm.days != 1 else ''}"
    if rhythm.before:
        return f"{amount} before each {kind}" + (" ends" if rhythm.edge == "end" else "")
    return f"{amount} after each {kind}" + (" starts" if rhythm.edge == "start" else " ends")
