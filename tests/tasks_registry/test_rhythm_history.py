"""Changing a rhythm keeps the past: occurrences before the change come from the rhythm in
force then, stay overdue until confirmed or skipped, and past run sheets show them."""

import datetime
import importlib

import pytest
from django.utils import timezone

from ownership.run_sheet import NOT_TRACKED, run_sheet
from ownership.sheets.apply import apply_import
from ownership.sheets.files import read_table
from tasks_registry import due, rhythm_spans
from tasks_registry.changes import update_task
from tasks_registry.completions import skip_occurrences
from tasks_registry.models import CampaignKind, Task
from tests.factories import CampaignFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def drop(today):
    """A product drop that started ten days ago."""
    start = timezone.make_aware(datetime.datetime.combine(today - 10 * DAY, datetime.time(9)))
    return CampaignFactory(name="Trail drop", kind=CampaignKind.PRODUCT_DROP, starts_at=start)


def _campaign_task(today, rhythm="2 business days before each campaign"):
    task = TaskFactory(name="Promo codes live", rhythm=rhythm, criticality="critical")
    Task.objects.filter(pk=task.pk).update(rhythm_set_on=today - 40 * DAY)
    task.refresh_from_db()
    due.refresh_next_due([task])
    task.refresh_from_db()
    return task


def test_an_overdue_occurrence_survives_a_rhythm_change_and_keeps_its_day(today, drop):
    task = _campaign_task(today)
    [before] = due.schedule(task).overdue
    update_task(task=task, by=None, rhythm="3 business days before each campaign")
    task.refresh_from_db()
    assert [o.due_on for o in due.schedule(task).overdue] == [before.due_on]
    assert task.next_due_on == before.due_on
    assert task.past_rhythms == [
        {
            "rhythm": "2 business days before each campaign",
            "from": (today - 40 * DAY).isoformat(),
            "until": (today - DAY).isoformat(),
        }
    ]
    [row] = run_sheet(drop)
    assert (row.due_on, row.state, row.rhythm) == (
        before.due_on,
        due.OVERDUE,
        "2 business days before each campaign",
    )


def test_a_past_run_sheet_keeps_a_task_whose_new_rhythm_no_longer_applies(today, drop):
    task = _campaign_task(today)
    update_task(task=task, by=None, rhythm="2 business days before each sale")
    [row] = run_sheet(drop)
    assert row.task == task
    assert row.state == due.OVERDUE


def test_the_overdue_occurrence_goes_once_skipped_with_a_reason(today, drop):
    task = _campaign_task(today)
    update_task(task=task, by=None, rhythm="weekly on monday")
    task.refresh_from_db()
    [missed] = due.schedule(task).overdue
    skip_occurrences(
        task=task, first=missed.due_on, last=missed.due_on, by=UserFactory(), reason="Drop moved"
    )
    task.refresh_from_db()
    assert due.schedule(task).overdue == []
    assert task.next_due_on >= today
    [row] = run_sheet(drop)
    assert (row.state, row.completion.skip_reason) == (due.SKIPPED, "Drop moved")


def test_a_rhythm_replaced_the_day_it_was_set_asked_nothing_and_is_not_kept(today):
    task = TaskFactory(rhythm="daily")
    update_task(task=task, by=None, rhythm="weekly on friday")
    task.refresh_from_db()
    assert task.past_rhythms == []
    assert rhythm_spans.spans(task) == [
        rhythm_spans.Span(rhythm_spans.rhythms.stored("weekly on friday"), today)
    ]


def test_a_day_before_any_rhythm_is_not_tracked_on_the_run_sheet(today, drop):
    task = _campaign_task(today)
    Task.objects.filter(pk=task.pk).update(rhythm_set_on=today)
    assert [row.state for row in run_sheet(drop)] == [NOT_TRACKED]


def test_an_import_that_changes_a_rhythm_keeps_the_old_one(today, drop):
    task = _campaign_task(today)
    sheet = (f"Task,Stage,Rhythm\n{task.name},{task.stage.name},weekly on monday\n").encode()
    apply_import(table=read_table(sheet, "map.csv"), file_name="map.csv", by=None)
    task.refresh_from_db()
    assert task.rhythm == "weekly on monday"
    assert [entry["rhythm"] for entry in task.past_rhythms] == [
        "2 business days before each campaign"
    ]
    assert [row.state for row in run_sheet(drop)] == [due.OVERDUE]


def test_the_migration_reads_earlier_rhythms_from_history():
    migration = importlib.import_module("tasks_registry.migrations.0010_past_rhythms_from_history")

    def at(day):
        return datetime.datetime(2026, 11, day, 12, tzinfo=datetime.UTC)

    records = [
        ("daily", at(2)),
        ("daily", at(5)),  # another field edited
        ("weekly on monday", at(10)),
        ("weekly on friday", at(10)),  # replaced the same day: asked nothing
        ("", at(20)),
        ("daily", at(25)),
    ]
    assert migration.spans_of(records, datetime.date(2026, 11, 25)) == [
        {"rhythm": "daily", "from": "2026-11-02", "until": "2026-11-09"},
        {"rhythm": "weekly on friday", "from": "2026-11-10", "until": "2026-11-19"},
    ]
