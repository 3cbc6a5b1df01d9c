"""What one person owns and backs up, and when it is due: the "My tasks" page."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.utils import timezone

from ownership.acting import Acting, acting_owner
from ownership.assignments import owners_and_backups
from ownership.models import Assignment, Person, Role
from ownership.policies import Rules, all_rules
from tasks_registry import due, rhythms
from tasks_registry.completions import UNDO_WINDOW
from tasks_registry.due import Occurrence
from tasks_registry.models import Task
from tasks_registry.rhythms import AdHoc

RECENTLY = datetime.timedelta(days=7)
# A page of My tasks: long lists (a hundred daily tasks missed, a month of them to come) are
# paged, so the page stays small whatever someone holds.
MISSED_PER_PAGE = 20
COMING_PER_PAGE = 40


@dataclass(frozen=True)
class MyTask:
    task: Task
    role: str
    acting: Acting
    i_am_acting: bool
    # For a task they own: the day their last word for it runs out (ownership/attestation.py).
    attest_by: datetime.date | None = None

    @property
    def attested_on(self) -> datetime.date | None:
        attested = self.task.attested_at
        return timezone.localdate(attested) if attested else None


@dataclass
class Missed:
    """A task's overdue occurrences, as one row: a daily task missed for a week is one thing to
    catch up on, not seven."""

    task: Task
    occurrences: list[Occurrence] = field(default_factory=list)  # oldest first

    @property
    def days(self) -> list[datetime.date]:
        return [o.due_on for o in self.occurrences]

    @property
    def first(self) -> datetime.date:
        return self.occurrences[0].due_on

    @property
    def last(self) -> datetime.date:
        return self.occurrences[-1].due_on

    @property
    def count(self) -> int:
        return len(self.occurrences)


@dataclass
class MyTasks:
    person: Person
    today: datetime.date
    horizon: datetime.date
    tasks: dict[int, MyTask] = field(default_factory=dict)
    missed: list[Missed] = field(default_factory=list)  # the oldest miss first
    due_now: list[Occurrence] = field(default_factory=list)
    upcoming: list[Occurrence] = field(default_factory=list)
    recently_done: list[Occurrence] = field(default_factory=list)
    ad_hoc: list[MyTask] = field(default_factory=list)

    @property
    def owned_count(self) -> int:
        return sum(1 for item in self.tasks.values() if item.attest_by is not None)

    no_rhythm: list[MyTask] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.tasks


def my_tasks(person: Person, *, today: datetime.date | None = None) -> MyTasks:
    """The person's owned and backed-up active tasks, their overdue occurrences grouped by task
    (the oldest miss first), those due now and in the coming days, and what was confirmed or
    skipped lately. Four queries at most: their roles, the other owner or backup of each
    task, the campaigns and the completions."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.OWNERMAP_DUE_SOON_DAYS)
    page = MyTasks(person=person, today=today, horizon=horizon)
    mine = list(
        Assignment.objects.filter(
            person=person, role__in=(Role.OWNER, Role.BACKUP), task__is_active=True
        ).select_related("task", "task__stage", "task__metric")
    )
    if not mine:
        return page
    people = owners_and_backups([a.task_id for a in mine])
    policies = all_rules() if any(a.role == Role.OWNER for a in mine) else {}
    for assignment in mine:
        owner, backup = people.get(assignment.task_id, (None, None))
        acting = acting_owner(owner, backup, today)
        i_am_acting = acting.person is not None and acting.person.pk == person.pk
        page.tasks[assignment.task_id] = MyTask(
            assignment.task,
            assignment.role,
            acting,
            i_am_acting,
            attest_by=_attest_by(assignment, policies) if assignment.role == Role.OWNER else None,
        )
    tasks = [item.task for item in page.tasks.values()]
    missed: dict[int, Missed] = {}
    recent = timezone.now() - RECENTLY
    for occurrence in due.occurrences(tasks, end=horizon, today=today):
        match occurrence.state:
            case due.OVERDUE:
                task = occurrence.task
                missed.setdefault(task.pk, Missed(task)).occurrences.append(occurrence)
            case due.DUE:
                page.due_now.append(occurrence)
            case due.UPCOMING:
                page.upcoming.append(occurrence)
            case due.DONE | due.SKIPPED if occurrence.completion.completed_at >= recent:
                page.recently_done.append(occurrence)
    page.missed = sorted(missed.values(), key=lambda m: (m.first, m.task.name.lower()))
    page.recently_done.sort(key=lambda o: o.completion.completed_at, reverse=True)
    for item in sorted(page.tasks.values(), key=lambda i: i.task.name.lower()):
        rhythm = rhythms.stored(item.task.rhythm)
        if isinstance(rhythm, AdHoc):
            page.ad_hoc.append(item)
        elif rhythm is None:
            page.no_rhythm.append(item)
    return page


def _attest_by(assignment: Assignment, policies: dict[str, Rules]) -> datetime.date:
    """Their last word for the task (an attestation, or taking it on) plus its period: as the
    unattested rule counts (ownership/gap_rules.py)."""
    task = assignment.task
    said = max(m for m in (task.attested_at, assignment.confirmed_at) if m is not None)
    every = policies[task.criticality].attest_every_days
    return timezone.localdate(said) + datetime.timedelta(days=every)


def occurrence_key(task_pk: int, day: datetime.date | None) -> str:
    """Names one occurrence, so a refused confirmation shows its errors at its own form."""
    return f"{task_pk}:{day.isoformat() if day else ''}"


MY_TASKS = "ownership/my_tasks.html"


def my_tasks_context(
    user: Any, *, pages: Mapping[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    """What My tasks shows the signed-in user: shared by its page and by the confirmations
    that answer on it. `pages` holds which page of the missed and the coming lists to show
    (?missed=2&coming=3; the first by default)."""
    person = Person.objects.filter(user=user).first()
    page = my_tasks(person) if person else None
    pages = pages or {}
    return {
        "person": person,
        "page": page,
        "missed": Paginator(page.missed if page else [], MISSED_PER_PAGE).get_page(
            pages.get("missed")
        ),
        "coming": Paginator(page.upcoming if page else [], COMING_PER_PAGE).get_page(
            pages.get("coming")
        ),
        "today": timezone.localdate(),
        "undo_since": timezone.now() - UNDO_WINDOW,
        "failed_task": None,
        **extra,
    }
