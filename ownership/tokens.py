"""Issuing, checking and revoking API tokens."""

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from config.secret_tokens import SecretKind, note_use
from ownership.models import ApiToken

API_TOKENS = SecretKind(prefix="om_", max_length=200)
# Once a minute is plenty for an audit of when a token was last used.
_TOUCH_EVERY = datetime.timedelta(minutes=1)


def issue_token(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """Returns the stored record and the token itself, which is never stored or shown again."""
    token, shown, key_hash = API_TOKENS.issue()
    record = ApiToken.objects.create(user=user, name=name, prefix=shown, key_hash=key_hash)
    return record, token


def user_for_token(token: str) -> AbstractBaseUser | None:
    """The active user a live token belongs to, or None for an unknown or revoked token."""
    key_hash = API_TOKENS.hash_of(token)
    if key_hash is None:
        return None
    record = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if record is None:
        return None
    note_use(record, "last_used_at", every=_TOUCH_EVERY)
    return record.user


def revoke_token(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
