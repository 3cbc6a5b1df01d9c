"""Owners pre-review their own tasks before the meeting, so that it walks only the exceptions.

When a session is made, each owner of tasks in it is asked once (one notice, whatever the number
of tasks) to attest each task still right or to say what is wrong (ownership/attestation.py):
an attestation made since the session was made is a pre-review. An item whose owner attested it
since, with no "something is wrong" since, no gap now and no change since its last review is
"confirmed by its owner": the manager accepts those in one click. The rest are the exceptions
the meeting walks."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from ownership import attestation
from ownership.gap_rules import gap_report
from ownership.models import Assignment, Attestation, Person, Role
from reviews.models import NoticeKind, Outcome, ReviewItem, ReviewSession, SessionStatus
from tasks_registry.metrics import record_task_value
from tasks_registry.models import MetricValue, Task

OWNER_CONFIRMED = "Confirmed by its owner before the session, with no gap."


def owners_in(session: ReviewSession) -> dict[int, list[int]]:
    """{person id: task ids} of the owners of the session's active tasks who have not left
    (a departed owner's tasks are exceptions the meeting walks)."""
    found: dict[int, list[int]] = {}
    today = timezone.localdate()
    rows = (
        Assignment.objects.filter(
            role=Role.OWNER, task__is_active=True, task__review_items__session=session
        )
        .filter(Q(person__departed_on__isnull=True) | Q(person__departed_on__gt=today))
        .values_list("person_id", "task_id")
    )
    for person_id, task_id in rows:
        found.setdefault(person_id, []).append(task_id)
    return found


def asks(session: ReviewSession) -> dict[str, dict]:
    """One pre-review notice per owner with tasks in the session (its key holds the session)."""
    return {
        f"pre_review:{session.pk}:person:{person_id}": {
            "kind": NoticeKind.PRE_REVIEW,
            "person_id": person_id,
            "session": session,
        }
        for person_id in sorted(owners_in(session))
    }


@dataclass(frozen=True)
class Word:
    """What an owner said of one task since the session was made."""

    right: datetime.datetime | None = None
    wrong: datetime.datetime | None = None
    note: str = ""

    @property
    def confirmed(self) -> bool:
        return self.right is not None and (self.wrong is None or self.wrong < self.right)

    @property
    def flagged(self) -> bool:
        return self.wrong is not None and not self.confirmed


def words(session: ReviewSession, task_ids=None) -> dict[int, Word]:
    """{task id: Word} for the session's tasks their owners spoke of since it was made: only
    the word of whoever owns the task now counts."""
    since = session.created_at
    owner_now = Assignment.objects.filter(
        task_id=OuterRef("task_id"), role=Role.OWNER, person_id=OuterRef("person_id")
    )
    attestations = Attestation.objects.filter(
        Exists(owner_now), attested_at__gte=since, task__review_items__session=session
    )
    if task_ids is not None:
        attestations = attestations.filter(task_id__in=list(task_ids))
    found: dict[int, Word] = {}
    for task_id, is_right, at, note in attestations.order_by("attested_at", "pk").values_list(
        "task_id", "is_right", "attested_at", "note"
    ):
        word = found.get(task_id, Word())
        found[task_id] = (
            Word(right=at, wrong=word.wrong, note=word.note)
            if is_right
            else Word(right=word.right, wrong=at, note=note)
        )
    return found


def _changed_since_last_review(session: ReviewSession, task_ids: list[int]) -> set[int]:
    """Tasks edited (fields or people) since their last decided item in an earlier session."""
    last = dict(
        ReviewItem.objects.filter(task_id__in=task_ids, session__closed_at__isnull=False)
        .exclude(session=session)
        .exclude(outcome=Outcome.PENDING)
        .values("task_id")
        .annotate(at=Max("decided_at"))
        .values_list("task_id", "at")
    )
    oldest = min((at for at in last.values() if at is not None), default=None)
    if oldest is None:
        return set()
    changed: dict[int, datetime.datetime] = {}
    for model_history, key in ((Task.history, "id"), (Assignment.history, "task_id")):
        rows = model_history.filter(
            **{f"{key}__in": list(last)}, history_date__gt=oldest
        ).values_list(key, "history_date")
        for task_id, at in rows:
            changed[task_id] = max(changed.get(task_id, at), at)
    return {pk for pk, at in changed.items() if last.get(pk) is not None and at > last[pk]}


def confirmed_by_owners(session: ReviewSession) -> list[ReviewItem]:
    """The pending items the manager may accept in one click: attested by their owner since
    the session was made, not flagged since, with no gap now and no change since their last
    review."""
    pending = list(
        session.items.filter(outcome=Outcome.PENDING, task__is_active=True)
        .select_related("task")
        .order_by("position", "pk")
    )
    said = words(session, [item.task_id for item in pending])
    candidates = [item for item in pending if said.get(item.task_id, Word()).confirmed]
    if not candidates:
        return []
    ids = [item.task_id for item in candidates]
    report = gap_report(on=timezone.localdate(), tasks=Task.objects.filter(pk__in=ids))
    changed = _changed_since_last_review(session, ids)
    return [
        item
        for item in candidates
        if not report.gaps_of.get(item.task_id) and item.task_id not in changed
    ]


def exceptions(session: ReviewSession, confirmed: list[ReviewItem] | None = None):
    """The pending items the meeting walks: all but those confirmed by their owners."""
    clean = [item.pk for item in (confirmed_by_owners(session) if confirmed is None else confirmed)]
    return session.items.filter(outcome=Outcome.PENDING).exclude(pk__in=clean)


@dataclass(frozen=True)
class OwnerStatus:
    person: Person
    tasks: int
    confirmed: int
    flagged: int

    @property
    def done(self) -> bool:
        return self.confirmed + self.flagged >= self.tasks


def who_pre_reviewed(session: ReviewSession) -> list[OwnerStatus]:
    """Each owner in the session: how many of their tasks they attested or flagged since."""
    owned = owners_in(session)
    said = words(session)
    people = Person.objects.in_bulk(list(owned))
    found = [
        OwnerStatus(
            person=people[person_id],
            tasks=len(task_ids),
            confirmed=sum(1 for pk in task_ids if said.get(pk, Word()).confirmed),
            flagged=sum(1 for pk in task_ids if said.get(pk, Word()).flagged),
        )
        for person_id, task_ids in owned.items()
    ]
    return sorted(found, key=lambda status: (status.done, status.person.name))


def record_pre_review(
    *,
    session: ReviewSession,
    person: Person,
    right: list[Task],
    wrong: dict[Task, str],
    by: AbstractBaseUser | None,
    values: dict[Task, Decimal] | None = None,
) -> None:
    """An owner's pre-review: these tasks still right, these with what is wrong (the note goes
    to the ops leads as any "something is wrong" does), and the values of the metrics they
    protect, for the meeting. All of it, or none."""
    if session.status == SessionStatus.CLOSED:
        raise ValidationError("This session is closed: say so from the task's page instead.")
    via = Attestation.Via.PRE_REVIEW
    with transaction.atomic():
        if right:
            attestation.attest(person=person, tasks=right, by=by, via=via)
        for task, note in wrong.items():
            attestation.something_is_wrong(person=person, task=task, note=note, by=by, via=via)
        for task, value in (values or {}).items():
            record_task_value(
                task=task, value=value, by=by, via=MetricValue.Via.REVIEW, field=f"value_{task.pk}"
            )
