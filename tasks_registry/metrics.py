"""Operational metrics: the numbers tasks protect, their values, and how far off target they
are. Views, the sheet import, the demo, reviews and tests all write them through these.

A metric is the store's number, not one task's: two tasks that protect order accuracy read the
same values, and one value off target flags both (the gap rule "metric off target",
ownership/gap_rules.py, reads Metric.off_by through each task's facts).
"""

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import timezone

from config.merging import StaleEdit
from config.writes import apply_changes, insert_once, locked, save_once, stamp
from tasks_registry.models import Direction, Metric, MetricValue, Task, Unit


class Standard(NamedTuple):
    name: str
    unit: Unit
    direction: Direction
    target: str
    description: str


# The operational numbers stores watch (seed 002), with a usual target each: a new map starts
# with these, and ops leads set their own targets and add their own metrics.
STANDARD = (
    Standard("Order accuracy", Unit.PERCENT, Direction.HIGHER, "99.5",
             "Orders shipped complete and correct."),
    Standard("Pick-and-pack time", Unit.HOURS, Direction.LOWER, "24",
             "From an order placed to its parcel packed."),
    Standard("Return cycle time", Unit.DAYS, Direction.LOWER, "7",
             "From a return requested to its refund issued."),
    Standard("Contact rate per order", Unit.PERCENT, Direction.LOWER, "5",
             "Support contacts per 100 orders."),
    Standard("Refund delay", Unit.DAYS, Direction.LOWER, "3",
             "From a return received to the money sent back."),
    Standard("Out-of-stock frequency", Unit.COUNT, Direction.LOWER, "5",
             "Live products that sold out, per week."),
    Standard("Split-shipment rate", Unit.PERCENT, Direction.LOWER, "8",
             "Orders sent in more than one parcel."),
)  # fmt: skip
# Other metrics the starter map names, made with their unit when first named (no target).
KNOWN = {
    "conversion rate": (Unit.PERCENT, Direction.HIGHER, "Visits that end in an order."),
}
EDITABLE_FIELDS = ("name", "unit", "direction", "target", "description")
# The largest value a metric holds (its column's precision).
LARGEST = Decimal("999999999")


def name_key(name: str) -> str:
    """A metric's name as compared: "Pick-and-pack time" and "pick and pack  time" are one."""
    return " ".join(name.lower().replace("-", " ").split())


def metric_named(name: str, *, by: AbstractBaseUser | None = None) -> Metric | None:
    """The metric of this name (however written), made if the map has none: with its usual
    unit when it is a known one, else counted, lower is better and without a target until an
    ops lead says otherwise. None for a blank name."""
    key = name_key(name)
    if not key:
        return None
    for metric in Metric.objects.all():
        if name_key(metric.name) == key:
            return metric
    standard = next((s for s in STANDARD if name_key(s.name) == key), None)
    if standard is not None:
        return create_metric(
            by=by,
            name=standard.name,
            unit=standard.unit,
            direction=standard.direction,
            target=Decimal(standard.target),
            description=standard.description,
        )
    unit, direction, description = KNOWN.get(key, (Unit.COUNT, Direction.LOWER, ""))
    name = " ".join(name.split())
    return create_metric(
        by=by,
        name=name[:1].upper() + name[1:],
        unit=unit,
        direction=direction,
        description=description,
    )


def ensure_standard(*, by: AbstractBaseUser | None = None) -> list[Metric]:
    """The standard metrics, made where missing."""
    return [m for s in STANDARD if (m := metric_named(s.name, by=by)) is not None]


# --- Values -----------------------------------------------------------------------------------


def value_problem(unit: Unit, value: Decimal) -> str:
    """Why this value cannot be one of a metric in `unit` ("" when it can)."""
    if not value.is_finite():
        return "Enter a number, like 98.5."
    if value < 0:
        if unit.is_time:
            return "A time cannot be negative."
        return f"A value in {unit.label} cannot be negative."
    highest = unit.highest
    if highest is not None and value > highest:
        return f"A percentage is at most {highest}."
    if value > LARGEST:
        return f"A value is at most {LARGEST:,}."
    if value != value.quantize(Decimal("0.001")):
        return "Give at most three decimal places."
    return ""


def parse_value(unit: Unit, typed: str) -> Decimal:
    """A value as typed ("98.5", "98,5", "98.5 %", "36 minutes"), or a ValidationError saying
    what is wrong with it."""
    text = typed.strip().removesuffix(unit.label).removesuffix("%").strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text.replace("\u2009", "").replace(" ", ""))
    except InvalidOperation:
        raise ValidationError("Enter a number, like 98.5.", code="not_a_number") from None
    problem = value_problem(unit, value)
    if problem:
        raise ValidationError(problem, code="out_of_range")
    return value


def how_far_off(
    unit: Unit, direction: str, target: Decimal | None, value: Decimal | None
) -> float | None:
    """How far a value misses the target, as a share of it: 2 for a refund delay of 9 days
    against 3. For a share that should be high, as a share of the miss it allows (98.9%
    against 99.5% misses 1.1 points of an allowed 0.5: 1.2). None when on target."""
    if target is None or value is None:
        return None
    if direction == Direction.LOWER:
        miss, base = value - target, target
    else:
        highest = unit.highest
        miss, base = target - value, (highest - target if highest is not None else target)
    if miss <= 0:
        return None
    return float(miss / base) if base > 0 else float(miss)


def _refresh_latest(metric: Metric) -> None:
    """Copy the metric's latest value, and how far off target it is, onto it."""
    latest = metric.values.order_by("-on", "-recorded_at", "-id").first()
    metric.latest_value = latest.value if latest else None
    metric.latest_on = latest.on if latest else None
    metric.off_by = how_far_off(
        metric.unit_kind, metric.direction, metric.target, metric.latest_value
    )
    # Derived, like the version's row: a value recorded is in the values, not the metric's history.
    metric.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        metric.save(update_fields=["latest_value", "latest_on", "off_by"])
    finally:
        del metric.skip_history_when_saving  # type: ignore[attr-defined]


def record_value(
    *,
    metric: Metric,
    value: Decimal,
    by: AbstractBaseUser,
    via: str,
    on: datetime.date | None = None,
    task: Task | None = None,
    field: str = "value",
) -> MetricValue:
    """Record a value of `metric` for `on` (today by default). Refused with a ValidationError
    on the field at fault (`field`, for the value): a value out of range for its unit, or a
    day still to come."""
    today = timezone.localdate()
    on = on or today
    problem = value_problem(metric.unit_kind, value)
    if problem:
        raise ValidationError({field: problem}, code="out_of_range")
    if on > today:
        raise ValidationError({"on": "A value is recorded for a day that has come."}, code="future")
    with transaction.atomic():
        current = locked(metric)
        recorded = MetricValue.objects.create(
            metric=current, on=on, value=value, task=task, via=via, recorded_by_id=by.pk
        )
        _refresh_latest(current)
    metric.latest_value, metric.latest_on, metric.off_by = (
        current.latest_value,
        current.latest_on,
        current.off_by,
    )
    return recorded


def record_task_value(
    *,
    task: Task,
    value: Decimal,
    by: AbstractBaseUser | None,
    via: str,
    field: str = "value",
    on: datetime.date | None = None,
) -> MetricValue:
    """A value of the metric `task` protects, recorded for it (record_value); refused on
    `field` for a task that protects none, or a value nobody in particular gave."""
    metric = task.metric
    if metric is None or by is None:
        raise ValidationError({field: "This task protects no metric."}, code="no_metric")
    return record_value(metric=metric, value=value, by=by, via=via, on=on, task=task, field=field)


def values_since(
    metric: Metric, since: datetime.date | None, *, limit: int = 60
) -> list[MetricValue]:
    """Its values from `since` on (the last `limit` of them; all, without `since`), oldest
    first: one per day, the one recorded last."""
    rows = metric.values.order_by("-on", "-recorded_at", "-id")
    if since is not None:
        rows = rows.filter(on__gte=since)
    by_day: dict[datetime.date, MetricValue] = {}
    for row in rows.select_related("recorded_by", "task")[: limit * 3]:
        by_day.setdefault(row.on, row)
    return sorted(by_day.values(), key=lambda row: row.on)[-limit:]


# --- Metrics ----------------------------------------------------------------------------------


def _name_taken(name: str) -> ValidationError:
    return ValidationError(
        {"name": f"There is already a metric called “{name}”."}, code="duplicate"
    )


def _check_name_free(name: str, *, exclude_pk: int | None = None) -> None:
    key = name_key(name)
    others = Metric.objects.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other in others.values_list("name", flat=True):
        if name_key(other) == key:
            raise _name_taken(other)


def create_metric(
    *, by: AbstractBaseUser | None, name: str, unit: str, direction: str, **fields: Any
) -> Metric:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"create_metric() got unexpected fields: {sorted(unknown)}")
    with transaction.atomic():
        name = " ".join(name.split())
        _check_name_free(name)
        metric = Metric(name=name, unit=unit, direction=direction, **fields)
        _check_target(metric)
        metric.full_clean(validate_unique=False, validate_constraints=False)
        stamp(metric, by=by)
        insert_once(metric, taken=_name_taken(name))
    return metric


def update_metric(
    *,
    metric: Metric,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
    **changes: Any,
) -> Metric:
    """Apply changes and bump the version; refuse if it moved on since expected_version. A new
    target, unit or direction judges the latest value again."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_metric() got unexpected fields: {sorted(unknown)}")
    with transaction.atomic():
        current = locked(metric)
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit(current, expected_version)
        if "name" in changes:
            changes["name"] = " ".join(changes["name"].split())
            _check_name_free(changes["name"], exclude_pk=current.pk)
        changed = apply_changes(current, changes)
        if not changed:
            return current
        _check_target(current)
        if "unit" in changed and current.latest_value is not None:
            problem = value_problem(current.unit_kind, current.latest_value)
            if problem:
                raise ValidationError(
                    {"unit": f"Its latest value, {current.latest_value}, does not fit: {problem}"}
                )
        current.full_clean(validate_unique=False, validate_constraints=False)
        current.version += 1
        current.off_by = how_far_off(
            current.unit_kind, current.direction, current.target, current.latest_value
        )
        stamp(current, by=by)
        saved = [*changed, "version", "off_by"]
        save_once(current, taken=_name_taken(current.name), update_fields=saved)
    return current


def _check_target(metric: Metric) -> None:
    if metric.target is None:
        return
    problem = value_problem(Unit(metric.unit), metric.target)
    if problem:
        raise ValidationError({"target": problem}, code="out_of_range")


def metrics_with_tasks() -> list[Metric]:
    """Every metric, with how many active tasks protect it (as `task_count`)."""
    return list(
        Metric.objects.annotate(
            task_count=Count("tasks", filter=Q(tasks__is_active=True))
        ).order_by(Lower("name"))
    )


# --- Import -----------------------------------------------------------------------------------

# The columns of a values sheet, by the names people give them.
_COLUMNS = {"date": "date", "day": "date", "on": "date", "metric": "metric", "value": "value"}
IMPORT_MAX_ROWS = 10_000


@dataclass
class ValuesImport:
    """What an imported sheet of values would record, and what is wrong with it, row by row
    (the header is row 1). Nothing is recorded while `problems` is not empty."""

    rows: list[tuple[Metric, datetime.date, Decimal]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    already: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def read_values(text: str) -> ValuesImport:
    """Check a CSV of values (date, metric, value) against the map's metrics."""
    found = ValuesImport()
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        found.problems.append((1, "The file is empty: it needs a header row date, metric, value."))
        return found
    columns = {
        _COLUMNS.get(name.strip().lower().lstrip("\ufeff")): i for i, name in enumerate(header)
    }
    missing = [name for name in ("date", "metric", "value") if name not in columns]
    if missing:
        said = ", ".join(missing)
        found.problems.append((1, f"The header needs columns date, metric and value; no {said}."))
        return found
    metrics = {name_key(m.name): m for m in Metric.objects.all()}
    today = timezone.localdate()
    seen: set[tuple[int, datetime.date, Decimal]] = set()
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if number > IMPORT_MAX_ROWS + 1:
            found.problems.append((number, f"A file holds at most {IMPORT_MAX_ROWS:,} values."))
            break
        cell = {
            name: (cells[i].strip() if i < len(cells) else "")
            for name, i in columns.items()
            if name
        }
        metric = metrics.get(name_key(cell["metric"]))
        if metric is None:
            found.problems.append(
                (
                    number,
                    f"No metric is called “{cell['metric']}”: add it on the Metrics page first.",
                )
            )
            continue
        try:
            on = datetime.date.fromisoformat(cell["date"])
        except ValueError:
            found.problems.append(
                (number, f"“{cell['date']}” is not a date: write it as 2026-11-30.")
            )
            continue
        if on > today:
            found.problems.append((number, f"{on:%-d %b %Y} has not come yet."))
            continue
        try:
            value = parse_value(metric.unit_kind, cell["value"])
        except ValidationError as error:
            found.problems.append((number, f"{metric.name}: {error.messages[0]}"))
            continue
        if (metric.pk, on, value) not in seen:
            seen.add((metric.pk, on, value))
            found.rows.append((metric, on, value))
    return found


def import_values(found: ValuesImport, *, by: AbstractBaseUser) -> ValuesImport:
    """Record every value of a checked sheet, in one transaction; a value the metric already
    has for that day is not recorded twice (importing the same sheet again changes nothing)."""
    if not found.ok:
        raise ValidationError("The sheet has problems; nothing was recorded.")
    with transaction.atomic():
        metrics = {metric.pk: locked(metric) for metric, _, _ in found.rows}
        have = set(
            MetricValue.objects.filter(metric_id__in=metrics).values_list(
                "metric_id", "on", "value"
            )
        )
        new = [
            MetricValue(
                metric=metrics[m.pk],
                on=on,
                value=value,
                via=MetricValue.Via.IMPORT,
                recorded_by_id=by.pk,
            )
            for m, on, value in found.rows
            if (m.pk, on, value) not in have
        ]
        found.already = len(found.rows) - len(new)
        MetricValue.objects.bulk_create(new, batch_size=1000)
        for metric in metrics.values():
            _refresh_latest(metric)
    return found
