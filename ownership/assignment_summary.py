"""Each task's assignments in one row (AssignmentSummary), for the gap rules to read.

Derived data, like the lookup's index: signal receivers keep it in step with every write path
(the app's write functions, the admin, data loads) without each of them having to remember, and
bulk loads that bypass signals call summarize_assignments() themselves. No business rule
lives here, only what the rules count.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ownership.models import Assignment, AssignmentSummary, Person, Role

# Roles of people who do or check the work: with any of them and no owner, the task has helpers
# but nobody accountable. Escalation, consulted and informed people do not do the work.
HELPER_ROLES = frozenset({Role.CONTRIBUTOR, Role.BACKUP, Role.CHECKER})
# Tasks summarized together: the ids of a query stay well under PostgreSQL's 65,535 parameters.
BATCH = 2000


@transaction.atomic
def summarize_assignments(task_ids: Iterable[int]) -> None:
    """Rewrite the summaries of these tasks from their assignments."""
    ids = sorted(set(task_ids))
    for start in range(0, len(ids), BATCH):
        _summarize_batch(ids[start : start + BATCH])


@transaction.atomic
def summarize_every_task() -> None:
    """Every task's summary again: after a migration made the table, a restore, or bulk SQL."""
    AssignmentSummary.objects.all().delete()
    summarize_assignments(Assignment.objects.values_list("task_id", flat=True).distinct())


def _summarize_batch(ids: list[int]) -> None:
    # The summaries are locked before the assignments are read, in one order: a summary made at
    # the same moment as another write's (a person's new team beside a new owner of one of
    # their tasks) waits for it and then reads what it wrote, instead of reading before it and
    # writing after it, silently undoing it.
    summaries_of_ids = AssignmentSummary.objects.filter(task_id__in=ids).order_by("task_id")
    list(summaries_of_ids.select_for_update().values_list("task_id"))
    summaries: dict[int, AssignmentSummary] = {}
    teams: dict[int, set[int]] = {}
    for task_id, role, person_id, team_id, confirmed_at in Assignment.objects.filter(
        task_id__in=ids
    ).values_list("task_id", "role", "person_id", "person__team_id", "confirmed_at"):
        summary = summaries.get(task_id)
        if summary is None:
            summary = summaries[task_id] = AssignmentSummary(task_id=task_id)
            teams[task_id] = set()
        if role == Role.OWNER:
            summary.owner_id, summary.owner_confirmed_at = person_id, confirmed_at
        elif role == Role.BACKUP:
            summary.backup_id = person_id
        summary.helpers += role in HELPER_ROLES
        if team_id is not None:
            teams[task_id].add(team_id)
    for task_id, summary in summaries.items():
        summary.cross_team = len(teams[task_id]) > 1
    summaries_of_ids.delete()
    AssignmentSummary.objects.bulk_create(summaries.values(), batch_size=1000)


@receiver(post_save, sender=Assignment, dispatch_uid="assignment_summary_saved")
@receiver(post_delete, sender=Assignment, dispatch_uid="assignment_summary_deleted")
def _assignment_changed(sender: type, instance: Assignment, **kwargs: Any) -> None:
    summarize_assignments([instance.task_id])


@receiver(post_save, sender=Person, dispatch_uid="assignment_summary_person_saved")
def _person_saved(sender: type, instance: Person, **kwargs: Any) -> None:
    # A new team for someone may make their tasks span two teams, or one.
    if kwargs.get("created"):
        return
    summarize_assignments(
        Assignment.objects.filter(person=instance).values_list("task_id", flat=True)
    )
