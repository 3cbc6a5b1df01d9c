"""The shared cast (member, ops lead, manager, outsider) and service checks.

Tests that need a service (Redis, Chromium) skip with a reason where it is missing, except under
CI=true, where a missing service is a failure: CI must never go green by skipping.
"""

import importlib
import os
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction

from tasks_registry.metrics import ensure_standard
from tests import hypothesis_profiles  # noqa: F401 - registers --hypothesis-profile=thorough
from tests.factories import PersonFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids repeat from one test's database to the next,
    so a cached calendar could otherwise answer for another test's feed."""
    cache.clear()


@contextmanager
def kept_for_the_module(django_db_blocker):
    """For a module-scoped fixture: what it writes inside lasts for the module's tests, in a
    transaction rolled back after the last. Each test runs in a savepoint of its own inside it
    (pytest-django's `db`), so what one test writes the next does not see."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def require_service(available: bool, reason: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(reason)


def _member_of(group_name: str | None, username: str, person_name: str):
    user = UserFactory(username=username)
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    PersonFactory(name=person_name, user=user, email=f"{username}@example.com")
    return user


@pytest.fixture
def member(db):
    return _member_of("Members", "member", "Mia Member")


@pytest.fixture
def ops_lead(db):
    return _member_of("Ops leads", "opslead", "Olu Opslead")


@pytest.fixture
def manager(db):
    return _member_of("Managers", "manager", "Mo Manager")


@pytest.fixture
def outsider(db):
    """Signed in, but in no group: sees nothing of the map."""
    return _member_of(None, "outsider", "Otto Outsider")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def htmx_headers():
    return {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def reference_data(transactional_db):
    """Live-server tests run in transactions that are flushed, taking the data migrations'
    stages, groups and standard metrics with them: put them back the way the migrations made
    them."""
    for module, function in [
        ("tasks_registry.migrations.0002_default_stages", "create_stages"),
        ("ownership.migrations.0002_roles", "create_groups"),
    ]:
        getattr(importlib.import_module(module), function)(apps, None)
    ensure_standard()


@pytest.fixture
def import_jobs_run_now(monkeypatch):
    """The worker's part, done at once in the request that queues it: an applied import is
    on the map when the page after it loads (ownership/jobs.py hands it to Celery otherwise)."""
    from ownership import jobs
    from ownership.sheets import uploads

    monkeypatch.setattr(
        jobs, "apply_later", lambda upload_id, by_id: uploads.run_apply(upload_id, by_id)
    )
