"""Issuing, checking and revoking API tokens."""

import datetime
import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from ownership.models import ApiToken

_PREFIX = "om_"
# Recording every use would make each API read a write; once a minute is plenty for an audit.
_TOUCH_EVERY = datetime.timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """Returns the stored record and the token itself, which is never stored or shown again."""
    token = _PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        user=user, name=name, prefix=token[: len(_PREFIX) + 6], key_hash=_hash(token)
    )
    return record, token


def user_for_token(token: str) -> AbstractBaseUser | None:
    """The active user a live token belongs to, or None for an unknown or revoked token."""
    if not token.startswith(_PREFIX) or len(token) > 200:
        return None
    record = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if record is None:
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record.user


def revoke_token(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
