"""Next due dates and occurrences, from the rhythm, the campaigns and the completions."""

import datetime
import zoneinfo

import pytest
from django.test import override_settings
from django.utils import timezone

from tasks_registry import due, rhythm_spans
from tasks_registry.models import Task
from tests.factories import CampaignFactory, CompletionFactory, TaskFactory

pytestmark = pytest.mark.django_db

D = datetime.date
LONDON = zoneinfo.ZoneInfo("Europe/London")


def weekly_task(**values) -> Task:
    values.setdefault("rhythm", "weekly on monday")
    values.setdefault("rhythm_set_on", D(2026, 11, 2))
    return TaskFactory(**values)


def test_next_due_is_the_first_occurrence_since_the_rhythm_was_set():
    assert due.next_due(weekly_task()) == D(2026, 11, 2)


def test_next_due_skips_occurrences_confirmed_done_but_not_the_ones_missed():
    task = weekly_task()
    CompletionFactory(task=task, due_on=D(2026, 11, 2))
    CompletionFactory(task=task, due_on=D(2026, 11, 16))
    assert due.next_due(task) == D(2026, 11, 9)


def test_next_due_after_a_day_counts_from_that_day():
    task = weekly_task()
    assert due.next_due(task, D(2026, 11, 24)) == D(2026, 11, 30)
    # never before the rhythm was set
    assert due.next_due(task, D(2020, 1, 1)) == D(2026, 11, 2)


def test_ad_hoc_no_rhythm_and_retired_tasks_have_no_next_due_date():
    assert due.next_due(weekly_task(rhythm="ad hoc")) is None
    assert due.next_due(weekly_task(rhythm="")) is None
    assert due.next_due(weekly_task(is_active=False)) is None


def test_a_pasted_rule_that_has_ended_has_no_next_due_date():
    task = weekly_task(rhythm="RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20261110")
    CompletionFactory(task=task, due_on=D(2026, 11, 2))
    CompletionFactory(task=task, due_on=D(2026, 11, 9))
    assert due.next_due(task) is None


def test_a_campaign_task_is_next_due_before_the_next_campaign():
    task = weekly_task(rhythm="2 business days before each campaign")
    assert due.next_due(task) is None
    CampaignFactory(starts_at=datetime.datetime(2026, 12, 7, 9, tzinfo=datetime.UTC))
    assert due.next_due(task) == D(2026, 12, 3)


@override_settings(TIME_ZONE="Europe/London")
def test_campaign_days_are_local_days_across_daylight_saving_changes():
    # 00:30 on 25 October 2026 in London is still summer time: 23:30 on the 24th in UTC.
    autumn = datetime.datetime(2026, 10, 25, 0, 30, tzinfo=LONDON)
    # 00:30 on 29 March 2026 is still winter time, half an hour before the clocks go forward.
    spring = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=LONDON)
    CampaignFactory(starts_at=autumn, ends_at=autumn + datetime.timedelta(days=2))
    CampaignFactory(starts_at=spring, ends_at=spring + datetime.timedelta(hours=23))
    task = weekly_task(rhythm="1 day before each campaign", rhythm_set_on=D(2026, 1, 1))
    found = [o.due_on for o in due.occurrences([task], end=D(2026, 12, 31), today=D(2027, 1, 1))]
    assert found == [D(2026, 3, 28), D(2026, 10, 24)]
    assert [c.starts_on for c in due.campaign_dates()] == [D(2026, 10, 25), D(2026, 3, 29)]


@override_settings(OWNERMAP_OVERDUE_GRACE_DAYS={"critical": 0, "high": 1, "normal": 3})
@pytest.mark.parametrize(
    ("criticality", "today", "state"),
    [
        ("critical", D(2026, 11, 2), due.DUE),
        ("critical", D(2026, 11, 3), due.OVERDUE),
        ("high", D(2026, 11, 3), due.DUE),
        ("high", D(2026, 11, 4), due.OVERDUE),
        ("normal", D(2026, 11, 5), due.DUE),
        ("normal", D(2026, 11, 6), due.OVERDUE),
        ("normal", D(2026, 11, 1), due.UPCOMING),
    ],
)
def test_an_occurrence_is_overdue_once_its_criticalitys_grace_period_has_passed(
    criticality, today, state
):
    assert due.state_of(D(2026, 11, 2), criticality, today) == state


def test_occurrences_carry_their_completion_and_state_in_day_order():
    first = weekly_task(name="Alpha")
    second = weekly_task(name="Beta", rhythm="weekly on wednesday")
    done = CompletionFactory(task=first, due_on=D(2026, 11, 2))
    found = due.occurrences(
        [second, first], start=D(2026, 11, 1), end=D(2026, 11, 12), today=D(2026, 11, 10)
    )
    assert [(o.task.name, o.due_on, o.state) for o in found] == [
        ("Alpha", D(2026, 11, 2), due.DONE),
        ("Beta", D(2026, 11, 4), due.OVERDUE),
        ("Alpha", D(2026, 11, 9), due.DUE),
        ("Beta", D(2026, 11, 11), due.UPCOMING),
    ]
    assert found[0].completion == done


def test_occurrences_of_many_tasks_take_two_queries(django_assert_num_queries):
    tasks = [weekly_task(), weekly_task(rhythm="1 day after each sale ends")]
    CampaignFactory(kind="sale")
    with django_assert_num_queries(2):  # the campaigns; the completions
        due.occurrences(tasks, end=D(2026, 12, 31), today=D(2026, 11, 23))


def test_refresh_next_due_writes_only_the_dates_that_moved():
    task = weekly_task()
    current = weekly_task(rhythm="weekly on tuesday", next_due_on=D(2026, 11, 3))
    assert due.refresh_next_due() == 1
    task.refresh_from_db()
    current.refresh_from_db()
    assert (task.next_due_on, current.next_due_on) == (D(2026, 11, 2), D(2026, 11, 3))


def test_tracked_from_falls_back_to_the_day_the_task_was_made():
    task = TaskFactory(rhythm="daily")
    assert rhythm_spans.tracked_from(task) == timezone.localdate(task.created_at)
