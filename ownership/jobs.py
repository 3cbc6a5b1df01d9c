"""Celery jobs of the map: applying an import off the request (ownership/sheets/uploads.py), and
the night's check of the gap rules' facts (ownership/gap_facts.py).

Like reviews/jobs.py, a job takes ids and is safe to run twice: the import locks its row and
checks it was not applied already."""

import logging

from celery import shared_task
from django.db import transaction

from ownership.gap_facts import heal_gap_facts
from ownership.sheets import uploads

log = logging.getLogger(__name__)


@shared_task(name="ownership.apply_import")
def apply_import(upload_id: int, by_id: int) -> None:
    uploads.run_apply(upload_id, by_id)


def _enqueue(upload_id: int, by_id: int) -> None:
    try:
        apply_import.delay(upload_id, by_id)
    except Exception as error:
        uploads.queue_failed(upload_id, error)


def apply_later(upload_id: int, by_id: int) -> None:
    """Hand the import to a worker once the current transaction commits."""
    transaction.on_commit(lambda: _enqueue(upload_id, by_id), robust=True)


@shared_task(name="ownership.heal_gap_facts")
def heal_facts() -> int:
    """Every task's gap facts again, each night; a warning names how many had drifted, which
    means some write path missed them (and the dashboard showed them stale until now)."""
    drifted = heal_gap_facts()
    if drifted:
        log.warning("gap facts of %d tasks had drifted from the map and were rewritten", drifted)
    return drifted
