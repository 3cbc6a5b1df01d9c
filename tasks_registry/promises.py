"""Writes to the store's promises and the tasks that repeat them.

A promise's wording or value changed makes every place that repeats it out of date until its
task's owner says it was updated (confirm_updated); the gap rule "promise changed: re-check"
reads that from each link (ownership/gap_facts.py), and `promise_changed` tells whoever makes
notices of it (reviews/promise_notices.py), in the same transaction as the change.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.dispatch import Signal
from django.utils import timezone

from config.merging import StaleEdit
from config.writes import apply_changes, insert_once, locked, save_once, stamp
from tasks_registry.models import Promise, PromiseLink, Task

EDITABLE_FIELDS = ("name", "kind", "wording", "value", "owning_task")
# What the places repeating a promise must follow: a new name or owner is not news to them.
REPEATED_FIELDS = ("wording", "value")

PLACE_NEEDED = "Say where the task repeats it, e.g. “FAQ › Shipping”."

# Sent inside the transaction of a change to a promise's wording or value, with the promise as
# it is now and the links whose place no longer says it.
promise_changed = Signal()


def _clean_text(value: str) -> str:
    return " ".join(value.split())


def _name_taken(name: str) -> ValidationError:
    return ValidationError(
        {"name": f"There is already a promise called “{name}”."}, code="duplicate"
    )


def _check(promise: Promise) -> None:
    """The rules a promise keeps whatever wrote it: a name and wording, and an owning task on
    the map."""
    problems: dict[str, str] = {}
    if not promise.name:
        problems["name"] = "Give the promise a name."
    if not promise.wording.strip():
        problems["wording"] = "Write the promise as customers read it."
    task: Task | None = promise.owning_task if promise.owning_task_id else None
    if task is None:
        problems["owning_task"] = "Choose the task accountable for this promise."
    elif not task.is_active:
        problems["owning_task"] = f"“{task.name}” is retired: choose a task on the map."
    if problems:
        raise ValidationError(problems)
    others = Promise.objects.filter(name__iexact=promise.name).exclude(pk=promise.pk)
    other = others.values_list("name", flat=True).first()
    if other is not None:
        raise _name_taken(other)


def create_promise(
    *,
    by: AbstractBaseUser | None,
    name: str,
    kind: str,
    wording: str,
    owning_task: Task | None,
    value: str = "",
    reason: str | None = None,
) -> Promise:
    with transaction.atomic():
        promise = Promise(
            name=_clean_text(name),
            kind=kind,
            wording=wording.strip(),
            value=_clean_text(value),
            owning_task=owning_task,
            changed_at=timezone.now(),
        )
        _check(promise)
        promise.full_clean(validate_unique=False, validate_constraints=False)
        stamp(promise, by=by, reason=reason)
        insert_once(promise, taken=_name_taken(promise.name))
    return promise


def update_promise(
    *,
    promise: Promise,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
    reason: str | None = None,
    **changes: Any,
) -> Promise:
    """Apply changes and bump the version; refuse if it moved on since expected_version. A new
    wording or value puts every place that repeats it out of date, and says so."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_promise() got unexpected fields: {sorted(unknown)}")
    for name in ("name", "value"):
        if name in changes:
            changes[name] = _clean_text(changes[name])
    if "wording" in changes:
        changes["wording"] = changes["wording"].strip()
    with transaction.atomic():
        current = locked(promise)
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit(current, expected_version)
        changed = apply_changes(current, changes)
        if not changed:
            return current
        _check(current)
        current.full_clean(validate_unique=False, validate_constraints=False)
        current.version += 1
        saved = [*changed, "version"]
        repeated = bool(set(changed) & set(REPEATED_FIELDS))
        if repeated:
            current.changed_at = timezone.now()
            saved.append("changed_at")
        stamp(current, by=by, reason=reason)
        save_once(current, taken=_name_taken(current.name), update_fields=saved)
        if repeated:
            links = current.links.select_related("task", "promise")
            stale = [link for link in links if not link.is_up_to_date]
            promise_changed.send(Promise, promise=current, links=stale, by=by)
    return current


def link_task(
    *,
    promise: Promise,
    task: Task,
    place: str,
    by: AbstractBaseUser | None,
    reason: str | None = None,
) -> PromiseLink:
    """The task repeats the promise at `place`; as linked, the place is taken to say it now."""
    place = _check_place(place)
    with transaction.atomic():
        current = locked(promise)
        held = PromiseLink.objects.filter(promise=current, task=task)
        already = held.values_list("place", flat=True).first()
        if already is not None:
            raise _already_linked(current, task, already)
        link = PromiseLink(
            promise=current,
            task=task,
            place=place,
            checked_wording=current.wording,
            checked_value=current.value,
        )
        link.full_clean(validate_unique=False, validate_constraints=False)
        stamp(link, by=by, reason=reason)
        insert_once(link, taken=_already_linked(current, task, place))
    return link


def _check_place(place: str) -> str:
    place = _clean_text(place)
    if not place:
        raise ValidationError({"place": PLACE_NEEDED})
    if ";" in place:
        raise ValidationError(
            {"place": "Where it appears cannot hold “;”: use “›” or “,” between its parts."}
        )
    return place


def _already_linked(promise: Promise, task: Task, place: str) -> ValidationError:
    return ValidationError(
        {
            "task": f"“{task.name}” already repeats “{promise.name}” (in {place}): a task is "
            "listed once, with all its places; remove it to list them again."
        },
        code="duplicate",
    )


def update_link(
    *, link: PromiseLink, place: str, by: AbstractBaseUser | None, reason: str | None = None
) -> PromiseLink:
    place = _check_place(place)
    with transaction.atomic():
        current = locked(link)
        if apply_changes(current, {"place": place}):
            stamp(current, by=by, reason=reason)
            current.save(update_fields=["place"])
    return current


def unlink(*, link: PromiseLink, by: AbstractBaseUser | None, reason: str | None = None) -> None:
    """The task no longer repeats the promise (its history keeps that it did)."""
    with transaction.atomic():
        current = PromiseLink.objects.select_for_update().filter(pk=link.pk).first()
        if current is None:
            return
        stamp(current, by=by, reason=reason)
        current.delete()


def confirm_updated(
    *,
    link: PromiseLink,
    by: AbstractBaseUser,
    expected_version: int,
    reason: str | None = None,
) -> PromiseLink:
    """The task's owner says its place now says the promise's wording, as of the version they
    were shown: refused if the promise changed again since, so nobody confirms words they did
    not see."""
    with transaction.atomic():
        promise = Promise.objects.select_for_update(no_key=True).get(pk=link.promise_id)
        current = locked(link)
        if promise.version != expected_version:
            raise ValidationError(
                f"“{promise.name}” changed again while you were looking: it now reads "
                f"“{promise.wording}”. Check the place says that, then confirm."
            )
        current.promise = promise
        current.checked_wording, current.checked_value = promise.wording, promise.value
        current.checked_by, current.checked_at = by, timezone.now()  # type: ignore[assignment]
        stamp(current, by=by, reason=reason)
        current.save(update_fields=["checked_wording", "checked_value", "checked_by", "checked_at"])
    return current


@dataclass(frozen=True)
class PromiseSpec:
    """A promise as the starter map and the demo store describe it: its owning task and each
    place repeating it by the task's name."""

    name: str
    kind: str
    wording: str
    value: str
    owner: str
    places: tuple[tuple[str, str], ...]  # (task name, where it appears)


def ensure_promises(
    specs: Iterable[PromiseSpec], *, by: AbstractBaseUser | None, reason: str | None = None
) -> list[Promise]:
    """Make the promises the map lacks (by name), with the places whose tasks are on it, and
    add the missing places to those it has. A promise whose owning task is not on the map is
    left out. Writes nothing when all is there already."""
    specs = list(specs)
    names = {spec.owner.lower() for spec in specs}
    names |= {task.lower() for spec in specs for task, _ in spec.places}
    tasks = {
        task.name.lower(): task
        for task in Task.objects.annotate(lower=Lower("name")).filter(
            lower__in=names, is_active=True
        )
    }
    made = []
    with transaction.atomic():
        for spec in specs:
            promise = Promise.objects.filter(name__iexact=spec.name).first()
            if promise is None:
                owner = tasks.get(spec.owner.lower())
                if owner is None:
                    continue
                promise = create_promise(
                    by=by,
                    name=spec.name,
                    kind=spec.kind,
                    wording=spec.wording,
                    value=spec.value,
                    owning_task=owner,
                    reason=reason,
                )
                made.append(promise)
            linked = set(promise.links.values_list("task_id", flat=True))
            for name, place in spec.places:
                task = tasks.get(name.lower())
                if task is not None and task.pk not in linked:
                    link_task(promise=promise, task=task, place=place, by=by, reason=reason)
                    linked.add(task.pk)
    return made
