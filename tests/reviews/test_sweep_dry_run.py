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
from django.utils import timezone

from ownership.assignments import assign_owner
from tasks_registry import due
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    """Every table's row count: the whole database, as far as a sweep could change it."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


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
