"""The map getting truer, session by session: coverage and gap counts as an inline SVG chart
drawn here (no chart library, no script), with the same figures as a table beside it."""

from dataclasses import dataclass

from ownership.gap_rules import RULES, GapRule
from reviews.models import ReviewSession

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 44, 16, 36


@dataclass(frozen=True)
class Point:
    session: ReviewSession | None  # None: the map as it is now
    label: str
    x: float
    coverage: int | None
    coverage_y: float | None
    flagged: int
    flagged_y: float
    counts: dict[str, int]


@dataclass(frozen=True)
class Chart:
    points: list[Point]
    max_flagged: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def coverage_line(self) -> str:
        return " ".join(f"{p.x:.1f},{p.coverage_y:.1f}" for p in self.points if p.coverage_y)

    @property
    def flagged_line(self) -> str:
        return " ".join(f"{p.x:.1f},{p.flagged_y:.1f}" for p in self.points)

    @property
    def rules(self) -> list[GapRule]:
        return list(RULES)

    @property
    def plot_bottom(self) -> int:
        return HEIGHT - BOTTOM

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT


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


def trend_chart(past: list[ReviewSession], now: dict) -> Chart | None:
    """Past sessions, oldest first, with their coverage and the tasks flagged, and the map as it
    is now as the last point; None until a session has closed."""
    shown = [s for s in sorted(past, key=lambda s: (s.scheduled_for, s.pk)) if _figures(s)]
    if not shown:
        return None
    series = [(s, s.period or f"{s.scheduled_for:%-d %b %Y}", _figures(s)) for s in shown]
    series.append((None, "Now", now))
    max_flagged = max(figures.get("flagged", 0) for _, _, figures in series) or 1
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    step = plot_width / (len(series) - 1)
    points = []
    for index, (session, label, figures) in enumerate(series):
        coverage = figures.get("coverage")
        flagged = figures.get("flagged", 0)
        points.append(
            Point(
                session=session,
                label=label,
                x=LEFT + index * step,
                coverage=coverage,
                coverage_y=None if coverage is None else TOP + (100 - coverage) / 100 * plot_height,
                flagged=flagged,
                flagged_y=TOP + (1 - flagged / max_flagged) * plot_height,
                counts=figures.get("counts", {}),
            )
        )
    return Chart(points, max_flagged)
