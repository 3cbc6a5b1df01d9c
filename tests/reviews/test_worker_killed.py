"""A notice is sent once, even when what was sending it dies: a real Celery worker process on
Redis is killed (SIGKILL) while its mail server has not answered yet, and the notice is sent
by the next sweep once the dead worker's claim has run out; a sweep that died after making its
notices is run again and they are sent, each once."""

import datetime
import os
import signal
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from config.celery import app
from ownership.assignments import assign_owner
from reviews import jobs, notify, scheduling
from reviews.models import Notice, NoticeKind
from tasks_registry import due
from tasks_registry.models import Task
from tests.config.test_celery import TEST_REDIS, _redis_up
from tests.conftest import require_service
from tests.factories import PersonFactory, TaskFactory
from tests.stalling import StallingServer

ROOT = Path(__file__).resolve().parents[2]


def _overdue_task_with_owner():
    owner = PersonFactory(name="Sam Lee", email="sam@example.com")
    task = TaskFactory(name="Parcel scan check", rhythm="daily", criticality="critical")
    assign_owner(task=task, person=owner, by=None)
    since = timezone.localdate() - datetime.timedelta(days=3)
    Task.objects.filter(pk=task.pk).update(rhythm_set_on=since)
    due.refresh_next_due([Task.objects.get(pk=task.pk)])
    return task


def _worker(queue: str, mail_port: int) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "worker-under-test-" + "0123456789" * 5,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": TEST_REDIS,
        "EMAIL_TRANSPORT": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mail_port),
        "EMAIL_USE_TLS": "false",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_notice_to_the_next_sweep_which_sends_it_once(
    reference_data, settings
):
    require_service(_redis_up(TEST_REDIS), f"Redis is not reachable at {TEST_REDIS}")
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database: PostgreSQL's, not in-memory")
    _overdue_task_with_owner()
    scheduling.sweep()
    notice_id = Notice.objects.get(kind=NoticeKind.OVERDUE).pk
    Notice.objects.exclude(pk=notice_id).delete()  # the quarter's reminders: not this test's
    server = StallingServer(greeting=b"220 stalling.test ESMTP\r\n")  # then silence
    queue = f"ownermap-kill-{uuid.uuid4().hex[:8]}"
    worker = _worker(queue, server.port)
    try:
        with app.connection_for_write(TEST_REDIS) as broker:
            app.send_task(
                "reviews.deliver_notice", args=[notice_id], queue=queue, connection=broker
            )
        assert server.connected.wait(60), "the worker never reached the mail server"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
        server.close()

    notice = Notice.objects.get(pk=notice_id)
    assert notice.claimed_at is not None
    assert notice.sent_at is None  # not marked sent: it never was
    assert notify.pending() == []  # the claim is fresh: maybe it is still being sent
    assert notify.deliver(notice_id) is False

    settings.OWNERMAP_NOTICE_CLAIM_SECONDS = 60
    Notice.objects.filter(pk=notice_id).update(
        claimed_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    assert notify.pending() == [notice_id]
    for pending in notify.pending():
        notify.deliver(pending)
    assert notify.deliver(notice_id) is False
    assert [m.subject for m in mail.outbox] == [
        "Overdue: Parcel scan check (3 missed since "
        f"{timezone.localdate() - datetime.timedelta(days=3):%-d %b})"
    ]
    notice.refresh_from_db()
    assert (notice.sent_at is not None, notice.attempts) == (True, 2)


@pytest.mark.django_db
def test_a_sweep_that_died_after_making_its_notices_sends_them_when_run_again(
    reference_data, django_capture_on_commit_callbacks, monkeypatch
):
    _overdue_task_with_owner()
    made = scheduling.sweep().notices  # ...and the process died before enqueuing them
    assert Notice.objects.filter(kind=NoticeKind.OVERDUE, pk__in=made).count() == 1
    # The worker's part, done here: deliver what the sweep enqueues.
    monkeypatch.setattr(jobs, "_enqueue", lambda ids: [notify.deliver(i) for i in ids])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("sweep", "--json", stdout=StringIO())
    # In a letter of its own, or with the pre-review of the review the sweep made.
    overdue = [m for m in mail.outbox if "Overdue:" in m.body]
    assert len(overdue) == 1
    assert Notice.objects.get(kind=NoticeKind.OVERDUE).sent_at is not None
