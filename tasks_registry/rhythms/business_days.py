"""Business days: weekdays that are not holidays. The holidays are a country's public holidays
(OWNERMAP_HOLIDAY_COUNTRY and _SUBDIVISION, from the maintained `holidays` package) and the
company's own days off (OWNERMAP_HOLIDAYS): fixed dates, and month-days that recur every year."""

import datetime
from functools import cache

import holidays
from django.conf import settings

_ONE_DAY = datetime.timedelta(days=1)


@cache
def _holidays(spec: tuple[str, ...]) -> tuple[frozenset[datetime.date], frozenset[tuple[int, int]]]:
    dates, yearly = set(), set()
    for item in spec:
        if item.count("-") == 2:
            dates.add(datetime.date.fromisoformat(item))
        else:
            month, day = item.split("-")
            yearly.add((int(month), int(day)))
    return frozenset(dates), frozenset(yearly)


@cache
def _public(country: str, subdivision: str, year: int) -> frozenset[datetime.date]:
    """The country's public holidays of one year, observed days included: a set, since every
    rhythm asks of each day it walks."""
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(found)


def is_holiday(day: datetime.date) -> bool:
    dates, yearly = _holidays(tuple(settings.OWNERMAP_HOLIDAYS))
    if day in dates or (day.month, day.day) in yearly:
        return True
    country = settings.OWNERMAP_HOLIDAY_COUNTRY
    return bool(country) and day in _public(
        country, settings.OWNERMAP_HOLIDAY_SUBDIVISION, day.year
    )


def is_business_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def on_or_after(day: datetime.date) -> datetime.date:
    """The day itself if it is a business day, else the next one."""
    while not is_business_day(day):
        day += _ONE_DAY
    return day


def on_or_before(day: datetime.date) -> datetime.date:
    """The day itself if it is a business day, else the one before."""
    while not is_business_day(day):
        day -= _ONE_DAY
    return day


def shift(day: datetime.date, business_days: int) -> datetime.date:
    """The business day that many business days after (or, negative, before) the day.

    The day itself is not counted: two business days before a Monday is the Thursday before,
    and one business day before a Saturday is the Friday.
    """
    step = _ONE_DAY if business_days > 0 else -_ONE_DAY
    for _ in range(abs(business_days)):
        day += step
        while not is_business_day(day):
            day += step
    return day
