"""Celery jobs of the task registry: thin wrappers over its functions."""

from celery import shared_task
from django.db import DatabaseError, transaction

from tasks_registry.due import refresh_next_due


@shared_task(
    name="tasks_registry.refresh_due_dates",
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    max_retries=6,
)
def refresh_due_dates() -> int:
    """Every task's next due date again, each night: what a change of holidays (a country's
    new public holiday, OWNERMAP_HOLIDAY_COUNTRY or OWNERMAP_HOLIDAYS changed) or of TIME_ZONE
    moves is right by the next morning, with no command to run."""
    with transaction.atomic():
        return refresh_next_due()
