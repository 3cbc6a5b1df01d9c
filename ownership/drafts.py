"""Drafts of a reorganisation: pending changes to people's parts in tasks, their teams and
titles, and tasks' stages and criticality, held out of sight and published at once.

Each change is held with what the live map had when it was made (DraftChange.base). The draft's
figures after publishing are worked out by publishing it inside a transaction that is then
rolled back, so that the preview and the publish are one piece of code (the write functions).
Publishing locks every task and person the draft touches, in one order, then refuses the whole
draft if any of them has moved on from its base since, naming each conflict; otherwise it
applies every change through the write functions, with history naming the draft. Two drafts
published at once over the same task: the second waits for the first's locks, finds the map
moved on, and is refused.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ownership.assignments import PAIRED_ROLES, assign, check_can_hold, unassign
from ownership.gap_rules import RULES, GapReport, gap_report
from ownership.models import (
    Assignment,
    Draft,
    DraftChange,
    DraftComment,
    DraftStatus,
    Person,
    Role,
    Team,
)
from ownership.people_changes import update_person
from tasks_registry.changes import update_task
from tasks_registry.models import Criticality, Stage, Task

Kind = DraftChange.Kind
KEY_ROLES = (Role.OWNER, Role.BACKUP)
SESSION_KEY = "draft"
PERSON_FIELDS = ("team", "title")
TASK_FIELDS = ("stage", "criticality")


def reason_for(draft: Draft) -> str:
    """What the history says of every change the draft published."""
    return f"draft “{draft.name}”"[:100]


# --- Opening, sharing, commenting, discarding ----------------------------------------------


def open_draft(*, name: str, by: AbstractBaseUser) -> Draft:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the draft a name, e.g. “Peak season 2027”."})
    return Draft.objects.create(name=name, author_id=by.pk)


def may_read(draft: Draft, user: Any) -> bool:
    """Its author always; the map's other editors once it is shared."""
    return draft.author_id == user.pk or draft.shared


def _editable(draft: Draft, by: AbstractBaseUser) -> Draft:
    """The draft, locked, if `by` may still change it: its author, while it is open."""
    current = Draft.objects.select_for_update().get(pk=draft.pk)
    if current.author_id != by.pk:
        raise ValidationError("Only the draft's author changes it; comment on it instead.")
    if not current.is_open:
        raise ValidationError(f"“{current.name}” was {current.get_status_display().lower()}.")
    return current


@transaction.atomic
def share(*, draft: Draft, by: AbstractBaseUser) -> Draft:
    current = _editable(draft, by)
    current.shared = True
    current.save(update_fields=["shared"])
    return current


@transaction.atomic
def comment(*, draft: Draft, by: AbstractBaseUser, text: str) -> DraftComment:
    current = Draft.objects.select_for_update().get(pk=draft.pk)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the comment first."})
    if not may_read(current, by):
        raise ValidationError("This draft is not shared with you.")
    return DraftComment.objects.create(draft=current, author_id=by.pk, text=text)


@transaction.atomic
def discard(*, draft: Draft, by: AbstractBaseUser) -> Draft:
    return _close(_editable(draft, by), DraftStatus.DISCARDED, by)


def _close(draft: Draft, status: str, by: AbstractBaseUser) -> Draft:
    draft.status, draft.closed_at, draft.closed_by_id = status, timezone.now(), by.pk
    draft.save(update_fields=["status", "closed_at", "closed_by"])
    return draft


# --- The live map, and the draft over it -----------------------------------------------------


def _live(kind: str, task_id: Any, person_id: Any, name: str) -> Any:
    """What the live map holds now for a change of this kind (in the form its value takes)."""
    if kind == Kind.KEY_ROLE:
        return (
            Assignment.objects.filter(task_id=task_id, role=name)
            .values_list("person_id", flat=True)
            .first()
        )
    if kind == Kind.PART:
        return Assignment.objects.filter(task_id=task_id, person_id=person_id, role=name).exists()
    if kind == Kind.PERSON:
        column = "team_id" if name == "team" else "title"
        return Person.objects.filter(pk=person_id).values_list(column, flat=True).first()
    column = "stage_id" if name == "stage" else "criticality"
    return Task.objects.filter(pk=task_id).values_list(column, flat=True).first()


def _key(kind: str, task_id: int | None, person_id: int | None, name: str) -> str:
    if kind == Kind.PERSON:
        return f"person:{person_id}:{name}"
    if kind == Kind.PART:
        return f"task:{task_id}:{name}:{person_id}"
    return f"task:{task_id}:{name}"  # a key role, or a task's stage or criticality


def pending(draft: Draft, kind: str, task_id: int | None, person_id: int | None, name: str):
    """What the draft holds for this thing, else what the live map does."""
    change = draft.changes.filter(key=_key(kind, task_id, person_id, name)).first()
    return change.value if change is not None else _live(kind, task_id, person_id, name)


def _hold(
    draft: Draft,
    *,
    kind: str,
    name: str,
    value: Any,
    task: Task | None = None,
    person: Person | None = None,
) -> DraftChange | None:
    task_id = task.pk if task is not None else None
    # A key role's value is the person; a part's the person is part of the key.
    person_id = person.pk if person is not None and kind != Kind.KEY_ROLE else None
    key = _key(kind, task_id, person_id, name)
    existing = draft.changes.filter(key=key).first()
    base = existing.base if existing is not None else _live(kind, task_id, person_id, name)
    if value == base:
        # Back to what the map has: nothing left to publish for it.
        if existing is not None:
            existing.delete()
        return None
    change = existing or DraftChange(draft=draft, key=key, kind=kind, field=name, base=base)
    change.task_id, change.person_id, change.value = task_id, person_id, value
    if kind == Kind.KEY_ROLE:
        change.person_id = value
    change.save()
    return change


@transaction.atomic
def hold_part(
    *, draft: Draft, task: Task, person: Person | None, role: str, by: AbstractBaseUser
) -> list[DraftChange]:
    """The draft gives `person` the role on the task (None: nobody holds a key role). An owner
    or backup replaces the one the draft has; someone made owner who backs it up in the draft
    stops being its backup, and the other way round."""
    current = _editable(draft, by)
    role = Role(role)
    if role not in KEY_ROLES:
        if person is None:
            raise ValidationError({"person": "Name the person."})
        check_can_hold(person, role)
        held = _hold(current, kind=Kind.PART, name=role, value=True, task=task, person=person)
        return [held] if held else []
    if person is not None:
        check_can_hold(person, role)
    made = []
    other = PAIRED_ROLES[role]
    if person is not None and pending(current, Kind.KEY_ROLE, task.pk, None, other) == person.pk:
        # The person moves from one seat to the other: the one they leave is empty in the draft.
        made.append(_hold(current, kind=Kind.KEY_ROLE, name=other, value=None, task=task))
    made.append(
        _hold(
            current,
            kind=Kind.KEY_ROLE,
            name=role,
            value=person.pk if person else None,
            task=task,
        )
    )
    return [change for change in made if change is not None]


@transaction.atomic
def hold_removal(*, draft: Draft, assignment: Assignment, by: AbstractBaseUser) -> None:
    """The draft takes someone off a task (their part as the live map has it)."""
    current = _editable(draft, by)
    role, task = Role(assignment.role), assignment.task
    if role in KEY_ROLES:
        _hold(current, kind=Kind.KEY_ROLE, name=role, value=None, task=task)
    else:
        _hold(
            current,
            kind=Kind.PART,
            name=role,
            value=False,
            task=task,
            person=assignment.person,
        )


@transaction.atomic
def hold_person(
    *, draft: Draft, person: Person, by: AbstractBaseUser, **changes: Any
) -> list[DraftChange]:
    """A new team or title for someone, in the draft."""
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"hold_person() got unexpected fields: {sorted(unknown)}")
    current = _editable(draft, by)
    made = []
    for name, value in changes.items():
        if name == "team":
            value = value.pk if value is not None else None
        else:
            value = " ".join(str(value or "").split())
        made.append(_hold(current, kind=Kind.PERSON, name=name, value=value, person=person))
    return [change for change in made if change is not None]


@transaction.atomic
def hold_task(*, draft: Draft, task: Task, by: AbstractBaseUser, **changes: Any) -> list:
    """A new stage or criticality for a task, in the draft."""
    unknown = set(changes) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"hold_task() got unexpected fields: {sorted(unknown)}")
    current = _editable(draft, by)
    made = []
    for name, value in changes.items():
        value = value.pk if name == "stage" else Criticality(value).value
        made.append(_hold(current, kind=Kind.TASK, name=name, value=value, task=task))
    return [change for change in made if change is not None]


@transaction.atomic
def drop_change(*, change: DraftChange, by: AbstractBaseUser) -> None:
    """Take one change out of the draft."""
    _editable(change.draft, by)
    change.delete()


# --- In words -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeWords:
    change: DraftChange
    thing: str  # "Owner of “Refund processing”", "Nina Alvarez's team"
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.thing}: {self.before} → {self.after}"


class _Names:
    """The names the changes' ids stand for (and the live map's, where `live` gives them by
    change), read in three statements."""

    def __init__(self, changes: list[DraftChange], live: dict[int, Any] | None = None) -> None:
        people, teams, stages = set(), set(), set()
        live = live or {}
        for change in changes:
            for value in (change.value, change.base, live.get(change.pk)):
                if change.kind == Kind.KEY_ROLE and isinstance(value, int):
                    people.add(value)
                elif change.kind == Kind.PERSON and change.field == "team" and value:
                    teams.add(value)
                elif change.kind == Kind.TASK and change.field == "stage" and value:
                    stages.add(value)
        self.people = dict(Person.objects.filter(pk__in=people).values_list("pk", "name"))
        self.teams = dict(Team.objects.filter(pk__in=teams).values_list("pk", "name"))
        self.stages = dict(Stage.objects.filter(pk__in=stages).values_list("pk", "name"))

    def of(self, change: DraftChange, value: Any) -> str:
        if change.kind == Kind.KEY_ROLE:
            return self.people.get(value, "(someone since removed)") if value else "(nobody)"
        if change.kind == Kind.PART:
            return "has it" if value else "does not"
        if change.field == "team":
            return self.teams.get(value, "(a team since removed)") if value else "(no team)"
        if change.field == "stage":
            return self.stages.get(value, "(a stage since removed)")
        if change.field == "criticality":
            return Criticality(value).label
        return value or "(none)"


def _thing(change: DraftChange) -> str:
    task = change.task.name if change.task else ""
    person = change.person.name if change.person else ""
    if change.kind == Kind.KEY_ROLE:
        return f"{Role(change.field).label} of “{task}”"
    if change.kind == Kind.PART:
        return f"{person} as {Role(change.field).label.lower()} of “{task}”"
    if change.kind == Kind.PERSON:
        label = "team" if change.field == "team" else "title"
        return f"{person}'s {label}"
    return f"“{task}”'s {change.field}"


def changes_of(draft: Draft) -> list[ChangeWords]:
    """The draft's changes in words, as it holds them: four statements."""
    changes = list(draft.changes.select_related("task", "person").order_by("key"))
    names = _Names(changes)
    return [
        ChangeWords(
            change, _thing(change), names.of(change, change.base), names.of(change, change.value)
        )
        for change in changes
    ]


def held_for_task(draft: Draft, task: Task) -> list[ChangeWords]:
    """What the draft holds for one task, in words (its page shows it in draft mode)."""
    return [words for words in changes_of(draft) if words.change.task_id == task.pk]


# --- Conflicts and publishing ---------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    change: DraftChange
    words: str


class DraftConflict(Exception):
    """Things the draft changes were changed on the live map since: nothing was published."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__(f"{len(conflicts)} changes of the draft conflict with the map")
        self.conflicts = conflicts


def conflicts_of(changes: list[DraftChange]) -> list[Conflict]:
    """The changes whose thing the live map has moved on from since they were made (to
    something else than the draft's value: the same edit made live is no conflict)."""
    found = []
    moved = []
    for change in changes:
        live = _live(
            change.kind,
            change.task_id,
            change.person_id if change.kind != Kind.KEY_ROLE else None,
            change.field,
        )
        if live != change.base and live != change.value:
            moved.append((change, live))
    if not moved:
        return []
    names = _Names([change for change, _ in moved], {change.pk: live for change, live in moved})
    for change, live in moved:
        found.append(
            Conflict(
                change,
                f"{_thing(change)}: the draft changes it from {names.of(change, change.base)} "
                f"to {names.of(change, change.value)}, but the map now has "
                f"{names.of(change, live)}.",
            )
        )
    return found


def _lock_targets(changes: list[DraftChange]) -> None:
    """Every task and person the draft changes, locked in one order: a second publish over the
    same things waits here, then finds them moved on."""
    tasks: list[int] = sorted({c.task_id for c in changes if c.task_id is not None})
    people: list[int] = sorted({c.person_id for c in changes if c.person_id is not None})
    list(Task.objects.select_for_update().filter(pk__in=tasks).order_by("pk").values_list("pk"))
    list(Person.objects.select_for_update().filter(pk__in=people).order_by("pk").values_list("pk"))


def _apply(changes: list[DraftChange], *, by: AbstractBaseUser, reason: str) -> None:
    """Every change through the write functions: people and tasks first, then who holds what."""
    by_person: dict[Any, dict[str, Any]] = defaultdict(dict)
    by_task: dict[Any, dict[str, Any]] = defaultdict(dict)
    seats: dict[Any, dict[str, int | None]] = defaultdict(dict)
    parts: list[DraftChange] = []
    for change in changes:
        value: Any = change.value
        if change.kind == Kind.PERSON:
            if change.field == "team":
                value = Team.objects.get(pk=value) if value else None
            by_person[change.person_id][change.field] = value
        elif change.kind == Kind.TASK:
            if change.field == "stage":
                value = Stage.objects.get(pk=value)
            by_task[change.task_id][change.field] = value
        elif change.kind == Kind.KEY_ROLE:
            seats[change.task_id][change.field] = change.value
        else:
            parts.append(change)
    for person_id, fields in by_person.items():
        update_person(person=Person.objects.get(pk=person_id), by=by, reason=reason, **fields)
    for task_id, fields in by_task.items():
        update_task(task=Task.objects.get(pk=task_id), by=by, reason=reason, **fields)
    for task_id, wanted in seats.items():
        _seat(Task.objects.get(pk=task_id), wanted, by=by, reason=reason)
    for change in parts:
        task, person, role = change.task, change.person, change.field
        if task is None:
            continue  # the task was deleted since: its part goes with it
        if change.value and person is not None:
            assign(task=task, person=person, role=role, by=by, reason=reason)
        else:
            for held in Assignment.objects.filter(task=task, person=person, role=role):
                unassign(assignment=held, by=by, reason=reason)


def _seat(task: Task, wanted: dict[str, int | None], *, by: AbstractBaseUser, reason: str) -> None:
    """A task's owner and backup as the draft wants them: a seat emptied or left by someone
    taking the other one is freed first, then each is filled (a replacement in place, which
    the history reads as "Owner: Nina → Sam")."""
    held = {a.role: a for a in Assignment.objects.filter(task=task, role__in=KEY_ROLES)}
    for role, person_id in wanted.items():
        other = PAIRED_ROLES[Role(role)]
        seated = held.get(other)
        if person_id is None and role in held:
            unassign(assignment=held.pop(role), by=by, reason=reason)
        elif seated is not None and seated.person_id == person_id and other in wanted:
            unassign(assignment=held.pop(other), by=by, reason=reason)
    for role, person_id in wanted.items():
        if person_id is not None:
            person = Person.objects.get(pk=person_id)
            assign(task=task, person=person, role=role, by=by, reason=reason)


def publish(*, draft: Draft, by: AbstractBaseUser) -> Draft:
    """Every change of the draft on the live map at once, or none: DraftConflict names what
    moved on since the draft held it; ValidationError what the map refuses (someone left)."""
    with transaction.atomic():
        current = _editable(draft, by)
        changes = list(current.changes.select_related("task", "person"))
        if not changes:
            raise ValidationError("The draft holds no changes yet.")
        _lock_targets(changes)
        conflicts = conflicts_of(changes)
        if conflicts:
            raise DraftConflict(conflicts)
        _apply(changes, by=by, reason=reason_for(current))
        return _close(current, DraftStatus.PUBLISHED, by)


# --- The preview ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    name: str
    owned: int
    critical: int


@dataclass(frozen=True)
class Figures:
    counts: dict[str, int]  # by rule code
    flagged: int
    coverage: int | None
    loads: dict[int, Load]


def _figures(report: GapReport, people: set[int]) -> Figures:
    owned = (
        Assignment.objects.filter(role=Role.OWNER, task__is_active=True, person_id__in=people)
        .values("person_id", "person__name")
        .annotate(
            owned=Count("pk"),
            critical=Count("pk", filter=Q(task__criticality=Criticality.CRITICAL)),
        )
        .order_by()
    )
    loads = {
        row["person_id"]: Load(row["person__name"], row["owned"], row["critical"]) for row in owned
    }
    names = dict(Person.objects.filter(pk__in=people - set(loads)).values_list("pk", "name"))
    loads |= {pk: Load(name, 0, 0) for pk, name in names.items()}
    return Figures(
        counts=report.counts_by_code(),
        flagged=len(report.flagged),
        coverage=report.coverage.percent,
        loads=loads,
    )


@dataclass(frozen=True)
class Row:
    label: str
    now: Any
    after: Any
    higher_is_better: bool = False  # coverage; for the counts of gaps, fewer is better

    @property
    def better(self) -> bool | None:
        """Whether the draft makes it better (None: the same, or no way to say)."""
        if self.now == self.after or self.now is None or self.after is None:
            return None
        return (self.after > self.now) == self.higher_is_better


@dataclass
class Preview:
    rows: list[Row] = field(default_factory=list)
    loads: list[tuple[str, Load, Load]] = field(default_factory=list)
    problem: str = ""


class _RolledBack(Exception):
    pass


def preview(draft: Draft, *, by: AbstractBaseUser, on: datetime.date | None = None) -> Preview:
    """The gap counts, coverage and owner load now and as they would be after publishing, side
    by side: the draft published in a transaction rolled back."""
    on = on or timezone.localdate()
    changes = list(draft.changes.select_related("task", "person"))
    people = {c.person_id for c in changes if c.person_id} | {
        v for c in changes for v in (c.base, c.value) if c.kind == Kind.KEY_ROLE and v
    }
    # The owners of the tasks it touches: their load may drop.
    touched = {c.task_id for c in changes if c.task_id is not None}
    people |= set(
        Assignment.objects.filter(task_id__in=touched, role=Role.OWNER).values_list(
            "person_id", flat=True
        )
    )
    now = _figures(gap_report(on=on), people)
    result = Preview()
    try:
        with transaction.atomic():
            _apply(changes, by=by, reason=reason_for(draft))
            after = _figures(gap_report(on=on), people)
            raise _RolledBack
    except _RolledBack:
        pass
    except ValidationError as error:
        result.problem = " ".join(error.messages)
        return result
    result.rows.append(
        Row("Coverage of critical and high tasks (%)", now.coverage, after.coverage, True)
    )
    result.rows.append(Row("Tasks with a gap", now.flagged, after.flagged))
    for rule in RULES:
        before, later = now.counts.get(rule.code, 0), after.counts.get(rule.code, 0)
        if before or later:
            result.rows.append(Row(rule.label, before, later))
    result.loads = sorted(
        (
            (load.name, load, after.loads.get(pk, Load(load.name, 0, 0)))
            for pk, load in now.loads.items()
        ),
        key=lambda item: item[0],
    )
    return result


# --- Draft mode -----------------------------------------------------------------------------


def in_draft(request: Any) -> Draft | None:
    """The draft the person is editing the map in (draft mode), if any: their own, open. Read
    once a request, and only when the session names one."""
    if hasattr(request, "_draft"):
        return request._draft
    pk = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    draft = None
    if pk and request.user.is_authenticated:
        draft = Draft.objects.filter(pk=pk, author=request.user, status=DraftStatus.OPEN).first()
        if draft is None:
            request.session.pop(SESSION_KEY, None)
    request._draft = draft
    return draft


def enter_draft_mode(request: Any, draft: Draft) -> None:
    """The person's edits to the map are held in `draft` from their next request on."""
    request.session[SESSION_KEY] = draft.pk
    request._draft = draft


def leave_draft_mode(request: Any, draft: Draft | None = None) -> None:
    """Draft mode ends: in any draft, or only if it is `draft` (published or discarded)."""
    if draft is None or request.session.get(SESSION_KEY) == draft.pk:
        request.session.pop(SESSION_KEY, None)
        request._draft = None


def draft_mode(request: Any) -> dict[str, Draft | None]:
    """Context processor: the draft being edited, for the banner every page shows in it."""
    return {"draft_mode": in_draft(request)}
