"""The map as it was: who owned and backed up a task on a past day, and over which dates, read
from the assignments' history (django-simple-history keeps a row for every change, with its
moment). After an incident the first question is "who owned this when it happened?".
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ownership.lookup import Answer, answer_data
from ownership.map import RaciMatrix, matrix_of
from ownership.models import Assignment, Person, Role, Team
from tasks_registry.models import Criticality, Stage, Task

KEY_ROLES = (Role.OWNER, Role.BACKUP)


def end_of(day: datetime.date) -> datetime.datetime:
    """The last moment of a day, where the map is read: what changed that day counts."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=timezone.get_current_timezone())


def map_began() -> datetime.date | None:
    """The day the map's first task was added (None for an empty map)."""
    first = Task.history.order_by("history_date").values_list("history_date", flat=True).first()
    return timezone.localdate(first) if first else None


def parse_day(typed: str) -> datetime.date:
    """A day as a date field sends it (2026-10-01), or a ValidationError on as_of saying so."""
    try:
        return datetime.date.fromisoformat(typed)
    except ValueError:
        said = f"“{typed}” is not a date: write it as 2026-10-01."
        raise ValidationError({"as_of": said}, code="not_a_date") from None


def check_as_of(day: datetime.date, *, field: str = "as_of") -> datetime.date:
    """A day the map can be read as it was on: refused, on `field`, if it has not come yet or
    comes before the map existed."""
    today = timezone.localdate()
    if day > today:
        said = f"{day:%-d %b %Y} has not come yet: the map is read as it was."
        raise ValidationError({field: said}, code="future")
    began = map_began()
    if began is None or day < began:
        since = f"its first task was added on {began:%-d %b %Y}" if began else "it has no tasks yet"
        raise ValidationError(
            {field: f"The map did not exist on {day:%-d %b %Y}: {since}."}, code="before_map"
        )
    return day


@dataclass(frozen=True)
class Holders:
    """A task's owner and backup at one moment (either None)."""

    owner: Person | None
    backup: Person | None


def _parts_then(
    task_ids: list[int] | None, moment: datetime.datetime
) -> list[tuple[int, int, str]]:
    """Each (task id, person id, role) in force at `moment` (of every task, for None): one
    query of the assignments' history up to then."""
    # Every role is read: an assignment's last row decides, even when it left a role.
    rows = Assignment.history.filter(history_date__lte=moment)
    if task_ids is not None:
        rows = rows.filter(task_id__in=task_ids)
    latest: dict[int, tuple] = {}
    # Each assignment's last change up to then (its newest row, read first) says where it stood.
    for row in rows.order_by("id", "-history_date", "-history_id").values_list(
        "id", "task_id", "person_id", "role", "history_type"
    ):
        latest.setdefault(row[0], row)
    return [
        (task_id, person_id, role)
        for _, task_id, person_id, role, kind in latest.values()
        if kind != "-"
    ]


def holders_on(task_ids: Iterable[int] | None, day: datetime.date) -> dict[int, Holders]:
    """Each task's owner and backup at the end of `day` (of every task, for None): two
    queries, the assignments' history up to then and the people it names."""
    ids = list(task_ids) if task_ids is not None else None
    held: dict[int, dict[str, int]] = defaultdict(dict)
    for task_id, person_id, role in _parts_then(ids, end_of(day)):
        if role in KEY_ROLES:
            held[task_id][role] = person_id
    people = Person.objects.in_bulk({pk for roles in held.values() for pk in roles.values()})
    return {
        task_id: Holders(
            people.get(held[task_id].get(Role.OWNER, 0)),
            people.get(held[task_id].get(Role.BACKUP, 0)),
        )
        for task_id in (ids if ids is not None else held)
    }


@dataclass(frozen=True)
class Span:
    """One person holding one of a task's key roles, from one moment until another (None:
    still)."""

    role: str
    person_id: int
    person_name: str
    start: datetime.datetime
    end: datetime.datetime | None

    @property
    def role_label(self) -> str:
        return Role(self.role).label


def ownership_timeline(task: Task) -> list[Span]:
    """Who was the task's owner and backup, over which dates, newest first: one query."""
    state: dict[int, tuple[str, int]] = {}
    names: dict[int, str] = {}
    opened: dict[str, tuple[int, datetime.datetime]] = {}
    spans: list[Span] = []
    for assignment_id, person_id, name, role, kind, when in (
        Assignment.history.filter(task_id=task.pk)
        .order_by("history_date", "history_id")
        .values_list("id", "person_id", "person__name", "role", "history_type", "history_date")
    ):
        names[person_id] = name
        if kind == "-":
            state.pop(assignment_id, None)
        else:
            state[assignment_id] = (role, person_id)
        holding = {r: p for r, p in state.values() if r in KEY_ROLES}
        for key in KEY_ROLES:
            current = opened.get(key)
            now = holding.get(key)
            if current is not None and current[0] != now:
                spans.append(Span(key, current[0], names[current[0]], current[1], when))
                del opened[key]
            if now is not None and key not in opened:
                opened[key] = (now, when)
    spans += [Span(key, p, names[p], start, None) for key, (p, start) in opened.items()]
    return sorted(spans, key=lambda span: (span.start, span.role == Role.OWNER), reverse=True)


def _person_data(person: Person | None) -> dict[str, str] | None:
    return {"name": person.name, "email": person.email} if person else None


def answers_as_of(
    answers: list[Answer], day: datetime.date, *, base_url: str | None = None
) -> list[dict[str, Any]]:
    """The lookup's answers as they were at the end of `day`: each task with the owner and
    backup it had then (who acts today says nothing of then, so it is left out)."""
    holders = holders_on([answer.task.pk for answer in answers], day)
    rows = []
    for answer in answers:
        data = answer_data(answer, base_url=base_url)
        held = holders.get(answer.task.pk, Holders(None, None))
        rows.append(
            {
                "task": data["task"],
                "slug": data["slug"],
                "url": data["url"],
                "stage": data["stage"],
                "as_of": day.isoformat(),
                "owner": _person_data(held.owner),
                "backup": _person_data(held.backup),
            }
        )
    return rows


@dataclass(frozen=True)
class TaskAsOf:
    """A task as it was at the end of a day: its fields then, and who held each role."""

    day: datetime.date
    record: Any  # the task's history row in force that day
    stage_name: str
    people: list[tuple[str, list[Person]]]  # (role's label, people), in Role's order

    @property
    def done_checklist(self) -> list[str]:
        return [
            line.strip() for line in self.record.definition_of_done.splitlines() if line.strip()
        ]


def task_as_of(task: Task, day: datetime.date) -> TaskAsOf:
    """The task as it was at the end of `day`, from the history: refused (on as_of) for a day
    it did not exist yet, as for a day check_as_of refuses. Three statements."""
    check_as_of(day)
    moment = end_of(day)
    record = (
        task.history.filter(history_date__lte=moment)
        .select_related("stage")
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None or record.history_type == "-":
        added = task.history.order_by("history_date").values_list("history_date", flat=True).first()
        since = f"; it was added on {timezone.localdate(added):%-d %b %Y}" if added else ""
        raise ValidationError(
            {"as_of": f"“{task.name}” was not on the map on {day:%-d %b %Y}{since}."},
            code="not_yet",
        )
    latest: dict[int, tuple] = {}
    for row in (
        Assignment.history.filter(task_id=task.pk, history_date__lte=moment)
        .select_related("person")
        .order_by("id", "-history_date", "-history_id")
    ):
        latest.setdefault(row.id, (row.history_type, row.role, row.person))
    by_role: dict[str, list[Person]] = defaultdict(list)
    for kind, role, person in latest.values():
        if kind != "-" and person is not None:
            by_role[role].append(person)
    people = [(Role(role).label, sorted(by_role[role], key=lambda p: p.name)) for role in Role]
    stage = record.stage.name if record.stage_id and record.stage else "(a stage since removed)"
    return TaskAsOf(day, record, stage, people)


@dataclass(frozen=True)
class TaskThen:
    """A task as the map had it at the end of a day."""

    pk: int
    name: str
    slug: str  # today's: its page, asked for that day
    criticality: str
    owner: Person | None
    backup: Person | None

    @property
    def criticality_label(self) -> str:
        return Criticality(self.criticality).label


def _tasks_then(moment: datetime.datetime) -> dict[int, tuple[str, str, int, str]]:
    """Each task active at `moment` and still on the map: (name, criticality, stage id then,
    slug now). Two statements."""
    latest: dict[int, tuple] = {}
    for row in (
        Task.history.filter(history_date__lte=moment)
        .order_by("id", "-history_date", "-history_id")
        .values_list("id", "history_type", "is_active", "name", "criticality", "stage_id")
    ):
        latest.setdefault(row[0], row)
    alive = {pk: row for pk, row in latest.items() if row[1] != "-" and row[2]}
    slugs = dict(Task.objects.filter(pk__in=list(alive)).values_list("pk", "slug")) if alive else {}
    # A task deleted since has no page to show it on.
    return {pk: (row[3], row[4], row[5], slugs[pk]) for pk, row in alive.items() if pk in slugs}


def map_as_of(day: datetime.date) -> list[tuple[Stage, list[TaskThen]]]:
    """The map as it was at the end of `day`: each stage with its active tasks then, by name,
    and their owner and backup then. Five statements, whatever the map's size."""
    check_as_of(day)
    alive = _tasks_then(end_of(day))
    holders = holders_on(None, day)
    by_stage: dict[int, list[TaskThen]] = defaultdict(list)
    for pk, (name, criticality, stage_id, slug) in alive.items():
        held = holders.get(pk, Holders(None, None))
        by_stage[stage_id].append(TaskThen(pk, name, slug, criticality, held.owner, held.backup))
    return [
        (stage, sorted(by_stage[stage.pk], key=lambda t: t.name.lower()))
        for stage in Stage.objects.all()
        if by_stage.get(stage.pk)
    ]


@dataclass(frozen=True)
class RowThen:
    """A task as a row of the RACI matrix as it was: its name and stage then, and its page as
    it was that day."""

    pk: int
    name: str
    stage: Stage
    url: str

    def get_absolute_url(self) -> str:
        return self.url


@dataclass(frozen=True)
class RaciThen:
    """The RACI matrix's rows as they were, and everyone's part in them then."""

    rows: list[RowThen]
    parts: list[tuple[int, Person, str]]

    def matrix(self, rows: list[RowThen] | None = None) -> RaciMatrix:
        """Of every row, or of some (a page): its columns only the people with a part there."""
        rows = self.rows if rows is None else rows
        wanted = {row.pk for row in rows}
        return matrix_of(rows, [part for part in self.parts if part[0] in wanted])


def raci_as_of(
    day: datetime.date,
    *,
    stage: Stage | None = None,
    team: Team | None = None,
    stages: list[Stage] | None = None,
) -> RaciThen:
    """The RACI matrix as it was at the end of `day`: the tasks active then (of the stage they
        were in then), with everyone's part then; a team narrows it to the tasks one of its people
        (in it now) had a part in. Six statements, whatever the map's size (five given `stages`,
    every stage, as the filters have them)."""
    check_as_of(day)
    moment = end_of(day)
    alive = _tasks_then(moment)
    by_pk = {s.pk: s for s in (stages if stages is not None else Stage.objects.all())}
    parts = [p for p in _parts_then(None, moment) if p[0] in alive]
    people = Person.objects.select_related("team").in_bulk({p[1] for p in parts})
    if team is not None:
        theirs = {
            task_id for task_id, person_id, _ in parts if people[person_id].team_id == team.pk
        }
        alive = {pk: row for pk, row in alive.items() if pk in theirs}
    if stage is not None:
        alive = {pk: row for pk, row in alive.items() if row[2] == stage.pk}
    # Each row's page as it was: one reverse(), not one per row (slugs are URL-safe as they are).
    prefix = reverse("ownership:task_detail", kwargs={"slug": "slug"}).removesuffix("slug/")
    query = f"?as_of={day.isoformat()}"
    rows = sorted(
        (
            RowThen(pk, name, by_pk[stage_id], f"{prefix}{slug}/{query}")
            for pk, (name, _, stage_id, slug) in alive.items()
            if stage_id in by_pk
        ),
        key=lambda row: (row.stage.order, row.name.lower(), row.pk),
    )
    return RaciThen(rows, [(t, people[p], r) for t, p, r in parts if t in alive])
