"""A campaign's run sheet: every task that falls due around it, by date, with who acts and
whether it is done."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ownership.acting import Acting, acting_owner
from ownership.assignments import owners_and_backups
from ownership.models import Person
from tasks_registry import due, rhythms
from tasks_registry.models import Campaign, Completion, Task

# Shown for a day that came before the task's rhythm was set: nobody was asked to do it.
NOT_TRACKED = "not_tracked"


@dataclass(frozen=True)
class RunSheetRow:
    task: Task
    due_on: datetime.date
    state: str
    acting: Acting
    owner: Person | None
    backup: Person | None
    completion: Completion | None


def run_sheet(campaign: Campaign, *, today: datetime.date | None = None) -> list[RunSheetRow]:
    """Three queries, whatever the number of tasks: the tasks, their completions on their
    days, their owners and backups."""
    today = today or timezone.localdate()
    dates = due.dates_of(campaign)
    days = {
        task.pk: (task, rhythms.campaign_due_day(rhythm, dates))
        for task in due.campaign_tasks()
        if (rhythm := rhythms.stored(task.rhythm)).applies_to(campaign.kind)
    }
    if not days:
        return []
    completions = {
        (c.task_id, c.due_on): c
        for c in Completion.objects.filter(
            task_id__in=list(days), due_on__in={day for _, day in days.values()}
        ).select_related("completed_by")
    }
    people = owners_and_backups(days)
    rows = []
    for task, day in days.values():
        completion = completions.get((task.pk, day))
        if completion is not None:
            state = due.DONE
        elif day < due.tracked_from(task):
            state = NOT_TRACKED
        else:
            state = due.state_of(day, task.criticality, today)
        owner, backup = people.get(task.pk, (None, None))
        rows.append(
            RunSheetRow(
                task, day, state, acting_owner(owner, backup, today), owner, backup, completion
            )
        )
    rows.sort(key=lambda row: (row.due_on, row.task.name.lower(), row.task.pk))
    return rows
