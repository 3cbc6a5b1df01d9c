"""Reading the map: tasks with their owner and backup, in a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

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
