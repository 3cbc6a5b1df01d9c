"""The task's last confirmation, which the stale gap rule reads, is kept by the session runner's
write functions as outcomes are recorded, changed or a missing task is added."""

import datetime

import pytest
from django.utils import timezone

from ownership.gap_facts import refresh_gap_facts
from ownership.gap_rules import STALE, task_gaps
from reviews import session_runner
from reviews.models import Outcome
from tasks_registry.models import Task
from tests.factories import ReviewItemFactory, ReviewSessionFactory, TaskFactory, first_stage

pytestmark = pytest.mark.django_db


def _old_task() -> Task:
    task = TaskFactory()
    Task.objects.filter(pk=task.pk).update(created_at=timezone.now() - datetime.timedelta(days=400))
    refresh_gap_facts([task.pk])  # past the write functions, as a bulk write does
    return task


def _record(task: Task, outcome: str, user) -> None:
    item = task.review_items.first() or ReviewItemFactory(task=task, session__status="scheduled")
    session_runner.record_outcome(item=item, outcome=outcome, note="Said who", by=user)


@pytest.mark.parametrize(
    ("outcome", "confirms"),
    [
        (Outcome.CONFIRMED, True),
        (Outcome.CHANGED, True),
        (Outcome.GAP_LEFT_OPEN, False),
        (Outcome.RETIRED, False),
    ],
)
def test_a_confirming_outcome_keeps_the_task_fresh(outcome, confirms, manager):
    task = _old_task()
    assert STALE in task_gaps(task, on=timezone.localdate()).gaps
    _record(task, outcome, manager)
    task.refresh_from_db()
    decided_at = task.review_items.get().decided_at
    assert task.last_confirmed_at == (decided_at if confirms else None)
    if outcome != Outcome.RETIRED:
        assert (STALE in task_gaps(task, on=timezone.localdate()).gaps) is not confirms


def test_an_outcome_changed_after_the_fact_moves_the_confirmation_back(manager):
    task = _old_task()
    earlier = ReviewItemFactory(
        task=task,
        session=ReviewSessionFactory(period="2026-Q3", status="closed"),
        outcome=Outcome.CONFIRMED,
        decided_at=timezone.now() - datetime.timedelta(days=100),
    )
    now = ReviewItemFactory(task=task, session=ReviewSessionFactory(status="scheduled"))
    session_runner.record_outcome(item=now, outcome=Outcome.CONFIRMED, note="", by=manager)
    task.refresh_from_db()
    assert task.last_confirmed_at > earlier.decided_at
    session_runner.record_outcome(item=now, outcome=Outcome.GAP_LEFT_OPEN, note="Ana", by=manager)
    task.refresh_from_db()
    assert task.last_confirmed_at == earlier.decided_at


def test_a_task_added_in_a_session_counts_as_confirmed(manager):
    session = ReviewSessionFactory(status="scheduled")
    item = session_runner.add_missing_task(
        session=session, by=manager, name="Gift wrap stock", stage=first_stage(), owner=None
    )
    item.task.refresh_from_db()
    assert item.task.last_confirmed_at == item.decided_at
