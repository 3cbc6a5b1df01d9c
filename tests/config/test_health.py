"""/healthz reports the database and the job broker each on its own, and a database that
does not answer fails a request within its connect timeout instead of hanging it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

from config import views
from tests.stalling import StallingServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_with_the_broker_away_the_probe_says_so_and_the_site_is_still_up(client, monkeypatch):
    away = Celery("broker-away", set_as_current=False)
    away.conf.update(
        broker_url="redis://127.0.0.1:1/0",
        broker_transport_options=settings.REDIS_TRANSPORT_OPTIONS,
        broker_connection_timeout=2,
    )
    monkeypatch.setattr(views, "app", away)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "unreachable"}


@pytest.mark.django_db
def test_with_everything_up_the_probe_says_ok(client):
    assert client.get("/healthz").json()["status"] in ("ok", "degraded")
    assert client.get("/healthz").json()["database"] == "ok"


PROBE = """
import json, time
import django
django.setup()
from django.test import Client
started = time.monotonic()
response = Client(raise_request_exception=False).get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json(),
                  "seconds": time.monotonic() - started}))
"""


def test_a_database_that_never_answers_fails_the_probe_within_the_connect_timeout():
    server = StallingServer()
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DATABASE_URL": f"postgres://nobody@127.0.0.1:{server.port}/ownermap",
            "DATABASE_CONNECT_TIMEOUT": "2",
            "REDIS_URL": "",
        }
        # Without a connect timeout this would hang until the subprocess's own timeout.
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", PROBE],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.close()
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert server.connected.is_set()
    assert result["status"] == 503
    assert result["body"]["database"] == "unreachable"
    assert result["body"]["status"] == "down"
    assert result["seconds"] < 30
