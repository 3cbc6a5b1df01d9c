"""Sessions are Django's database sessions, read with one plain statement."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved_session(**data) -> SessionStore:
    session = SessionStore()
    session.update(data)
    session.save()
    return session


def test_the_app_uses_this_store():
    assert settings.SESSION_ENGINE == "config.sessions"


def test_it_reads_what_was_saved_in_one_query(django_assert_num_queries):
    key = _saved_session(colour="teal", count=3).session_key
    with django_assert_num_queries(1):
        loaded = SessionStore(key)
        assert dict(loaded.items()) == {"colour": "teal", "count": 3}
    assert loaded.session_key == key


def test_an_expired_session_reads_as_empty_and_forgets_its_key():
    key = _saved_session(colour="teal").session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    loaded = SessionStore(key)
    assert dict(loaded.items()) == {}
    assert loaded.session_key is None


def test_an_unknown_key_reads_as_empty():
    loaded = SessionStore("x" * 32)
    assert dict(loaded.items()) == {}
    assert loaded.session_key is None


def test_a_session_about_to_expire_is_still_read():
    key = _saved_session(colour="teal").session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )
    assert SessionStore(key)["colour"] == "teal"


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(member):
    browser = Client()
    browser.force_login(member)
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = browser.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    url = reverse("ownership:task_list")
    assert stolen.get(url).status_code == 200

    browser.post(reverse("logout"))

    response = stolen.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
