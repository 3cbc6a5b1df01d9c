"""Who answers for a task now, and why: one rule for the lookup, the API and the task page.

In order, the first who is here today (not away, not gone):
1. the acting owner: the owner, or the backup while the owner is away or has left (acting.py);
2. the task's escalation contact;
3. the lead of the team whose people do most of its work (contributors and checkers count
   most, consulted and informed less, its owner's and backup's teams after those);
4. the lead of the team that owns most of the tasks of its stage;
5. the ops leads' default: the person whose email is OWNERMAP_LAST_RESORT_EMAIL, or else the
   first ops lead by name.

So a task nobody owns still has someone to ask, with the reason in words; only a map with no
ops lead at all can leave it without one.
"""

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count

from config.rendering import TemplateFields
from ownership.acting import Acting, acting_owner, is_available
from ownership.contacts import Contact
from ownership.map_version import map_version
from ownership.models import Assignment, Person, Role
from ownership.permissions import OPS_LEADS
from tasks_registry.models import Task


class AnswerReason(StrEnum):
    ACTING_OWNER = "acting_owner"
    ESCALATION = "escalation"
    TEAM_LEAD = "team_lead"
    HOLDERS_TEAM_LEAD = "holders_team_lead"
    STAGE_TEAM_LEAD = "stage_team_lead"
    LAST_RESORT = "last_resort"
    NOBODY = "nobody"


@dataclass(frozen=True)
class Answerer(TemplateFields):
    person: Any  # a Contact, or the acting owner as the caller holds them
    reason: AnswerReason
    team_name: str = ""

    @property
    def is_acting_owner(self) -> bool:
        return self.reason == AnswerReason.ACTING_OWNER

    @property
    def because(self) -> str:
        """Why they answer for it, in words: "escalation contact"."""
        match self.reason:
            case AnswerReason.ACTING_OWNER:
                return "acting owner"
            case AnswerReason.ESCALATION:
                return "escalation contact"
            case AnswerReason.TEAM_LEAD:
                return f"lead of {self.team_name}, whose people do most of its work"
            case AnswerReason.HOLDERS_TEAM_LEAD:
                return f"lead of {self.team_name}, the team of its owner or backup"
            case AnswerReason.STAGE_TEAM_LEAD:
                return f"lead of {self.team_name}, which owns most of its stage"
            case AnswerReason.LAST_RESORT:
                return "the ops leads' default"
        return "nobody: add an ops lead"


@dataclass(frozen=True)
class Involved:
    """Someone's part in the task, with their team and its lead (Contact carries both)."""

    role: str
    person: Contact


# Whose team does most of the work, by the part its people play in the task.
_ROLE_WEIGHT: dict[str, int] = {
    Role.CONTRIBUTOR: 3,
    Role.CHECKER: 3,
    Role.CONSULTED: 1,
    Role.INFORMED: 1,
}


def answerer(
    acting: Acting, involved: Iterable[Involved], stage_slug: str, fallbacks: "Fallbacks"
) -> Answerer:
    if acting.person is not None:
        return Answerer(acting.person, AnswerReason.ACTING_OWNER)
    involved = list(involved)
    contact = escalation_contact(involved, fallbacks.on)
    if contact is not None:
        return Answerer(contact, AnswerReason.ESCALATION)
    return next(leads(involved, stage_slug, fallbacks), Answerer(None, AnswerReason.NOBODY))


def escalation_contact(involved: Iterable[Involved], on: datetime.date) -> Contact | None:
    """The task's first escalation contact who is here on the day."""
    return next(
        (
            part.person
            for part in involved
            if part.role == Role.ESCALATION and is_available(part.person, on)
        ),
        None,
    )


def leads(involved: list[Involved], stage_slug: str, fallbacks: "Fallbacks") -> Iterator[Answerer]:
    """Those who answer for a task when neither its people nor its escalation contact can, in
    order: the leads of the teams doing its work, the lead of its stage's team, the ops leads'
    default. Escalation walks on down this list past anyone it already told."""
    on = fallbacks.on
    weights: Counter = Counter()
    teams: dict[int, Contact] = {}
    for part in involved:
        person = part.person
        if person.team_pk is not None and person.team_lead is not None:
            teams[person.team_pk] = person
            weights[person.team_pk] += _ROLE_WEIGHT.get(part.role, 0)
    # Teams whose people only own or back it (a departed owner's team) come after those that
    # do the work, but before the stage's.
    for team_pk, weight in weights.most_common():
        member = teams[team_pk]
        if is_available(member.team_lead, on):
            reason = AnswerReason.TEAM_LEAD if weight else AnswerReason.HOLDERS_TEAM_LEAD
            yield Answerer(member.team_lead, reason, member.team_name or "")
    stage_lead = fallbacks.stage_team_lead(stage_slug)
    if stage_lead is not None:
        yield Answerer(stage_lead, AnswerReason.STAGE_TEAM_LEAD, stage_lead.team_name or "")
    last = fallbacks.last_resort()
    if last is not None:
        yield Answerer(last, AnswerReason.LAST_RESORT)


# Plain SQL, prepared like the ranking (config/settings.py): the ORM's five-table join cost
# three times running it to compile and plan.
_OPS_LEADS = """
    SELECT p.id, p.name, p.email, p.chat_handle, p.title, p.away_until, p.departed_on,
           p.team_id, team.name
    FROM ownership_person p
    JOIN auth_user u ON u.id = p.user_id AND u.is_active
    JOIN auth_user_groups member ON member.user_id = u.id
    JOIN auth_group g ON g.id = member.group_id AND g.name = %s
    LEFT JOIN ownership_team team ON team.id = p.team_id
    ORDER BY p.name, p.id
"""
_LEAD_FIELDS = [
    "person__team__lead__" + name
    for name in ("id", "name", "email", "chat_handle", "title", "away_until", "departed_on")
]


# Per stage, the leads of this many teams are kept: the first here today answers.
_LEADS_KEPT = 5


def _stage_team_leads() -> dict[str, list[Contact]]:
    """Per stage, the leads of the teams owning its active tasks, most tasks first: cached
    per version of the map, since it groups every owner of the map (19 ms at 10,000 tasks on
    PostgreSQL against 0.6 ms to read the version)."""
    key = f"stage-team-leads:{map_version()}"
    found = cache.get(key)
    if found is None:
        found = {}
        rows = (
            Assignment.objects.filter(
                role=Role.OWNER, task__is_active=True, person__team__lead__isnull=False
            )
            .values("task__stage__slug", "person__team__name", *_LEAD_FIELDS)
            .annotate(owned=Count("id"))
            .order_by("task__stage__slug", "-owned", "person__team__name")
        )
        for row in rows:
            leads = found.setdefault(row["task__stage__slug"], [])
            if len(leads) == _LEADS_KEPT:
                continue
            pk, name, email, chat, title, away_until, departed_on = (
                row[field] for field in _LEAD_FIELDS
            )
            leads.append(
                Contact(
                    pk,
                    name,
                    email,
                    chat,
                    title,
                    away_until,
                    departed_on,
                    team_name=row["person__team__name"],
                )
            )
        cache.set(key, found, timeout=24 * 3600)
    return found


class Fallbacks:
    """The answerers that do not depend on the task's own people: each read at most once,
    and only if some task needs it (a lookup whose answers all have an owner reads neither)."""

    def __init__(self, on: datetime.date) -> None:
        self.on = on
        self._stage_leads: dict[str, Contact] | None = None
        self._last: list[Contact | None] | None = None

    def stage_team_lead(self, stage_slug: str) -> Contact | None:
        if self._stage_leads is None:
            self._stage_leads = self._read_stage_leads()
        return self._stage_leads.get(stage_slug)

    def _read_stage_leads(self) -> dict[str, Contact]:
        """Per stage, the lead (here today) of the team owning most of its active tasks."""
        found: dict[str, Contact] = {}
        for slug, leads in _stage_team_leads().items():
            lead = next((lead for lead in leads if is_available(lead, self.on)), None)
            if lead is not None:
                found[slug] = lead
        return found

    def last_resort(self) -> Contact | None:
        if self._last is None:
            self._last = [self._read_last_resort()]
        return self._last[0]

    def _read_last_resort(self) -> Contact | None:
        email = settings.OWNERMAP_LAST_RESORT_EMAIL
        if email:
            person = Person.objects.filter(email__iexact=email).select_related("team").first()
            if person is not None and is_available(person, self.on):
                return Contact.of(person, with_team=False)
        with connection.cursor() as cursor:
            cursor.execute(_OPS_LEADS, [OPS_LEADS])
            rows = cursor.fetchall()
        for pk, name, email, chat, title, away_until, departed_on, team_pk, team_name in rows:
            lead = Contact(
                pk, name, email, chat, title, away_until, departed_on, team_pk, team_name
            )
            if is_available(lead, self.on):
                return lead
        return None


_PERSON = ("id", "name", "email", "chat_handle", "title", "away_until", "departed_on")
_ROWS = (
    "task_id",
    "task__stage__slug",
    "role",
    *(f"person__{name}" for name in _PERSON),
    "person__team_id",
    "person__team__name",
    *(f"person__team__lead__{name}" for name in _PERSON),
)


def _contact(fields: tuple, team: tuple = (None, None, None)) -> Contact:
    pk, name, email, chat_handle, title, away_until, departed_on = fields
    team_pk, team_name, lead = team
    return Contact(
        pk, name, email, chat_handle, title, away_until, departed_on, team_pk, team_name, lead
    )


@dataclass
class TaskPeople:
    """A task's people as answering for it needs them: everyone's part, and its owner and
    backup by role."""

    stage_slug: str = ""
    involved: list[Involved] = field(default_factory=list)
    held: dict[str, Contact] = field(default_factory=dict)

    def acting(self, on: datetime.date) -> Acting:
        return acting_owner(self.held.get(Role.OWNER), self.held.get(Role.BACKUP), on)


def task_people(task_ids: Iterable[int]) -> dict[int, TaskPeople]:
    """Each task's people: one query (as plain rows: the dashboard asks for dozens of tasks),
    and one more for the stages of tasks nobody is assigned to."""
    task_ids = list(task_ids)
    found = {pk: TaskPeople() for pk in task_ids}
    for row in Assignment.objects.filter(task_id__in=task_ids).values_list(*_ROWS):
        task_id, stage_slug, role = row[:3]
        lead = _contact(row[12:19]) if row[12] is not None else None
        person = _contact(row[3:10], team=(row[10], row[11], lead))
        people = found[task_id]
        people.involved.append(Involved(role, person))
        people.held[role] = person
        people.stage_slug = stage_slug
    missing = [pk for pk, people in found.items() if not people.stage_slug]
    if missing:
        for pk, slug in Task.objects.filter(pk__in=missing).values_list("pk", "stage__slug"):
            found[pk].stage_slug = slug
    return found


def answerers(task_ids: Iterable[int], on: datetime.date) -> dict[int, Answerer]:
    """Who answers for each of these tasks, the fallbacks read only if some task needs them.
    For the sweep, the notices and the dashboard, which start from task ids."""
    fallbacks = Fallbacks(on)
    return {
        pk: answerer(people.acting(on), people.involved, people.stage_slug, fallbacks)
        for pk, people in task_people(task_ids).items()
    }
