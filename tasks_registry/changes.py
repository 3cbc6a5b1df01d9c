"""Writes to tasks. Views, the admin, commands and tests all change tasks through these."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from config.merging import StaleEdit, save_merging
from config.writes import apply_changes, insert_once, locked, save_once, stamp
from tasks_registry import due, patterns, rhythm_spans, rhythms
from tasks_registry.models import PreviousSlug, Stage, Task, TaskPattern

EDITABLE_FIELDS = (
    "name",
    "description",
    "stage",
    "criticality",
    "rhythm",
    "definition_of_done",
    "aliases",
    "patterns",
    "systems",
    "metric",
    "is_active",
)


def unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    """A slug no other task uses now or used before a rename (old links must not change hands)."""
    base = slugify(name)[:190] or "task"
    taken = set(
        Task.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    ) | set(
        PreviousSlug.objects.filter(slug__startswith=base)
        .exclude(task_id=exclude_pk)
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def _move_slug(task: Task) -> None:
    """Give a renamed task the new name's slug, keeping the old one as a working alias."""
    new_slug = unique_slug(task.name, exclude_pk=task.pk)
    if new_slug == task.slug:
        return
    PreviousSlug.objects.get_or_create(slug=task.slug, defaults={"task": task})
    # The new slug may be one this task had before: it is current again, not an alias.
    PreviousSlug.objects.filter(task=task, slug=new_slug).delete()
    task.slug = new_slug


def _check_name_free(name: str, *, exclude_pk: int | None = None) -> None:
    clash = Task.objects.filter(name__iexact=name.strip()).exclude(pk=exclude_pk).first()
    if clash is not None:
        raise _name_taken(clash.name)


def _name_taken(name: str) -> ValidationError:
    return ValidationError({"name": f"There is already a task called “{name}”."}, code="duplicate")


def _rhythm_words(typed: str) -> str:
    """The rhythm in its canonical words, or a ValidationError on the rhythm field."""
    try:
        return rhythms.normalise(typed)
    except rhythms.RhythmError as error:
        raise ValidationError({"rhythm": str(error)}, code="rhythm") from None


def pattern_lines(typed: str) -> str:
    """The patterns as stored, one normalised pattern a line, or a ValidationError on the
    patterns field naming the first that cannot be used."""
    lines: dict[str, None] = {}
    for line in typed.splitlines():
        if not line.strip():
            continue
        problem = patterns.problem_with(line)
        if problem:
            raise ValidationError({"patterns": problem}, code="pattern")
        lines.setdefault(patterns.normalise(line), None)
    return "\n".join(lines)


def claim_patterns(task: Task) -> None:
    """Make the task's pattern rows match its patterns field, refusing a pattern another task
    has: checked first for a message, and by the unique constraint for two saves at once."""
    wanted = task.pattern_list
    taken = (
        TaskPattern.objects.filter(pattern__in=wanted)
        .exclude(task=task)
        .select_related("task")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            {"patterns": f"“{taken.pattern}” already belongs to “{taken.task.name}”."},
            code="pattern_taken",
        )
    TaskPattern.objects.filter(task=task).exclude(pattern__in=wanted).delete()
    have = set(TaskPattern.objects.filter(task=task).values_list("pattern", flat=True))
    try:
        with transaction.atomic():
            TaskPattern.objects.bulk_create(
                TaskPattern(task=task, pattern=p, literal_start=patterns.literal_start(p))
                for p in wanted
                if p not in have
            )
    except IntegrityError:
        raise ValidationError(
            {"patterns": "Another task claimed one of these patterns a moment ago; save again."},
            code="pattern_taken",
        ) from None


def create_task(
    *,
    name: str,
    stage: Stage,
    by: AbstractBaseUser | None,
    reason: str | None = None,
    **fields: Any,
) -> Task:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"create_task() got unexpected fields: {sorted(unknown)}")
    if "rhythm" in fields:
        fields["rhythm"] = _rhythm_words(fields["rhythm"])
    if "patterns" in fields:
        fields["patterns"] = pattern_lines(fields["patterns"])
    with transaction.atomic():
        _check_name_free(name)
        task = Task(name=name.strip(), stage=stage, slug=unique_slug(name), **fields)
        if task.rhythm:
            task.rhythm_set_on = timezone.localdate()
        # Uniqueness is the name check above and insert_once below: one message either way.
        task.full_clean(validate_unique=False, validate_constraints=False)
        stamp(task, by=by, reason=reason)
        insert_once(task, taken=_name_taken(task.name))
        if task.patterns:
            claim_patterns(task)
        due.refresh_next_due([task])
    return task


def update_task(
    *,
    task: Task,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
    reason: str | None = None,
    **changes: Any,
) -> Task:
    """Apply changes and bump the version; refuse if the task moved on since expected_version."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_task() got unexpected fields: {sorted(unknown)}")
    if "rhythm" in changes:
        changes["rhythm"] = _rhythm_words(changes["rhythm"])
    if "patterns" in changes:
        changes["patterns"] = pattern_lines(changes["patterns"])
    with transaction.atomic():
        current = locked(task)
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit(current, expected_version)
        if "name" in changes:
            changes["name"] = changes["name"].strip()
            _check_name_free(changes["name"], exclude_pk=current.pk)
        if "rhythm" in changes and changes["rhythm"] != current.rhythm:
            rhythm_spans.close_current(current)
        changed = apply_changes(current, changes)
        if not changed:
            return current
        current.full_clean(validate_unique=False, validate_constraints=False)
        saved = [*changed, "version", "updated_at"]
        if "name" in changed:
            saved.append("slug")
            _move_slug(current)
        if "rhythm" in changed:
            # A new rhythm asks for its occurrences from today; the old one's stay as they were.
            current.rhythm_set_on = timezone.localdate() if current.rhythm else None
            saved += ["rhythm_set_on", "past_rhythms"]
        current.version += 1
        stamp(current, by=by, reason=reason)
        save_once(current, taken=_name_taken(current.name), update_fields=saved)
        if "patterns" in changed:
            claim_patterns(current)
        if "rhythm" in changed or "is_active" in changed:
            due.refresh_next_due([current])
    return current


def comparable(values: dict[str, Any]) -> dict[str, Any]:
    """Field values as update_task would store them, so that what was typed compares equal
    to what is saved when it means the same."""
    found = dict(values)
    for related in ("stage", "metric"):
        if related in found:
            chosen = found[related]
            found[related] = getattr(chosen, "pk", chosen)  # a record chosen, its id as stored
    if "rhythm" in found:
        found["rhythm"] = _rhythm_words(found["rhythm"] or "")
    if "patterns" in found:
        found["patterns"] = pattern_lines(found["patterns"] or "")
    if "name" in found:
        found["name"] = found["name"].strip()
    return found


def update_task_merging(
    *,
    task: Task,
    by: AbstractBaseUser | None,
    expected_version: int,
    keep: dict[str, str] | None = None,
    **changes: Any,
) -> Task:
    """update_task for a form filled from `expected_version`. If someone saved the task since,
    only the fields this person changed are written, the history says it was merged, and a
    field both changed differently raises ClashingEdit unless `keep` says whose value stays."""
    return save_merging(
        lambda record, version, reason, values: update_task(
            task=record, by=by, expected_version=version, reason=reason, **values
        ),
        record=task,
        expected_version=expected_version,
        changes=changes,
        keep=keep,
        comparable=comparable,
    )


def restore_version(*, task: Task, record_id: int, by: AbstractBaseUser | None) -> Task:
    """Put a task's fields back as they were in one of its history records.

    Whether it is active stays as it is now: retiring and restoring are their own actions.
    """
    record = task.history.filter(history_id=record_id).first()
    if record is None:
        raise ValidationError("That version is not in the history of this task.", code="unknown")
    values = {
        field: getattr(record, "stage_id" if field == "stage" else field)
        for field in EDITABLE_FIELDS
        if field != "is_active"
    }
    values["stage"] = Stage.objects.filter(pk=values["stage"]).first() or task.stage
    return update_task(
        task=task,
        by=by,
        reason=f"restored the version of {record.history_date:%-d %b %Y, %H:%M}",
        **values,
    )
