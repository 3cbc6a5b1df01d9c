"""Operational metrics: values refused out of range, the latest value and how far off target it
is, the gap rule that reads it, and a sheet of values imported all or nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from config.merging import StaleEdit
from ownership.assignments import assign_backup, assign_owner
from ownership.gap_rules import METRIC_OFF_TARGET, gap_report, task_gaps
from tasks_registry.metrics import (
    STANDARD,
    create_metric,
    how_far_off,
    import_values,
    metric_named,
    parse_value,
    read_values,
    record_value,
    update_metric,
    values_since,
)
from tasks_registry.models import Direction, Metric, MetricValue, Unit
from tests.factories import PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def refund_delay():
    return Metric.objects.get(name="Refund delay")


@pytest.fixture
def accuracy():
    return Metric.objects.get(name="Order accuracy")


def test_a_new_map_starts_with_the_seven_metrics_of_the_articles():
    metrics = {m.name: (m.unit, m.direction, m.target) for m in Metric.objects.all()}
    assert set(metrics) == {standard.name for standard in STANDARD}
    assert metrics["Order accuracy"] == (Unit.PERCENT, Direction.HIGHER, Decimal("99.5"))
    assert metrics["Refund delay"] == (Unit.DAYS, Direction.LOWER, Decimal("3"))


@pytest.mark.parametrize(
    ("unit", "typed", "value"),
    [
        (Unit.PERCENT, "98.5", Decimal("98.5")),
        (Unit.PERCENT, "98,5", Decimal("98.5")),
        (Unit.PERCENT, " 98.5 % ", Decimal("98.5")),
        (Unit.MINUTES, "36 minutes", Decimal("36")),
        (Unit.PERCENT, "100", Decimal("100")),
        (Unit.HOURS, "0", Decimal("0")),
    ],
)
def test_a_value_is_read_as_people_type_it(unit, typed, value):
    assert parse_value(unit, typed) == value


@pytest.mark.parametrize(
    ("unit", "typed", "message"),
    [
        (Unit.PERCENT, "about 98", "Enter a number, like 98.5."),
        (Unit.PERCENT, "", "Enter a number, like 98.5."),
        (Unit.DAYS, "NaN", "Enter a number, like 98.5."),
        (Unit.HOURS, "Infinity", "Enter a number, like 98.5."),
        (Unit.HOURS, "-2", "A time cannot be negative."),
        (Unit.COUNT, "-1", "A value in count cannot be negative."),
        (Unit.PERCENT, "100.1", "A percentage is at most 100."),
        (Unit.COUNT, "1e12", "A value is at most 999,999,999."),
        (Unit.DAYS, "1.2345", "Give at most three decimal places."),
    ],
)
def test_a_value_that_is_not_a_number_or_out_of_range_is_refused_with_why(unit, typed, message):
    with pytest.raises(ValidationError) as refused:
        parse_value(unit, typed)
    assert refused.value.messages == [message]


def test_how_far_off_is_a_share_of_the_target_or_of_the_miss_a_high_share_allows():
    assert how_far_off(Unit.DAYS, Direction.LOWER, Decimal(3), Decimal(9)) == 2.0
    assert how_far_off(Unit.PERCENT, Direction.HIGHER, Decimal("99.5"), Decimal("98.9")) == (
        pytest.approx(1.2)
    )
    assert how_far_off(Unit.COUNT, Direction.HIGHER, Decimal(10), Decimal(5)) == 0.5
    assert how_far_off(Unit.DAYS, Direction.LOWER, Decimal(3), Decimal(3)) is None
    assert how_far_off(Unit.DAYS, Direction.LOWER, None, Decimal(30)) is None
    # A target of nothing at all: the miss itself.
    assert how_far_off(Unit.COUNT, Direction.LOWER, Decimal(0), Decimal(4)) == 4.0


def test_the_latest_day_is_the_metrics_value_whatever_order_they_are_recorded_in(
    refund_delay, user
):
    record_value(metric=refund_delay, value=Decimal(5), on=_days_ago(1), by=user, via="page")
    record_value(metric=refund_delay, value=Decimal(2), on=_days_ago(8), by=user, via="page")
    refund_delay.refresh_from_db()
    assert (refund_delay.latest_value, refund_delay.latest_on) == (Decimal(5), _days_ago(1))
    assert refund_delay.off_by == pytest.approx(2 / 3)
    # A second value for the same day replaces it as the current one; both are kept.
    record_value(metric=refund_delay, value=Decimal(3), on=_days_ago(1), by=user, via="page")
    refund_delay.refresh_from_db()
    assert (refund_delay.latest_value, refund_delay.off_by) == (Decimal(3), None)
    assert refund_delay.values.count() == 3
    assert [v.value for v in values_since(refund_delay, None)] == [Decimal(2), Decimal(3)]


def test_a_value_out_of_range_or_for_a_day_to_come_is_refused_and_nothing_is_written(
    refund_delay, user
):
    with pytest.raises(ValidationError) as refused:
        record_value(metric=refund_delay, value=Decimal(-1), by=user, via="page")
    assert refused.value.message_dict == {"value": ["A time cannot be negative."]}
    with pytest.raises(ValidationError) as refused:
        record_value(metric=refund_delay, value=Decimal(1), on=_days_ago(-1), by=user, via="page")
    assert "on" in refused.value.message_dict
    assert not refund_delay.values.exists()


def _covered(name: str, metric: Metric):
    task = TaskFactory(name=name, metric=metric, criticality="high")
    assign_owner(task=task, person=PersonFactory(), by=None)
    assign_backup(task=task, person=PersonFactory(), by=None)
    return task


def test_a_value_off_target_flags_every_task_that_protects_it_ranked_by_how_far_off(
    refund_delay, accuracy, user
):
    refunds = _covered("Refund processing", refund_delay)
    returns = _covered("Returns desk", refund_delay)
    picking = _covered("Pick accuracy checks", accuracy)
    record_value(metric=accuracy, value=Decimal("99.3"), by=user, via="page")  # 0.4 of 0.5
    record_value(
        metric=refund_delay, value=Decimal(9), by=user, via="page"
    )  # twice the target over it
    report = gap_report(on=TODAY)
    # The farther off first; the two of one metric as far off as each other, by name.
    assert report.by_rule[METRIC_OFF_TARGET] == [refunds.pk, returns.pk, picking.pk]
    row = task_gaps(refunds, on=TODAY)
    assert row is not None
    assert row.gap_list == [
        (
            METRIC_OFF_TARGET,
            f"Refund delay was 9 days on {TODAY:%-d %b %Y}; the target is at most 3 days.",
        )
    ]
    # Not a matter of coverage: the task has its owner, backup, rhythm and definition of done.
    assert report.coverage.covered == report.coverage.total == 3


def test_back_on_target_or_a_looser_target_clears_the_gap(refund_delay, accuracy, user):
    task = _covered("Refund processing", refund_delay)
    record_value(metric=refund_delay, value=Decimal(5), by=user, via="page")
    assert gap_report(on=TODAY).by_rule[METRIC_OFF_TARGET] == [task.pk]
    update_metric(metric=refund_delay, by=user, target=Decimal(6))
    assert gap_report(on=TODAY).by_rule[METRIC_OFF_TARGET] == []
    update_metric(metric=refund_delay, by=user, target=Decimal(4))
    assert gap_report(on=TODAY).by_rule[METRIC_OFF_TARGET] == [task.pk]
    record_value(metric=refund_delay, value=Decimal(2), by=user, via="page")
    assert gap_report(on=TODAY).by_rule[METRIC_OFF_TARGET] == []


def test_a_task_that_changes_metric_follows_the_new_ones_value(refund_delay, accuracy, user):
    from tasks_registry.changes import update_task

    task = _covered("Refund processing", refund_delay)
    record_value(metric=refund_delay, value=Decimal(5), by=user, via="page")
    update_task(task=task, by=user, metric=accuracy)
    assert gap_report(on=TODAY).by_rule[METRIC_OFF_TARGET] == []


def test_metrics_are_named_however_written_and_new_ones_are_made_once(user):
    assert metric_named("pick and pack  time") == Metric.objects.get(name="Pick-and-pack time")
    made = metric_named("claims recovered", by=user)
    assert made is not None
    assert (made.name, made.unit, made.direction, made.target) == (
        "Claims recovered",
        Unit.COUNT,
        Direction.LOWER,
        None,
    )
    assert metric_named("Claims  Recovered") == made
    assert metric_named("conversion rate").unit == Unit.PERCENT  # type: ignore[union-attr]
    assert metric_named("  ") is None
    assert made.history.first().history_user == user


def test_a_name_taken_in_another_spelling_or_a_target_out_of_range_is_refused(user):
    with pytest.raises(ValidationError) as refused:
        create_metric(by=user, name="Order-accuracy", unit=Unit.PERCENT, direction="higher")
    assert refused.value.message_dict == {
        "name": ["There is already a metric called “Order accuracy”."]
    }
    with pytest.raises(ValidationError) as refused:
        create_metric(
            by=user, name="Uptime", unit=Unit.PERCENT, direction="higher", target=Decimal(101)
        )
    assert refused.value.message_dict == {"target": ["A percentage is at most 100."]}
    assert not Metric.objects.filter(name="Uptime").exists()


def test_a_stale_edit_of_a_metric_is_refused(refund_delay, user):
    update_metric(metric=refund_delay, by=user, target=Decimal(4))
    with pytest.raises(StaleEdit):
        update_metric(metric=refund_delay, by=user, expected_version=1, target=Decimal(2))
    refund_delay.refresh_from_db()
    assert refund_delay.target == Decimal(4)


def test_a_unit_its_latest_value_does_not_fit_is_refused(user):
    metric = metric_named("claims recovered", by=user)
    assert metric is not None
    record_value(metric=metric, value=Decimal(250), by=user, via="page")
    with pytest.raises(ValidationError) as refused:
        update_metric(metric=metric, by=user, unit=Unit.PERCENT)
    assert "unit" in refused.value.message_dict


SHEET = """date,metric,value
{a},Refund delay,2.5
{b},refund delay,4
{b},Order accuracy,99.7%
"""


def test_a_sheet_of_values_is_recorded_and_importing_it_again_changes_nothing(user):
    text = SHEET.format(a=_days_ago(8), b=_days_ago(1))
    found = import_values(read_values(text), by=user)
    assert (len(found.rows), found.already) == (3, 0)
    assert MetricValue.objects.filter(via=MetricValue.Via.IMPORT).count() == 3
    delay = Metric.objects.get(name="Refund delay")
    assert (delay.latest_value, delay.latest_on, delay.off_by) == (
        Decimal(4),
        _days_ago(1),
        pytest.approx(1 / 3),
    )
    again = import_values(read_values(text), by=user)
    assert again.already == 3
    assert MetricValue.objects.count() == 3


def test_a_sheet_with_problems_names_each_by_row_and_records_nothing(user):
    text = "\n".join(
        [
            "Date;Metric;Value",
            f"{_days_ago(1)};Refund delay;2",
            f"{_days_ago(1)};Refund speed;2",
            "30/11/2026;Refund delay;2",
            f"{_days_ago(-3)};Refund delay;2",
            f"{_days_ago(2)};Refund delay;-2",
            f"{_days_ago(2)};Order accuracy;about 99",
            f"{_days_ago(2)};Order accuracy;101",
        ]
    )
    found = read_values(text)
    assert found.problems == [
        (3, "No metric is called “Refund speed”: add it on the Metrics page first."),
        (4, "“30/11/2026” is not a date: write it as 2026-11-30."),
        (5, f"{_days_ago(-3):%-d %b %Y} has not come yet."),
        (6, "Refund delay: A time cannot be negative."),
        (7, "Order accuracy: Enter a number, like 98.5."),
        (8, "Order accuracy: A percentage is at most 100."),
    ]
    with pytest.raises(ValidationError):
        import_values(found, by=user)
    assert not MetricValue.objects.exists()


def test_a_sheet_without_the_columns_says_which_are_missing():
    assert read_values("day,number\n2026-11-30,4\n").problems == [
        (1, "The header needs columns date, metric and value; no metric, value.")
    ]
    assert read_values("").problems[0][0] == 1


def test_a_renamed_metric_finds_its_tasks_by_the_new_name_and_the_history_says_so(
    refund_delay, user
):
    from ownership.history_in_words import task_history
    from ownership.lookup.search import lookup
    from tasks_registry.changes import update_task

    task = TaskFactory(name="Returns desk")
    update_task(task=task, by=user, metric=refund_delay)
    assert [c.__dict__ for c in task_history(task)[0].changes] == [
        {"label": "operational metric", "before": "—", "after": "Refund delay"}
    ]
    assert [answer.task.pk for answer in lookup("quokka lag").answers] == []
    update_metric(metric=refund_delay, by=user, name="Quokka lag")
    assert [answer.task.pk for answer in lookup("quokka lag").answers] == [task.pk]


def _parsed(unit: Unit, typed: str) -> tuple[Decimal | None, list[str]]:
    try:
        return parse_value(unit, typed), []
    except ValidationError as refused:
        return None, refused.messages


@given(typed=st.text(max_size=40), unit=st.sampled_from(list(Unit)))
@example(typed="1e999999999999", unit=Unit.COUNT)
@example(typed="sNaN", unit=Unit.PERCENT)
@example(typed="-0", unit=Unit.HOURS)
@example(typed="1e-999999999999", unit=Unit.DAYS)
def test_whatever_is_typed_is_a_value_in_range_or_refused_with_a_message(typed, unit):
    value, messages = _parsed(unit, typed)
    if value is None:
        assert messages
        assert all(messages)
    else:
        assert value.is_finite()
        assert value >= 0
        assert unit.highest is None or value <= unit.highest


def test_a_metric_renamed_racing_another_to_the_same_name_is_refused_at_the_name(
    refund_delay, monkeypatch
):
    monkeypatch.setattr("tasks_registry.metrics._check_name_free", lambda *a, **k: None)
    with pytest.raises(ValidationError) as refused:
        update_metric(metric=refund_delay, by=None, name="order accuracy")
    assert "already a metric called" in refused.value.message_dict["name"][0]
    refund_delay.refresh_from_db()
    assert refund_delay.name == "Refund delay"
