"""What changed on the map between an import's preview and its applying: the rows whose task
was edited, had its people changed, was added or went away since, with who did it and when."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from ownership.models import Assignment, Person
from tasks_registry.models import Task


@dataclass(frozen=True)
class Conflict:
    task: str  # the row's task name
    message: str

    def as_json(self) -> dict[str, str]:
        return {"task": self.task, "message": self.message}


class ImportConflict(Exception):
    """Rows changed on the map since the preview: nothing was written."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__(f"{len(conflicts)} rows changed since the preview")
        self.conflicts = conflicts


def conflicts_since(
    previewed: dict[str, Any], now: dict[str, Any], since: datetime.datetime
) -> list[Conflict]:
    """The rows whose task is not as the preview found it (ImportPlan.read, then and now)."""
    changed = {name: found for name, found in now.items() if previewed.get(name, found) != found}
    if not changed:
        return []
    pks = [found[0] for found in changed.values() if found is not None]
    last = _last_changes(pks, since)
    conflicts = []
    for name, found in changed.items():
        before = previewed[name]
        if found is None:
            message = "renamed or removed since your preview"
        else:
            did = "added to the map" if before is None else "changed"
            message = f"{did} since your preview"
            if found[0] in last:
                who, when = last[found[0]]
                message = f"{did} by {who} at {_when(when)} since your preview"
        conflicts.append(
            Conflict(task=name if found is None else _task_name(found, name), message=message)
        )
    return sorted(conflicts, key=lambda conflict: conflict.task.lower())


def _task_name(found: list, name: str) -> str:
    return Task.objects.filter(pk=found[0]).values_list("name", flat=True).first() or name


def _last_changes(
    pks: list[int], since: datetime.datetime
) -> dict[int, tuple[str, datetime.datetime]]:
    """Per task, who made its latest change since then (to the task or its people), and when."""
    latest: dict[int, tuple[datetime.datetime, int | None]] = {}
    for history, field in ((Task.history, "id"), (Assignment.history, "task_id")):
        rows = history.filter(**{f"{field}__in": pks}, history_date__gt=since).values_list(
            field, "history_date", "history_user_id"
        )
        for pk, when, user_id in rows:
            if pk not in latest or when > latest[pk][0]:
                latest[pk] = (when, user_id)
    users = {user_id for _, user_id in latest.values() if user_id is not None}
    names: dict[int | None, str] = dict(
        Person.objects.filter(user_id__in=users).values_list("user_id", "name")
    )
    for user in get_user_model().objects.filter(pk__in=users - names.keys()):
        names[user.pk] = user.get_full_name() or user.get_username()
    return {pk: (names.get(user_id, "someone"), when) for pk, (when, user_id) in latest.items()}


def _when(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local:%H:%M} on {local:%-d %b}"
