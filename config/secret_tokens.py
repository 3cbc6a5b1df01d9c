"""Secrets handed to a person once and kept only as a hash: API tokens, calendar feed addresses.

A kind of secret has a prefix that says what it is (and lets a leaked one be recognised); the
database keeps the secret's SHA-256 and the first few characters to show in lists. A 256-bit
random secret needs no slow hash: nobody can guess it, so a fast one looked up by index is safe.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils import timezone


@dataclass(frozen=True)
class SecretKind:
    prefix: str
    max_length: int  # anything longer is refused before it is hashed

    def issue(self) -> tuple[str, str, str]:
        """A new secret: (the secret, the part of it shown in lists, the hash to store)."""
        secret = self.prefix + secrets.token_urlsafe(32)
        return secret, secret[: len(self.prefix) + 6], _sha256(secret)

    def hash_of(self, secret: str) -> str | None:
        """The hash to look a presented secret up by, or None when it cannot be one of these."""
        if not secret.startswith(self.prefix) or len(secret) > self.max_length:
            return None
        return _sha256(secret)


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def note_use(record: Model, field: str, *, every: datetime.timedelta) -> None:
    """Record when a secret was last used, at most once per `every`: recording each use would
    make every read a write."""
    last: Any = getattr(record, field)
    now = timezone.now()
    if last is None or now - last > every:
        type(record)._default_manager.filter(pk=record.pk).update(**{field: now})
