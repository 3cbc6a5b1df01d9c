"""The days a rhythm falls due: month ends, leap years, weekends, holidays and campaigns."""

import datetime

import pytest
from django.test import override_settings

from tasks_registry import rhythms
from tasks_registry.rhythms import CampaignDates, business_days

D = datetime.date


def days(words: str, start: D, end: D, campaigns=()) -> list[D]:
    rhythm = rhythms.parse(words)
    return [due.on for due in rhythms.due_dates(rhythm, start=start, end=end, campaigns=campaigns)]


# (rhythm, window start, window end, the days it falls due)
CALENDAR = [
    (
        "weekly on monday",
        D(2026, 11, 23),
        D(2026, 12, 7),
        [D(2026, 11, 23), D(2026, 11, 30), D(2026, 12, 7)],
    ),
    # Weeks are counted from 1 January 2024 unless a start is given.
    (
        "every 2 weeks on friday",
        D(2026, 11, 23),
        D(2026, 12, 31),
        [D(2026, 12, 4), D(2026, 12, 18)],
    ),
    (
        "every 2 weeks on friday from 27 november 2026",
        D(2026, 11, 1),
        D(2026, 12, 31),
        [D(2026, 11, 27), D(2026, 12, 11), D(2026, 12, 25)],
    ),
    (
        "every 3 days",
        D(2024, 1, 1),
        D(2024, 1, 10),
        [D(2024, 1, 1), D(2024, 1, 4), D(2024, 1, 7), D(2024, 1, 10)],
    ),
    # Month ends: the 31st is the last day of shorter months, and February in a leap year.
    (
        "monthly on the 31st",
        D(2027, 1, 1),
        D(2027, 4, 30),
        [D(2027, 1, 31), D(2027, 2, 28), D(2027, 3, 31), D(2027, 4, 30)],
    ),
    ("monthly on the 30th", D(2028, 2, 1), D(2028, 3, 31), [D(2028, 2, 29), D(2028, 3, 30)]),
    ("monthly on the last day", D(2028, 2, 1), D(2028, 2, 29), [D(2028, 2, 29)]),
    # Leap years: 29 February falls on the 28th in other years.
    ("yearly on 29 february", D(2027, 1, 1), D(2028, 12, 31), [D(2027, 2, 28), D(2028, 2, 29)]),
    # Weekends: the last business day of May 2026 is Friday the 29th (the 31st is a Sunday).
    (
        "monthly on the last business day",
        D(2026, 5, 1),
        D(2026, 6, 30),
        [D(2026, 5, 29), D(2026, 6, 30)],
    ),
    # The first business day of August 2026 is Monday the 3rd (the 1st is a Saturday).
    ("monthly on the first business day", D(2026, 8, 1), D(2026, 8, 31), [D(2026, 8, 3)]),
    (
        "every business day",
        D(2026, 11, 27),
        D(2026, 12, 1),
        [D(2026, 11, 27), D(2026, 11, 30), D(2026, 12, 1)],
    ),
    (
        "monthly on the second tuesday",
        D(2026, 11, 1),
        D(2026, 12, 31),
        [D(2026, 11, 10), D(2026, 12, 8)],
    ),
    ("monthly on the last friday", D(2026, 11, 1), D(2026, 11, 30), [D(2026, 11, 27)]),
    ("quarterly", D(2026, 1, 2), D(2026, 12, 31), [D(2026, 4, 1), D(2026, 7, 1), D(2026, 10, 1)]),
    (
        "quarterly on the last business day",
        D(2026, 1, 1),
        D(2026, 12, 31),
        [D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31)],
    ),
    ("yearly on 15 november", D(2026, 11, 16), D(2028, 1, 1), [D(2027, 11, 15)]),
    # Daylight saving (Europe: 29 March and 25 October 2026) changes no due day.
    ("daily", D(2026, 3, 28), D(2026, 3, 30), [D(2026, 3, 28), D(2026, 3, 29), D(2026, 3, 30)]),
    (
        "weekly on sunday",
        D(2026, 10, 18),
        D(2026, 11, 1),
        [D(2026, 10, 18), D(2026, 10, 25), D(2026, 11, 1)],
    ),
    ("ad hoc", D(2026, 1, 1), D(2026, 12, 31), []),
    # A pasted rule that ended: nothing after its UNTIL.
    (
        "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20261201",
        D(2026, 11, 23),
        D(2026, 12, 31),
        [D(2026, 11, 23), D(2026, 11, 30)],
    ),
    (
        "RRULE:FREQ=MONTHLY;BYDAY=2TU,4TU",
        D(2026, 11, 1),
        D(2026, 11, 30),
        [D(2026, 11, 10), D(2026, 11, 24)],
    ),
]


@pytest.mark.parametrize(("words", "start", "end", "expected"), CALENDAR)
def test_a_calendar_rhythm_falls_due_on_these_days(words, start, end, expected):
    assert days(words, start, end) == expected


def test_a_rule_set_years_ago_falls_due_on_the_same_days_as_one_expanded_from_its_start():
    # Expanding from a later period must keep the interval's phase.
    for words in (
        "every 2 weeks on friday",
        "every 3 months on the 10th",
        "every 5 days",
        "every 2 years on 1 march",
    ):
        long = days(words, D(2024, 1, 1), D(2031, 12, 31))
        assert days(words, D(2030, 6, 15), D(2031, 12, 31)) == [
            d for d in long if d >= D(2030, 6, 15)
        ]


HOLIDAYS = ["12-25", "12-26", "01-01", "2026-12-31"]


@override_settings(OWNERMAP_HOLIDAYS=HOLIDAYS)
def test_business_days_skip_the_configured_holidays():
    # 31 December 2026 is a one-off holiday: the last business day of the month is the 30th.
    assert days("monthly on the last business day", D(2026, 12, 1), D(2026, 12, 31)) == [
        D(2026, 12, 30)
    ]
    # 1 January 2027 is a Friday and a yearly holiday: the first business day is Monday the 4th.
    assert days("monthly on the first business day", D(2027, 1, 1), D(2027, 1, 31)) == [
        D(2027, 1, 4)
    ]
    assert days("every business day", D(2026, 12, 24), D(2026, 12, 29)) == [
        D(2026, 12, 24),
        D(2026, 12, 28),
        D(2026, 12, 29),
    ]
    # Plain calendar days do not move: the 25th is the 25th.
    assert days("monthly on the 25th", D(2026, 12, 1), D(2026, 12, 31)) == [D(2026, 12, 25)]


@override_settings(OWNERMAP_HOLIDAYS=HOLIDAYS)
@pytest.mark.parametrize(
    ("day", "shift", "expected"),
    [
        (D(2026, 11, 30), -2, D(2026, 11, 26)),  # Monday, two back: Thursday
        (D(2026, 11, 28), -1, D(2026, 11, 27)),  # Saturday, one back: Friday
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Friday, one on: Monday
        (D(2026, 12, 24), 1, D(2026, 12, 28)),  # over Christmas and the weekend
        (D(2027, 1, 4), -1, D(2026, 12, 30)),  # back over New Year's Day, the weekend and the 31st
    ],
)
def test_business_days_count_over_weekends_and_holidays(day, shift, expected):
    assert business_days.shift(day, shift) == expected


SALE = CampaignDates(1, "Winter sale", "winter-sale", "sale", D(2026, 12, 7), D(2026, 12, 13))
DROP = CampaignDates(2, "Boot drop", "boot-drop", "product_drop", D(2026, 12, 7), D(2026, 12, 7))
RUSH = CampaignDates(
    3, "Holiday rush", "holiday-rush", "seasonal_rush", D(2026, 12, 14), D(2026, 12, 24)
)

CAMPAIGN = [
    # The sale and the drop both start on Monday 7 December: one due day, two campaigns.
    ("2 business days before each campaign", [D(2026, 12, 3), D(2026, 12, 10)]),
    ("2 days before each campaign", [D(2026, 12, 5), D(2026, 12, 12)]),
    ("1 day after each sale ends", [D(2026, 12, 14)]),
    ("on the day each product drop starts", [D(2026, 12, 7)]),
    ("3 days before each seasonal rush ends", [D(2026, 12, 21)]),
    ("1 business day after each campaign ends", [D(2026, 12, 8), D(2026, 12, 14), D(2026, 12, 28)]),
]


@override_settings(OWNERMAP_HOLIDAYS=HOLIDAYS)
@pytest.mark.parametrize(("words", "expected"), CAMPAIGN)
def test_a_campaign_rhythm_falls_due_around_each_campaign_of_its_kind(words, expected):
    assert days(words, D(2026, 11, 1), D(2027, 1, 31), campaigns=[SALE, DROP, RUSH]) == expected


def test_one_due_day_names_every_campaign_behind_it():
    found = rhythms.due_dates(
        rhythms.parse("2 business days before each campaign"),
        start=D(2026, 12, 1),
        end=D(2026, 12, 5),
        campaigns=[SALE, DROP],
    )
    assert found == [rhythms.Due(D(2026, 12, 3), (SALE, DROP))]


def test_campaign_days_outside_the_window_are_left_out():
    assert (
        days("1 day after each sale ends", D(2026, 12, 15), D(2027, 1, 31), campaigns=[SALE]) == []
    )
