"""When work slips: who hears of an overdue occurrence, step by step, until it is confirmed done,
skipped, or someone says "I'm on it — by <date>".

An overdue task's chain follows its oldest open occurrence (Task.next_due_on, past its grace).
The policy of its criticality (ownership/policies.py) lists the steps: a role, and a delay in
business days after the day the occurrence fell overdue. On the day a step fires it goes to
someone here that day who has not been told yet: a role with nobody new passes to the next
step, so an away owner's acting backup is the first step and a task nobody owns reaches a lead
at once. After the last step, the last one repeats weekly: a chain never ends silently.

Each step reached is a row (EscalationStep) unique per occurrence and number: the sweep that
makes it (reviews/scheduling.py) makes it once, however many sweeps run. Confirming or skipping
the occurrence ends its chain, as the task's next open occurrence moves on; if that one is
overdue too, it starts a chain of its own, from the first step.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ownership.acting import is_available
from ownership.answerer import Fallbacks, TaskPeople, escalation_contact, leads, task_people
from ownership.contacts import Contact
from ownership.models import EscalationPause, EscalationStep, Person, Role, StepRole
from ownership.policies import Rules, all_rules
from tasks_registry import due
from tasks_registry.models import Task
from tasks_registry.rhythms import business_days

# "I'm on it — by <date>": no further than this. A promise a quarter away is not one.
MAX_PAUSE_DAYS = 90
REPEAT_EVERY = datetime.timedelta(days=7)

_DID_NOT_CONFIRM = {
    StepRole.OWNER: "owner",
    StepRole.BACKUP: "backup",
    StepRole.ESCALATION: "escalation contact",
    StepRole.LAST_RESORT: "lead answering for it",
}


def _day(day: datetime.date) -> str:
    return f"{day:%-d %b}"


@dataclass(frozen=True)
class Reached:
    """A step made: who was told, on which day, and why."""

    number: int
    role: str
    person_pk: int
    person_name: str
    on: datetime.date
    because: str

    @property
    def role_label(self) -> str:
        return StepRole(self.role).label


@dataclass(frozen=True)
class Pause:
    until: datetime.date
    by: str
    said_on: datetime.date


@dataclass(frozen=True)
class NextStep:
    """The step the chain makes next: to whom (None: nobody is left to tell), on which day."""

    number: int
    role: str
    person: Contact | None
    on: datetime.date
    because: str
    repeat: bool = False

    @property
    def role_label(self) -> str:
        return StepRole(self.role).label


@dataclass
class Chain:
    """One overdue occurrence's escalation as it stands on a day."""

    task_id: int
    task_name: str
    criticality: str
    on: datetime.date  # the day it stands on
    due_on: datetime.date
    overdue_from: datetime.date
    steps_in_policy: int
    reached: list[Reached] = field(default_factory=list)
    # The last day an earlier occurrence's chain of this task told someone.
    told_before: datetime.date | None = None
    pause: Pause | None = None
    next: NextStep | None = None

    @property
    def current(self) -> Reached | None:
        return self.reached[-1] if self.reached else None

    def paused_on(self, on: datetime.date) -> bool:
        return self.pause is not None and self.pause.until >= on

    @property
    def paused(self) -> bool:
        return self.paused_on(self.on)

    def due_step(self, on: datetime.date) -> NextStep | None:
        """The step to make on the day, if one is due and has someone to tell."""
        step = self.next
        if step is None or step.person is None or step.on > on or self.paused_on(on):
            return None
        return step

    @property
    def escalated(self) -> bool:
        """Past its first step: someone beyond whoever holds it was told."""
        return len(self.reached) > 1


def _after(day: datetime.date, business: int) -> datetime.date:
    return day if business <= 0 else business_days.shift(day, business)


def _candidates(
    role: str, people: TaskPeople, on: datetime.date, fallbacks: Fallbacks
) -> Iterable[Contact]:
    """Who a role means for the task on the day, first choice first: only people here."""
    if role == StepRole.OWNER:
        acting = people.acting(on).person
        return [acting] if isinstance(acting, Contact) and is_available(acting, on) else []
    if role == StepRole.BACKUP:
        backup = people.held.get(Role.BACKUP)
        return [backup] if backup is not None and is_available(backup, on) else []
    if role == StepRole.ESCALATION:
        contact = escalation_contact(people.involved, on)
        return [contact] if contact is not None else []
    return (found.person for found in leads(people.involved, people.stage_slug, fallbacks))


def _who(
    rules: Rules, people: TaskPeople, on: datetime.date, fallbacks: Fallbacks
) -> list[tuple[str, Contact]]:
    """The policy's steps as people on the day, in order, each once: a role whose people are
    all gone, away or already in the chain passes to the next."""
    found: list[tuple[str, Contact]] = []
    used: set[int] = set()
    for step in rules.steps:
        for person in _candidates(step.role, people, on, fallbacks):
            if person.pk not in used:
                used.add(person.pk)
                found.append((step.role, person))
                break
    return found


def _plan(chain: Chain, rules: Rules, who: list[tuple[str, Contact]]) -> NextStep | None:
    reached, last = chain.reached, chain.current
    told = {step.person_pk for step in reached}
    left = [(role, person) for role, person in who if person.pk not in told]
    number = len(reached) + 1
    if left and len(reached) < len(rules.steps):
        role, person = left[0]
        delay = rules.steps[len(reached)].after_days
        on = _after(chain.overdue_from, delay)
        if last is None:
            because = f"due {_day(chain.due_on)}, not confirmed done"
            if chain.told_before is not None:
                # Its older occurrences were just caught up: one word a day is enough.
                on = max(on, chain.told_before + datetime.timedelta(days=1))
        else:
            gap = delay - rules.steps[len(reached) - 1].after_days
            on = max(on, _after(last.on, max(gap, 1)))
            because = f"{_DID_NOT_CONFIRM.get(StepRole(last.role), 'nobody')} did not confirm"
        step = NextStep(number, role, person, on, because)
    elif last is not None:
        # The top of the chain, as it stands today, hears again each week.
        repeat_to = who[-1][1] if who else None
        repeat_role = who[-1][0] if who else last.role
        on = last.on + REPEAT_EVERY
        because = f"still not confirmed, {(on - chain.overdue_from).days} days on"
        step = NextStep(number, repeat_role, repeat_to, on, because, repeat=True)
    else:
        # Nobody at all to tell (a map with no ops lead): the command shows it.
        return NextStep(number, StepRole.LAST_RESORT, None, chain.overdue_from, "nobody to tell")
    pause = chain.pause
    if pause is not None:
        resumes = business_days.on_or_after(pause.until + datetime.timedelta(days=1))
        if resumes > step.on:
            because = f"{pause.by} was on it by {_day(pause.until)}; still not confirmed"
            step = NextStep(step.number, step.role, step.person, resumes, because, step.repeat)
    return step


def chains(task_ids: Iterable[int], on: datetime.date) -> list[Chain]:
    """The chain of each of these tasks that is overdue on the day, with what it reached and
    what it does next: six queries, whatever the number of tasks."""
    tasks: list[tuple[int, str, str, datetime.date]] = [
        (pk, name, criticality, next_due_on)
        for pk, name, criticality, next_due_on in Task.objects.filter(
            pk__in=list(task_ids), is_active=True, next_due_on__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "name", "criticality", "next_due_on")
        if next_due_on is not None and due.state_of(next_due_on, criticality, on) == due.OVERDUE
    ]
    if not tasks:
        return []
    ids = [row[0] for row in tasks]
    oldest = min(row[3] for row in tasks)
    reached: dict[tuple[int, datetime.date], list[Reached]] = defaultdict(list)
    for row in (
        EscalationStep.objects.filter(task_id__in=ids, due_on__gte=oldest)
        .order_by("number")
        .values_list(
            "task_id",
            "due_on",
            "number",
            "role",
            "person_id",
            "person__name",
            "reached_on",
            "because",
        )
    ):
        reached[(row[0], row[1])].append(Reached(*row[2:]))
    pauses: dict[tuple[int, datetime.date], Pause] = {}
    for task_id, due_on, until, by, said_on in (
        EscalationPause.objects.filter(task_id__in=ids, due_on__gte=oldest)
        .order_by("created_at", "pk")
        .values_list("task_id", "due_on", "until", "person__name", "said_on")
    ):
        pauses[(task_id, due_on)] = Pause(until, by or "someone", said_on)
    told_before = dict(
        EscalationStep.objects.filter(task_id__in=ids)
        .values("task_id")
        .annotate(last=Max("reached_on"))
        .values_list("task_id", "last")
    )
    policy = all_rules()
    people = task_people(ids)
    fallbacks = Fallbacks(on)
    found = []
    for pk, name, criticality, due_on in tasks:
        rules = policy[criticality]
        chain = Chain(
            task_id=pk,
            task_name=name,
            criticality=criticality,
            on=on,
            due_on=due_on,
            overdue_from=due_on + datetime.timedelta(days=due.grace_days(criticality) + 1),
            steps_in_policy=len(rules.steps),
            reached=reached.get((pk, due_on), []),
            pause=pauses.get((pk, due_on)),
            told_before=told_before.get(pk),
        )
        chain.next = _plan(chain, rules, _who(rules, people[pk], on, fallbacks))
        found.append(chain)
    return found


def chain_of(task: Task, on: datetime.date) -> Chain | None:
    """The task's chain if it is overdue on the day: no query for a task that is not."""
    if task.next_due_on is None or due.state_of(task.next_due_on, task.criticality, on) != (
        due.OVERDUE
    ):
        return None
    found = chains([task.pk], on)
    return found[0] if found else None


def reach(chain: Chain, step: NextStep, on: datetime.date) -> EscalationStep:
    """Record the step as made. Raises IntegrityError if another sweep made it first: the
    caller's transaction, which also makes its notice, is then undone as a whole."""
    assert step.person is not None  # noqa: S101 - due_step() gives only steps with someone
    return EscalationStep.objects.create(
        task_id=chain.task_id,
        due_on=chain.due_on,
        number=step.number,
        role=step.role,
        person_id=step.person.pk,
        reached_on=on,
        because=step.because,
    )


def pause(
    *,
    task: Task,
    until: datetime.date,
    by: AbstractBaseUser,
    today: datetime.date | None = None,
    via: str = "",
) -> EscalationPause:
    """ "I'm on it — by <until>": the chain of the task's overdue occurrence waits until then;
    `via` says where it was said, if not in the app's pages ("via Slack").
    Refused (ValidationError on "until") for a day gone, one too far ahead, or a task that is
    not overdue."""
    today = today or timezone.localdate()
    if until < today:
        raise ValidationError(
            {"until": "That day has passed: give the day it will be done by."}, code="past"
        )
    if until > today + datetime.timedelta(days=MAX_PAUSE_DAYS):
        raise ValidationError(
            {
                "until": f"At most {MAX_PAUSE_DAYS} days ahead: if it cannot be done by then, "
                "skip the occurrence with a reason or change the task's rhythm."
            },
            code="too_far",
        )
    with transaction.atomic():
        Task.objects.select_for_update().filter(pk=task.pk).first()
        chain = chain_of(task, today)
        if chain is None:
            raise ValidationError(
                {"until": "It is not overdue: there is nothing to hold off."}, code="not_overdue"
            )
        return EscalationPause.objects.create(
            task=task,
            due_on=chain.due_on,
            until=until,
            person=Person.objects.filter(user_id=by.pk).first(),
            said_by_id=by.pk,
            said_on=today,
            via=via,
        )
