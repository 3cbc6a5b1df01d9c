"""Celery jobs: thin wrappers that call the scheduling and notice functions.

Every job is idempotent (what it makes has a unique key; a notice is claimed before it is sent),
which is what makes acks_late and reject-on-worker-lost safe (config/settings.py): a job that
dies half-way runs again and finishes. Future work is never scheduled with countdown or eta —
what is due lives in the database and the sweep finds it.
"""

import logging
from collections.abc import Iterable
from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError, transaction

from reviews import notify, scheduling

log = logging.getLogger(__name__)

# Transient failures worth trying again: the database or the mail server briefly away.
# Backoff doubles from 2 s up to 10 minutes, well inside the broker's visibility timeout.
_RETRY = {
    "retry_backoff": 2,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="reviews.sweep", autoretry_for=(DatabaseError,), **_RETRY)
def sweep() -> dict:
    created = scheduling.sweep()
    # Also the notices an earlier sweep made while the broker was unreachable: catching up.
    deliver_later(notify.pending())
    return created.as_json()


@shared_task(
    name="reviews.deliver_notice",
    autoretry_for=(DatabaseError, SMTPException, OSError),
    **_RETRY,
)
def deliver_notice(notice_id: int) -> bool:
    return notify.deliver(notice_id)


def _enqueue(ids: list[int]) -> None:
    for notice_id in ids:
        deliver_notice.delay(notice_id)


def deliver_later(ids: Iterable[int]) -> None:
    """Enqueue the notices' delivery once the current transaction commits. If the broker is
    unreachable this logs and returns: the notices wait in the database for the next sweep."""
    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: _enqueue(ids), robust=True)
