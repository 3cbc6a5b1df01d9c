"""Acceptance for the metrics of a review: values are recorded with the owner's confirmation,
an off-target value raises the gap, and the review item shows the metric's values since the
task's last review; the meeting records one with its outcome."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.models import Person
from reviews import scheduling
from reviews.models import ReviewItem, ReviewSession, SessionStatus
from tasks_registry.metrics import record_value
from tasks_registry.models import Metric, MetricValue
from tests.factories import PersonFactory, ReviewItemFactory, ReviewSessionFactory, TaskFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def _points(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-day="([\d-]+)" data-value="([\d.]+)"', html)


@pytest.fixture
def refund_delay():
    return Metric.objects.get(name="Refund delay")


@pytest.fixture
def refunds(member, refund_delay):
    task = TaskFactory(
        name="Refund processing", rhythm="daily", definition_of_done="", metric=refund_delay
    )
    assign_owner(task=task, person=Person.objects.get(user=member), by=None)
    assign_backup(task=task, person=PersonFactory(), by=None)
    return task


@pytest.fixture
def last_review(refunds):
    """The quarterly review that had the task, closed ten days ago."""
    closed = timezone.now() - datetime.timedelta(days=10)
    session = ReviewSessionFactory(period="2026-Q3", status=SessionStatus.CLOSED, closed_at=closed)
    ReviewSession.objects.filter(pk=session.pk).update(
        created_at=closed - datetime.timedelta(days=1)
    )
    ReviewItemFactory(session=session, task=refunds)
    return session


def test_a_confirmed_value_off_target_shows_on_the_review_item_since_the_last_review(
    client, member, manager, refunds, refund_delay, last_review
):
    # Before the last review, and since it.
    record_value(metric=refund_delay, value=Decimal(2), on=_days_ago(20), by=member, via="page")
    record_value(metric=refund_delay, value=Decimal(3), on=_days_ago(5), by=member, via="page")
    # The owner confirms today's occurrence done, with today's value: off target.
    client.force_login(member)
    client.post(
        reverse("ownership:completion_create", args=[refunds.slug]),
        {"due_on": TODAY.isoformat(), "metric_value": "6"},
    )
    assert MetricValue.objects.get(on=TODAY).via == MetricValue.Via.CONFIRMATION

    scheduling.sweep()
    item = ReviewItem.objects.exclude(session=last_review).get(task=refunds)
    assert "metric_off_target" in item.gaps_snapshot

    client.force_login(manager)
    html = client.get(reverse("reviews:item", args=[item.session_id, item.pk])).content.decode()
    closed_on = timezone.localdate(last_review.closed_at)
    assert f"Refund delay since the last review, {closed_on:%-d %b %Y}" in html
    assert _points(html) == [(_days_ago(5).isoformat(), "3"), (TODAY.isoformat(), "6")]
    assert "latest 6 days on" in html
    assert "Metric off target</strong>: Refund delay was 6 days on" in html

    # The meeting reads a newer figure and records it with the outcome.
    response = client.post(
        reverse("reviews:item_outcome", args=[item.session_id, item.pk]),
        {"outcome": "confirmed", "note": "", "metric_value": "2.5"},
    )
    assert response.status_code == 302
    recorded = MetricValue.objects.get(via=MetricValue.Via.REVIEW)
    assert (recorded.value, recorded.task, recorded.recorded_by) == (
        Decimal("2.5"),
        refunds,
        manager,
    )
    refund_delay.refresh_from_db()
    assert refund_delay.off_by is None


def test_a_value_the_meeting_types_wrong_keeps_the_item_undecided(
    client, manager, refunds, htmx_headers
):
    scheduling.sweep()
    item = ReviewItem.objects.get(task=refunds)
    client.force_login(manager)
    html = client.post(
        reverse("reviews:item_outcome", args=[item.session_id, item.pk]),
        {"outcome": "confirmed", "note": "", "metric_value": "-1"},
        **htmx_headers,
    ).content.decode()
    assert "Refund delay now" in html
    assert 'aria-invalid="true"' in html
    item.refresh_from_db()
    assert item.outcome == "pending"
    assert not MetricValue.objects.exists()


def test_a_task_never_reviewed_shows_the_last_quarter(
    client, manager, member, refunds, refund_delay
):
    record_value(metric=refund_delay, value=Decimal(2), on=_days_ago(120), by=member, via="page")
    record_value(metric=refund_delay, value=Decimal(3), on=_days_ago(30), by=member, via="page")
    scheduling.sweep()
    item = ReviewItem.objects.get(task=refunds)
    client.force_login(manager)
    html = client.get(reverse("reviews:item", args=[item.session_id, item.pk])).content.decode()
    assert "Refund delay over the last quarter" in html
    assert _points(html) == [(_days_ago(30).isoformat(), "3")]
