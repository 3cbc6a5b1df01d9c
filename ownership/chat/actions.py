"""What a person does about a task from the chat: the same write functions and the same rules
as the app's pages (ownership/permissions.py), recorded with the person's own account and
"via Slack". Whatever stops them is a Refused, whose message is for them: it says what changed
since the message they pressed a button on, or who may act instead."""

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from ownership import attestation, escalation
from ownership.chat import VIA
from ownership.models import Assignment, Attestation, Person, Role
from ownership.permissions import may_confirm_done, may_pause
from tasks_registry.completions import record_completion
from tasks_registry.models import Completion, Task


class Refused(Exception):
    """Nothing was done; the message says why, to the person who asked."""


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def actor(person: Person | None) -> User:
    """The account a chat user acts as: their person's on the map."""
    if person is None:
        raise Refused(
            "You are not on the map, so you cannot act on tasks from here (looking things up "
            "works): an ops lead adds your Slack user id on your person page."
        )
    user = person.user
    if user is None or not user.is_active:
        raise Refused(
            "You have no active sign-in to Ownermap, which is what records who did it: ask an "
            "ops lead for one."
        )
    return user


def current_task(task_pk: object) -> Task:
    """The task as it is now; refused if it left the map since the message."""
    text = str(task_pk)
    task = Task.objects.filter(pk=int(text)).first() if text.isdigit() else None
    if task is None:
        raise Refused("That task is no longer on the map: nothing to do.")
    if not task.is_active:
        raise Refused(f"“{task.name}” was retired since this message: nothing to do.")
    return task


def _holders(task: Task) -> str:
    """Who owns and backs the task up now, in words."""
    held = dict(
        Assignment.objects.filter(task=task, role__in=(Role.OWNER, Role.BACKUP)).values_list(
            "role", "person__name"
        )
    )
    owner, backup = held.get(Role.OWNER), held.get(Role.BACKUP)
    if owner and backup:
        return f"{owner} owns it now, with {backup} as backup"
    if owner:
        return f"{owner} owns it now"
    return "nobody owns it now"


def check_may_confirm(user: User, task: Task) -> None:
    if not may_confirm_done(user, task):
        raise Refused(f"Only its owner or backup confirms “{task.name}” done: {_holders(task)}.")


def confirm_done(
    *, user: User, task: Task, due_on: datetime.date, ticked: list[str], note: str
) -> Completion:
    """The occurrence confirmed done; a ValidationError (keyed by field) if the checklist is
    not all ticked or the occurrence is done already or not due."""
    check_may_confirm(user, task)
    return record_completion(
        task=task, due_on=due_on, by=user, ticked=ticked, note=note, reason=VIA
    )


def on_it(*, user: User, task: Task, until: datetime.date) -> str:
    """ "I'm on it — by <until>": the escalation waits. What to tell them."""
    chain = escalation.chain_of(task, timezone.localdate())
    holder = chain.current.person_pk if chain and chain.current else None
    if not may_pause(user, task, holder):
        raise Refused(
            f"Only whoever its escalation reached, its owner, its backup or an ops lead holds "
            f"off “{task.name}”: {_holders(task)}."
        )
    try:
        made = escalation.pause(task=task, until=until, by=user, via=VIA)
    except ValidationError as error:
        raise Refused(_messages(error)) from None
    return f"Noted: you are on “{task.name}”, done by {date_format(made.until, 'D j M')}."


def still_mine(*, user: User, task: Task) -> str:
    """The owner's attestation. What to tell them."""
    try:
        person = Person.objects.get(user=user)
        attestation.attest(person=person, tasks=[task], by=user, via=Attestation.Via.CHAT)
    except ValidationError:
        raise Refused(
            f"Only its owner says “{task.name}” is still theirs: {_holders(task)}."
        ) from None
    return f"Noted: “{task.name}” is still yours, and still right. Thank you."
