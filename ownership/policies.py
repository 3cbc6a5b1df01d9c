"""Per criticality: the escalation steps an overdue occurrence walks, and how often its owner
attests a task. The settings give the defaults (OWNERMAP_ESCALATION_STEPS,
OWNERMAP_ATTEST_EVERY_DAYS); what an ops lead saves in the browser replaces them."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from config.writes import stamp
from ownership.models import Policy, StepRole
from tasks_registry.models import Criticality

# Long enough for any business's slowest step, short enough to be a chain and not a backlog.
MAX_DELAY_DAYS = 60
MAX_STEPS = len(StepRole)  # each role once
MAX_ATTEST_EVERY_DAYS = 366


@dataclass(frozen=True)
class Step:
    role: str
    after_days: int

    @property
    def role_label(self) -> str:
        return StepRole(self.role).label


@dataclass(frozen=True)
class Rules:
    """One criticality's policy, from the database or the settings."""

    criticality: str
    steps: tuple[Step, ...]
    attest_every_days: int
    version: int = 0  # 0: the settings' defaults, never saved

    @property
    def criticality_label(self) -> str:
        return Criticality(self.criticality).label

    def attested_since(self, on: datetime.date) -> datetime.date:
        """An attestation made on or after this day still holds on `on`."""
        return on - datetime.timedelta(days=self.attest_every_days)


def defaults(criticality: str) -> Rules:
    return Rules(
        criticality=criticality,
        steps=tuple(
            Step(role, days) for role, days in settings.OWNERMAP_ESCALATION_STEPS[criticality]
        ),
        attest_every_days=settings.OWNERMAP_ATTEST_EVERY_DAYS[criticality],
    )


def _rules(row: Policy) -> Rules:
    return Rules(
        criticality=row.criticality,
        steps=tuple(Step(role, days) for role, days in row.steps),
        attest_every_days=row.attest_every_days,
        version=row.version,
    )


def all_rules() -> dict[str, Rules]:
    """Every criticality's policy: one query."""
    saved = {row.criticality: _rules(row) for row in Policy.objects.all()}
    return {c.value: saved.get(c.value) or defaults(c.value) for c in Criticality}


def step_field(number: int, part: str) -> str:
    """The form field of a step's part ("role" or "days"): where its errors are shown."""
    return f"step_{number}_{part}"


def check_steps(steps: list[tuple[str, int]]) -> None:
    """Refuse steps that name no role the map knows, repeat one, wait a negative or
    implausible time, or do not come each later than the one before: a ValidationError with
    each problem under the field of the step at fault (step_field), "steps" for the whole."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not steps:
        refuse("steps", "Give at least one step: who hears first when a task slips.")
    if len(steps) > MAX_STEPS:
        refuse("steps", f"At most {MAX_STEPS} steps, one per role.")
    roles = {role.value for role in StepRole}
    seen: set[str] = set()
    previous: int | None = None
    for number, (role, days) in enumerate(steps, start=1):
        if role not in roles:
            known = ", ".join(f"“{r.label}”" for r in StepRole)
            refuse(step_field(number, "role"), f"“{role}” is not a role: pick one of {known}.")
        elif role in seen:
            refuse(step_field(number, "role"), f"{StepRole(role).label} is already a step.")
        seen.add(role)
        if days < 0:
            refuse(step_field(number, "days"), "The delay cannot be negative.")
        elif days > MAX_DELAY_DAYS:
            refuse(step_field(number, "days"), f"At most {MAX_DELAY_DAYS} business days.")
        elif previous is not None and days <= previous:
            refuse(
                step_field(number, "days"),
                f"Steps go in order, each later than the one before: step {number - 1} "
                f"waits {previous} business day{'s' if previous != 1 else ''}.",
            )
        if days >= 0:
            previous = days if previous is None else max(previous, days)
    if errors:
        raise ValidationError(errors)


def save_policy(
    *,
    criticality: str,
    steps: list[tuple[str, int]],
    attest_every_days: int,
    version: int,
    by: AbstractBaseUser,
) -> Rules:
    """Save one criticality's policy, as an ops lead set it from the version they saw. Refused
    (ValidationError, by field) if a step is wrong, or if someone saved it since: then nothing
    is saved and they see the newer one."""
    if criticality not in Criticality.values:
        raise ValidationError({"criticality": "Pick critical, high or normal."})
    check_steps(steps)
    if not 1 <= attest_every_days <= MAX_ATTEST_EVERY_DAYS:
        raise ValidationError({"attest_every_days": f"Between 1 and {MAX_ATTEST_EVERY_DAYS} days."})
    stale = ValidationError(
        {
            "version": "Someone saved this policy since you opened it: the form now shows "
            "theirs. Make your change again if it still matters."
        },
        code="stale",
    )
    try:
        with transaction.atomic():
            row = Policy.objects.select_for_update().filter(criticality=criticality).first()
            if (row.version if row is not None else 0) != version:
                raise stale
            if row is None:
                row = Policy(criticality=criticality, version=1)
            else:
                row.version += 1
            row.steps = [[role, days] for role, days in steps]
            row.attest_every_days = attest_every_days
            stamp(row, by=by)
            row.save()
    except IntegrityError:  # two first saves at once: the other made the row
        raise stale from None
    return _rules(row)
