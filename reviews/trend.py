"""The map getting truer, session by session: coverage and open gaps as inline SVG charts drawn
here (no chart library, no script), with the same figures as a table beside them.

Quarterly and post-campaign sessions are separate series on a true time axis (each at the day
it closed), and each figure has its own chart with a labelled scale: a count of gaps shares no
scale with a percentage. Follow-ups walk a remainder, so they are left out."""

import datetime
import math
from dataclasses import dataclass

from django.utils import timezone

from ownership.gap_rules import RULES
from reviews.models import ReviewKind, ReviewSession

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 12, 32
SERIES = {
    ReviewKind.QUARTERLY: "Quarterly reviews",
    ReviewKind.POST_CAMPAIGN: "Post-campaign reviews",
}


@dataclass(frozen=True)
class Mark:
    """One session's figure (session None: the map as it is now), placed on the chart."""

    session: ReviewSession | None
    day: datetime.date
    value: int
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Series:
    kind: str  # a ReviewKind, or "now"
    name: str
    marks: list[Mark]

    @property
    def line(self) -> str:
        return " ".join(f"{mark.x:.1f},{mark.y:.1f}" for mark in self.marks)


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Panel:
    """One figure over time: its series, its scale's ticks (y) and the months (x)."""

    key: str
    title: str
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT

    @property
    def plot_top(self) -> int:
        return TOP

    @property
    def plot_bottom(self) -> int:
        return HEIGHT - BOTTOM


@dataclass(frozen=True)
class Chart:
    coverage: Panel
    gaps: Panel

    @property
    def panels(self) -> list[Panel]:
        return [self.coverage, self.gaps]


def _figures(session: ReviewSession) -> dict:
    """What the map looked like when the session closed (or, if it never did, when made)."""
    return session.map_after or session.map_before or {}


def figures_of(session: ReviewSession) -> dict:
    """The figures a row of the trend table shows."""
    figures = _figures(session)
    counts = figures.get("counts", {})
    return {
        "coverage": figures.get("coverage"),
        "flagged": figures.get("flagged", 0),
        "columns": [
            sum(counts.get(rule.code, 0) for rule in rules)
            for rules in RULES.trend_columns().values()
        ],
    }


def trend_columns() -> list[str]:
    """The gap counts the trend table shows, one column each (rules may share one)."""
    return list(RULES.trend_columns())


def day_of(session: ReviewSession) -> datetime.date:
    """Where a session stands on the time axis: the day it closed (its figures' day)."""
    if session.closed_at is not None:
        return timezone.localdate(session.closed_at)
    return session.scheduled_for


def _nice_top(value: int) -> int:
    """The scale's top for counts up to `value`: 1, 2 or 5 times a power of ten, or 4 at least."""
    if value <= 4:
        return 4
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _months(first: datetime.date, last: datetime.date, x) -> list[Tick]:
    """A tick at the first of each month within the range, thinned to six at the most."""
    month = datetime.date(first.year, first.month, 1)
    starts = []
    while month <= last:
        if month >= first:
            starts.append(month)
        month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    every = max(1, math.ceil(len(starts) / 6))
    return [Tick(x(day), f"{day:%b %Y}") for day in starts[::every]]


def trend_chart(past: list[ReviewSession], now: dict, today: datetime.date) -> Chart | None:
    """The closed sessions' coverage and open gaps, a series per kind, and the map now as a
    last mark; None until a quarterly or post-campaign session has closed."""
    shown = sorted(
        (s for s in past if s.kind in SERIES and _figures(s)), key=lambda s: (day_of(s), s.pk)
    )
    if not shown:
        return None
    first = min(day_of(shown[0]), today)
    span = max((today - first).days, 1)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM

    def x(day: datetime.date) -> float:
        return LEFT + (day - first).days / span * plot_width

    x_ticks = _months(first, today, x)
    gaps_top = _nice_top(
        max([_figures(s).get("flagged", 0) for s in shown] + [now.get("flagged", 0)])
    )

    def panel(key: str, title: str, value_of, top: int, unit: str) -> Panel:
        def y(value: int) -> float:
            return TOP + (1 - value / top) * plot_height

        def mark(session: ReviewSession | None, day: datetime.date, figures: dict) -> Mark | None:
            value = value_of(figures)
            if value is None:
                return None
            name = str(session) if session is not None else "Now"
            title_ = f"{name}, {day:%-d %b %Y}: {value}{unit}"
            return Mark(session, day, value, x(day), y(value), title_)

        series = []
        for kind, name in SERIES.items():
            marks = [mark(s, day_of(s), _figures(s)) for s in shown if s.kind == kind]
            series.append(Series(kind, name, [m for m in marks if m is not None]))
        current = mark(None, today, now)
        series.append(Series("now", "Now", [current] if current is not None else []))
        step = top // 5 if top % 5 == 0 else top // 4
        ticks = [Tick(y(value), f"{value}{unit}") for value in range(0, top + 1, step)]
        return Panel(key, title, series, ticks, x_ticks)

    return Chart(
        coverage=panel("coverage", "Ownership coverage (%)", lambda f: f.get("coverage"), 100, "%"),
        gaps=panel("gaps", "Tasks with a gap (count)", lambda f: f.get("flagged", 0), gaps_top, ""),
    )
