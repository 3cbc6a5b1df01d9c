"""Who acts for a task today: the owner, or the backup while the owner is away or has left."""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from config.rendering import TemplateFields
from ownership.models import Presence


class ActingReason(StrEnum):
    OWNER = "owner"
    OWNER_AWAY = "owner_away"
    OWNER_DEPARTED = "owner_departed"
    NO_OWNER = "no_owner"


@dataclass(frozen=True)
class Acting(TemplateFields):
    person: Presence | None
    reason: ActingReason

    @property
    def is_backup(self) -> bool:
        return self.person is not None and self.reason in (
            ActingReason.OWNER_AWAY,
            ActingReason.OWNER_DEPARTED,
        )


def is_available(person: Presence | None, on: datetime.date) -> bool:
    return person is not None and not person.has_departed(on) and not person.is_away(on)


def acting_owner(owner: Presence | None, backup: Presence | None, on: datetime.date) -> Acting:
    if owner is None:
        return Acting(None, ActingReason.NO_OWNER)
    if owner.has_departed(on):
        return Acting(backup if is_available(backup, on) else None, ActingReason.OWNER_DEPARTED)
    if owner.is_away(on):
        # With no backup to step in, the away owner is still the one to reach when back.
        return Acting(backup if is_available(backup, on) else owner, ActingReason.OWNER_AWAY)
    return Acting(owner, ActingReason.OWNER)
