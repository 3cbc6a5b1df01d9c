"""A person on the map as a SCIM 2.0 User (RFC 7643), and back: the shapes come from
scim2-models, which also reads the providers' payloads, applies PATCH operations and parses
filters. What the provider asks of a person is a `Wanted`; provisioning.py writes it."""

from dataclasses import dataclass

import scim2_models as scim
from django.db.models import Q
from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from ownership.models import Person, scim_user_name_is

ENTERPRISE = scim.EnterpriseUser


class Email(scim.Email):
    # Django's rule for an address, as everywhere else on the map (people_changes): the
    # library's own refuses reserved domains, such as the okta.local of Okta's examples.
    value: str | None = None


class User(scim.User[ENTERPRISE]):
    emails: list[Email] | None = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Wanted:
    """A person as the identity provider describes them. None is "not said": left as it is,
    so a provider that knows nothing of teams never empties the map's."""

    user_name: str
    external_id: str | None = None
    email: str | None = None
    name: str | None = None
    title: str | None = None
    department: str | None = None
    active: bool | None = None


def is_id(text: str) -> bool:
    """Whether `text` can be a person's id (the database's ids are 64-bit)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def is_active(person: Person) -> bool:
    """What the provider controls is the login: active while it may sign in. A person an ops
    lead marks departed stays active to the provider until their account is stopped, so the
    two never undo each other on every sync."""
    if person.user is not None:
        return person.user.is_active
    return person.departed_on is None


def as_resource(person: Person, *, location: str | None = None) -> User:
    user = User(
        id=str(person.pk),
        external_id=person.scim_external_id or None,
        user_name=person.scim_user_name,
        display_name=person.name,
        name=scim.Name(formatted=person.name),
        title=person.title or None,
        active=is_active(person),
        emails=[Email(value=person.email, type=Email.Type.work, primary=True)],
        meta=scim.Meta(
            resource_type="User",
            created=person.created_at,
            last_modified=person.updated_at,
            location=location,
            version=f'W/"{person.version}"',
        ),
    )
    user[ENTERPRISE] = ENTERPRISE(department=person.team.name if person.team else None)
    return user


def _names(user: User) -> list[str | None]:
    """The ways a user carries a full name, in the order they are trusted."""
    name = user.name or scim.Name()
    # Both parts, or a surname alone would become someone's whole name.
    joined = (
        f"{name.given_name} {name.family_name}" if name.given_name and name.family_name else None
    )
    return [user.display_name, name.formatted, joined]


def _email(user: User) -> str | None:
    emails = [email for email in user.emails or [] if email.value]
    primary = next((email for email in emails if email.primary), emails[0] if emails else None)
    if primary is not None:
        return primary.value
    # Some providers send the address only as the user name (Okta's default).
    return user.user_name if user.user_name and "@" in user.user_name else None


def wanted(user: User, *, before: User | None = None) -> Wanted:
    """What `user` asks of the person. After a PATCH, `before` is the person as they were:
    the name is then the one the operations changed, since the others still hold the old."""
    names = _names(user)
    if before is not None:
        changed = [new for new, old in zip(names, _names(before), strict=True) if new != old]
        names = changed or [None]
    extension = user[ENTERPRISE]
    return Wanted(
        user_name=(user.user_name or "").strip(),
        external_id=user.external_id,
        email=_email(user),
        name=next((name.strip() for name in names if name and name.strip()), None),
        title=user.title,
        department=extension.department if extension is not None else None,
        active=user.active,
    )


# --- Filters ---------------------------------------------------------------------------------

# What a provider looks a user up by (Entra ID, Okta and Google send `userName eq "…"`), and
# the field of the map each is kept in, compared as the RFC says: userName case-insensitively,
# externalId exactly.
_LOOKUPS = {
    "username": "scim_user_name__iexact",  # eq: scim_user_name_is, which the index serves
    "externalid": "scim_external_id",
    "id": "pk",
    "displayname": "name__iexact",
    "emails": "email__iexact",
    "emails.value": "email__iexact",
}
_TEXT_LOOKUPS = {
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
}
SUPPORTED = (
    "eq, co, sw and ew on userName, externalId, id, displayName and emails, joined by and/or"
)


class _ToQuery(FilterVisitor[Q]):
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def _unsupported(self, node: object) -> Q:
        raise scim.InvalidFilterException(detail=f"“{node}”: this service filters by {SUPPORTED}.")

    def visit_comparison(self, node: Comparison) -> Q:
        path = node.attr_path
        key = self.prefix + ".".join(filter(None, [path.attr, path.sub_attr])).lower()
        field = _LOOKUPS.get(key)
        if field is None or not isinstance(node.value, str | int):
            return self._unsupported(node)
        if field == "pk":
            return Q(pk=int(node.value)) if is_id(str(node.value)) else Q(pk__in=[])
        if node.op == CompareOperator.eq and key == "username":
            return scim_user_name_is(str(node.value))
        if node.op == CompareOperator.eq:
            return Q(**{field: node.value})
        if node.op in _TEXT_LOOKUPS and field.endswith("__iexact"):
            return Q(**{field.replace("iexact", _TEXT_LOOKUPS[node.op]): node.value})
        return self._unsupported(node)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        terms = [self.visit(term) for term in node.terms]
        combined = terms[0]
        for term in terms[1:]:
            combined = combined & term if node.op == LogicalOperator.and_ else combined | term
        return combined

    def visit_value_path(self, node: ValuePath) -> Q:
        return _ToQuery(prefix=f"{node.attr_path.attr.lower()}.").visit(node.val_filter)

    def visit_present(self, node) -> Q:
        return self._unsupported(node)

    def visit_not(self, node) -> Q:
        return self._unsupported(node)


def matching(text: str) -> Q:
    """The people a SCIM filter picks out. InvalidFilterException for one that does not parse
    or asks what this service does not filter by."""
    try:
        parsed: scim.ScimFilter = scim.ScimFilter(text)
    except ValueError as error:
        raise scim.InvalidFilterException(detail=f"The filter does not parse: {error}") from None
    return _ToQuery().visit(parsed.ast)


def service_config() -> scim.ServiceProviderConfig:
    """What this service does, for a provider that asks (/scim/v2/ServiceProviderConfig)."""
    return scim.ServiceProviderConfig(
        patch=scim.Patch(supported=True),
        bulk=scim.Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=scim.Filter(supported=True, max_results=MAX_PAGE),
        change_password=scim.ChangePassword(supported=False),
        sort=scim.Sort(supported=False),
        etag=scim.ETag(supported=False),
        authentication_schemes=[
            scim.AuthenticationScheme(
                type=scim.AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A SCIM token issued in Ownermap's admin.",
                primary=True,
            )
        ],
        meta=scim.Meta(resource_type="ServiceProviderConfig"),
    )


MAX_PAGE = 200
