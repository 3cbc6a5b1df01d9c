"""A signed-in session ends after OWNERMAP_SESSION_IDLE_HOURS without a request, and an active
one is kept alive without writing the session on every request."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from config import idle_sessions

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("ownership:dashboard")


def _session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_lasts_twelve_hours_idle_by_default(client, member, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    client.force_login(member)
    client.get(DASHBOARD)
    left = _session(client).expire_date - timezone.now()
    assert datetime.timedelta(hours=11, minutes=59) < left <= datetime.timedelta(hours=12)


def test_an_idle_session_ends_and_asks_to_sign_in_again(client, member):
    client.force_login(member)
    client.get(DASHBOARD)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_active_session_is_pushed_forward_at_most_every_few_minutes(client, member, monkeypatch):
    now = [1_000_000]
    monkeypatch.setattr(idle_sessions, "_clock", lambda: now[0])
    client.force_login(member)  # seen now: the pages right after it write nothing
    client.get(DASHBOARD)
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(hours=1))
    now[0] += idle_sessions.REFRESH_EVERY - 1
    client.get(DASHBOARD)  # too soon: not written
    assert _session(client).expire_date < timezone.now() + datetime.timedelta(hours=2)
    now[0] += 1
    client.get(DASHBOARD)
    assert _session(client).expire_date > timezone.now() + datetime.timedelta(hours=11)
