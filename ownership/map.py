"""Reading the map: tasks with their owner and backup, in a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from ownership.acting import Acting, acting_owner
from ownership.models import Assignment, Person, Role
from tasks_registry.models import Stage, Task


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


def raci_matrix(tasks: QuerySet[Task]) -> RaciMatrix:
    """Tasks by the people with a RACI part in any of them; two queries."""
    tasks = list(tasks.select_related("stage").order_by("stage__order", "name", "pk"))
    assignments = list(
        Assignment.objects.filter(task__in=[t.pk for t in tasks], role__in=list(RACI_LETTERS))
        .select_related("person__team")
        .order_by()
    )
    # Grouped by team, so a manager reads a department's share across the map at a glance.
    people = sorted(
        {a.person for a in assignments},
        key=lambda p: (p.team is None, p.team.name if p.team else "", p.name, p.pk),
    )
    column = {person.pk: index for index, person in enumerate(people)}
    cells: dict[int, list[str]] = {task.pk: [""] * len(people) for task in tasks}
    for assignment in assignments:
        row = cells[assignment.task_id]
        index = column[assignment.person_id]
        # One person may be both consulted and informed: the stronger part shows.
        letter = RACI_LETTERS[assignment.role]
        if not row[index] or "ARCI".index(letter) < "ARCI".index(row[index]):
            row[index] = letter
    return RaciMatrix(people, [(task, cells[task.pk]) for task in tasks])


def tasks_of_team(team) -> QuerySet[Task]:
    """Active tasks in which someone from the team has a part."""
    return Task.objects.filter(
        Exists(Assignment.objects.filter(task=OuterRef("pk"), person__team=team)), is_active=True
    )
