"""The map's history in words: who changed what, when — tasks' fields, assignments, people."""

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse
from django.utils.formats import date_format

from ownership import chat
from ownership.assignments import CONFIRMED_IN_NEW_ROLE
from ownership.models import Assignment, Attestation, EscalationPause, Role
from tasks_registry.models import Completion, Metric, Stage, Task

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
    # A version of the task's fields that can be restored (None for assignments).
    record_id: int | None = None
    # What it is about, for the site-wide list: a task's name and page.
    subject: str = ""
    url: str = ""

    @classmethod
    def of(cls, record: Any, summary: str, changes: list[Change] | None = None, **where: Any):
        """A history row in words: when, by whom and why come from the row itself."""
        reason = record.history_change_reason or ""
        when, user = record.history_date, record.history_user
        return cls(when, user, summary, changes or [], reason, **where)

    @property
    def who(self) -> str:
        if self.user is None:
            return "the system"
        person = getattr(self.user, "person", None)
        return person.name if person is not None else self.user.get_username()


def _field_label(name: str) -> str:
    return str(Task._meta.get_field(name).verbose_name)


class Names:
    """The names of the records a task's fields point at: stages, read once for a page, and
    metrics, read only if a change of metric is shown."""

    def __init__(self) -> None:
        self.stages = dict(Stage.objects.values_list("pk", "name"))

    @cached_property
    def metrics(self) -> dict[int, str]:
        return dict(Metric.objects.values_list("pk", "name"))


def _display(name: str, value: object, stages: Names) -> str:
    if name == "stage":
        return stages.stages.get(value, "(deleted stage)")  # type: ignore[call-overload]
    if name == "metric":
        return "—" if value is None else stages.metrics.get(value, "(deleted metric)")  # type: ignore[call-overload]
    if name == "criticality":
        return dict(Task._meta.get_field("criticality").choices).get(value, str(value))
    if name == "is_active":
        return "active" if value else "retired"
    return str(value or "—")


def _field_changes(record, previous, stages: Names) -> list[Change]:
    delta = record.diff_against(previous, excluded_fields=_IGNORED_FIELDS)
    return [
        Change(_field_label(c.field))
        if c.field in _LONG_FIELDS
        else Change(
            _field_label(c.field),
            _display(c.field, c.old, stages),
            _display(c.field, c.new, stages),
        )
        for c in sorted(delta.changes, key=lambda c: _FIELD_ORDER.get(c.field, 99))
    ]


def task_record_entry(record, previous, stages, *, subject="", url="") -> HistoryEntry | None:
    if previous is None:
        summary, changes = "created the task", []
    else:
        changes = _field_changes(record, previous, stages)
        if not changes:
            return None
        said = []
        # Retiring and restoring are said as such, not as an edit of the "is active" field.
        if record.is_active != previous.is_active:
            said.append("restored the task to the map" if record.is_active else "retired the task")
            changes = [change for change in changes if change.label != _field_label("is_active")]
        if changes:
            said.append("edited " + ", ".join(change.label for change in changes))
        summary = " and ".join(said)
    return HistoryEntry.of(
        record, summary, changes, record_id=record.history_id, subject=subject, url=url
    )


def _task_entries(task: Task, stages: Names) -> list[HistoryEntry]:
    records = task.history.select_related("history_user__person").order_by("history_date", "pk")
    entries = []
    previous = None
    for record in records:
        entry = task_record_entry(record, previous, stages)
        if entry is not None:
            entries.append(entry)
        previous = record
    # The newest version is the task as it is: restoring it would change nothing.
    if entries and entries[-1].record_id == previous.history_id:
        entries[-1] = HistoryEntry(**{**entries[-1].__dict__, "record_id": None})
    return entries


def assignment_summary(record, last_person: dict[int, str]) -> str | None:
    role = dict(Role.choices).get(record.role, record.role).lower()
    name = record.person.name if record.person else "(deleted person)"
    before = last_person.get(record.id)
    last_person[record.id] = name
    if record.history_type == "+":
        return f"added {name} as {role}"
    if record.history_type == "-":
        return f"removed {name} as {role}"
    if record.history_change_reason == CONFIRMED_IN_NEW_ROLE:
        return f"kept {name} as {role} after their change of role"
    if before is None:  # the record that added them is older than the list being read
        return f"made {name} the {role}"
    if before != name:
        return f"changed the {role} from {before} to {name}"
    return None


def _assignment_entries(task: Task) -> list[HistoryEntry]:
    records = (
        Assignment.history.filter(task_id=task.pk)
        .select_related("history_user__person", "person")
        .order_by("history_date", "pk")
    )
    last_person: dict[int, str] = {}
    entries = []
    for record in records:
        summary = assignment_summary(record, last_person)
        if summary is None:
            continue
        entries.append(HistoryEntry.of(record, summary))
    return entries


def _completion_entries(task: Task) -> list[HistoryEntry]:
    """Confirmations and skips made and taken back (made in bulk, the demo's have no record).
    Occurrences skipped together, as one decision, are one entry."""
    records = (
        Completion.history.filter(task_id=task.pk)
        .select_related("history_user__person")
        .order_by("history_date", "pk")
    )
    entries: list[HistoryEntry] = []
    # A skip decision (when, by whom, why) → where its entry is, and the days it closed.
    skipped: dict[tuple, tuple[int, list[datetime.date]]] = {}
    for record in records:
        day = date_format(record.due_on, "D j M Y")
        if record.history_type == "+" and record.skip_reason:
            decision = (record.history_date, record.history_user_id, record.skip_reason)
            if decision not in skipped:
                skipped[decision] = (len(entries), [])
                entries.append(HistoryEntry(record.history_date, record.history_user, ""))
            skipped[decision][1].append(record.due_on)
            continue
        if record.history_type == "+":
            summary = f"confirmed the occurrence due {day} done"
            if record.evidence_url:
                summary += " (with evidence)"
        elif record.history_type == "-":
            what = "skip" if record.skip_reason else "confirmation"
            summary = f"took back the {what} of the occurrence due {day}"
        else:
            continue
        reason = record.history_change_reason or ""
        entries.append(
            HistoryEntry(record.history_date, record.history_user, summary, reason=reason)
        )
    for (when, _, reason), (position, days) in skipped.items():
        entries[position] = HistoryEntry(
            when, entries[position].user, _skipped_summary(days), reason=reason
        )
    return entries


def _skipped_summary(days: list[datetime.date]) -> str:
    if len(days) == 1:
        return f"skipped the occurrence due {date_format(days[0], 'D j M Y')}"
    first, last = min(days), max(days)
    return (
        f"skipped {len(days)} occurrences due {date_format(first, 'j M')} to "
        f"{date_format(last, 'j M Y')}"
    )


def _word_entries(task: Task) -> list[HistoryEntry]:
    """What its people said of it: attestations ("still mine", or something wrong) and "I'm on
    it — by <date>"; where they said it, if it was the chat."""
    entries = [
        HistoryEntry(
            said.attested_at,
            said.by,
            "said it is still theirs and still right"
            if said.is_right
            else "said something is wrong with it",
            reason=chat.VIA if said.via == Attestation.Via.CHAT else "",
        )
        for said in Attestation.objects.filter(task=task).select_related("by__person")
    ]
    entries += [
        HistoryEntry(
            pause.created_at,
            pause.said_by,
            f"said they are on it, done by {date_format(pause.until, 'D j M Y')}",
            reason=pause.via,
        )
        for pause in EscalationPause.objects.filter(task=task).select_related("said_by__person")
    ]
    return entries


def task_history(task: Task, *, limit: int = 100) -> list[HistoryEntry]:
    """Newest first. Seven queries, whatever the length of the history."""
    stages = Names()
    entries = (
        _task_entries(task, stages)
        + _assignment_entries(task)
        + _completion_entries(task)
        + _word_entries(task)
    )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


def changed_since(task: Task, version: int) -> list[Change]:
    """What differs between the task as it was at `version` and as it is now: what someone
    else changed while a form filled from that version was open."""
    then = task.history.filter(version=version).order_by("-history_date").first()
    now = task.history.order_by("-history_date").first()
    if then is None or now is None:
        return []
    stages = Names()
    changes = _field_changes(now, then, stages)
    # Long fields are named only in the history list; a conflict shows what they now say.
    return [
        Change(change.label, after=str(getattr(task, _FIELD_BY_LABEL[change.label]) or "—"))
        if change.label in _FIELD_BY_LABEL and not change.before and not change.after
        else change
        for change in changes
    ]


_FIELD_BY_LABEL = {_field_label(name): name for name in _LONG_FIELDS}


_PERSON_FIELDS = {
    "name": "name",
    "email": "email",
    "team": "team",
    "title": "title",
    "chat_handle": "chat handle",
    "away_until": "away until",
    "departed_on": "left on",
}


def _person_value(name: str, value: object, teams: dict[int, str]) -> str:
    if name == "team":
        return teams.get(value, "no team") if value else "no team"
    if isinstance(value, datetime.date):
        return f"{value:%-d %b %Y}"
    return str(value or "—")


def person_entry(record, previous, teams: dict[int, str]) -> HistoryEntry | None:
    """A change to a person, against the version before it (None: nothing shown changed)."""
    changes = []
    if record.history_type == "+":
        summary = f"added {record.name} to the map"
    elif record.history_type == "-":
        summary = f"removed {record.name}"
    elif previous is None:
        summary = f"updated {record.name}"
    else:
        delta = record.diff_against(previous, included_fields=list(_PERSON_FIELDS))
        changes = [
            Change(
                _PERSON_FIELDS[c.field],
                _person_value(c.field, c.old, teams),
                _person_value(c.field, c.new, teams),
            )
            for c in delta.changes
        ]
        if not changes:
            return None
        summary = f"changed {record.name}: " + ", ".join(c.label for c in changes)
    url = reverse("ownership:person_detail", kwargs={"pk": record.id})
    return HistoryEntry.of(record, summary, changes, subject=record.name, url=url)


def task_changes_between(
    since: datetime.datetime, until: datetime.datetime, *, task_ids
) -> list[HistoryEntry]:
    """Changes to these tasks' fields and people made between two moments, oldest first, each
    with what it was before: what a review session changed. Four queries, whatever the number
    of tasks (task_ids may be a queryset of ids)."""
    stages = Names()
    window = {"history_date__gte": since, "history_date__lte": until}
    entries = []

    records = list(
        Task.history.filter(id__in=task_ids, **window).select_related("history_user__person")
    )
    versions: dict[int, list] = {}
    for record in Task.history.filter(
        id__in={r.id for r in records}, history_date__lte=until
    ).order_by("history_date", "pk"):
        versions.setdefault(record.id, []).append(record)
    for record in records:
        history = versions[record.id]
        position = next(i for i, r in enumerate(history) if r.history_id == record.history_id)
        previous = history[position - 1] if position else None
        url = reverse("ownership:task_detail", kwargs={"slug": record.slug})
        entry = task_record_entry(record, previous, stages, subject=record.name, url=url)
        if entry is not None:
            entries.append(HistoryEntry(**{**entry.__dict__, "record_id": None}))

    changed = Assignment.history.filter(task_id__in=task_ids, **window).values("id")
    last_person: dict[int, str] = {}
    for record in (
        Assignment.history.filter(id__in=changed, history_date__lte=until)
        .select_related("history_user__person", "person", "task")
        .order_by("history_date", "pk")
    ):
        before = last_person.get(record.id)
        summary = assignment_summary(record, last_person)
        if record.history_date < since or summary is None or record.task is None:
            continue
        role = dict(Role.choices).get(record.role, record.role)
        after = last_person[record.id] if record.history_type != "-" else "—"
        url = reverse("ownership:task_detail", kwargs={"slug": record.task.slug})
        changes = [Change(role, before or "—", after)]
        entries.append(HistoryEntry.of(record, summary, changes, subject=record.task.name, url=url))
    entries.sort(key=lambda entry: entry.when)
    return entries
