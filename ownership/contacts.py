"""A person as an answer shows them: lighter than a Person (a lookup builds dozens), made from
a row of SQL or from a Person."""

import datetime
from dataclasses import dataclass
from typing import Any

from config.rendering import TemplateFields
from ownership.models import Presence


@dataclass(frozen=True)
class Contact(TemplateFields, Presence):
    pk: int
    name: str
    email: str
    chat_handle: str
    title: str
    away_until: datetime.date | None
    departed_on: datetime.date | None
    team_pk: int | None = None
    team_name: str | None = None
    team_lead: "Contact | None" = None

    @classmethod
    def of(cls, person: Any, *, with_team: bool = True) -> "Contact":
        """From a Person (its team and the team's lead already fetched, if with_team)."""
        team = person.team if with_team and person.team_id else None
        return cls(
            pk=person.pk,
            name=person.name,
            email=person.email,
            chat_handle=person.chat_handle,
            title=person.title,
            away_until=person.away_until,
            departed_on=person.departed_on,
            team_pk=team.pk if team else None,
            team_name=team.name if team else None,
            team_lead=cls.of(team.lead, with_team=False) if team and team.lead else None,
        )
