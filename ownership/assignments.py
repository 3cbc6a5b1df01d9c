"""Writes to assignments: who owns, backs up, contributes to, checks a task."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from config.writes import stamp
from ownership.models import Assignment, Person, Role
from tasks_registry.models import Task

CONFIRMED_IN_NEW_ROLE = "confirmed in their new role"
# One of each per task, and never the same person: each role with the other of the pair.
PAIRED_ROLES = {Role.OWNER: Role.BACKUP, Role.BACKUP: Role.OWNER}


def check_can_hold(person: Person, role: str) -> None:
    """An owner or backup must still be here: the rule assign() holds, for forms that check a
    whole set of assignments before saving them (the admin's)."""
    role = Role(role)
    if role in PAIRED_ROLES and person.has_departed():
        raise ValidationError(
            f"{person.name} left on {person.departed_on:%d %b %Y} and cannot be "
            f"the {role.label.lower()} of a task; choose someone who is still here.",
            code="departed",
        )


def assign(
    *,
    task: Task,
    person: Person,
    role: str,
    by: AbstractBaseUser | None,
    reason: str | None = None,
) -> Assignment:
    """Give a person a role on a task. An owner or backup replaces the one already there."""
    role = Role(role)
    with transaction.atomic():
        # Lock the task row so two people assigning an owner at once queue up instead of
        # tripping the unique constraint.
        Task.objects.select_for_update().filter(pk=task.pk).first()
        already = Assignment.objects.filter(task=task, person=person, role=role).first()
        if already is not None:
            return already
        check_can_hold(person, role)
        if role in PAIRED_ROLES:
            other = PAIRED_ROLES[role]
            if Assignment.objects.filter(task=task, person=person, role=other).exists():
                raise ValidationError(
                    f"{person.name} is already the {other.label.lower()} of “{task.name}”; "
                    "the owner and the backup must be two different people.",
                    code="owner_is_backup",
                )
            current = Assignment.objects.filter(task=task, role=role).first()
            if current is not None:
                current.person = person
                current.confirmed_at = timezone.now()
                stamp(current, by=by, reason=reason)
                current.save(update_fields=["person", "confirmed_at"])
                return current
        assignment = Assignment(task=task, person=person, role=role)
        stamp(assignment, by=by, reason=reason)
        assignment.save()
    return assignment


KEEP, REMOVE = "keep", "remove"


@dataclass(frozen=True)
class Replacement:
    """What giving `person` the `role` would change beyond adding them, to confirm first: the
    one holding the role now (replaced), and whether the person leaves the other of the pair
    (a swap, where the one replaced may take that role)."""

    person: Person
    role: Role
    holder: Person | None
    swap: bool

    @property
    def other(self) -> Role:
        return PAIRED_ROLES[self.role]


def replacement(*, task: Task, person: Person, role: str) -> Replacement | None:
    """None when giving the role changes nothing else (a new role, or nobody holds it)."""
    role = Role(role)
    if role not in PAIRED_ROLES:
        return None
    holder = Assignment.objects.filter(task=task, role=role).select_related("person").first()
    if holder is not None and holder.person_id == person.pk:
        return None
    swap = Assignment.objects.filter(task=task, person=person, role=PAIRED_ROLES[role]).exists()
    if holder is None and not swap:
        return None
    return Replacement(person, role, holder.person if holder else None, swap)


def swap_pair(
    *,
    task: Task,
    person: Person,
    role: str,
    previous: str,
    by: AbstractBaseUser | None,
) -> Assignment:
    """Give the owner's role to the backup (or the backup's to the owner) in one change. The
    one who held the role before either takes the role the person leaves (`previous` KEEP) or
    leaves the task (REMOVE): whoever makes the change chooses."""
    role = Role(role)
    other = PAIRED_ROLES[role]
    reason = f"{other.label.lower()} made {role.label.lower()}"
    with transaction.atomic():
        Task.objects.select_for_update().filter(pk=task.pk).first()
        leaving = Assignment.objects.filter(task=task, person=person, role=other).first()
        if leaving is None:
            raise ValidationError(
                f"{person.name} is not the {other.label.lower()} of “{task.name}” any more.",
                code="not_paired",
            )
        holder = Assignment.objects.filter(task=task, role=role).first()
        stamp(leaving, by=by, reason=reason)
        leaving.delete()  # first: the same person may not hold both roles, even for a moment
        if holder is None:
            taking = Assignment(task=task, person=person, role=role)
        else:
            old = holder.person
            taking = holder
            taking.person = person
        taking.confirmed_at = timezone.now()
        stamp(taking, by=by, reason=reason)
        taking.save()
        if holder is not None and previous == KEEP:
            check_can_hold(old, other)
            kept = Assignment(task=task, person=old, role=other, confirmed_at=timezone.now())
            stamp(kept, by=by, reason=reason)
            kept.save()
    return taking


def assign_owner(*, task: Task, person: Person, by: AbstractBaseUser | None) -> Assignment:
    return assign(task=task, person=person, role=Role.OWNER, by=by)


def assign_backup(*, task: Task, person: Person, by: AbstractBaseUser | None) -> Assignment:
    return assign(task=task, person=person, role=Role.BACKUP, by=by)


def unassign(
    *, assignment: Assignment, by: AbstractBaseUser | None, reason: str | None = None
) -> None:
    stamp(assignment, by=by, reason=reason)
    assignment.delete()


def confirm_owner(*, task: Task, by: AbstractBaseUser | None) -> Assignment:
    """Keep the owner after they changed role: they stay accountable, and the flag clears."""
    with transaction.atomic():
        owner = Assignment.objects.select_for_update().filter(task=task, role=Role.OWNER).first()
        if owner is None:
            raise ValidationError(f"“{task.name}” has no owner to confirm.", code="no_owner")
        owner.confirmed_at = timezone.now()
        stamp(owner, by=by, reason=CONFIRMED_IN_NEW_ROLE)
        owner.save(update_fields=["confirmed_at"])
    return owner


def owners_and_backups(task_ids) -> dict[int, tuple[Person | None, Person | None]]:
    """Each task's owner and backup (None where missing), in one query."""
    found: dict[int, list[Person | None]] = {}
    rows = Assignment.objects.filter(
        task_id__in=list(task_ids), role__in=(Role.OWNER, Role.BACKUP)
    ).select_related("person")
    for assignment in rows:
        pair = found.setdefault(assignment.task_id, [None, None])
        pair[0 if assignment.role == Role.OWNER else 1] = assignment.person
    return {task_id: (pair[0], pair[1]) for task_id, pair in found.items()}
