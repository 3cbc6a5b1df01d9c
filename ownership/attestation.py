"""Attestation, "still mine": between reviews, each owner says every so often (the policy of the
task's criticality, ownership/policies.py) that a task, its backup, its rhythm and its definition
of done are still right; or that something is wrong, in a note the ops leads get.

An attestation counts as a confirmation for the stale rule, as a review's does (it moves
Task.last_confirmed_at), and the unattested rule (ownership/gap_rules.py) flags a task whose
owner has not attested it within its period. The sweep asks each owner once per period, in one
message with a link (AttestLink) that works for those tasks, for that person, once.
"""

import datetime
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from config.secret_tokens import SecretKind
from ownership.gap_facts import refresh_gap_facts
from ownership.models import Assignment, Attestation, AttestLink, Person, Role
from tasks_registry.models import Task

NOTE_MAX = 2000
LINK = SecretKind(prefix="omat_", max_length=80)
# Long enough for an owner back from a week away; short enough that a forwarded email dies.
LINK_LIFETIME = datetime.timedelta(days=14)


def _pk(user: AbstractBaseUser | None) -> int | None:
    return user.pk if user is not None else None


def owned_by(person: Person, task_ids: Iterable[int] | None = None) -> list[Task]:
    """The active tasks the person owns (of these, if given), by name."""
    tasks = Task.objects.filter(
        is_active=True, assignments__role=Role.OWNER, assignments__person=person
    )
    if task_ids is not None:
        tasks = tasks.filter(pk__in=list(task_ids))
    return list(tasks.select_related("metric").order_by("name"))


def attest(
    *,
    person: Person,
    tasks: list[Task],
    by: AbstractBaseUser | None,
    via: str,
    now: datetime.datetime | None = None,
) -> list[Attestation]:
    """The owner says these tasks are still right. Refused (ValidationError) for a task they do
    not own: only the accountable person's word counts."""
    now = now or timezone.now()
    if not tasks:
        raise ValidationError("There is nothing of yours to attest.", code="nothing")
    ids = [task.pk for task in tasks]
    owned = set(
        Assignment.objects.filter(
            task_id__in=ids, role=Role.OWNER, person=person, task__is_active=True
        ).values_list("task_id", flat=True)
    )
    foreign = [task.name for task in tasks if task.pk not in owned]
    if foreign:
        raise ValidationError(
            f"Only its owner attests a task; you do not own {', '.join(foreign)}.",
            code="not_owner",
        )
    with transaction.atomic():
        made = Attestation.objects.bulk_create(
            [
                Attestation(task=task, person=person, attested_at=now, via=via, by_id=_pk(by))
                for task in tasks
            ]
        )
        # Not an edit of the task: no new version, no history entry.
        Task.objects.filter(pk__in=ids).update(attested_at=now, last_confirmed_at=now)
        refresh_gap_facts(ids)
    return made


def something_is_wrong(
    *, person: Person, task: Task, note: str, by: AbstractBaseUser | None, via: str
) -> Attestation:
    """The owner says the task is not right as it stands: their note goes to the ops leads (the
    sweep's notices) and stays on the task. It attests nothing."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Say what is wrong: the ops leads read it."})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"At most {NOTE_MAX} characters."})
    if not Assignment.objects.filter(task=task, role=Role.OWNER, person=person).exists():
        raise ValidationError({"note": "Only its owner reports on a task here."})
    return Attestation.objects.create(
        task=task,
        person=person,
        attested_at=timezone.now(),
        is_right=False,
        note=note,
        via=via,
        by_id=_pk(by),
    )


def issue_link(person: Person, task_ids: list[int]) -> str:
    """A new link's secret, for the person to attest these tasks, once."""
    secret, _, hashed = LINK.issue()
    AttestLink.objects.create(
        secret_hash=hashed,
        person=person,
        task_ids=sorted(task_ids),
        expires_at=timezone.now() + LINK_LIFETIME,
    )
    return secret


class LinkRefused(Exception):
    """Why a link does not work, in words for the page that says so."""


def open_link(secret: str, *, user: AbstractBaseUser | None = None) -> AttestLink:
    """The link's record if it still works for whoever holds it: not expired, not used, and,
    for someone signed in, theirs."""
    hashed = LINK.hash_of(secret)
    link = (
        AttestLink.objects.select_related("person").filter(secret_hash=hashed).first()
        if hashed
        else None
    )
    if link is None:
        raise LinkRefused("This link is not one Ownermap made: check you copied all of it.")
    if link.used_at is not None:
        raise LinkRefused(
            f"This link was used on {timezone.localtime(link.used_at):%-d %b at %H:%M}: "
            "each works once. Attest from My tasks instead."
        )
    if link.expires_at <= timezone.now():
        raise LinkRefused(
            "This link has expired. Attest from My tasks, or wait for the next reminder."
        )
    if user is not None and user.is_authenticated:
        person = Person.objects.filter(user_id=user.pk).first()
        if person is None or person.pk != link.person_id:
            raise LinkRefused(
                f"This link is for {link.person.name}, and you are signed in as someone "
                "else: it changes nothing for you."
            )
    return link


def use_link(secret: str, *, user: AbstractBaseUser | None = None) -> list[Attestation]:
    """Attest the link's tasks that its person still owns, and spend the link: once, even if
    two clicks arrive together."""
    with transaction.atomic():
        link = open_link(secret, user=user)
        spent = AttestLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not spent:
            raise LinkRefused("This link was just used: each works once.")
        tasks = owned_by(link.person, link.task_ids)
        if not tasks:
            raise LinkRefused("You no longer own any of the tasks this link was for.")
        by = user if user is not None and user.is_authenticated else None
        return attest(person=link.person, tasks=tasks, by=by, via=Attestation.Via.EMAIL_LINK)
