"""A task's history in words: who changed what, when — its fields and its assignments."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser

from ownership.models import Assignment, Role
from tasks_registry.models import Stage, Task

# Long text fields are named, not quoted in full, in a one-line history entry.
_LONG_FIELDS = {"description", "definition_of_done", "aliases", "systems"}
_IGNORED_FIELDS = {"version", "updated_at", "created_at", "slug"}
_FIELD_ORDER = {f.name: n for n, f in enumerate(Task._meta.fields)}


@dataclass(frozen=True)
class Change:
    label: str
    before: str = ""
    after: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    user: AbstractBaseUser | None
    summary: str
    changes: list[Change] = field(default_factory=list)
    reason: str = ""

    @property
    def who(self) -> str:
        if self.user is None:
            return "the system"
        person = getattr(self.user, "person", None)
        return person.name if person is not None else self.user.get_username()


def _field_label(name: str) -> str:
    return str(Task._meta.get_field(name).verbose_name)


def _display(name: str, value: object, stages: dict[int, str]) -> str:
    if name == "stage":
        return stages.get(value, "(deleted stage)")
    if name == "criticality":
        return dict(Task._meta.get_field("criticality").choices).get(value, str(value))
    if name == "is_active":
        return "active" if value else "retired"
    return str(value or "—")


def _task_entries(task: Task) -> list[HistoryEntry]:
    records = list(
        task.history.select_related("history_user__person").order_by("history_date", "pk")
    )
    stages = dict(Stage.objects.values_list("pk", "name"))
    entries = []
    previous = None
    for record in records:
        if previous is None:
            summary, changes = "created the task", []
        else:
            delta = record.diff_against(previous, excluded_fields=_IGNORED_FIELDS)
            changes = [
                Change(_field_label(c.field))
                if c.field in _LONG_FIELDS
                else Change(
                    _field_label(c.field),
                    _display(c.field, c.old, stages),
                    _display(c.field, c.new, stages),
                )
                for c in sorted(delta.changes, key=lambda c: _FIELD_ORDER.get(c.field, 99))
            ]
            if not changes:
                previous = record
                continue
            summary = "edited " + ", ".join(change.label for change in changes)
        entries.append(
            HistoryEntry(
                record.history_date,
                record.history_user,
                summary,
                changes,
                record.history_change_reason or "",
            )
        )
        previous = record
    return entries


def _assignment_entries(task: Task) -> list[HistoryEntry]:
    records = (
        Assignment.history.filter(task_id=task.pk)
        .select_related("history_user__person", "person")
        .order_by("history_date", "pk")
    )
    labels = dict(Role.choices)
    last_person: dict[int, str] = {}
    entries = []
    for record in records:
        role = labels.get(record.role, record.role).lower()
        name = record.person.name if record.person else "(deleted person)"
        if record.history_type == "+":
            summary = f"added {name} as {role}"
        elif record.history_type == "-":
            summary = f"removed {name} as {role}"
        else:
            before = last_person.get(record.id)
            if before is None or before == name:
                last_person[record.id] = name
                continue
            summary = f"changed the {role} from {before} to {name}"
        last_person[record.id] = name
        entries.append(
            HistoryEntry(
                record.history_date,
                record.history_user,
                summary,
                reason=record.history_change_reason or "",
            )
        )
    return entries


def task_history(task: Task, *, limit: int = 100) -> list[HistoryEntry]:
    """Newest first. Four queries, whatever the length of the history."""
    entries = _task_entries(task) + _assignment_entries(task)
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
