"""The metric a review item's task protects, as the meeting sees it: its values since the task
was last reviewed, against the target."""

import datetime

from django.utils import timezone

from reviews.models import ReviewItem, SessionStatus
from tasks_registry.metric_chart import MetricChart, metric_chart
from tasks_registry.metrics import values_since

# Without an earlier review of the task, the values of the last quarter.
FIRST_REVIEW_DAYS = 91


def last_reviewed_on(item: ReviewItem) -> datetime.date | None:
    """The day the task was last reviewed before this session: when the latest closed session
    made before this one, with the task on its list, closed."""
    closed_at = (
        ReviewItem.objects.filter(
            task_id=item.task_id,
            session__status=SessionStatus.CLOSED,
            session__created_at__lt=item.session.created_at,
            session__closed_at__isnull=False,
        )
        .exclude(session_id=item.session_id)
        .order_by("-session__closed_at")
        .values_list("session__closed_at", flat=True)
        .first()
    )
    return timezone.localdate(closed_at) if closed_at else None


def item_metric(item: ReviewItem) -> tuple[MetricChart, datetime.date | None] | None:
    """The chart of the task's metric since its last review, and that review's day (None for a
    task never reviewed: the last quarter is shown). None for a task with no metric."""
    metric = item.task.metric
    if metric is None:
        return None
    last = last_reviewed_on(item)
    since = last or item.session.created_at.date() - datetime.timedelta(days=FIRST_REVIEW_DAYS)
    return metric_chart(metric, values_since(metric, since)), last
