"""Confirming that an occurrence of a task is done, skipping missed ones with a reason, and
taking either back.

Who may confirm (the task's owner or backup) or skip (they or an ops lead) is an ownership
rule, checked by the callers through ownership.permissions; these functions check everything
about the occurrences themselves.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.utils import bulk_create_with_history

from config.writes import stamp
from tasks_registry import due
from tasks_registry.metrics import record_task_value
from tasks_registry.models import Completion, MetricValue, Task

# Long enough to notice a slip, short enough that a confirmation can be relied on.
UNDO_WINDOW = datetime.timedelta(days=1)


def confirmable_days(task: Task, *, today: datetime.date | None = None) -> list[datetime.date]:
    """The occurrences that can be confirmed now (see due.Schedule.confirmable)."""
    return due.schedule(task, today=today).confirmable


def record_completion(
    *,
    task: Task,
    due_on: datetime.date,
    by: AbstractBaseUser,
    ticked: Iterable[str] = (),
    note: str = "",
    evidence_url: str = "",
    today: datetime.date | None = None,
    reason: str | None = None,
    metric_value: Decimal | None = None,
) -> Completion:
    """Confirm the occurrence of `task` due on `due_on` done, every point of its definition of
    done ticked, with today's value of the metric it protects if given; `reason` says where,
    in its history ("via Slack"). Refused with a ValidationError naming the field at fault;
    nothing is written unless all of it is."""
    today = today or timezone.localdate()
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        existing = task.completions.select_related("completed_by").filter(due_on=due_on).first()
        if existing is not None:
            raise ValidationError({"due_on": _already_done(existing)}, code="done")
        if due_on not in confirmable_days(task, today=today):
            raise ValidationError(
                {"due_on": f"“{task.name}” is not due on {_day(due_on)}: pick one of its dates."},
                code="not_due",
            )
        checklist = task.done_checklist
        missing = [item for item in checklist if item not in set(ticked)]
        if missing:
            raise ValidationError(
                {
                    "ticked": "Tick every point of the definition of done; still open: "
                    + "; ".join(missing)
                },
                code="unticked",
            )
        completion = Completion(
            task=task,
            due_on=due_on,
            completed_at=timezone.now(),
            completed_by=by,
            note=note.strip(),
            evidence_url=evidence_url.strip(),
            definition_of_done=task.definition_of_done,
        )
        completion.full_clean(exclude=["task", "completed_by"], validate_unique=False)
        stamp(completion, by=by, reason=reason)
        try:
            with transaction.atomic():
                completion.save()
        except IntegrityError:  # confirmed at the same moment by the backup, say
            raise ValidationError(
                {"due_on": f"{_day(due_on)} was confirmed by someone else just now."},
                code="done",
            ) from None
        if metric_value is not None:
            record_task_value(
                task=task,
                value=metric_value,
                by=by,
                via=MetricValue.Via.CONFIRMATION,
                field="metric_value",
            )
        due.refresh_next_due([task])
    return completion


SKIP_REASON_MAX = 500


def skip_occurrences(
    *,
    task: Task,
    first: datetime.date,
    last: datetime.date,
    by: AbstractBaseUser,
    reason: str,
    today: datetime.date | None = None,
) -> list[Completion]:
    """Close every occurrence of `task` due from `first` to `last` that is past or due today
    and neither done nor skipped, as skipped for `reason`: it will not be done, and stops
    counting as overdue. Refused with a ValidationError naming the field at fault; nothing is
    written unless every one is."""
    today = today or timezone.localdate()
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            {"reason": "Say why these will not be done: it is kept in the task's history."},
            code="no_reason",
        )
    if len(reason) > SKIP_REASON_MAX:
        raise ValidationError(
            {"reason": f"Keep the reason under {SKIP_REASON_MAX} characters."}, code="too_long"
        )
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        days = [
            o.due_on for o in due.schedule(task, today=today).pending if first <= o.due_on <= last
        ]
        if not days:
            raise ValidationError(
                {
                    "due_on": f"Nothing of “{task.name}” is open between {_day(first)} and "
                    f"{_day(last)}: it may have been confirmed or skipped just now."
                },
                code="nothing_open",
            )
        now = timezone.now()
        made = [
            Completion(
                task=task,
                due_on=day,
                completed_at=now,
                completed_by_id=by.pk,
                skip_reason=reason,
                definition_of_done=task.definition_of_done,
            )
            for day in days
        ]
        try:
            with transaction.atomic():
                # One moment for all: the history shows them as one decision.
                made = bulk_create_with_history(made, Completion, default_user=by, default_date=now)
        except IntegrityError:
            raise ValidationError(
                {"due_on": "One of these was confirmed by someone else just now: look again."},
                code="done",
            ) from None
        due.refresh_next_due([task])
    return made


def undo_completion(*, completion: Completion, by: AbstractBaseUser) -> None:
    """Take back a confirmation or a skip: only its author, and only within UNDO_WINDOW of
    making it."""
    if completion.completed_by_id != by.pk:
        raise ValidationError("Only the person who confirmed it can undo it.", code="not_author")
    if timezone.now() - completion.completed_at > UNDO_WINDOW:
        raise ValidationError(
            "A confirmation can be undone within a day of making it; this one was made on "
            f"{date_format(timezone.localtime(completion.completed_at), 'j M Y, H:i')}.",
            code="too_late",
        )
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=completion.task_id)
        stamp(completion, by=by)
        completion.delete()
        due.refresh_next_due([task])


def _day(day: datetime.date) -> str:
    return date_format(day, "D j M Y")


def _already_done(completion: Completion) -> str:
    who = completion.completed_by.get_full_name() or completion.completed_by.get_username()
    return f"{_day(completion.due_on)} is already confirmed done, by {who}."
