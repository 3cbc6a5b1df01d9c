"""Applying an import: the dry run again, inside the transaction that writes it, and nothing
written unless every row is right. Tasks and people are written in bulk with history rows naming
the importing user and the file; changes to the people of existing tasks go through the same
assignment functions as the rest of the app."""

import datetime
from collections.abc import Callable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ownership.assignments import PAIRED_ROLES, assign, unassign
from ownership.gap_facts import refresh_gap_facts
from ownership.lookup.index import reindex_tasks, search_names_of
from ownership.models import Assignment, Person, Role
from ownership.sheets.conflicts import ImportConflict, conflicts_since
from ownership.sheets.files import Table
from ownership.sheets.plan import ImportPlan, PersonRef, RowPlan, plan_import
from tasks_registry import rhythm_spans
from tasks_registry.changes import claim_patterns
from tasks_registry.due import refresh_next_due
from tasks_registry.metrics import metric_named
from tasks_registry.models import Metric, PreviousSlug, Promise, Task
from tasks_registry.promises import link_task, unlink, update_link

_BATCH = 1000


class ImportRefused(Exception):
    """The sheet has problems (or gained some since its preview): nothing was written."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(f"{len(plan.problems)} problems in {plan.file_name}")
        self.plan = plan


def apply_import(
    *,
    table: Table,
    file_name: str,
    by: AbstractBaseUser | None,
    previewed: tuple[dict, datetime.datetime] | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> ImportPlan:
    """Import the sheet, all or nothing; raises ImportRefused if any row has a problem, and
    ImportConflict if `previewed` (what the preview read, and when) is not what the map holds
    now for some row. `progress(percent, step)` hears where it is."""
    reason = f"imported from {file_name}"[:100]
    said = progress or (lambda percent, step: None)
    with transaction.atomic():
        said(5, f"Reading the {len(table.rows):,} rows against the map")
        plan = plan_import(table, file_name)
        if not plan.ok:
            raise ImportRefused(plan)
        if previewed is not None:
            conflicts = conflicts_since(previewed[0], plan.read, previewed[1])
            if conflicts:
                raise ImportConflict(conflicts)
        said(35, "Adding people and tasks")
        _name_metrics(plan.rows, by)
        people = _create_people(plan.new_people, by, reason)
        created = _create_tasks([row for row in plan.rows if row.action == "create"], by, reason)
        said(50, "Updating tasks")
        updated = _update_tasks([row for row in plan.rows if row.action == "update"], by, reason)
        said(60, "Setting owners and backups")
        _assign_new_tasks(created, people, by, reason)
        _reassign_existing(updated, people, by, reason)
        _place_promises(created + updated, by, reason)
        said(75, "Working out due dates and the search index")
        touched = [row.task for row in created + updated]
        for row in created + updated:
            if "patterns" in row.values:
                claim_patterns(row.task)
        refresh_next_due(
            [row.task for row in created] + [row.task for row in updated if "rhythm" in row.values]
        )
        # Written in bulk, past the receivers that keep these: the new tasks with their people,
        # the updated ones' fields.
        refresh_gap_facts(task.pk for task in touched if task is not None)
        reindex_tasks(task.pk for task in touched)
    return plan


def _name_metrics(rows: list[RowPlan], by) -> None:
    """The metrics the rows name, by name, made where the map has none of that name."""
    found: dict[str, Metric | None] = {}
    for row in rows:
        if "metric" in row.values:
            name = row.values["metric"]
            if name not in found:
                found[name] = metric_named(name, by=by)
            row.values["metric"] = found[name]


def _create_people(refs: list[PersonRef], by, reason: str) -> dict[str, int]:
    """Everyone the rows name, by email: the new ones made here."""
    made = bulk_create_with_history(
        [Person(name=ref.name, email=ref.email.lower()) for ref in refs],
        Person,
        batch_size=_BATCH,
        default_user=by,
        default_change_reason=reason,
    )
    return {person.email: person.pk for person in made}


def _free_slugs(names: list[str]) -> list[str]:
    """A slug for each new task that no task has or had (see changes.unique_slug), found with
    two queries for the whole sheet rather than two per task."""
    taken = set(Task.objects.values_list("slug", flat=True))
    taken |= set(PreviousSlug.objects.values_list("slug", flat=True))
    slugs = []
    for name in names:
        base = slugify(name)[:190] or "task"
        slug, suffix = base, 2
        while slug in taken:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _create_tasks(rows: list[RowPlan], by, reason: str) -> list[RowPlan]:
    today = timezone.localdate()
    tasks = []
    for row, slug in zip(rows, _free_slugs([row.name for row in rows]), strict=True):
        values = row.values
        task = Task(
            name=row.name,
            slug=slug,
            rhythm_set_on=today if values.get("rhythm") else None,
            **values,
        )
        # Written with the row, so that the index needs no second pass over the new tasks.
        task.search_names = search_names_of(task)
        tasks.append(task)
    made = bulk_create_with_history(
        tasks, Task, batch_size=_BATCH, default_user=by, default_change_reason=reason
    )
    for row, task in zip(rows, made, strict=True):
        row.task = task
    return rows


def _update_tasks(rows: list[RowPlan], by, reason: str) -> list[RowPlan]:
    today, now = timezone.localdate(), timezone.now()
    fields = {"version", "updated_at"}
    changed = []
    for row in rows:
        if not row.values:
            continue
        task = row.task
        if "rhythm" in row.values and task is not None:
            rhythm_spans.close_current(task, today=today)
        for name, value in row.values.items():
            setattr(task, name, value)
            fields.add(name)
        if "rhythm" in row.values:
            task.rhythm_set_on = today if task.rhythm else None
            fields |= {"rhythm_set_on", "past_rhythms"}
        task.version += 1
        task.updated_at = now
        changed.append(task)
    if changed:
        bulk_update_with_history(
            changed,
            Task,
            sorted(fields),
            batch_size=_BATCH,
            default_user=by,
            default_change_reason=reason,
        )
    return rows


def _place_promises(rows: list[RowPlan], by, reason: str) -> None:
    """The promises each row's task repeats, through the promises' write functions: a handful
    of places a sheet, where tasks are thousands."""
    for row in rows:
        if row.promises is None or row.task is None:
            continue
        current = {link.promise_id: link for link in row.task.promise_links.all()}
        for promise_id, link in current.items():
            if promise_id not in row.promises:
                unlink(link=link, by=by, reason=reason)
            elif link.place != row.promises[promise_id]:
                update_link(link=link, place=row.promises[promise_id], by=by, reason=reason)
        promises = Promise.objects.in_bulk([pk for pk in row.promises if pk not in current])
        for promise_id, promise in promises.items():
            place = row.promises[promise_id]
            link_task(promise=promise, task=row.task, place=place, by=by, reason=reason)


def _person_id(ref: PersonRef, people: dict[str, int]) -> int:
    return ref.pk or people[ref.email]


def _assign_new_tasks(rows: list[RowPlan], people: dict[str, int], by, reason: str) -> None:
    assignments = [
        Assignment(task=row.task, person_id=_person_id(ref, people), role=role)
        for row in rows
        for role, refs in row.people.items()
        for ref in refs
    ]
    bulk_create_with_history(
        assignments, Assignment, batch_size=_BATCH, default_user=by, default_change_reason=reason
    )


def _reassign_existing(rows: list[RowPlan], people: dict[str, int], by, reason: str) -> None:
    """The people of tasks that were already on the map, through the assignment functions (an
    owner replaced in place reads as "Owner: Sam → Priya" in the history)."""
    for row in rows:
        if not row.people:
            continue
        current = list(Assignment.objects.filter(task=row.task).select_related("person"))
        wanted = {
            role: [_person_id(ref, people) for ref in refs] for role, refs in row.people.items()
        }
        # An owner and backup swapping places: free the seats first, or the first move would
        # make one person both.
        for assignment in current:
            role = Role(assignment.role)
            if role in PAIRED_ROLES and role in wanted:
                other = PAIRED_ROLES[role]
                if assignment.person_id in wanted.get(other, []):
                    unassign(assignment=assignment, by=by, reason=reason)
        for assignment in current:
            role = Role(assignment.role)
            if role in wanted and role not in PAIRED_ROLES:
                if assignment.person_id not in wanted[role]:
                    unassign(assignment=assignment, by=by, reason=reason)
            elif role in PAIRED_ROLES and wanted.get(role) == []:
                unassign(assignment=assignment, by=by, reason=reason)
        for role, person_ids in wanted.items():
            for person_id in person_ids:
                assign(
                    task=row.task,
                    person=Person.objects.get(pk=person_id),
                    role=role,
                    by=by,
                    reason=reason,
                )
