"""What the gap rules read of each task, in one narrow row (GapFacts), kept in step with the map.

Derived data, like the lookup's index: signal receivers keep it in step with every write path
(the app's write functions, the admin, data loads) without each of them having to remember;
writes that bypass signals (bulk loads, a task's dates moved in bulk) call refresh_gap_facts()
themselves, or send tasks_registry.due.next_due_moved. No business rule lives here, only the
facts the rules read.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ownership.derived import receivers_paused
from ownership.models import Assignment, GapFacts, Person, Role
from ownership.vagueness import is_vague
from tasks_registry.due import next_due_moved
from tasks_registry.models import Completion, Metric, Promise, PromiseLink, Stage, Task

# Roles of people who do or check the work: with any of them and no owner, the task has helpers
# but nobody accountable. Escalation, consulted and informed people do not do the work.
HELPER_ROLES = frozenset({Role.CONTRIBUTOR, Role.BACKUP, Role.CHECKER})
# Tasks refreshed together: the ids of a query stay well under PostgreSQL's 65,535 parameters.
BATCH = 2000


@transaction.atomic
def refresh_gap_facts(task_ids: Iterable[int]) -> None:
    """Rewrite the facts of these tasks from the map."""
    ids = sorted(set(task_ids))
    for start in range(0, len(ids), BATCH):
        _refresh_batch(ids[start : start + BATCH])


@transaction.atomic
def rebuild_gap_facts() -> None:
    """Every task's facts again: after a migration changed the table, a restore, or bulk SQL."""
    GapFacts.objects.all().delete()
    refresh_gap_facts(Task.objects.values_list("pk", flat=True))


def heal_gap_facts() -> int:
    """Every task's facts written again from the map, a batch at a time (each its own short
    transaction, so writers wait for one batch at most); how many had drifted from it. The
    night's safety net: a write path that bypassed both the receivers and an explicit refresh
    shows here, and is put right by morning."""
    fields = [field.attname for field in GapFacts._meta.concrete_fields]
    ids = list(Task.objects.order_by("pk").values_list("pk", flat=True))
    drifted = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        rows = GapFacts.objects.filter(task_id__in=batch).order_by("task_id")
        with transaction.atomic():
            # Locked before they are read, as _refresh_batch locks them: a write meanwhile is
            # not taken for drift.
            before = set(rows.select_for_update().values_list(*fields))
            _refresh_batch(batch)
            drifted += len(set(rows.values_list(*fields)) - before)
    return drifted


def _refresh_batch(ids: list[int]) -> None:
    # The rows are locked before the map is read, in one order: facts written at the same
    # moment as another write's (a person's new team beside a new owner of one of their tasks)
    # wait for it and then read what it wrote, instead of reading before it and writing after
    # it, silently undoing it.
    rows_of_ids = GapFacts.objects.filter(task_id__in=ids).order_by("task_id")
    list(rows_of_ids.select_for_update().values_list("task_id"))
    facts: dict[int, GapFacts] = {}
    for (
        pk,
        active,
        criticality,
        order,
        name,
        done,
        rhythm,
        due,
        confirmed,
        added,
        attested,
        metric_off,
    ) in Task.objects.filter(pk__in=ids).values_list(
        "pk",
        "is_active",
        "criticality",
        "stage__order",
        "name",
        "definition_of_done",
        "rhythm",
        "next_due_on",
        "last_confirmed_at",
        "created_at",
        "attested_at",
        "metric__off_by",
    ):
        facts[pk] = GapFacts(
            task_id=pk,
            is_active=active,
            criticality=criticality,
            stage_order=order,
            name_key=name.lower(),
            vague=is_vague(done),
            no_rhythm=not rhythm.strip(),
            next_due_on=due,
            confirmed_on=confirmed or added,
            attested_at=attested,
            metric_off=metric_off,
        )
    teams: dict[int, set[int]] = {pk: set() for pk in facts}
    for task_id, role, person_id, team_id, confirmed_at in Assignment.objects.filter(
        task_id__in=facts
    ).values_list("task_id", "role", "person_id", "person__team_id", "confirmed_at"):
        row = facts[task_id]
        if role == Role.OWNER:
            row.owner_id, row.owner_confirmed_at = person_id, confirmed_at
        elif role == Role.BACKUP:
            row.backup_id = person_id
        row.helpers += role in HELPER_ROLES
        if team_id is not None:
            teams[task_id].add(team_id)
    due_days = {row.next_due_on for row in facts.values() if row.next_due_on is not None}
    for task_id, day in Completion.objects.filter(
        task_id__in=facts, due_on__in=due_days
    ).values_list("task_id", "due_on"):
        row = facts[task_id]
        row.due_done = row.due_done or row.next_due_on == day
    unchecked = PromiseLink.objects.filter(task_id__in=facts).exclude(
        checked_wording=F("promise__wording"), checked_value=F("promise__value")
    )
    for task_id in unchecked.values_list("task_id", flat=True):
        facts[task_id].promises_unchecked += 1
    for task_id, row in facts.items():
        row.cross_team = len(teams[task_id]) > 1
    rows_of_ids.delete()
    GapFacts.objects.bulk_create(facts.values(), batch_size=1000)


def _refresh(task_ids: Iterable[int]) -> None:
    if not receivers_paused():
        refresh_gap_facts(task_ids)


@receiver(post_save, sender=Task, dispatch_uid="gap_facts_task_saved")
def _task_saved(sender: type, instance: Task, **kwargs: Any) -> None:
    _refresh([instance.pk])


@receiver(next_due_moved, dispatch_uid="gap_facts_due_moved")
def _due_moved(sender: Any, task_ids: list[int], **kwargs: Any) -> None:
    _refresh(task_ids)


@receiver(post_save, sender=Completion, dispatch_uid="gap_facts_completion_saved")
@receiver(post_delete, sender=Completion, dispatch_uid="gap_facts_completion_deleted")
def _completion_changed(sender: type, instance: Completion, **kwargs: Any) -> None:
    _refresh([instance.task_id])


@receiver(post_save, sender=Stage, dispatch_uid="gap_facts_stage_saved")
def _stage_saved(sender: type, instance: Stage, **kwargs: Any) -> None:
    _refresh(Task.objects.filter(stage=instance).values_list("pk", flat=True))


@receiver(post_save, sender=Metric, dispatch_uid="gap_facts_metric_saved")
def _metric_saved(sender: type, instance: Metric, **kwargs: Any) -> None:
    # A new value or target may take every task that protects it off target, or back on.
    if not kwargs.get("created"):
        _refresh(Task.objects.filter(metric=instance).values_list("pk", flat=True))


@receiver(post_save, sender=Promise, dispatch_uid="gap_facts_promise_saved")
def _promise_saved(sender: type, instance: Promise, **kwargs: Any) -> None:
    # A new wording or value puts every place that repeats it out of date.
    if not kwargs.get("created"):
        _refresh(PromiseLink.objects.filter(promise=instance).values_list("task_id", flat=True))


@receiver(post_save, sender=PromiseLink, dispatch_uid="gap_facts_promise_link_saved")
@receiver(post_delete, sender=PromiseLink, dispatch_uid="gap_facts_promise_link_deleted")
def _promise_link_changed(sender: type, instance: PromiseLink, **kwargs: Any) -> None:
    _refresh([instance.task_id])


@receiver(post_save, sender=Assignment, dispatch_uid="gap_facts_assignment_saved")
@receiver(post_delete, sender=Assignment, dispatch_uid="gap_facts_assignment_deleted")
def _assignment_changed(sender: type, instance: Assignment, **kwargs: Any) -> None:
    _refresh([instance.task_id])


@receiver(post_save, sender=Person, dispatch_uid="gap_facts_person_saved")
def _person_saved(sender: type, instance: Person, **kwargs: Any) -> None:
    # A new team for someone may make their tasks span two teams, or one.
    if kwargs.get("created"):
        return
    _refresh(Assignment.objects.filter(person=instance).values_list("task_id", flat=True))
