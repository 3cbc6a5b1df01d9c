"""The jobs with a real Redis broker and a real Celery worker: what they make, once; a job that
fails half-way is retried and completes; with the broker unreachable the web app keeps working
and the next sweep catches up."""

import contextlib
import datetime
import logging
import socket
import threading
import uuid

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from config.celery import app as real_app
from reviews import jobs, scheduling
from reviews.models import Notice, NoticeKind, ReviewItem, ReviewSession
from tests.at_once import at_once
from tests.config.test_celery import TEST_REDIS, _redis_up
from tests.conftest import require_service
from tests.factories import TaskFactory

UNREACHABLE = "redis://127.0.0.1:1/0"


def _app(broker: str) -> Celery:
    """Our settings, on the given broker, made the current app so that our shared tasks run
    on it; a queue of its own so that nothing else on this Redis interferes."""
    app = Celery(f"ownermap-tests-{uuid.uuid4().hex[:8]}")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=broker,
        # The options the app uses with Redis, whatever broker this test run itself uses.
        broker_transport_options=settings.REDIS_TRANSPORT_OPTIONS,
        result_backend=TEST_REDIS,
        task_ignore_result=False,
        task_default_queue=f"ownermap-tests-{uuid.uuid4().hex[:8]}",
        worker_hijack_root_logger=False,
    )
    app.set_current()
    return app


@contextlib.contextmanager
def on_broker(broker: str):
    """Our tasks published to this broker for the length of the block."""
    app = _app(broker)
    try:
        yield app
    finally:
        app.close()
        real_app.set_current()


def _close_timed(client, manager, session) -> tuple:
    client.force_login(manager)
    started = timezone.now()
    response = client.post(reverse("reviews:close", args=[session.pk]))
    return response, timezone.now() - started


@pytest.fixture
def redis_app(reference_data):
    require_service(_redis_up(TEST_REDIS), f"Redis is not reachable at {TEST_REDIS}")
    with on_broker(TEST_REDIS) as app:
        yield app


@pytest.fixture
def worker(redis_app):
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield redis_app


@pytest.fixture
def tasks(reference_data):
    return [TaskFactory(name=f"Task {n}") for n in range(5)]


@pytest.mark.redis
def test_enqueuing_the_sweep_makes_the_quarters_session(worker, tasks):
    result = jobs.sweep.delay()
    created = result.get(timeout=30)["created"]
    session = ReviewSession.objects.get()
    assert [s["id"] for s in created["sessions"]] == [session.pk]
    assert session.items.count() == 5


@pytest.mark.redis
def test_the_same_sweep_delivered_twice_makes_one_session(worker, tasks):
    first, second = jobs.sweep.delay(), jobs.sweep.delay()
    made = [first.get(timeout=30), second.get(timeout=30)]
    assert ReviewSession.objects.count() == 1
    assert ReviewItem.objects.count() == 5
    assert sorted(len(m["created"]["sessions"]) for m in made) == [0, 1]


@pytest.mark.redis
def test_a_sweep_failing_half_way_is_retried_and_completes_the_session(worker, tasks, monkeypatch):
    real, real_facilitator = scheduling.bulk_create_with_history, scheduling.facilitator
    calls = []
    sessions_at_each_try = []

    def fail_once(*args, **kwargs):
        calls.append(1)
        real(*args, **kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")

    def counting(today):
        sessions_at_each_try.append(ReviewSession.objects.count())
        return real_facilitator(today)

    monkeypatch.setattr(scheduling, "bulk_create_with_history", fail_once)
    monkeypatch.setattr(scheduling, "facilitator", counting)
    jobs.sweep.delay().get(timeout=60)
    assert len(calls) == 2
    assert sessions_at_each_try == [0, 0]  # the failed try left no half-made session behind
    assert ReviewSession.objects.get().items.count() == 5


def _wait_for_mail(count: int) -> None:
    """The worker runs in a thread of this process, so the locmem outbox is shared. Waiting on
    it rather than polling the database keeps this thread off tables the worker is writing
    (SQLite's shared in-memory test database refuses that rather than waiting)."""
    # As long as the tasks' own .get(timeout=30): on a slow minute of these machines the worker
    # took more than the 10 s this waited before, and the test then failed further on.
    for _ in range(600):
        if len(mail.outbox) >= count:
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"{len(mail.outbox)} of {count} emails sent after 30 s")


def _wait_until_sent(**lookup: object) -> Notice:
    """The worker marks a notice sent after its email leaves, so the email alone does not say
    the mark is there yet. A read SQLite refuses while the worker writes is tried again."""
    for _ in range(600):
        try:
            notice = Notice.objects.get(**lookup)
        except OperationalError:
            notice = None
        if notice is not None and notice.sent_at is not None:
            return notice
        threading.Event().wait(0.05)
    raise AssertionError(f"the notice {lookup} is not marked sent after 30 s")


@pytest.mark.redis
def test_notices_made_by_the_sweep_are_delivered_by_the_worker(worker, tasks, manager):
    now = timezone.now()
    session = scheduling.make_quarterly_session(now)
    # Held today whatever day the suite runs, so that the sweep's reminder is due.
    ReviewSession.objects.filter(pk=session.pk).update(scheduled_for=timezone.localdate(now))
    assert Notice.objects.count() == 0
    assert jobs.sweep.delay().get(timeout=30)["created"]["reminders"] == 1
    _wait_for_mail(1)
    assert [m.to for m in mail.outbox] == [[manager.person.email]]
    assert mail.outbox[0].subject.startswith(f"{session} on ")
    assert _wait_until_sent(kind=NoticeKind.SESSION).sent_at is not None


@pytest.mark.redis
def test_with_the_broker_unreachable_closing_a_session_works_and_the_next_sweep_sends_it(
    reference_data, client, manager, tasks, caplog
):
    require_service(_redis_up(TEST_REDIS), f"Redis is not reachable at {TEST_REDIS}")
    scheduling.sweep()
    session = ReviewSession.objects.get()
    with on_broker(UNREACHABLE), caplog.at_level(logging.ERROR):
        response, took = _close_timed(client, manager, session)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "closed"
    assert took < datetime.timedelta(seconds=15)
    assert "on_commit" in caplog.text or "Error calling" in caplog.text
    waiting = Notice.objects.get(kind=NoticeKind.SUMMARY)
    assert waiting.sent_at is None
    assert mail.outbox == []

    # The broker is back: the next sweep catches up.
    with (
        on_broker(TEST_REDIS) as up,
        start_worker(up, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        jobs.sweep.delay().get(timeout=30)
        _wait_for_mail(1)
        assert _wait_until_sent(pk=waiting.pk).sent_at is not None
    assert f"Summary: {session}" in [message.subject for message in mail.outbox]


@pytest.fixture
def silent_redis():
    """A server that accepts connections and never answers: the trap docs/reliability.md
    measured (minutes per enqueue with Celery's default settings)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection_ in accepted:
        connection_.close()
    server.close()


@pytest.mark.redis
def test_a_broker_that_never_answers_costs_a_request_seconds_not_minutes(
    reference_data, client, manager, tasks, silent_redis
):
    scheduling.sweep()
    session = ReviewSession.objects.get()
    with on_broker(silent_redis):
        response, took = _close_timed(client, manager, session)
    assert response.status_code == 302
    assert took < datetime.timedelta(seconds=20)
    session.refresh_from_db()
    assert session.status == "closed"
    assert Notice.objects.filter(kind=NoticeKind.SUMMARY, sent_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_on_postgresql_make_one_session(tasks, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL: SQLite writes one at a time")
    barrier = threading.Barrier(2, timeout=10)
    real = scheduling.facilitator

    def both_at_once(today):
        barrier.wait()  # both have seen no session yet, and now both try to make it
        return real(today)

    monkeypatch.setattr(scheduling, "facilitator", both_at_once)
    now = timezone.now()
    results, errors = at_once(lambda: scheduling.sweep(now), timeout=30)
    assert errors == []
    assert sorted(len(r.sessions) for r in results) == [0, 1]
    assert ReviewSession.objects.count() == 1
    assert ReviewItem.objects.count() == 5
