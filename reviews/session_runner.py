"""Running a session: start, pause, resume, record what was decided for each item, add a task
that was missing, close. Each write is one transaction, recorded in history with who made it."""

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from config.writes import stamp, writes_for
from ownership.assignments import assign_owner, owners_and_backups
from ownership.gap_facts import refresh_gap_facts
from ownership.gap_rules import RULES, gap_report
from ownership.models import Attestation, Person
from reviews import carrying, pre_review, scheduling
from reviews.models import (
    CONFIRMING,
    ItemReason,
    Outcome,
    ReviewItem,
    ReviewSession,
    SessionStatus,
)
from reviews.summary import summary_recipients
from tasks_registry.changes import create_task, update_task
from tasks_registry.metrics import record_task_value
from tasks_registry.models import MetricValue, Stage, Task

DECIDED = ~Q(outcome=Outcome.PENDING)


# A session takes outcomes and fixes while scheduled (the first one starts it) or in progress.
RECORDING = (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)


def with_people(items) -> None:
    """Each item of a page with its task's owner and backup now, and its gaps then, as the
    session's list shows them: one query for the page."""
    people = owners_and_backups([item.task_id for item in items])
    for item in items:
        item.owner, item.backup = people.get(item.task_id, (None, None))
        item.gaps_then = [rule for code in item.gaps_snapshot if (rule := RULES.get(code))]


def progress(session: ReviewSession) -> tuple[int, int]:
    """(items decided, items in all): one query."""
    counts = session.items.aggregate(total=Count("pk"), decided=Count("pk", filter=DECIDED))
    return counts["decided"], counts["total"]


def _locked(session: ReviewSession) -> ReviewSession:
    return ReviewSession.objects.select_for_update().get(pk=session.pk)


def _save(session: ReviewSession, by: AbstractBaseUser | None, fields: list[str]) -> None:
    stamp(session, by=by)
    session.save(update_fields=fields)


def _note_last_confirmed(task_id: int) -> None:
    """The task's last confirmation, which the stale rule reads, follows its latest confirming
    outcome or its owner's latest attestation (ownership/attestation.py), whichever is newer:
    an outcome changed after the fact moves it back too. Not an edit of the task: no new
    version, no history entry."""
    reviewed = Subquery(
        ReviewItem.objects.filter(task_id=OuterRef("pk"), outcome__in=CONFIRMING)
        .values("task_id")
        .annotate(latest=Max("decided_at"))
        .values("latest")
    )
    attested = Subquery(
        Attestation.objects.filter(task_id=OuterRef("pk"), is_right=True)
        .values("task_id")
        .annotate(latest=Max("attested_at"))
        .values("latest")
    )
    # Greatest is NULL on SQLite if either is: each falls back on the other.
    Task.objects.filter(pk=task_id).update(
        last_confirmed_at=Greatest(Coalesce(reviewed, attested), Coalesce(attested, reviewed))
    )
    refresh_gap_facts([task_id])


def start_session(*, session: ReviewSession, by: AbstractBaseUser | None) -> ReviewSession:
    """Open a scheduled or paused session for recording; a no-op if it is already open."""
    with transaction.atomic():
        current = _locked(session)
        if current.status == SessionStatus.CLOSED:
            raise ValidationError("This session is closed: its record stays as it was.")
        if current.status == SessionStatus.IN_PROGRESS:
            return current
        current.status = SessionStatus.IN_PROGRESS
        current.started_at = current.started_at or timezone.now()
        _save(current, by, ["status", "started_at"])
    return current


def pause_session(*, session: ReviewSession, by: AbstractBaseUser | None) -> ReviewSession:
    with transaction.atomic():
        current = _locked(session)
        if current.status != SessionStatus.IN_PROGRESS:
            raise ValidationError("Only a session in progress can be paused.")
        current.status = SessionStatus.PAUSED
        _save(current, by, ["status"])
    return current


def record_outcome(
    *,
    item: ReviewItem,
    outcome: str,
    note: str,
    by: AbstractBaseUser | None,
    metric_value: Decimal | None = None,
) -> ReviewItem:
    """What the session decided about one task, with the value of the metric it protects if
    the meeting read one. Retired retires the task; a gap left open needs a note saying who
    closes it, and how."""
    outcome = Outcome(outcome)
    note = note.strip()
    if outcome == Outcome.PENDING:
        raise ValidationError({"outcome": "Choose what the session decided."})
    if outcome == Outcome.GAP_LEFT_OPEN and not note:
        raise ValidationError(
            {"note": "Say who is to close the gap, and how: the summary lists it for them."}
        )
    with transaction.atomic():
        session = _locked(item.session)
        if session.status == SessionStatus.CLOSED:
            raise ValidationError("This session is closed: its outcomes can no longer change.")
        if session.status == SessionStatus.PAUSED:
            raise ValidationError("This session is paused: resume it to record outcomes.")
        if session.status == SessionStatus.SCHEDULED:
            start_session(session=session, by=by)
        current = ReviewItem.objects.select_for_update().get(pk=item.pk)
        current.outcome = outcome
        current.note = note
        current.decided_by = by
        current.decided_at = timezone.now()
        stamp(current, by=by)
        current.save(update_fields=["outcome", "note", "decided_by", "decided_at"])
        _note_last_confirmed(current.task_id)
        task = current.task
        if metric_value is not None:
            record_task_value(
                task=task,
                value=metric_value,
                by=by,
                via=MetricValue.Via.REVIEW,
                field="metric_value",
            )
        if outcome == Outcome.RETIRED and task.is_active:
            update_task(task=task, by=by, is_active=False, reason=f"retired {session.cause}")
        elif outcome != Outcome.RETIRED and not task.is_active:
            # Decided otherwise after retiring it: it comes back.
            update_task(task=task, by=by, is_active=True, reason=f"kept {session.cause}")
    return current


def add_missing_task(
    *,
    session: ReviewSession,
    by: AbstractBaseUser | None,
    name: str,
    stage: Stage,
    owner: Person | None,
    **fields,
) -> ReviewItem:
    """A task the map was missing: made, owned, and on the session's list as decided."""
    with transaction.atomic():
        current = _locked(session)
        if current.status in (SessionStatus.CLOSED, SessionStatus.PAUSED):
            raise ValidationError(
                f"This session is {current.get_status_display().lower()}: "
                "tasks are added while it is in progress."
            )
        if current.status == SessionStatus.SCHEDULED:
            start_session(session=current, by=by)
        with writes_for(current.cause):
            task = create_task(
                name=name, stage=stage, by=by, reason=f"added {current.cause}", **fields
            )
            if owner is not None:
                assign_owner(task=task, person=owner, by=by)
        last = current.items.order_by("-position").values_list("position", flat=True).first()
        report = gap_report(on=timezone.localdate(), tasks=Task.objects.filter(pk=task.pk))
        item = ReviewItem(
            session=current,
            task=task,
            position=(last or 0) + 1,
            reason=ItemReason.ADDED,
            outcome=Outcome.CHANGED,
            note="Added to the map in this session.",
            gaps_snapshot=[rule.code for rule in report.gaps_of.get(task.pk, ())],
            people_snapshot=scheduling.people_snapshot(owner, None),
            decided_by=by,
            decided_at=timezone.now(),
        )
        stamp(item, by=by)
        item.save()
        _note_last_confirmed(task.pk)
    return item


def close_session(
    *,
    session: ReviewSession,
    by: AbstractBaseUser | None,
    on_closed: Callable[[list[int]], None] | None = None,
) -> ReviewSession:
    """Close the session: the map's figures now are its "after", and each participant gets
    the summary (on_closed receives the notices' ids once the transaction commits). What it
    did not review waits for the next session of its kind (carrying.py). Refused if it is
    closed already, so nothing is sent twice."""
    with transaction.atomic():
        current = _locked(session)
        if current.status == SessionStatus.CLOSED:
            closed = timezone.localtime(current.closed_at).strftime("%-d %B %Y at %H:%M")
            raise ValidationError(
                f"This session was closed already, on {closed}: its summary was sent then, "
                "and nothing was sent again."
            )
        now = timezone.now()
        current.status = SessionStatus.CLOSED
        current.started_at = current.started_at or now
        current.closed_at = now
        current.map_after = scheduling.map_figures(gap_report(on=timezone.localdate(now)))
        _save(current, by, ["status", "started_at", "closed_at", "map_after"])
        notices = scheduling.summary_notices(current, summary_recipients(current))
        if on_closed is not None:
            transaction.on_commit(lambda: on_closed(notices), robust=True)
    return current


def schedule_follow_up(
    *, session: ReviewSession, on: datetime.date, by: AbstractBaseUser | None
) -> ReviewSession:
    """A follow-up session on `on` for what `session` left unreviewed and nothing has taken
    over yet; it follows the quarterly or post-campaign session at the root."""
    if session.status != SessionStatus.CLOSED:
        raise ValidationError("A follow-up is scheduled once the session is closed.")
    if on < timezone.localdate():
        raise ValidationError({"on": "The follow-up cannot be in the past."})
    waiting = carrying.left_unreviewed(session).filter(
        carried_into__isnull=True, task__is_active=True
    )
    carried = dict(waiting.values_list("task_id", "pk"))
    if not carried:
        raise ValidationError(
            "Nothing is waiting: every item was reviewed, or taken over by another session."
        )
    made = scheduling.make_follow_up_session(
        carrying.root_of(session), on=on, carried=carried, by=by, now=timezone.now()
    )
    if made is None:
        raise ValidationError("Another session took these items over meanwhile: nothing was made.")
    return made


def accept_owner_confirmed(
    *, session: ReviewSession, by: AbstractBaseUser | None, item_ids: list[int] | None = None
) -> int:
    """Confirm the items their owners confirmed before the session (these, or all of them):
    how many were. One that is no longer clean (a gap came, its owner flagged it) is left for
    the walk. In bulk, as record_outcome would one by one: thousands in one request."""
    with transaction.atomic():
        current = _locked(session)
        if current.status not in RECORDING:
            raise ValidationError(
                f"This session is {current.get_status_display().lower()}: "
                "outcomes are recorded while it is in progress."
            )
        clean = pre_review.confirmed_by_owners(current)
        if item_ids is not None:
            wanted = set(item_ids)
            clean = [item for item in clean if item.pk in wanted]
        if not clean:
            return 0
        if current.status == SessionStatus.SCHEDULED:
            start_session(session=current, by=by)
        now = timezone.now()
        items = list(
            ReviewItem.objects.select_for_update()
            .filter(pk__in=[item.pk for item in clean], outcome=Outcome.PENDING)
            .order_by("pk")
        )
        for item in items:
            item.outcome, item.note = Outcome.CONFIRMED, pre_review.OWNER_CONFIRMED
            item.decided_by, item.decided_at = by, now  # type: ignore[assignment]
        bulk_update_with_history(
            items,
            ReviewItem,
            ["outcome", "note", "decided_by", "decided_at"],
            batch_size=1000,
            default_user=by,
            default_date=now,
        )
        # Confirmed now: the newest confirmation of each (_note_last_confirmed, in bulk).
        task_ids = [item.task_id for item in items]
        Task.objects.filter(pk__in=task_ids).update(last_confirmed_at=now)
        refresh_gap_facts(task_ids)
    return len(items)


def next_pending(
    session: ReviewSession, after: int = 0, confirmed: list[ReviewItem] | None = None
) -> ReviewItem | None:
    """The first exception not yet decided after a position, else the first at all: the items
    their owners confirmed (`confirmed`, if the caller has them) are accepted together, not
    walked (pre_review.py)."""
    pending = pre_review.exceptions(session, confirmed).order_by("position", "pk")
    return pending.filter(position__gt=after).first() or pending.first()


def upcoming_and_past(today: datetime.date):
    sessions = ReviewSession.objects.select_related("facilitator", "campaign").annotate(
        total=Count("items"), decided=Count("items", filter=Q(items__outcome__in=_DECIDED_VALUES))
    )
    open_ = sessions.exclude(status=SessionStatus.CLOSED).order_by("scheduled_for", "pk")
    closed = sessions.filter(status=SessionStatus.CLOSED).order_by("-scheduled_for", "-pk")
    return list(open_), list(closed)


_DECIDED_VALUES = [o for o in Outcome.values if o != Outcome.PENDING]
