"""The map's change log: every change to tasks' fields, to who does what on them, and to
people, newest first, narrowed by person, task, team, kind and dates, a page at a time.

Three histories are merged (django-simple-history's tables for tasks, assignments and
people), so a page is found by a cursor, not a count: the moment of the last change shown,
with its kind and history row, and each history is read from there on. Changes made at the
same moment (a sheet imported in bulk writes thousands) are neither lost nor repeated
between pages, and a page costs the same statements whatever its number.
"""

import datetime
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from ownership.history_in_words import (
    HistoryEntry,
    Names,
    assignment_summary,
    person_entry,
    task_record_entry,
)
from ownership.models import Assignment, Person, Team
from tasks_registry.models import Task

PAGE_SIZE = 100
# At most this many changes in one download: the filters narrow a larger log.
CSV_MAX = 20_000


class Kind:
    """The kinds of change, in the order changes made at one moment are listed."""

    TASKS = "tasks"
    ROLES = "roles"
    PEOPLE = "people"
    CHOICES = [
        (TASKS, "Tasks' fields"),
        (ROLES, "Who does what on tasks"),
        (PEOPLE, "People"),
    ]
    ORDER = [TASKS, ROLES, PEOPLE]


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the change of this kind, history row and moment."""

    when: datetime.datetime
    kind: str
    history_id: int

    def __str__(self) -> str:
        return f"{self.when.isoformat()}~{self.kind}~{self.history_id}"

    @classmethod
    def parse(cls, text: str | None) -> "Cursor | None":
        """A cursor from a link, or None for anything else (the first page)."""
        parts = (text or "").split("~")
        if len(parts) != 3 or parts[1] not in Kind.ORDER or not parts[2].isdecimal():
            return None
        try:
            when = datetime.datetime.fromisoformat(parts[0])
        except ValueError:
            return None
        # A moment the database can compare: at the calendar's ends, a time zone's offset
        # carries it past datetime's range.
        if when.tzinfo is None or not _EARLIEST.year <= when.year <= _LATEST.year:
            return None
        return cls(when, parts[1], int(parts[2]))


@dataclass(frozen=True)
class ChangeFilters:
    person: Person | None = None
    task: Task | None = None
    team: Team | None = None
    kind: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None

    def kinds(self) -> list[str]:
        kinds = [self.kind] if self.kind else list(Kind.ORDER)
        # A task's filter is about tasks: people's own records are not.
        return [k for k in kinds if not (self.task is not None and k == Kind.PEOPLE)]


@dataclass(frozen=True)
class ChangedEntry:
    """A change in words, with where it stands in the log."""

    entry: HistoryEntry
    kind: str
    history_id: int

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.entry.when, self.kind, self.history_id)


@dataclass(frozen=True)
class ChangesPage:
    entries: list[ChangedEntry]
    following: Cursor | None  # where the next, older page starts


# The days a filter can name that the database can compare (a date field takes years 1 to
# 9999; the first and last of them overflow once moved to UTC). Nothing changed outside them.
_EARLIEST, _LATEST = datetime.date(1900, 1, 1), datetime.date(9000, 12, 31)


def _window(records: QuerySet, filters: ChangeFilters, cursor: Cursor | None, kind: str):
    tz = timezone.get_current_timezone()
    if filters.since:
        since = min(max(filters.since, _EARLIEST), _LATEST)
        records = records.filter(
            history_date__gte=datetime.datetime.combine(since, datetime.time.min, tz)
        )
    if filters.until:
        end = max(min(filters.until, _LATEST), _EARLIEST) + datetime.timedelta(days=1)
        records = records.filter(
            history_date__lt=datetime.datetime.combine(end, datetime.time.min, tz)
        )
    if cursor is not None:
        # At the cursor's moment, the kinds listed before its own were shown in full; its own
        # up to its row; the ones after it not yet.
        mine, theirs = Kind.ORDER.index(kind), Kind.ORDER.index(cursor.kind)
        at = Q(history_date=cursor.when)
        if mine == theirs:
            at &= Q(history_id__lt=cursor.history_id)
        elif mine < theirs:
            at = Q(pk__in=[])
        records = records.filter(Q(history_date__lt=cursor.when) | at)
    return records.order_by("-history_date", "-history_id")


def _made_by(person: Person) -> Q:
    return Q(history_user_id=person.user_id) if person.user_id else Q(pk__in=[])


def _task_records(filters: ChangeFilters) -> QuerySet:
    records = Task.history.all()
    if filters.task is not None:
        records = records.filter(id=filters.task.pk)
    if filters.person is not None:
        records = records.filter(_made_by(filters.person))
    if filters.team is not None:
        records = records.filter(history_user__person__team=filters.team)
    return records


def _role_records(filters: ChangeFilters) -> QuerySet:
    records = Assignment.history.all()
    if filters.task is not None:
        records = records.filter(task_id=filters.task.pk)
    if filters.person is not None:
        records = records.filter(Q(person_id=filters.person.pk) | _made_by(filters.person))
    if filters.team is not None:
        records = records.filter(
            Q(person__team=filters.team) | Q(history_user__person__team=filters.team)
        )
    return records


def _people_records(filters: ChangeFilters) -> QuerySet:
    records = Person.history.all()
    if filters.person is not None:
        records = records.filter(Q(id=filters.person.pk) | _made_by(filters.person))
    if filters.team is not None:
        records = records.filter(
            Q(team_id=filters.team.pk) | Q(history_user__person__team=filters.team)
        )
    return records


def _task_entries(records: list, names: Names) -> list[ChangedEntry]:
    earlier: dict[int, list] = {}
    if records:
        # Each record is described against the one before it, read in one more statement.
        for record in Task.history.filter(id__in={r.id for r in records}).order_by(
            "history_date", "history_id"
        ):
            earlier.setdefault(record.id, []).append(record)
    found = []
    for record in records:
        versions = earlier.get(record.id, [])
        position = next(i for i, r in enumerate(versions) if r.history_id == record.history_id)
        previous = versions[position - 1] if position else None
        url = reverse("ownership:task_detail", kwargs={"slug": record.slug})
        entry = task_record_entry(record, previous, names, subject=record.name, url=url)
        if entry is not None:
            found.append(
                ChangedEntry(replace(entry, record_id=None), Kind.TASKS, record.history_id)
            )
    return found


def _role_entries(records: list) -> list[ChangedEntry]:
    found = []
    # Read oldest first, so that a change of person is said against the one before it.
    last_person: dict[int, str] = {}
    for record in reversed(records):
        summary = assignment_summary(record, last_person)
        if summary is None or record.task is None:
            continue
        url = reverse("ownership:task_detail", kwargs={"slug": record.task.slug})
        entry = HistoryEntry.of(record, summary, subject=record.task.name, url=url)
        found.append(ChangedEntry(entry, Kind.ROLES, record.history_id))
    return found


def _people_entries(records: list) -> list[ChangedEntry]:
    earlier: dict[int, list] = {}
    if records:
        for record in Person.history.filter(id__in={r.id for r in records}).order_by(
            "history_date", "history_id"
        ):
            earlier.setdefault(record.id, []).append(record)
    teams = dict(Team.objects.values_list("pk", "name")) if records else {}
    found = []
    for record in records:
        versions = earlier[record.id]
        position = next(i for i, r in enumerate(versions) if r.history_id == record.history_id)
        previous = versions[position - 1] if position else None
        entry = person_entry(record, previous, teams)
        if entry is not None:
            found.append(ChangedEntry(entry, Kind.PEOPLE, record.history_id))
    return found


def changes_page(
    filters: ChangeFilters, cursor: Cursor | None = None, *, size: int = PAGE_SIZE
) -> ChangesPage:
    """One page of the log from `cursor` on (the newest first without one): a fixed number
    of statements, whatever the page's number or the history's length."""
    found: list[ChangedEntry] = []
    # Where each history with more to read stopped: if none of what was read is shown (all
    # of it changes nothing shown), the next page starts after the newest of these.
    stopped: list[Cursor] = []
    for kind in filters.kinds():
        records = _SOURCES[kind](filters)
        related = _RELATED[kind]
        rows = list(_window(records, filters, cursor, kind).select_related(*related)[: size + 1])
        if len(rows) > size:
            stopped.append(Cursor(rows[size - 1].history_date, kind, rows[size - 1].history_id))
        found += _ENTRIES[kind](rows[:size])
    found.sort(key=_position, reverse=True)
    shown = found[:size]
    if len(found) > size or (shown and stopped):
        following: Cursor | None = shown[-1].cursor
    elif stopped:
        following = max(stopped, key=lambda c: (c.when, -Kind.ORDER.index(c.kind), c.history_id))
    else:
        following = None
    return ChangesPage(shown, following)


def _position(item: ChangedEntry) -> tuple:
    """Newest first; at one moment, in Kind.ORDER, then by history row, newest first."""
    return (item.entry.when, -Kind.ORDER.index(item.kind), item.history_id)


_SOURCES = {Kind.TASKS: _task_records, Kind.ROLES: _role_records, Kind.PEOPLE: _people_records}
_RELATED = {
    Kind.TASKS: ("history_user__person",),
    Kind.ROLES: ("history_user__person", "person", "task"),
    Kind.PEOPLE: ("history_user__person",),
}
_ENTRIES = {
    Kind.TASKS: lambda rows: _task_entries(rows, Names()),
    Kind.ROLES: _role_entries,
    Kind.PEOPLE: _people_entries,
}


def all_changes(filters: ChangeFilters, *, limit: int = CSV_MAX) -> list[ChangedEntry]:
    """Every change the filters keep, newest first, up to `limit`: a page at a time."""
    found: list[ChangedEntry] = []
    cursor = None
    while len(found) < limit:
        page = changes_page(filters, cursor, size=min(1000, limit - len(found)))
        found += page.entries
        if page.following is None:
            break
        cursor = page.following
    return found


CSV_HEADER = ["When", "Who", "Kind", "About", "What", "Changes", "Why"]


def csv_rows(entries: list[ChangedEntry]) -> list[list[Any]]:
    kinds = dict(Kind.CHOICES)
    rows = []
    for item in entries:
        entry = item.entry
        changes = "; ".join(
            f"{c.label}: {c.before} → {c.after}" if c.before or c.after else c.label
            for c in entry.changes
        )
        when = timezone.localtime(entry.when).strftime("%Y-%m-%d %H:%M")
        row = [when, entry.who, kinds[item.kind], entry.subject, entry.summary, changes]
        rows.append([*row, entry.reason])
    return rows
