"""The days a rhythm falls due in a window: calendar rules expanded by python-dateutil, business
days adjusted for holidays, campaign rhythms counted from each campaign's start or end."""

import datetime
from dataclasses import dataclass

from dateutil.rrule import rrulestr

from tasks_registry.rhythms import business_days
from tasks_registry.rhythms.kinds import AdHoc, CalendarRhythm, CampaignRhythm, Rhythm

# A first or last business day moved past a holiday can come from just outside the window.
_HOLIDAY_MARGIN = datetime.timedelta(days=10)


@dataclass(frozen=True)
class CampaignDates:
    """A campaign as rhythms see it: its kind and the local days it starts and ends."""

    pk: int
    name: str
    slug: str
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date


@dataclass(frozen=True)
class Due:
    """One day a rhythm falls due, and the campaigns that put it there (if any)."""

    on: datetime.date
    campaigns: tuple[CampaignDates, ...] = ()


def due_dates(
    rhythm: Rhythm | None,
    *,
    start: datetime.date,
    end: datetime.date,
    campaigns: tuple[CampaignDates, ...] | list[CampaignDates] = (),
) -> list[Due]:
    """Every day from start to end (both included) the rhythm falls due, in order."""
    if start > end:
        return []
    match rhythm:
        case None | AdHoc():
            return []
        case CalendarRhythm():
            return [Due(day) for day in _calendar_days(rhythm, start, end)]
        case CampaignRhythm():
            return _campaign_days(rhythm, start, end, campaigns)
    raise TypeError(rhythm)


def campaign_due_day(rhythm: CampaignRhythm, campaign: CampaignDates) -> datetime.date:
    """The day a campaign rhythm falls due for one campaign."""
    base = campaign.starts_on if rhythm.edge == "start" else campaign.ends_on
    days = -rhythm.days if rhythm.before else rhythm.days
    if rhythm.business:
        return business_days.shift(base, days)
    return base + datetime.timedelta(days=days)


def _calendar_days(
    rhythm: CalendarRhythm, start: datetime.date, end: datetime.date
) -> list[datetime.date]:
    if rhythm.start is not None:
        start = max(start, rhythm.start)
        if start > end:
            return []
    low, high = start, end
    if rhythm.holidays in ("forward", "back"):
        low, high = start - _HOLIDAY_MARGIN, end + _HOLIDAY_MARGIN
    midnight = datetime.time()
    rule = rrulestr(
        "RRULE:" + rhythm.rule(),
        dtstart=datetime.datetime.combine(_counting_from(rhythm, low), midnight),
    )
    days = [
        moment.date()
        for moment in rule.between(
            datetime.datetime.combine(low, midnight),
            datetime.datetime.combine(high, midnight),
            inc=True,
        )
    ]
    match rhythm.holidays:
        case "skip":
            days = [day for day in days if business_days.is_business_day(day)]
        case "forward":
            days = [business_days.on_or_after(day) for day in days]
        case "back":
            days = [business_days.on_or_before(day) for day in days]
    return sorted({day for day in days if start <= day <= end})


def _counting_from(rhythm: CalendarRhythm, low: datetime.date) -> datetime.date:
    """Where dateutil should start expanding: the anchor, moved forward by whole intervals to
    the period that holds `low`, so that a rule set years ago is not expanded from then on
    every call. Pasted rules are expanded from their anchor: a COUNT counts from there."""
    anchor = rhythm.anchor
    if rhythm.rule_text is not None or low <= anchor:
        return anchor
    if rhythm.every == "day":
        periods = (low - anchor).days // rhythm.interval
        return anchor + datetime.timedelta(days=periods * rhythm.interval)
    if rhythm.every in ("week", "business_day"):
        monday = anchor - datetime.timedelta(days=anchor.weekday())
        weeks = (low - monday).days // 7 // rhythm.interval * rhythm.interval
        return monday + datetime.timedelta(weeks=weeks) if weeks else anchor
    if rhythm.every in ("month", "quarter"):
        step = 3 if rhythm.every == "quarter" else rhythm.interval
        months = (low.year - anchor.year) * 12 + low.month - anchor.month
        months = months // step * step
        if not months:
            return anchor
        index = anchor.year * 12 + anchor.month - 1 + months
        return datetime.date(index // 12, index % 12 + 1, 1)
    years = (low.year - anchor.year) // rhythm.interval * rhythm.interval
    return datetime.date(anchor.year + years, 1, 1) if years else anchor


def _campaign_days(
    rhythm: CampaignRhythm,
    start: datetime.date,
    end: datetime.date,
    campaigns,
) -> list[Due]:
    by_day: dict[datetime.date, list[CampaignDates]] = {}
    for campaign in campaigns:
        if rhythm.applies_to(campaign.kind):
            day = campaign_due_day(rhythm, campaign)
            if start <= day <= end:
                by_day.setdefault(day, []).append(campaign)
    return [Due(day, tuple(by_day[day])) for day in sorted(by_day)]
