"""Secrets kept only as a hash (config/secret_tokens.py), as API tokens and feeds use them."""

import datetime

import pytest
from django.utils import timezone

from config.secret_tokens import SecretKind, note_use
from ownership.models import ApiToken
from tests.factories import UserFactory

KIND = SecretKind(prefix="tk_", max_length=60)


def test_an_issued_secret_is_found_again_by_its_hash_and_shown_by_its_start():
    secret, shown, stored = KIND.issue()
    assert secret.startswith("tk_")
    assert len(secret) == 3 + 43
    assert shown == secret[:9]
    assert KIND.hash_of(secret) == stored != secret
    assert KIND.issue()[0] != secret


@pytest.mark.parametrize("presented", ["om_abc", "tk_" + "a" * 58, ""])
def test_what_cannot_be_one_of_them_is_refused_before_hashing(presented):
    assert KIND.hash_of(presented) is None


@pytest.mark.django_db
def test_a_use_is_noted_at_most_once_per_interval():
    token = ApiToken.objects.create(user=UserFactory(), name="ci", prefix="x", key_hash="h")
    note_use(token, "last_used_at", every=datetime.timedelta(minutes=1))
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    token.refresh_from_db()
    note_use(token, "last_used_at", every=datetime.timedelta(minutes=1))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    token.last_used_at = timezone.now() - datetime.timedelta(minutes=2)
    note_use(token, "last_used_at", every=datetime.timedelta(minutes=1))
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first
