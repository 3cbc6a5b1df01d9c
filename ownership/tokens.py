"""Issuing, checking and revoking the secrets that stand in for signing in: API tokens (a
person's, for /api/whoowns) and SCIM tokens (an identity provider's, for /scim/v2/)."""

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from config.secret_tokens import SecretKind, note_use
from ownership.models import ApiToken, IssuedSecret, ScimToken

API_TOKENS = SecretKind(prefix="om_", max_length=200)
SCIM_TOKENS = SecretKind(prefix="omscim_", max_length=200)
# Once a minute is plenty for an audit of when a token was last used.
_TOUCH_EVERY = datetime.timedelta(minutes=1)


def issue_token(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """Returns the stored record and the token itself, which is never stored or shown again."""
    token, shown, key_hash = API_TOKENS.issue()
    record = ApiToken.objects.create(user=user, name=name, prefix=shown, key_hash=key_hash)
    return record, token


def issue_scim_token(*, name: str) -> tuple[ScimToken, str]:
    """As issue_token, for an identity provider rather than a person."""
    token, shown, key_hash = SCIM_TOKENS.issue()
    record = ScimToken.objects.create(name=name, prefix=shown, key_hash=key_hash)
    return record, token


def _live[T: IssuedSecret](records: QuerySet[T], kind: SecretKind, token: str) -> T | None:
    key_hash = kind.hash_of(token)
    if key_hash is None:
        return None
    record = records.filter(key_hash=key_hash, revoked_at__isnull=True).first()
    if record is not None:
        note_use(record, "last_used_at", every=_TOUCH_EVERY)
    return record


def user_for_token(token: str) -> AbstractBaseUser | None:
    """The active user a live token belongs to, or None for an unknown or revoked token."""
    records = ApiToken.objects.select_related("user").filter(user__is_active=True)
    record = _live(records, API_TOKENS, token)
    return record.user if record is not None else None


def scim_token_for(token: str) -> ScimToken | None:
    """The live SCIM token presented, or None for an unknown or revoked one."""
    return _live(ScimToken.objects.all(), SCIM_TOKENS, token)


def revoke_token(*, token: IssuedSecret) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
