"""Reading the map: tasks with their owner and backup, in a fixed number of queries."""

import datetime
import math
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from ownership.acting import Acting, acting_owner
from ownership.gap_rules import GapReport, GapRule
from ownership.models import Assignment, Person, Role
from tasks_registry.models import Criticality, Stage, Task


@dataclass(frozen=True)
class TaskRow:
    task: Task
    owner: Person | None
    backup: Person | None
    acting: Acting


def _key_people(task: Task) -> tuple[Person | None, Person | None]:
    owner = backup = None
    for assignment in task.key_assignments:
        if assignment.role == Role.OWNER:
            owner = assignment.person
        elif assignment.role == Role.BACKUP:
            backup = assignment.person
    return owner, backup


def tasks_with_owners(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Tasks with their stage, and owner and backup prefetched as `key_assignments`."""
    return tasks.select_related("stage").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(role__in=[Role.OWNER, Role.BACKUP])
            .select_related("person")
            .order_by(),
            to_attr="key_assignments",
        )
    )


def task_rows(tasks: QuerySet[Task], *, on: datetime.date) -> list[TaskRow]:
    rows = []
    for task in tasks_with_owners(tasks):
        owner, backup = _key_people(task)
        rows.append(TaskRow(task, owner, backup, acting_owner(owner, backup, on)))
    return rows


# The map by stage shows each column's first cards, what is most wrong first, and links to the
# stage's own pages: a phone parses every card it is sent (5,000 cards blocked Lighthouse's
# mobile profile 0.8 s, even with off-screen cards left unrendered by content-visibility).
MAP_COLUMN_SIZE = 24
MAP_PAGE_SIZE = 96
_CRITICALITY_RANK = {value: rank for rank, value in enumerate(Criticality.values)}

Card = tuple[TaskRow, tuple[GapRule, ...]]


@dataclass(frozen=True)
class StageColumn:
    stage: Stage
    cards: list[Card]
    count: int  # the stage's tasks, shown or not

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def _most_wrong_first(tasks: QuerySet[Task], report: GapReport) -> dict[int, list[int]]:
    """Each stage's task ids: those with the most severe gaps first, then by criticality and
    name. One query, of four columns a task."""
    order = []
    for pk, stage_id, criticality, name in tasks.values_list(
        "pk", "stage_id", "criticality", "name"
    ):
        gaps = report.gaps_of.get(pk)
        worst = min(rule.severity for rule in gaps) if gaps else math.inf
        order.append(((worst, _CRITICALITY_RANK[criticality], name.casefold(), pk), stage_id))
    by_stage: dict[int, list[int]] = {}
    for key, stage_id in sorted(order):
        by_stage.setdefault(stage_id, []).append(key[-1])
    return by_stage


def _cards(ids: list[int], report: GapReport, on: datetime.date) -> list[Card]:
    rows = {row.task.pk: row for row in task_rows(Task.objects.filter(pk__in=ids), on=on)}
    return [(rows[pk], report.gaps_of.get(pk, ())) for pk in ids]


def stage_columns(
    tasks: QuerySet[Task], stages: list[Stage], report: GapReport, *, on: datetime.date
) -> list[StageColumn]:
    """A column per stage with its first MAP_COLUMN_SIZE cards; four queries."""
    by_stage = _most_wrong_first(tasks, report)
    shown = {stage.pk: by_stage.get(stage.pk, [])[:MAP_COLUMN_SIZE] for stage in stages}
    every = [pk for ids in shown.values() for pk in ids]
    cards = {card[0].task.pk: card for card in _cards(every, report, on)}
    return [
        StageColumn(stage, [cards[pk] for pk in shown[stage.pk]], len(by_stage.get(stage.pk, [])))
        for stage in stages
    ]


def stage_page(
    tasks: QuerySet[Task], report: GapReport, number: str | int | None, *, on: datetime.date
) -> tuple[list[Card], Page]:
    """One page of one stage's cards (`tasks` are that stage's), in the columns' order."""
    ids = [pk for stage_ids in _most_wrong_first(tasks, report).values() for pk in stage_ids]
    page = Paginator(ids, MAP_PAGE_SIZE).get_page(number)
    return _cards(list(page.object_list), report, on), page


def active_tasks(*, stage: Stage | None = None) -> QuerySet[Task]:
    tasks = Task.objects.filter(is_active=True)
    if stage is not None:
        tasks = tasks.filter(stage=stage)
    return tasks


# RACI is a view of the assignments: owner = A(ccountable), contributors = R(esponsible).
RACI_LETTERS = {
    Role.OWNER: "A",
    Role.CONTRIBUTOR: "R",
    Role.CONSULTED: "C",
    Role.INFORMED: "I",
}


@dataclass(frozen=True)
class RaciMatrix:
    people: list[Person]  # by team, then by name
    rows: list[tuple[Task, list[str]]]

    @property
    def teams(self) -> list[tuple[str, int]]:
        """The people's teams in column order, each with how many columns it spans."""
        groups: list[tuple[str, int]] = []
        for person in self.people:
            name = person.team.name if person.team else "No team"
            if groups and groups[-1][0] == name:
                groups[-1] = (name, groups[-1][1] + 1)
            else:
                groups.append((name, 1))
        return groups


# Rows of the matrix on one page: a browser lays out rows x people cells, the headers held in
# place as it scrolls. On Lighthouse's mobile profile (bench/lighthouse.py), a store of 1,060
# tasks on one page blocked the main thread 5.5 s; at 5,000 tasks and 240 people, 50 rows a
# page blocked it 0.2 s and 25 rows 0.08 s.
RACI_PAGE_SIZE = 25


def _raci_order(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related("stage").order_by("stage__order", "name", "pk")


def raci_matrix(tasks: QuerySet[Task]) -> RaciMatrix:
    """Tasks by the people with a RACI part in any of them; two queries."""
    return _matrix(list(_raci_order(tasks)))


def raci_page(tasks: QuerySet[Task], number: str | int | None) -> tuple[RaciMatrix, Page]:
    """One page of the matrix, its columns only the people with a part on that page; three
    queries (the count among them). A page number out of range shows the nearest page."""
    page = Paginator(_raci_order(tasks), RACI_PAGE_SIZE).get_page(number)
    return _matrix(list(page.object_list)), page


def _matrix(tasks: list[Task]) -> RaciMatrix:
    assignments = (
        Assignment.objects.filter(task__in=[t.pk for t in tasks], role__in=list(RACI_LETTERS))
        .select_related("person__team")
        .order_by()
    )
    return matrix_of(tasks, [(a.task_id, a.person, a.role) for a in assignments])


def matrix_of(tasks: list[Any], parts: list[tuple[int, Person, str]]) -> RaciMatrix:
    """The matrix of these tasks (rows, in order) from each (task id, person, role) part: of
    the map now, or as it was (ownership/time_travel.py)."""
    parts = [part for part in parts if part[2] in RACI_LETTERS]
    # Grouped by team, so a manager reads a department's share across the map at a glance.
    people = sorted(
        {person for _, person, _ in parts},
        key=lambda p: (p.team is None, p.team.name if p.team else "", p.name, p.pk),
    )
    column = {person.pk: index for index, person in enumerate(people)}
    cells: dict[int, list[str]] = {task.pk: [""] * len(people) for task in tasks}
    for task_id, person, role in parts:
        row = cells[task_id]
        index = column[person.pk]
        # One person may be both consulted and informed: the stronger part shows.
        letter = RACI_LETTERS[role]
        if not row[index] or "ARCI".index(letter) < "ARCI".index(row[index]):
            row[index] = letter
    return RaciMatrix(people, [(task, cells[task.pk]) for task in tasks])


def tasks_of_team(team) -> QuerySet[Task]:
    """Active tasks in which someone from the team has a part."""
    return Task.objects.filter(
        Exists(Assignment.objects.filter(task=OuterRef("pk"), person__team=team)), is_active=True
    )
