import datetime

import pytest

from ownership.acting import ActingReason, acting_owner
from ownership.models import Person

TODAY = datetime.date(2026, 11, 22)


def person(name, *, away_until=None, departed_on=None):
    return Person(name=name, away_until=away_until, departed_on=departed_on)


OWNER = person("Owner")
AWAY = person("Away", away_until=TODAY)
BACK_YESTERDAY = person("Back", away_until=TODAY - datetime.timedelta(days=1))
GONE = person("Gone", departed_on=TODAY)
LEAVING_TOMORROW = person("Leaving", departed_on=TODAY + datetime.timedelta(days=1))
BACKUP = person("Backup")


@pytest.mark.parametrize(
    ("owner", "backup", "expected_person", "expected_reason"),
    [
        (OWNER, BACKUP, "Owner", ActingReason.OWNER),
        (BACK_YESTERDAY, BACKUP, "Back", ActingReason.OWNER),
        (LEAVING_TOMORROW, BACKUP, "Leaving", ActingReason.OWNER),
        (AWAY, BACKUP, "Backup", ActingReason.OWNER_AWAY),
        (AWAY, None, "Away", ActingReason.OWNER_AWAY),
        (AWAY, GONE, "Away", ActingReason.OWNER_AWAY),
        (GONE, BACKUP, "Backup", ActingReason.OWNER_DEPARTED),
        (GONE, None, None, ActingReason.OWNER_DEPARTED),
        (GONE, AWAY, None, ActingReason.OWNER_DEPARTED),
        (None, BACKUP, None, ActingReason.NO_OWNER),
        (None, None, None, ActingReason.NO_OWNER),
    ],
)
def test_acting_owner(owner, backup, expected_person, expected_reason):
    acting = acting_owner(owner, backup, TODAY)
    assert (acting.person.name if acting.person else None, acting.reason) == (
        expected_person,
        expected_reason,
    )
