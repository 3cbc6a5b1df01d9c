"""Accounts made or linked by single sign-on: a first sign-in links the account to the person
on the map with the same email, or makes that person; the provider's groups, when mapped in the
settings, say who is an ops lead or a manager."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from ownership.models import Person
from ownership.people_changes import create_person, link_account
from ownership.permissions import MANAGERS, MEMBERS, OPS_LEADS

FIRST_SIGN_IN = "SSO: first sign-in"
ROLE_GROUPS = (MEMBERS, OPS_LEADS, MANAGERS)


def is_group_mapping_on() -> bool:
    return bool(
        settings.OWNERMAP_SSO_OPS_LEAD_GROUPS
        or settings.OWNERMAP_SSO_MANAGER_GROUPS
        or settings.OWNERMAP_SSO_MEMBER_GROUPS
    )


def role_from_claims(claims: Mapping[str, Any]) -> str | None:
    """The role the provider's groups give (the highest), or None when no mapped group is
    among them. Without a mapping, everyone is a member."""
    if not is_group_mapping_on():
        return MEMBERS
    raw = claims.get(settings.OWNERMAP_SSO_GROUPS_CLAIM) or []
    held = {str(group) for group in (raw if isinstance(raw, list) else [raw])}
    if held & set(settings.OWNERMAP_SSO_MANAGER_GROUPS):
        return MANAGERS
    if held & set(settings.OWNERMAP_SSO_OPS_LEAD_GROUPS):
        return OPS_LEADS
    if held & set(settings.OWNERMAP_SSO_MEMBER_GROUPS) or not settings.OWNERMAP_SSO_MEMBER_GROUPS:
        return MEMBERS
    return None


def _username(email: str) -> str:
    base = email.split("@")[0][:100] or "person"
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    name, number = base, 2
    while name in taken:
        name, number = f"{base}{number}", number + 1
    return name


def set_role(user: User, role: str) -> None:
    """The user's role group, the others of the three taken away; other groups stay."""
    wanted = Group.objects.get(name=role)
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS).exclude(pk=wanted.pk))
    user.groups.add(wanted)


def new_login(email: str, role: str) -> User:
    """A sign-in account for this address, in `role`: the company's sign-in is its only way in,
    so it has no password."""
    user = User(username=_username(email), email=email)
    user.set_unusable_password()
    user.save()
    set_role(user, role)
    return user


def set_login_active(user: User, active: bool) -> None:
    """Let the account sign in, or stop it. Stopping it marks its person departed
    (identity/deprovisioning.py), unless they are already."""
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])


def first_sign_in(claims: Mapping[str, Any], role: str) -> User:
    """An account for someone signing in for the first time, linked to their person on the map
    (made if the map has none), in the role their groups give."""
    email = str(claims["email"]).strip().lower()
    with transaction.atomic():
        user = new_login(email, role)
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            name = str(claims.get("name") or "").strip() or email.split("@")[0]
            person = create_person(name=name[:150], email=email, by=None, reason=FIRST_SIGN_IN)
        link_account(person=person, user=user, by=None, reason=FIRST_SIGN_IN)
    return user
