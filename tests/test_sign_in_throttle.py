"""Guessing passwords is throttled (django-axes): per username and per address, with a
lock-out page that says what to do, an admin who unlocks, and Argon2 as the hasher."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse

from config import settings as production
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
PASSWORD = "correct horse battery staple"  # noqa: S105


def _try(client, username, password, address="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def sam(db):
    return UserFactory(username="sam")


def test_fifty_wrong_passwords_then_the_right_one_is_refused(client, sam):
    for _ in range(50):
        _try(client, "sam", "guess")
    response = _try(client, "sam", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Too many failed sign-ins for “sam” or from this address." in page
    assert "Try again in 15 minutes, or ask an admin to unlock it now." in page


def test_a_username_is_locked_from_any_address(client, sam):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "sam", "guess", address=f"198.51.100.{n}")
    assert _try(client, "sam", PASSWORD, address="192.0.2.1").status_code == 429


def test_an_address_is_locked_for_every_username(client, sam):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _try(client, f"nobody{n}", "guess")
    assert _try(client, "sam", PASSWORD).status_code == 429
    assert _try(client, "sam", PASSWORD, address="192.0.2.1").status_code == 302


def test_fewer_failures_than_the_limit_then_the_right_password_signs_in_and_resets(client, sam):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _try(client, "sam", "guess").status_code == 200
    assert _try(client, "sam", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="sam").exists()


def test_an_admin_unlocks_a_locked_out_username(client, sam, admin_client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "sam", "guess")
    attempt = AccessAttempt.objects.get(username="sam")
    listing = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert "sam" in listing.content.decode()
    admin_client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert _try(client, "sam", PASSWORD, address="192.0.2.1").status_code == 302


def test_behind_the_tls_proxy_the_address_is_the_one_the_proxy_saw(client, sam, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": f"nobody{n}", "password": "guess"},
            REMOTE_ADDR="10.0.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7",  # a forged first entry each time
        )
    locked = client.post(
        LOGIN,
        {"username": "sam", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code == 429
    other = client.post(
        LOGIN,
        {"username": "sam", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.9",
    )
    assert other.status_code == 302


def test_new_passwords_are_hashed_with_argon2_outside_the_tests(settings):
    # The tests themselves use a fast hasher (config/settings_test.py).
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = UserFactory.build()
    user.set_password(PASSWORD)
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(PASSWORD)
