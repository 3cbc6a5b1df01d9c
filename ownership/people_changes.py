"""Writes to people and teams, finding a person from what someone typed, and the handover of a
departing person's tasks."""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from config.merging import StaleEdit, save_merging
from config.writes import apply_changes, insert_once, locked, save_once, stamp
from ownership.assignments import assign, unassign
from ownership.models import Assignment, Person, Role, Team, scim_user_name_is

PERSON_FIELDS = ("name", "email", "team", "title", "chat_handle", "slack_user_id", "away_until")
# Only the person themself sets these (set_reach), never someone editing the map.
OWN_FIELDS = ("reach",)
# Only the identity provider sets these (ownership/identity/provisioning.py).
PROVISIONED_FIELDS = ("scim_user_name", "scim_external_id")
_ANGLE_EMAIL = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$")


# --- Finding a person from what was typed ----------------------------------------------------


def person_label(person: Person) -> str:
    """How a person is written in a type-ahead, and read back by find_person()."""
    return f"{person.name} <{person.email}>"


def suggest_people(text: str, *, limit: int = 8) -> QuerySet[Person]:
    """People still here whose name or email contains what was typed, for a type-ahead."""
    text = text.strip()[:100]
    if "\x00" in text:  # PostgreSQL refuses NUL in a string; nobody's name has one
        return Person.objects.none()
    match = _ANGLE_EMAIL.search(text)
    if match:
        text = match.group(1)
    if len(text) < 2:
        return Person.objects.none()
    today = timezone.localdate()
    return (
        Person.objects.filter(Q(name__icontains=text) | Q(email__icontains=text))
        .exclude(departed_on__lte=today)
        .select_related("team")
        .order_by("name", "id")[:limit]
    )


def find_person(text: str) -> Person:
    """The one person meant by "Name <email>", an email, or a name (or first name) only one
    person has."""
    text = text.strip()
    if not text:
        raise ValidationError("Type a name or an email address.", code="required")
    if "\x00" in text or len(text) > 400:
        raise ValidationError("That is not a name or an email address.", code="invalid")
    match = _ANGLE_EMAIL.search(text)
    email = match.group(1) if match else (text if "@" in text else None)
    if email is not None:
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            raise ValidationError(
                f"Nobody in the map has the email address {email}.", code="unknown"
            )
        return person
    matches = list(Person.objects.filter(name__iexact=text).select_related("team")[:5])
    if not matches and " " not in text:
        # A first name only one person on the map has ("Emma") is as good as the full name.
        matches = list(
            Person.objects.filter(name__istartswith=f"{text} ").select_related("team")[:5]
        )
    if len(matches) == 1:
        return matches[0]
    if matches:
        choices = "; ".join(person_label(person) for person in matches)
        raise ValidationError(
            f"More than one person is called {text}: give the email address ({choices}).",
            code="ambiguous",
        )
    close = [person.name for person in suggest_people(text, limit=5)]
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ValidationError(f"Nobody in the map is called “{text}”.{hint}", code="unknown")


# --- People ----------------------------------------------------------------------------------


def check_email_free(email: str, *, exclude_pk: int | None = None) -> str:
    """The address, normalised, if nobody else on the map has it."""
    email = email.strip().lower()
    validate_email(email)
    clash = Person.objects.filter(email__iexact=email).exclude(pk=exclude_pk).first()
    if clash is not None:
        taken = f"{clash.name} already has the email address {email}."
        raise ValidationError({"email": ValidationError(taken, code="unique")})
    return email


def check_slack_user_free(user_id: str, *, exclude_pk: int | None = None) -> str:
    """The Slack user id, trimmed, if no one else on the map is linked to it."""
    user_id = user_id.strip()
    # At most one holder: the id is unique on the map.
    holders = Person.objects.filter(slack_user_id=user_id) if user_id else Person.objects.none()
    clash = next((holder for holder in holders if holder.pk != exclude_pk), None)
    if clash is not None:
        raise ValidationError(
            {"slack_user_id": f"{clash.name} is linked to the Slack user {user_id} already."}
        )
    return user_id


def check_scim_user_name_free(user_name: str, *, exclude_pk: int | None = None) -> str:
    """The identity provider's user name for someone, trimmed, if no one else has it."""
    user_name = user_name.strip()
    holders = Person.objects.filter(scim_user_name_is(user_name)) if user_name else []
    clash = next((holder for holder in holders if holder.pk != exclude_pk), None)
    if clash is not None:
        taken = f"{clash.name} has the user name {user_name} already."
        raise ValidationError({"scim_user_name": ValidationError(taken, code="unique")})
    return user_name


def create_person(
    *,
    name: str,
    email: str,
    by: AbstractBaseUser | None,
    reason: str | None = None,
    **fields: Any,
) -> Person:
    """Someone joins the map; `reason` says why in their history, when not a person's edit
    ("SSO: first sign-in")."""
    unknown = set(fields) - set(PERSON_FIELDS) - set(PROVISIONED_FIELDS)
    if unknown:
        raise TypeError(f"create_person() got unexpected fields: {sorted(unknown)}")
    if "slack_user_id" in fields:
        fields["slack_user_id"] = check_slack_user_free(fields["slack_user_id"])
    if "scim_user_name" in fields:
        fields["scim_user_name"] = check_scim_user_name_free(fields["scim_user_name"])
    with transaction.atomic():
        person = Person(name=name.strip(), email=check_email_free(email), **fields)
        person.full_clean(validate_unique=False, validate_constraints=False)
        stamp(person, by=by, reason=reason)
        taken = ValidationError(
            {"email": ValidationError(f"Someone already has the email address {email}.", "unique")}
        )
        insert_once(person, taken=taken)
    return person


def update_person(
    *,
    person: Person,
    by: AbstractBaseUser | None,
    reason: str | None = None,
    expected_version: int | None = None,
    **changes: Any,
) -> Person:
    """Change a person's details. A new team or title marks a change of role, so what they own
    is flagged until someone confirms them in it or hands it over. StaleEdit if the person
    was saved since `expected_version`."""
    unknown = set(changes) - set(PERSON_FIELDS) - set(OWN_FIELDS) - set(PROVISIONED_FIELDS)
    if unknown:
        raise TypeError(f"update_person() got unexpected fields: {sorted(unknown)}")
    with transaction.atomic():
        current = locked(person)
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit(current, expected_version)
        if "email" in changes:
            changes["email"] = check_email_free(changes["email"], exclude_pk=current.pk)
        if "slack_user_id" in changes:
            changes["slack_user_id"] = check_slack_user_free(
                changes["slack_user_id"], exclude_pk=current.pk
            )
        if "scim_user_name" in changes:
            changes["scim_user_name"] = check_scim_user_name_free(
                changes["scim_user_name"], exclude_pk=current.pk
            )
        if "name" in changes:
            changes["name"] = changes["name"].strip()
        changed = apply_changes(current, changes)
        if not changed:
            return current
        current.full_clean(validate_unique=False, validate_constraints=False)
        if {"team", "title"} & set(changed):
            current.role_changed_at = timezone.now()
            changed.append("role_changed_at")
        current.version += 1
        stamp(current, by=by, reason=reason)
        saved = [*changed, "version", "updated_at"]
        taken = ValidationError(
            "Someone else took this email, Slack user or user name a moment ago: save again."
        )
        try:
            save_once(current, taken=taken, update_fields=saved)
        except ValidationError:
            # Someone else took one of them as this was saved: their write has committed now,
            # and the checks again name which, at its field.
            _check_free(changes, exclude_pk=current.pk)
            raise
    return current


def _check_free(changes: dict[str, Any], *, exclude_pk: int) -> None:
    for name, check in (
        ("email", check_email_free),
        ("slack_user_id", check_slack_user_free),
        ("scim_user_name", check_scim_user_name_free),
    ):
        if name in changes:
            check(changes[name], exclude_pk=exclude_pk)


def update_person_merging(
    *,
    person: Person,
    by: AbstractBaseUser | None,
    expected_version: int,
    keep: dict[str, str] | None = None,
    **changes: Any,
) -> Person:
    """update_person for a form filled from `expected_version`, merged with what was saved
    since (config/merging.py); ClashingEdit for fields both changed differently."""
    return save_merging(
        lambda record, version, reason, values: update_person(
            person=record, by=by, expected_version=version, reason=reason, **values
        ),
        record=person,
        expected_version=expected_version,
        changes=changes,
        keep=keep,
        comparable=_comparable,
    )


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the write functions store them: a team by its id, names stripped, emails
    lower-cased."""
    found = dict(values)
    for name in ("team", "lead"):
        if name in found:
            found[name] = getattr(found[name], "pk", found[name])
    if "name" in found:
        found["name"] = found["name"].strip()
    if "email" in found:
        found["email"] = found["email"].strip().lower()
    return found


def link_account(
    *,
    person: Person,
    user: AbstractBaseUser | None,
    by: AbstractBaseUser | None,
    reason: str | None = None,
) -> Person:
    """Let an account sign in as this person, or none (None): what they confirm and are sent
    reaches them through it. Only a superuser (or the system, `by` None) links: whoever is
    linked to a person confirms that person's tasks, so an ops lead re-linking accounts
    could act as anyone."""
    if by is not None and not getattr(by, "is_superuser", False):
        raise PermissionDenied("Only a superuser links people to sign-in accounts.")
    with transaction.atomic():
        current = locked(person)
        if current.user_id == (user.pk if user is not None else None):
            return current
        current.user = user
        stamp(current, by=by, reason=reason)
        current.save(update_fields=["user", "updated_at"])
    return current


def mark_away(
    *, person: Person, until: datetime.date | None, by: AbstractBaseUser | None
) -> Person:
    """Away until a date (their backups act meanwhile), or back when `until` is None."""
    if until is not None and until < timezone.localdate():
        raise ValidationError({"away_until": "The last day away cannot be in the past."})
    return update_person(person=person, by=by, away_until=until)


def mark_departed(
    *,
    person: Person,
    on: datetime.date,
    by: AbstractBaseUser | None,
    reason: str | None = None,
) -> Person:
    """The person has left, or leaves on `on`. What they own is handed over separately (the
    dashboard lists it: pending_handovers); `reason` says what told us, in their history."""
    with transaction.atomic():
        current = locked(person)
        if current.departed_on == on:
            return current
        current.departed_on = on
        current.away_until = None
        stamp(current, by=by, reason=reason)
        current.save(update_fields=["departed_on", "away_until", "updated_at"])
    return current


def mark_returned(
    *, person: Person, by: AbstractBaseUser | None, reason: str | None = None
) -> Person:
    """Undo a departure recorded by mistake (or a rehire)."""
    with transaction.atomic():
        current = locked(person)
        current.departed_on = None
        stamp(current, by=by, reason=reason)
        current.save(update_fields=["departed_on", "updated_at"])
    return current


# --- Teams -----------------------------------------------------------------------------------


def _team_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:90] or "team"
    taken = set(
        Team.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def check_team_name_free(name: str, *, exclude_pk: int | None = None) -> str:
    """The name, trimmed, if no other team has it (in any case)."""
    name = name.strip()
    if Team.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": f"There is already a team called “{name}”."})
    return name


def create_team(
    *,
    name: str,
    by: AbstractBaseUser | None,
    description: str = "",
    lead: Person | None = None,
    reason: str | None = None,
) -> Team:
    with transaction.atomic():
        name = check_team_name_free(name)
        team = Team(name=name, slug=_team_slug(name), description=description, lead=lead)
        # Uniqueness is the name check above and insert_once below: one message either way.
        team.full_clean(validate_unique=False, validate_constraints=False)
        stamp(team, by=by, reason=reason)
        insert_once(
            team, taken=ValidationError({"name": f"There is already a team called “{name}”."})
        )
    return team


def update_team(
    *,
    team: Team,
    by: AbstractBaseUser | None,
    reason: str | None = None,
    expected_version: int | None = None,
    **changes: Any,
) -> Team:
    unknown = set(changes) - {"name", "description", "lead"}
    if unknown:
        raise TypeError(f"update_team() got unexpected fields: {sorted(unknown)}")
    with transaction.atomic():
        current = locked(team)
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit(current, expected_version)
        if "name" in changes:
            changes["name"] = check_team_name_free(changes["name"], exclude_pk=current.pk)
        changed = apply_changes(current, changes)
        if not changed:
            return current
        if "name" in changed:
            current.slug = _team_slug(current.name, exclude_pk=current.pk)
            changed.append("slug")
        current.full_clean(validate_unique=False)
        current.version += 1
        stamp(current, by=by, reason=reason)
        taken = ValidationError({"name": f"There is already a team called “{current.name}”."})
        save_once(current, taken=taken, update_fields=[*changed, "version"])
    return current


def update_team_merging(
    *,
    team: Team,
    by: AbstractBaseUser | None,
    expected_version: int,
    keep: dict[str, str] | None = None,
    **changes: Any,
) -> Team:
    """update_team for a form filled from `expected_version`, merged with what was saved since
    (config/merging.py); ClashingEdit for fields both changed differently."""
    return save_merging(
        lambda record, version, reason, values: update_team(
            team=record, by=by, expected_version=version, reason=reason, **values
        ),
        record=team,
        expected_version=expected_version,
        changes=changes,
        keep=keep,
        comparable=_comparable,
    )


# --- Handover --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverItem:
    """One owner or backup role a departing person holds, and who takes it by default."""

    assignment: Assignment
    successor: Person | None

    @property
    def field_name(self) -> str:
        return f"to_{self.assignment.pk}"

    @property
    def successor_label(self) -> str:
        """The successor as the handover's field takes them (empty: the role is left open)."""
        return person_label(self.successor) if self.successor is not None else ""


def _with_successors(held: list[Assignment], on: datetime.date) -> list[HandoverItem]:
    """Each owner or backup role with who takes it by default: an owner's backup (if still
    here) becomes the owner; a backup's place is left for someone to fill. One query."""
    backups = {
        assignment.task_id: assignment.person
        for assignment in Assignment.objects.filter(
            task_id__in=[a.task_id for a in held if a.role == Role.OWNER], role=Role.BACKUP
        ).select_related("person")
    }
    items = []
    for assignment in held:
        successor = backups.get(assignment.task_id) if assignment.role == Role.OWNER else None
        if successor is not None and successor.has_departed(on):
            successor = None
        items.append(HandoverItem(assignment, successor))
    return items


def handover_plan(person: Person) -> list[HandoverItem]:
    """What the person owns or backs up, each with a default successor."""
    held = list(
        Assignment.objects.filter(
            person=person, role__in=[Role.OWNER, Role.BACKUP], task__is_active=True
        )
        .select_related("task__stage")
        .order_by("role", "task__stage__order", "task__name")
    )
    return _with_successors(held, timezone.localdate())


def pending_handovers(on: datetime.date) -> list[tuple[Person, list[HandoverItem]]]:
    """The people who have left and still own or back up active tasks, longest gone first,
    each with their handover's items: three queries, however many they are (one when nobody
    has left)."""
    # Those who left first, then their roles by the person index: joined in one statement, the
    # app's generic plans (config/settings.py) cannot know how few have left, and hashed every
    # assignment of the map (10 ms at 10,000 tasks).
    gone = list(Person.objects.filter(departed_on__lte=on).values_list("pk", flat=True))
    if not gone:
        return []
    held = list(
        Assignment.objects.filter(
            person_id__in=gone, role__in=[Role.OWNER, Role.BACKUP], task__is_active=True
        )
        .select_related("task__stage", "person")
        .order_by("person__departed_on", "person__name", "role", "task__stage__order", "task__name")
    )
    if not held:
        return []
    found: dict[int, tuple[Person, list[HandoverItem]]] = {}
    for item in _with_successors(held, on):
        person = item.assignment.person
        found.setdefault(person.pk, (person, []))[1].append(item)
    return list(found.values())


def other_roles(person: Person) -> QuerySet[Assignment]:
    """The person's other parts in active tasks (contributor, checker, …), dropped on handover."""
    return (
        Assignment.objects.filter(person=person, task__is_active=True)
        .exclude(role__in=[Role.OWNER, Role.BACKUP])
        .select_related("task")
        .order_by("task__name", "role")
    )


def hand_over(
    *,
    person: Person,
    successors: dict[int, Person | None],
    drop_other_roles: bool,
    by: AbstractBaseUser | None,
) -> int:
    """Give each of the person's owner and backup roles (by assignment id) to its successor, in
    one transaction; None leaves the role empty. Returns how many roles changed hands."""
    reason = f"handover from {person.name}"
    moved = 0
    with transaction.atomic():
        held = {
            a.pk: a
            for a in Assignment.objects.select_for_update()
            .filter(person=person, role__in=[Role.OWNER, Role.BACKUP])
            .select_related("task")
        }
        unknown = set(successors) - set(held)
        if unknown:
            raise ValidationError("The handover changed while you were looking at it; reload it.")
        # Owners first: a backup promoted to owner frees the backup place for someone else.
        for pk in sorted(successors, key=lambda pk: held[pk].role != Role.OWNER):
            assignment, successor = held[pk], successors[pk]
            if successor is not None and successor.pk == person.pk:
                continue
            task, role = assignment.task, assignment.role
            unassign(assignment=assignment, by=by, reason=reason)
            if successor is not None:
                if role == Role.OWNER:
                    promoted = Assignment.objects.filter(
                        task=task, person=successor, role=Role.BACKUP
                    ).first()
                    if promoted is not None:
                        unassign(assignment=promoted, by=by, reason=reason)
                assign(task=task, person=successor, role=role, by=by, reason=reason)
            moved += 1
        if drop_other_roles:
            for assignment in other_roles(person):
                unassign(assignment=assignment, by=by, reason=reason)
    return moved


def set_reach(*, person: Person, reach: str, by: AbstractBaseUser) -> Person:
    """How the person wants notices: their own choice, on their own page."""
    if Person.objects.filter(pk=person.pk, user_id=by.pk).count() != 1:
        raise ValidationError({"reach": "Only the person themself chooses how they hear."})
    return update_person(person=person, by=by, reach=reach)
