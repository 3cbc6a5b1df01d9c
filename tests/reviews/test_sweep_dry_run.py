"""Simulated time sends nothing: a dry run says what a sweep would make and send and writes
nothing; a sweep at a time later than the clock is refused unless it is a dry run."""

import datetime
import json
from io import StringIO

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max
from django.utils import timezone

from ownership.assignments import assign_owner
from tasks_registry import due
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, tuple[int, object]]:
    """Every table's row count and highest id: the whole database, as far as a sweep could
    change it (a row made and another removed would leave the count alone, not the id)."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        rows = model._default_manager.all()
        found[model._meta.label] = (rows.count(), rows.aggregate(top=Max("pk"))["top"])
    return found


@pytest.fixture
def overdue(db):
    owner = PersonFactory(name="Sam Lee", email="sam@example.com")
    task = TaskFactory(name="Returns notices", rhythm="daily")
    assign_owner(task=task, person=owner, by=None)
    type(task).objects.filter(pk=task.pk).update(
        rhythm_set_on=timezone.localdate() - datetime.timedelta(days=5)
    )
    task.refresh_from_db()
    due.refresh_next_due([task])
    return task


def test_a_dry_run_at_a_future_moment_says_what_it_would_do_and_writes_nothing(overdue):
    before = _counts()
    future = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    out = StringIO()
    call_command("sweep", "--dry-run", "--now", future, stdout=out)
    report = json.loads(out.getvalue())
    assert report["dry_run"] is True
    assert report["created"]["sessions"]  # next quarter's review, say
    assert any(
        sent["to"] == "sam@example.com" and sent["subject"].startswith("Overdue: Returns notices")
        for sent in report["would_send"]
    )
    assert _counts() == before
    assert mail.outbox == []


def test_a_sweep_at_a_future_moment_is_refused(overdue, settings):
    settings.DEBUG = False
    future = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    before = _counts()
    with pytest.raises(CommandError, match=r"is in the future.*--dry-run"):
        call_command("sweep", "--now", future, "--i-know-this-sends")
    assert _counts() == before


def test_on_a_development_machine_it_can_be_forced(overdue, settings):
    settings.DEBUG = True
    future = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    call_command("sweep", "--now", future, "--no-send", "--i-know-this-sends", stdout=StringIO())
    with pytest.raises(CommandError, match="--i-know-this-sends to do it anyway"):
        call_command("sweep", "--now", future, stdout=StringIO())


def test_a_dry_run_over_the_demo_store_twice_changes_nothing_and_sends_nothing(reference_data):
    call_command("seed_demo", stdout=StringIO())
    before = _counts()
    future = (timezone.localdate() + datetime.timedelta(days=100)).isoformat()
    reports = []
    for _ in range(2):
        for moment in ([], ["--now", future]):
            out = StringIO()
            call_command("sweep", "--dry-run", *moment, stdout=out)
            reports.append(json.loads(out.getvalue()))
        assert _counts() == before
    assert mail.outbox == []
    # The same each time, but for the ids of what was rolled back (PostgreSQL's sequences
    # move on inside a rolled-back transaction: the tables' highest ids above did not).
    said = [_without_ids(report) for report in reports]
    assert said[0] == said[2]
    assert said[1] == said[3]
    assert said[1]["would_send"]  # the demo's overdue tasks and next quarter's review


def _without_ids(report: dict) -> dict:
    return {
        "sessions": [
            {k: v for k, v in s.items() if k != "id"} for s in report["created"]["sessions"]
        ],
        "would_send": [(n["kind"], n["to"], n["subject"]) for n in report["would_send"]],
    }
