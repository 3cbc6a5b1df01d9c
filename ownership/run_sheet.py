"""A campaign's run sheet: every task that falls due around it, by date, with who acts and
whether it is done."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ownership.acting import Acting, acting_owner
from ownership.assignments import owners_and_backups
from ownership.models import Person
from tasks_registry import due, rhythm_spans, rhythms
from tasks_registry.models import Campaign, Completion, Task

# Shown for a day no rhythm of the task's asked for: it came before its rhythm was set.
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
    rhythm: str  # the rhythm it fell due under, which may since have changed


def run_sheet(campaign: Campaign, *, today: datetime.date | None = None) -> list[RunSheetRow]:
    """Three queries, whatever the number of tasks: the tasks, their completions on their
    days, their owners and backups."""
    today = today or timezone.localdate()
    dates = due.dates_of(campaign)
    days = {
        task.pk: (task, found)
        for task in due.campaign_tasks()
        if (found := _due_day(task, dates)) is not None
    }
    if not days:
        return []
    completions = {
        (c.task_id, c.due_on): c
        for c in Completion.objects.filter(
            task_id__in=list(days), due_on__in={found[0] for _, found in days.values()}
        ).select_related("completed_by")
    }
    people = owners_and_backups(days)
    rows = []
    for task, (day, tracked, rhythm) in days.values():
        completion = completions.get((task.pk, day))
        if completion is not None:
            state = due.SKIPPED if completion.is_skip else due.DONE
        elif not tracked:
            state = NOT_TRACKED
        else:
            state = due.state_of(day, task.criticality, today)
        owner, backup = people.get(task.pk, (None, None))
        rows.append(
            RunSheetRow(
                task,
                day,
                state,
                acting_owner(owner, backup, today),
                owner,
                backup,
                completion,
                rhythm,
            )
        )
    rows.sort(key=lambda row: (row.due_on, row.task.name.lower(), row.task.pk))
    return rows


def _due_day(task: Task, dates: rhythms.CampaignDates) -> tuple[datetime.date, bool, str] | None:
    """The day the task fell due for the campaign under the rhythm in force on that day, True,
    and that rhythm's words; or, if none was in force, the day its latest rhythm for such
    campaigns gives, and False."""
    untracked = None
    for span in rhythm_spans.spans(task):
        rhythm = span.rhythm
        if not (isinstance(rhythm, rhythms.CampaignRhythm) and rhythm.applies_to(dates.kind)):
            continue
        day = rhythms.campaign_due_day(rhythm, dates)
        if span.covers(day):
            return day, True, rhythms.text(rhythm)
        untracked = (day, False, rhythms.text(rhythm))
    return untracked
