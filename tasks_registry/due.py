"""When tasks fall due: their occurrences from the rhythms, the campaigns and the completions.

An occurrence is one day a task falls due. It is done once its owner or backup confirms it (a
Completion for that day), or skipped with a reason; past its day plus a grace period for the
task's criticality with neither, it is overdue. Occurrences count from the day a rhythm was
set, and each comes from the rhythm in force on its day (rhythm_spans.py): changing a rhythm
neither erases a missed occurrence nor rewrites a past campaign's.

`Task.next_due_on` keeps each task's earliest occurrence not yet done, so that the dashboard's
overdue rule is one comparison in SQL; `refresh_next_due` rewrites it after anything that can
move it (a rhythm, a completion, a campaign).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from tasks_registry import rhythm_spans, rhythms
from tasks_registry.models import Campaign, Completion, Task
from tasks_registry.rhythm_spans import Span
from tasks_registry.rhythms import AdHoc, CampaignDates, CampaignRhythm

DONE, SKIPPED, OVERDUE, DUE, UPCOMING = "done", "skipped", "overdue", "due", "upcoming"

# A calendar rhythm with no occurrence left in this many years (an RRULE whose UNTIL has
# passed) has no next due date.
_SEARCH_YEARS = 10
_WINDOW = datetime.timedelta(days=400)
_CHUNK = 900  # task ids per IN (...) list: SQLite refuses very long ones

# Sent with `task_ids` when refresh_next_due moved their dates, which it writes in bulk (past
# the receivers of a task's save): what is derived from the dates follows (ownership/gap_facts).
next_due_moved = Signal()


@dataclass(frozen=True)
class Occurrence:
    """One day a task falls due, whether it is done, and the campaigns behind it."""

    task: Task
    due_on: datetime.date
    state: str
    completion: Completion | None = None
    campaigns: tuple[CampaignDates, ...] = ()

    @property
    def is_done(self) -> bool:
        """Closed: confirmed done or skipped."""
        return self.completion is not None


def dates_of(campaign: Campaign) -> CampaignDates:
    """A campaign with the local days it starts and ends: a sale starting at 00:30 on a
    summer night in London starts that day, though it is the day before in UTC."""
    return CampaignDates(
        pk=campaign.pk,
        name=campaign.name,
        slug=campaign.slug,
        kind=campaign.kind,
        starts_on=timezone.localdate(campaign.starts_at),
        ends_on=timezone.localdate(campaign.ends_at),
    )


def campaign_dates() -> list[CampaignDates]:
    """Every campaign, with the local days it starts and ends."""
    fields = ("name", "slug", "kind", "starts_at", "ends_at")
    return [dates_of(campaign) for campaign in Campaign.objects.only(*fields)]


def grace_days(criticality: str) -> int:
    return settings.OWNERMAP_OVERDUE_GRACE_DAYS.get(criticality, 0)


def state_of(due_on: datetime.date, criticality: str, today: datetime.date) -> str:
    """Overdue once the grace period after its day has passed; due from its day until then."""
    if due_on > today:
        return UPCOMING
    if due_on < today - datetime.timedelta(days=grace_days(criticality)):
        return OVERDUE
    return DUE


def next_due(
    task: Task,
    after: datetime.date | None = None,
    *,
    campaigns: list[CampaignDates] | None = None,
    done: set[datetime.date] | None = None,
) -> datetime.date | None:
    """The task's first occurrence on or after `after` (by default, since its first rhythm was
    set) under the rhythm of its day that is not closed; None for ad hoc, no rhythm, or no
    occurrence to come."""
    found = rhythm_spans.spans(task)
    if not found or not task.is_active:
        return None
    start = found[0].starts_on if after is None else max(after, found[0].starts_on)
    if done is None:
        done = set(task.completions.filter(due_on__gte=start).values_list("due_on", flat=True))
    if campaigns is None and any(span.is_campaign for span in found):
        campaigns = campaign_dates()
    for span in found:
        day = _first_open(span, start, done, campaigns or [])
        if day is not None:
            return day
    return None


def _first_open(
    span: Span, start: datetime.date, done: set[datetime.date], campaigns: list[CampaignDates]
) -> datetime.date | None:
    if span.is_campaign:
        days = span.clip(start, datetime.date.max)
        if days is None:
            return None
        found = rhythms.due_dates(span.rhythm, start=days[0], end=days[1], campaigns=campaigns)
        return next((due.on for due in found if due.on not in done), None)
    start = max(start, span.starts_on)
    last = max(start, timezone.localdate()).replace(day=1) + datetime.timedelta(
        days=365 * _SEARCH_YEARS
    )
    if span.ends_on is not None:
        last = min(last, span.ends_on)
    while start <= last:
        end = min(start + _WINDOW, last)
        for due in rhythms.due_dates(span.rhythm, start=start, end=end):
            if due.on not in done:
                return due.on
        start = end + datetime.timedelta(days=1)
    return None


def upcoming_days(
    rhythm: rhythms.Rhythm | None,
    *,
    after: datetime.date,
    count: int = 3,
    campaigns: list[CampaignDates] | None = None,
) -> list[datetime.date]:
    """The first few days a rhythm falls due on or after a day: what the picker previews."""
    if isinstance(rhythm, CampaignRhythm):
        campaigns = campaign_dates() if campaigns is None else campaigns
        end = datetime.date.max
    else:
        end = after + datetime.timedelta(days=365 * _SEARCH_YEARS)
    found = []
    start = after
    while len(found) < count and start <= end:
        window_end = end if isinstance(rhythm, CampaignRhythm) else min(end, start + _WINDOW)
        found += [
            due.on
            for due in rhythms.due_dates(
                rhythm, start=start, end=window_end, campaigns=campaigns or ()
            )
        ]
        if isinstance(rhythm, CampaignRhythm) or window_end == end:
            break
        start = window_end + datetime.timedelta(days=1)
    return found[:count]


def occurrences(
    tasks: Iterable[Task],
    *,
    end: datetime.date,
    start: datetime.date | None = None,
    today: datetime.date | None = None,
    campaigns: list[CampaignDates] | None = None,
) -> list[Occurrence]:
    """The occurrences of the tasks from start (by default, each since its first rhythm was
    set) to end, each under the rhythm of its day, with their completions, ordered by day and
    then by task. Two queries for up to 900 tasks, whatever their number of occurrences: the
    campaigns (unless given) and the completions."""
    tasks = [task for task in tasks if task.is_active]
    today = today or timezone.localdate()
    spans = {task.pk: rhythm_spans.spans(task) for task in tasks}
    if campaigns is None and any(s.is_campaign for found in spans.values() for s in found):
        campaigns = campaign_dates()
    found: list[tuple[Task, rhythms.Due]] = []
    for task in tasks:
        for span in spans[task.pk]:
            days = span.clip(start or span.starts_on, end)
            if days is None:
                continue
            for due in rhythms.due_dates(
                span.rhythm, start=days[0], end=days[1], campaigns=campaigns
            ):
                found.append((task, due))
    completions = _completions_on({(task.pk, due.on) for task, due in found})
    result = []
    for task, due in found:
        completion = completions.get((task.pk, due.on))
        result.append(
            Occurrence(
                task, due.on, _state(completion, due.on, task, today), completion, due.campaigns
            )
        )
    result.sort(key=lambda o: (o.due_on, o.task.name.lower(), o.task.pk))
    return result


def _state(
    completion: Completion | None, day: datetime.date, task: Task, today: datetime.date
) -> str:
    if completion is None:
        return state_of(day, task.criticality, today)
    return SKIPPED if completion.is_skip else DONE


def refresh_next_due(tasks: Iterable[Task] | None = None) -> int:
    """Recompute next_due_on for the tasks (all of them by default); returns how many moved."""
    if tasks is None:
        tasks = Task.objects.only(
            "rhythm",
            "rhythm_set_on",
            "past_rhythms",
            "created_at",
            "next_due_on",
            "is_active",
            "name",
        )
    tasks = list(tasks)
    done = _done_days([task.pk for task in tasks])
    moved = []
    for task, value in zip(tasks, _due_dates(tasks, done), strict=True):
        if value != task.next_due_on:
            task.next_due_on = value
            moved.append(task)
    Task.objects.bulk_update(moved, ["next_due_on"], batch_size=500)
    if moved:
        next_due_moved.send(sender=Task, task_ids=[task.pk for task in moved])
    return len(moved)


def fill_next_due(tasks: list[Task]) -> None:
    """Set next_due_on on new tasks before they are first saved (none has a completion yet): a
    bulk load writes them with their due dates instead of updating every row afterwards."""
    for task, value in zip(tasks, _due_dates(tasks, {}), strict=True):
        task.next_due_on = value


def _due_dates(
    tasks: list[Task], done: dict[int, set[datetime.date]]
) -> Iterator[datetime.date | None]:
    """Each task's next due date, given the days it was done on (by task id)."""
    campaigns = None
    if any(span.is_campaign for task in tasks for span in rhythm_spans.spans(task)):
        campaigns = campaign_dates()
    # Tasks with no confirmations yet and the same rhythm set on the same day are due on the
    # same day: a generated or imported map has thousands of them.
    unconfirmed: dict[tuple, datetime.date | None] = {}
    for task in tasks:
        if task.pk in done:
            yield next_due(task, campaigns=campaigns, done=done[task.pk])
            continue
        key = rhythm_spans.key(task)
        if key not in unconfirmed:
            unconfirmed[key] = next_due(task, campaigns=campaigns, done=set())
        yield unconfirmed[key]


def campaign_tasks() -> list[Task]:
    """Active tasks whose rhythm counts from campaigns, now or before: the ones a campaign
    change moves, and the ones a campaign's run sheet lists."""
    candidates = Task.objects.filter(is_active=True).exclude(rhythm="", past_rhythms=[])
    return [
        task for task in candidates if any(span.is_campaign for span in rhythm_spans.spans(task))
    ]


def _done_days(task_ids: list[int]) -> dict[int, set[datetime.date]]:
    done: dict[int, set[datetime.date]] = defaultdict(set)
    for chunk in range(0, len(task_ids), _CHUNK):
        rows = Completion.objects.filter(task_id__in=task_ids[chunk : chunk + _CHUNK])
        for task_id, due_on in rows.values_list("task_id", "due_on"):
            done[task_id].add(due_on)
    return done


def _completions_on(
    keys: set[tuple[int, datetime.date]],
) -> dict[tuple[int, datetime.date], Completion]:
    if not keys:
        return {}
    days = sorted({day for _, day in keys})
    task_ids = sorted({pk for pk, _ in keys})
    found = {}
    for chunk in range(0, len(task_ids), _CHUNK):
        rows = Completion.objects.filter(
            Q(task_id__in=task_ids[chunk : chunk + _CHUNK]),
            due_on__gte=days[0],
            due_on__lte=days[-1],
        ).select_related("completed_by")
        for completion in rows:
            key = (completion.task_id, completion.due_on)
            if key in keys:
                found[key] = completion
    return found


@dataclass(frozen=True)
class Schedule:
    """A task's due dates as its page shows them."""

    next_due: datetime.date | None
    pending: list[Occurrence]  # past or today and not closed: overdue or due, oldest first
    upcoming: list[Occurrence]  # the next few to come
    recent: list[Completion]  # the latest confirmations
    confirmable: list[datetime.date]  # what its owner or backup can confirm done now

    @property
    def overdue(self) -> list[Occurrence]:
        return [o for o in self.pending if o.state == OVERDUE]


def schedule(task: Task, *, today: datetime.date | None = None, upcoming: int = 5) -> Schedule:
    """Three queries: the campaigns (for a campaign rhythm), the completions of the occurrences,
    and the latest completions (for an ad hoc task, whether it was done today instead of the
    first)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.OWNERMAP_DUE_SOON_DAYS)
    found = occurrences([task], end=max(horizon, today + datetime.timedelta(days=400)), today=today)
    pending = [o for o in found if o.state in (OVERDUE, DUE)]
    coming = [o for o in found if o.state == UPCOMING][:upcoming]
    recent = list(task.completions.select_related("completed_by").order_by("-completed_at")[:5])
    first_open = next((o.due_on for o in found if not o.is_done), None)
    if isinstance(rhythms.stored(task.rhythm), AdHoc):
        # Confirmed for the day it was done: once a day.
        done_today = task.completions.filter(due_on=today).exists()
        confirmable = [] if done_today else [today]
    else:
        confirmable = [o.due_on for o in found if not o.is_done and o.due_on <= horizon]
    return Schedule(first_open, pending, coming, recent, confirmable)


def tasks_due_around(campaigns: list[Campaign]) -> dict[int, int]:
    """How many tasks fall due around each campaign: one query for all of them."""
    found = [rhythms.stored(task.rhythm) for task in campaign_tasks()]
    around = [rhythm for rhythm in found if isinstance(rhythm, CampaignRhythm)]
    return {
        campaign.pk: sum(1 for rhythm in around if rhythm.applies_to(campaign.kind))
        for campaign in campaigns
    }
