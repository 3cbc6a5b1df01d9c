"""People added, changed and stopped by the company's identity provider (SCIM): each a write
function, all of it or none of it, and every change recorded in the person's history with the
provider as its cause.

A person the provider keeps has its user name (Person.scim_user_name). Adding someone the map
already has (the same email) takes them over rather than making a second; stopping them (active
false, or deleting them) stops their login and marks them departed from that day, which puts
their handover on the dashboard (people_changes.pending_handovers)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from config.writes import locked
from ownership.identity.accounts import new_login, set_login_active
from ownership.identity.scim_users import Wanted, as_resource, is_active
from ownership.identity.scim_users import wanted as wanted_of
from ownership.models import Person, Team, scim_user_name_is
from ownership.people_changes import (
    create_person,
    create_team,
    link_account,
    mark_departed,
    mark_returned,
    update_person,
)
from ownership.permissions import MEMBERS

ADDED = "SCIM: added by the identity provider"
TAKEN_OVER = "SCIM: linked by the identity provider"
UPDATED = "SCIM: updated by the identity provider"
DEACTIVATED = "SCIM: deactivated by the identity provider"
REACTIVATED = "SCIM: reactivated by the identity provider"
DELETED = "SCIM: deleted by the identity provider"


def _taken(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code="unique")})


def _team(department: str) -> Team | None:
    """The team a department names, made the first time a provider names it."""
    name = department.strip()
    if not name:
        return None
    team = Team.objects.filter(name__iexact=name).first()
    return team or create_team(name=name, by=None, reason=ADDED)


def _changes(person: Person | None, wanted: Wanted) -> dict:
    found: dict = {"scim_user_name": wanted.user_name}
    if wanted.external_id is not None:
        found["scim_external_id"] = wanted.external_id
    if wanted.email is not None:
        found["email"] = wanted.email
    if wanted.name is not None:
        found["name"] = wanted.name
    if wanted.title is not None:
        found["title"] = wanted.title
    if wanted.department is not None:
        current = person.team.name if person is not None and person.team else ""
        # The same team spelt in another case is no move (and no change of role).
        if wanted.department.strip().lower() != current.lower():
            found["team"] = _team(wanted.department)
    return found


def _set_active(person: Person, active: bool | None, *, reason: str) -> Person:
    if active is None or active == is_active(person):
        return person
    user: User | None = person.user
    if not active:
        today = timezone.localdate()
        # Gone today, even if the map expected them to leave later.
        if person.departed_on is None or person.departed_on > today:
            person = mark_departed(person=person, on=today, by=None, reason=reason)
        if user is not None:
            set_login_active(user, False)
        return person
    if user is not None:
        set_login_active(user, True)
    if person.departed_on is not None:
        person = mark_returned(person=person, by=None, reason=REACTIVATED)
    return person


def provision(wanted: Wanted) -> Person:
    """Someone the provider adds: the person on the map with their email, or a new one, with a
    login (a member's) for signing in through the company's sign-in."""
    if not wanted.user_name:
        raise ValidationError({"userName": "A user needs a userName."})
    if wanted.email is None:
        raise ValidationError({"emails": "A user needs an email address (emails, or userName)."})
    with transaction.atomic():
        kept = Person.objects.filter(scim_user_name_is(wanted.user_name)).first()
        if kept is not None:
            raise _taken("userName", f"{wanted.user_name} is here already, as {kept.name}.")
        person = Person.objects.filter(email__iexact=wanted.email.strip()).first()
        if person is not None and person.scim_user_name:
            raise _taken(
                "emails",
                f"{person.name} has the email address {person.email} already, as the user "
                f"{person.scim_user_name}.",
            )
        changes = _changes(person, wanted)
        if person is None:
            name = changes.pop("name", None) or wanted.email.split("@")[0]
            email = changes.pop("email")
            person = create_person(name=name, email=email, by=None, reason=ADDED, **changes)
        else:
            person = update_person(person=person, by=None, reason=TAKEN_OVER, **changes)
        if person.user is None:
            login = new_login(person.email, MEMBERS)
            person = link_account(person=person, user=login, by=None, reason=ADDED)
        return _set_active(person, wanted.active, reason=DEACTIVATED)


def reprovision(person: Person, wanted: Wanted) -> Person:
    """The provider's new description of someone it keeps (a PUT, or a PATCH applied to what
    the map has): only what it says changes, through update_person, so a new title marks a
    change of role as an edit in the app does."""
    with transaction.atomic():
        if not wanted.user_name:
            raise ValidationError({"userName": "A user needs a userName."})
        person = update_person(person=person, by=None, reason=UPDATED, **_changes(person, wanted))
        return _set_active(person, wanted.active, reason=DEACTIVATED)


def repatch(person: Person, patch: Callable[[Any], Any]) -> Person:
    """A PATCH: its operations (`patch`, the library's PatchOp.patch) applied to the person as
    the map has them now, under their row's lock so that nothing saved meanwhile is undone."""
    with transaction.atomic():
        current = locked(person)
        before = as_resource(current)
        after = before.model_copy(deep=True)
        patch(after)
        return reprovision(current, wanted_of(after, before=before))


def deprovision(person: Person) -> Person:
    """The provider deletes someone: stopped as when deactivated, and no longer its user (the
    map keeps the person, their history and what they hand over)."""
    with transaction.atomic():
        person = _set_active(person, False, reason=DELETED)
        return update_person(
            person=person, by=None, reason=DELETED, scim_user_name="", scim_external_id=""
        )
