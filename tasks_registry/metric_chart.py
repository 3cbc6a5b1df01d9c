"""A metric's recent values against its target, as a small inline SVG chart drawn here (no
chart library, no script: the strict CSP holds), with the same values as a table beside it."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from tasks_registry.metrics import how_far_off
from tasks_registry.models import Metric, MetricValue, Unit

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 8, 22


@dataclass(frozen=True)
class Point:
    day: datetime.date
    value: Decimal
    x: float
    y: float
    shown: str  # "98.9%"
    off: bool  # misses the target


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class MetricChart:
    metric: Metric
    points: list[Point]
    target_y: float | None
    ticks: list[Tick]
    first_label: str
    last_label: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM

    @property
    def line(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None


def metric_chart(metric: Metric, values: list[MetricValue]) -> MetricChart:
    """The values given (oldest first, one a day) on a true time axis, the target as a line."""
    numbers = [row.value for row in values]
    if metric.target is not None:
        numbers.append(metric.target)
    low = min([Decimal(0), *numbers])
    high = max(numbers, default=Decimal(1))
    highest = metric.unit_kind.highest
    if high == low:
        high = low + 1
    # A little room above the highest point, never past what the unit allows.
    high = high + (high - low) / 10
    if highest is not None:
        high = min(high, highest)
    days = [row.on for row in values]
    first, last = (days[0], days[-1]) if days else (None, None)
    span = (last - first).days if first and last else 0

    def x(day: datetime.date) -> float:
        inner = WIDTH - LEFT - RIGHT
        if first is None or span == 0:
            return LEFT + inner / 2
        return LEFT + inner * (day - first).days / span

    def y(value: Decimal) -> float:
        inner = HEIGHT - TOP - BOTTOM
        return TOP + inner * float((high - value) / (high - low))

    points = [
        Point(
            day=row.on,
            value=row.value,
            x=x(row.on),
            y=y(row.value),
            shown=metric.show(row.value),
            off=how_far_off(metric.unit_kind, metric.direction, metric.target, row.value)
            is not None,
        )
        for row in values
    ]
    top = _round_down(high)
    ticks = [Tick(y(low), _tick(metric, low)), Tick(y(top), _tick(metric, top))]
    return MetricChart(
        metric=metric,
        points=points,
        target_y=y(metric.target) if metric.target is not None else None,
        ticks=ticks,
        first_label=f"{first:%-d %b}" if first else "",
        last_label=f"{last:%-d %b %Y}" if last else "",
    )


def _tick(metric: Metric, value: Decimal) -> str:
    """A number on the scale: the unit, but for a percentage's sign, is said once below."""
    number = f"{value.normalize():f}"
    return f"{number}%" if metric.unit_kind is Unit.PERCENT else number


def _round_down(value: Decimal) -> Decimal:
    step = Decimal("0.1") if value < 10 else Decimal(1)
    return value.quantize(step, rounding=ROUND_DOWN).normalize()
