"""Reading rhythms as people write them, and writing them back."""

import datetime

import pytest

from tasks_registry import rhythms
from tasks_registry.rhythms import (
    AdHoc,
    BusinessDay,
    CalendarRhythm,
    CampaignRhythm,
    DayOfMonth,
    LastDay,
    NthWeekday,
    RhythmError,
)

# (typed, what it means, its canonical words)
READS = [
    ("weekly on monday", CalendarRhythm("week", weekdays=(0,)), "weekly on monday"),
    ("Weekly on Monday.", CalendarRhythm("week", weekdays=(0,)), "weekly on monday"),
    ("every monday", CalendarRhythm("week", weekdays=(0,)), "weekly on monday"),
    (
        "every monday and thursday",
        CalendarRhythm("week", weekdays=(0, 3)),
        "weekly on monday and thursday",
    ),
    (
        "weekly on fri, mon & wed",
        CalendarRhythm("week", weekdays=(0, 2, 4)),
        "weekly on monday, wednesday and friday",
    ),
    ("every 2 weeks on friday", CalendarRhythm("week", 2, (4,)), "every 2 weeks on friday"),
    ("every other week on friday", CalendarRhythm("week", 2, (4,)), "every 2 weeks on friday"),
    ("fortnightly on tue", CalendarRhythm("week", 2, (1,)), "every 2 weeks on tuesday"),
    (
        "every 2 weeks on friday from 27 november 2026",
        CalendarRhythm("week", 2, (4,), start=datetime.date(2026, 11, 27)),
        "every 2 weeks on friday from 27 november 2026",
    ),
    (
        "every 2 weeks on friday starting 2026-11-27",
        CalendarRhythm("week", 2, (4,), start=datetime.date(2026, 11, 27)),
        "every 2 weeks on friday from 27 november 2026",
    ),
    ("daily", CalendarRhythm("day"), "daily"),
    ("every day", CalendarRhythm("day"), "daily"),
    ("every 3 days", CalendarRhythm("day", 3), "every 3 days"),
    ("every business day", CalendarRhythm("business_day"), "every business day"),
    ("every working day", CalendarRhythm("business_day"), "every business day"),
    ("weekdays", CalendarRhythm("business_day"), "every business day"),
    ("monthly on the 1st", CalendarRhythm("month", on=DayOfMonth(1)), "monthly on the 1st"),
    ("monthly", CalendarRhythm("month", on=DayOfMonth(1)), "monthly on the 1st"),
    ("monthly on day 15", CalendarRhythm("month", on=DayOfMonth(15)), "monthly on the 15th"),
    ("the 22nd of each month", CalendarRhythm("month", on=DayOfMonth(22)), "monthly on the 22nd"),
    ("monthly on the 31st", CalendarRhythm("month", on=DayOfMonth(31)), "monthly on the 31st"),
    (
        "monthly on the last business day",
        CalendarRhythm("month", on=BusinessDay(-1)),
        "monthly on the last business day",
    ),
    (
        "last working day of the month",
        CalendarRhythm("month", on=BusinessDay(-1)),
        "monthly on the last business day",
    ),
    (
        "monthly on the first business day",
        CalendarRhythm("month", on=BusinessDay(1)),
        "monthly on the first business day",
    ),
    ("monthly on the last day", CalendarRhythm("month", on=LastDay()), "monthly on the last day"),
    (
        "monthly on the second tuesday",
        CalendarRhythm("month", on=NthWeekday(2, 1)),
        "monthly on the second tuesday",
    ),
    (
        "every 2 months on the last friday",
        CalendarRhythm("month", 2, on=NthWeekday(-1, 4)),
        "every 2 months on the last friday",
    ),
    ("quarterly", CalendarRhythm("quarter"), "quarterly"),
    ("every quarter", CalendarRhythm("quarter"), "quarterly"),
    (
        "quarterly on the last business day",
        CalendarRhythm("quarter", on=BusinessDay(-1)),
        "quarterly on the last business day",
    ),
    ("yearly on 15 november", CalendarRhythm("year", month=11, day=15), "yearly on 15 november"),
    (
        "annually on November 15th",
        CalendarRhythm("year", month=11, day=15),
        "yearly on 15 november",
    ),
    ("yearly on 29 february", CalendarRhythm("year", month=2, day=29), "yearly on 29 february"),
    (
        "2 business days before each campaign",
        CampaignRhythm(2, business=True),
        "2 business days before each campaign",
    ),
    (
        "two working days before every campaign starts",
        CampaignRhythm(2, business=True),
        "2 business days before each campaign",
    ),
    (
        "1 day after each sale ends",
        CampaignRhythm(1, before=False, edge="end", campaign_kind="sale"),
        "1 day after each sale ends",
    ),
    (
        "the day after each sale",
        CampaignRhythm(1, before=False, edge="end", campaign_kind="sale"),
        "1 day after each sale ends",
    ),
    (
        "5 business days before each product drop",
        CampaignRhythm(5, business=True, campaign_kind="product_drop"),
        "5 business days before each product drop",
    ),
    (
        "3 days before each seasonal rush ends",
        CampaignRhythm(3, edge="end", campaign_kind="seasonal_rush"),
        "3 days before each seasonal rush ends",
    ),
    (
        "2 days after each channel launch starts",
        CampaignRhythm(2, before=False, campaign_kind="channel_launch"),
        "2 days after each channel launch starts",
    ),
    (
        "on the day each sale starts",
        CampaignRhythm(0, campaign_kind="sale"),
        "on the day each sale starts",
    ),
    ("ad hoc", AdHoc(), "ad hoc"),
    ("As needed", AdHoc(), "ad hoc"),
    (
        "RRULE:FREQ=WEEKLY;BYDAY=MO",
        CalendarRhythm("week", weekdays=(0,)),
        "weekly on monday",
    ),
    (
        "rrule:freq=monthly;byday=mo,tu,we,th,fr;bysetpos=-1",
        CalendarRhythm("month", on=BusinessDay(-1)),
        "monthly on the last business day",
    ),
    (
        "DTSTART:20261127\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
        CalendarRhythm("week", 2, (4,), start=datetime.date(2026, 11, 27)),
        "every 2 weeks on friday from 27 november 2026",
    ),
    (
        "RRULE:FREQ=MONTHLY;BYDAY=2TU,4TU",
        CalendarRhythm("month", rule_text="FREQ=MONTHLY;BYDAY=2TU,4TU"),
        "RRULE:FREQ=MONTHLY;BYDAY=2TU,4TU",
    ),
    (
        "RRULE:FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1",
        CalendarRhythm("month", 3, on=LastDay()),
        "every 3 months on the last day",
    ),
]


@pytest.mark.parametrize(("typed", "meaning", "words"), READS)
def test_a_rhythm_reads_as_it_means_and_writes_back_in_its_canonical_words(typed, meaning, words):
    rhythm = rhythms.parse(typed)
    assert rhythm == meaning
    assert rhythms.text(rhythm) == words
    assert rhythms.parse(words) == meaning


@pytest.mark.parametrize(
    "words",
    [
        "weekly on monday",
        "every 2 weeks on friday",
        "monthly on the last business day",
        "quarterly",
        "yearly on 15 november",
        "2 business days before each campaign",
        "1 day after each sale ends",
        "ad hoc",
    ],
)
def test_the_issues_examples_render_back_as_the_same_words(words):
    assert rhythms.normalise(words) == words


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_blank_is_no_rhythm_at_all(blank):
    assert rhythms.parse(blank) is None
    assert rhythms.normalise(blank) == ""


# (typed, what the message must say)
REFUSALS = [
    ("sometimes", "is not a rhythm Ownermap can read. Write it like one of these"),
    ("weekly", "Say which day of the week"),
    ("weekly on mondy", "“mondy” is not a day of the week"),
    ("monthly on the 32nd", "A month has days 1 to 31, not 32"),
    ("monthly on the fifth monday", "Not every month has a fifth weekday"),
    ("monthly on the blue moon", "is not a day of the month"),
    ("yearly", "Say the date"),
    ("yearly on 31 november", "November has 30 days; 31 is not one of them"),
    ("yearly on 3 smarch", "“smarch” is not a month"),
    ("every 2 weeks on friday from 31 february 2027", "is not a date"),
    ("every 100 weeks on friday", "Every 1 to 52 periods, not 100"),
    ("200 days before each campaign", "0 to 90 days from the campaign, not 200"),
    ("every sale", "A campaign rhythm reads like"),
    ("2 days around each campaign", "A campaign rhythm reads like"),
    ("RRULE:FREQ=HOURLY", "the most often a task can fall due is daily"),
    ("RRULE:FREQ=DAILY;BYHOUR=9", "not the time"),
    ("RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "never falls due"),
    ("RRULE:FREQ=DAILY;BYSETPOS=2", "never falls due"),
    ("RRULE:FREQ=WEEKLY;BYDAY=XX", "That RRULE is not valid"),
    ("RRULE:FREQ=WEEKLY;COLOUR=BLUE", "“COLOUR” is not a part of a recurrence rule"),
    ("RRULE:", "There is no RRULE line"),
    ("RRULE:BYDAY=MO", "A recurrence rule needs FREQ"),
    ("DTSTART:20260101", "There is no RRULE line"),
    ("x" * 301, "A rhythm is at most 300 characters; this is 301"),
]


@pytest.mark.parametrize(("typed", "message"), REFUSALS)
def test_anything_else_is_refused_with_a_message_saying_what_was_expected(typed, message):
    with pytest.raises(RhythmError) as refused:
        rhythms.parse(typed)
    assert message in str(refused.value)


def test_a_refusal_quotes_the_typed_text_without_control_characters():
    with pytest.raises(RhythmError) as refused:
        rhythms.parse("some\x00times\x1b")
    assert str(refused.value).startswith("“some times” is not a rhythm")


def test_stored_reads_saved_text_and_treats_unreadable_text_as_no_rhythm():
    assert rhythms.stored("weekly on monday") == CalendarRhythm("week", weekdays=(0,))
    assert rhythms.stored("whenever Bob remembers") is None
    assert rhythms.stored("") is None


def test_a_calendar_rhythm_says_its_rfc_5545_rule():
    assert CalendarRhythm("week", 2, (0, 4)).rule() == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR"
    assert CalendarRhythm("month", on=BusinessDay(-1)).rule() == (
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"
    )
    assert CalendarRhythm("month", on=DayOfMonth(30)).rule() == (
        "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1"
    )
    assert CalendarRhythm("quarter").rule() == "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1"
    assert CalendarRhythm("year", month=2, day=29).rule() == (
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1"
    )


@pytest.mark.parametrize(
    "typed",
    ["every " + "a" * 250 + "!", "every " + "a and " * 45 + "!", "on " + "mon, " * 70 + "?"],
)
def test_a_long_line_that_is_no_rhythm_is_refused_at_once(typed):
    # These took exponential time (minutes to forever) before the weekday list's pattern was
    # made unambiguous; a rhythm typed in a form must never hold a worker.
    with pytest.raises(rhythms.RhythmError):
        rhythms.parse(typed)
