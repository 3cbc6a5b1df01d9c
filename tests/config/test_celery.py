"""Celery, configured from our settings, really consumes from Redis."""

import os
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import beat_init

from config.celery import app, make_folders
from tests.conftest import require_service

TEST_REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def _our_app_stays_current():
    """start_worker makes its app the current and default one; shared tasks (reviews/jobs.py)
    run later in this process must find ours again."""
    yield
    app.set_current()
    app.set_default()


@pytest.fixture
def redis_app(transactional_db):
    require_service(_redis_up(TEST_REDIS), f"Redis is not reachable at {TEST_REDIS}")
    # Our settings, pointed at Redis even when the run under test uses the embedded default.
    test_app = Celery("ownermap-tests")
    test_app.config_from_object("django.conf:settings", namespace="CELERY")
    test_app.conf.update(
        broker_url=TEST_REDIS,
        broker_transport_options={"socket_timeout": 2, "socket_connect_timeout": 2},
        result_backend=TEST_REDIS,
        task_ignore_result=False,
        task_default_queue="ownermap-tests",
    )
    yield test_app
    test_app.close()


def test_the_app_is_configured_for_safe_jobs():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_publish_retry_policy["max_retries"] == 1
    assert app.conf.broker_connection_timeout == 2


@pytest.mark.redis
def test_a_real_worker_consumes_a_task_from_redis(redis_app):
    @redis_app.task(name="tests.multiply")
    def multiply(a: int, b: int) -> int:
        return a * b

    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = multiply.delay(6, 7)
        assert result.get(timeout=20) == 42


# The worker runs Django's system checks as it starts, and they may ask the database what it
# supports (JSON fields on SQLite) when no earlier test in the process has.
@pytest.mark.django_db
def test_the_embedded_default_runs_a_real_worker_on_a_folder_queue(settings, tmp_path, monkeypatch):
    """No Redis on a laptop: `make run`'s worker consumes from kombu's filesystem transport with
    our folder options, and writes nothing where it was started (its exchange tables too)."""
    monkeypatch.chdir(tmp_path)
    make_folders(settings.FOLDER_TRANSPORT_OPTIONS)
    queue = f"ownermap-tests-{uuid.uuid4().hex[:8]}"
    local = Celery("ownermap-folder-tests")
    local.config_from_object("django.conf:settings", namespace="CELERY")
    local.conf.update(
        broker_url="filesystem://",
        broker_transport_options={**settings.FOLDER_TRANSPORT_OPTIONS, "polling_interval": 0.1},
        result_backend="cache+memory://",
        task_ignore_result=False,
        # A queue of its own: a `make run` worker on this checkout consumes "celery".
        task_default_queue=queue,
    )

    @local.task(name="tests.add")
    def add(a: int, b: int) -> int:
        return a + b

    with start_worker(local, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert add.delay(2, 3).get(timeout=20) == 5
    local.close()
    assert list(tmp_path.iterdir()) == []
    control = Path(settings.FOLDER_TRANSPORT_OPTIONS["control_folder"])
    assert control.parent == settings.CELERY_DATA_DIR
    assert (control / f"{queue}.exchange").exists()
    (control / f"{queue}.exchange").unlink()


def test_beat_sends_a_sweep_as_it_starts(monkeypatch):
    """So that a new installation sees this quarter's review without waiting for the first
    interval (five minutes by default)."""
    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, *a, **k: sent.append(name))

    class Beat:
        pass

    beat = Beat()
    beat.app = app
    beat_init.send(sender=beat)
    assert sent == ["reviews.sweep"]
    assert app.conf.beat_schedule["sweep"]["task"] == "reviews.sweep"
