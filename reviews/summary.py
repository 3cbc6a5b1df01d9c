"""A session's summary: what changed during it (from the history, in words), the gaps still
open with who is to close them, and the coverage figure before and after."""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from ownership.assignments import owners_and_backups
from ownership.gap_rules import OWNER_DEPARTED, gap_report
from ownership.history_in_words import HistoryEntry, task_changes_between
from ownership.models import Person
from reviews import carrying
from reviews.models import Outcome, ReviewItem, ReviewSession, SessionStatus
from reviews.scheduling import map_figures
from tasks_registry.models import Task

_ACTIVE_LABEL = str(Task._meta.get_field("is_active").verbose_name)


@dataclass(frozen=True)
class ChangeLine:
    text: str
    who: str
    when: datetime.datetime
    url: str
    # Made by a participant while the session was open, but not through its items.
    outside: bool = False


@dataclass(frozen=True)
class OpenGap:
    item: ReviewItem
    task: Task
    rules: list[str]
    who: str
    note: str
    # Who is to close it: the owner, or the facilitator when no owner can (None: nobody).
    person_id: int | None


@dataclass(frozen=True)
class Summary:
    session: ReviewSession
    decided: int
    total: int
    outcome_counts: list[tuple[str, int]]
    changes: list[ChangeLine]
    open_gaps: list[OpenGap]
    # Not reviewed, each with the session that took it over (carried_into), if one has.
    unreviewed: list[ReviewItem]
    before: dict
    after: dict

    @property
    def coverage_before(self) -> int | None:
        return self.before.get("coverage")

    @property
    def coverage_after(self) -> int | None:
        return self.after.get("coverage")

    @property
    def undecided(self) -> int:
        return self.total - self.decided

    @property
    def waits_for(self) -> str:
        """Where what nothing has taken over yet goes: the next session of its kind."""
        return carrying.root_of(self.session).get_kind_display().lower()

    @property
    def waiting(self) -> int:
        return sum(1 for item in self.unreviewed if carrying.taken_over_by(item) is None)


def _lines(entry: HistoryEntry) -> list[str]:
    subject = entry.subject
    lines = []
    for change in entry.changes:
        label = change.label[:1].upper() + change.label[1:]
        if change.label == _ACTIVE_LABEL:
            lines.append(f"{subject}: {change.after}")
        elif change.before == change.after and change.before:
            lines.append(f"{subject}: {entry.summary}")
        elif not change.before and not change.after:
            lines.append(f"{label} of {subject} rewritten")
        else:
            lines.append(f"{label} of {subject}: {change.before} → {change.after}")
    return lines or [f"{subject}: {entry.summary}"]


def session_changes(session: ReviewSession) -> list[ChangeLine]:
    """Changes to the session's tasks while it was open: those made through its items (their
    recorded cause names the session), then those its participants made elsewhere meanwhile,
    marked as such. Edits by anyone else in the meantime are not the session's."""
    if session.started_at is None:
        return []
    until = session.closed_at or timezone.now()
    entries = task_changes_between(
        session.started_at, until, task_ids=session.items.values("task_id")
    )
    cause = session.cause
    people = set(session.participants.values_list("pk", flat=True)) | {session.facilitator_id}
    found = []
    for entry in entries:
        through = entry.reason.endswith(cause)
        person = getattr(entry.user, "person", None)
        if not through and (person is None or person.pk not in people):
            continue
        found += [
            ChangeLine(text, entry.who, entry.when, entry.url, outside=not through)
            for text in _lines(entry)
        ]
    found.sort(key=lambda line: line.outside)
    return found


def open_gaps(session: ReviewSession) -> list[OpenGap]:
    """Items left open on purpose first, then other walked tasks that still have a gap."""
    walked = list(
        session.items.exclude(outcome__in=(Outcome.PENDING, Outcome.RETIRED))
        .select_related("task")
        .order_by("position")
    )
    if not walked:
        return []
    ids = [item.task_id for item in walked]
    report = gap_report(on=timezone.localdate(), tasks=Task.objects.filter(pk__in=ids))
    people = owners_and_backups(ids)
    facilitator = session.facilitator
    facilitator_name = facilitator.name if facilitator else "the facilitator"
    found = []
    for item in walked:
        rules = report.gaps_of.get(item.task_id, ())
        if item.outcome != Outcome.GAP_LEFT_OPEN and not rules:
            continue
        owner = people.get(item.task_id, (None, None))[0]
        person_id: int | None
        if owner is not None and OWNER_DEPARTED not in rules:
            who, person_id = owner.name, owner.pk
        else:
            who = f"{facilitator_name} (no owner who can)"
            person_id = facilitator.pk if facilitator else None
        labels = [rule.label for rule in rules]
        found.append(OpenGap(item, item.task, labels, who, item.note, person_id))
    found.sort(key=lambda gap: gap.item.outcome != Outcome.GAP_LEFT_OPEN)
    return found


def session_summary(session: ReviewSession) -> Summary:
    counts = dict(session.items.values_list("outcome").annotate(n=Count("pk")).order_by())
    total = sum(counts.values())
    decided = total - counts.get(Outcome.PENDING, 0)
    outcome_counts = [
        (outcome.label, counts[outcome])
        for outcome in Outcome
        if outcome != Outcome.PENDING and counts.get(outcome)
    ]
    if session.status == SessionStatus.CLOSED and session.map_after:
        after = session.map_after
    else:
        after = map_figures(gap_report(on=timezone.localdate()))
    return Summary(
        session=session,
        decided=decided,
        total=total,
        outcome_counts=outcome_counts,
        changes=session_changes(session),
        open_gaps=open_gaps(session),
        unreviewed=list(carrying.left_unreviewed(session)),
        before=session.map_before or {},
        after=after,
    )


def summary_recipients(session: ReviewSession) -> list[Person]:
    """Who gets the summary: the participants, the facilitator, and everyone it names to close
    a gap (they get theirs first: the notice's own items)."""
    ids = set(session.participants.values_list("pk", flat=True))
    if session.facilitator_id:
        ids.add(session.facilitator_id)
    ids.update(gap.person_id for gap in open_gaps(session) if gap.person_id is not None)
    return list(Person.objects.filter(pk__in=ids).order_by("name", "pk"))
