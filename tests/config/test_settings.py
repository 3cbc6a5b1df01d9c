"""Settings come from the environment and fail loudly on a bad value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SECRET_KEY": "x" * 60 + "-production-grade-secret-key-for-the-check",
    "DJANGO_ALLOWED_HOSTS": "ownermap.example.com",
    "DATABASE_URL": f"sqlite:///{ROOT / 'var' / 'deploy-check.sqlite3'}",
    "EMAIL_HOST": "smtp.example.com",
}


def _run(args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.pop("REDIS_URL", None)
    # The arguments are this test's own.
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.DEBUG)"


def _load_settings(**env):
    return _run(["-c", SHOW], **env)


def test_with_nothing_set_production_refuses_to_start_without_a_secret_key():
    result = _load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


@pytest.mark.parametrize("key", ["x", "short-key-of-forty-characters-0123456789", "a" * 60])
def test_production_refuses_a_weak_secret_key(key):
    result = _load_settings(**{**PRODUCTION, "DJANGO_SECRET_KEY": key})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr


def test_with_debug_on_and_nothing_else_it_runs_on_sqlite():
    result = _load_settings(DJANGO_DEBUG="true")
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]


def test_a_postgres_url_switches_the_database():
    result = _load_settings(DJANGO_DEBUG="1", DATABASE_URL="postgres://u@db:5432/ownermap")
    assert result.stdout.split() == ["django.db.backends.postgresql", "True"]


OPTIONS = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS'])"


def test_on_postgres_the_hot_statements_are_prepared_with_generic_plans():
    # Bound on the server, so psycopg prepares what runs five times (tests/config/test_db.py).
    result = _run(["-c", OPTIONS], DJANGO_DEBUG="1", DATABASE_URL="postgres://u@db/ownermap")
    assert result.stdout.strip() == (
        "{'connect_timeout': 5, 'server_side_binding': True, 'prepare_threshold': 5, "
        "'options': '-c plan_cache_mode=force_generic_plan -c jit=off'}"
    )


def test_postgres_options_given_in_the_url_are_kept():
    url = "postgres://u@db/ownermap?options=-c%20statement_timeout%3D5000&prepare_threshold=2"
    result = _run(["-c", OPTIONS], DJANGO_DEBUG="1", DATABASE_URL=url)
    assert result.stdout.strip() == (
        "{'options': '-c plan_cache_mode=force_generic_plan -c jit=off "
        "-c statement_timeout=5000', "
        "'prepare_threshold': 2, 'connect_timeout': 5, 'server_side_binding': True}"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG='maybe' is not a boolean"),
        (
            {"DJANGO_DEBUG": "1", "DATABASE_URL": "mysql://x/y"},
            "must be a sqlite:// or postgres://",
        ),
        ({"DJANGO_DEBUG": "1", "DATABASE_URL": "nonsense"}, "DATABASE_URL is not a usable"),
        ({"DJANGO_DEBUG": "1", "DATABASE_CONN_MAX_AGE": "ten"}, "is not a whole number"),
        ({"DJANGO_DEBUG": "1", "TIME_ZONE": "Mars/Olympus"}, "is not an IANA time zone"),
        ({"DJANGO_DEBUG": "1", "REDIS_URL": "localhost:6379"}, "REDIS_URL must start with"),
        ({"DJANGO_DEBUG": "1", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD'"),
        ({"DJANGO_DEBUG": "1", "DJANGO_HSTS_SECONDS": "-1"}, "below the minimum"),
        ({"DJANGO_DEBUG": "1", "EMAIL_TRANSPORT": "pigeon"}, "is not console or smtp"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_message_naming_it(env, message):
    result = _load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    (ROOT / "var").mkdir(exist_ok=True)
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
