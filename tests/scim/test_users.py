"""SCIM 2.0 provisioning (ownership/views/scim.py, ownership/identity/provisioning.py): the
identity provider adds people and their logins, changes them through the map's own write
functions, and stops them, which opens their handover; bad requests get SCIM's error bodies
and change nothing."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.gap_rules import OWNER_DEPARTED, gap_report
from ownership.identity import provisioning
from ownership.identity.sso import SignInBackend
from ownership.models import Assignment, Person, Role, ScimToken, Team
from ownership.people_changes import mark_departed, person_label
from ownership.permissions import MEMBERS
from ownership.tokens import revoke_token
from tests.factories import PersonFactory, TaskFactory, UserFactory
from tests.scim.payloads import (
    ENTERPRISE,
    ENTRA_DISABLE,
    ENTRA_DISABLE_AS_STRING,
    ERROR,
    OKTA_DEACTIVATE,
    OKTA_REACTIVATE,
    entra_create,
    entra_patch,
    okta_create,
    okta_replace,
)

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("ownership:dashboard")


def _departed_owners() -> int:
    return len(gap_report(on=timezone.localdate()).by_rule[OWNER_DEPARTED])


def _reasons(person: Person) -> list[str]:
    return [record.history_change_reason for record in person.history.order_by("history_id")]


@pytest.fixture
def owner():
    """Someone already on the map, owning one task and backing up another."""
    person = PersonFactory(name="Lena Leaves", email="lena@northwind.example", title="Buyer")
    owned = TaskFactory(name="Supplier invoices")
    assign_owner(task=owned, person=person, by=None)
    assign_backup(task=owned, person=PersonFactory(name="Bo Backup"), by=None)
    backed = TaskFactory(name="Returns labels")
    assign_owner(task=backed, person=PersonFactory(name="Olli Owner"), by=None)
    assign_backup(task=backed, person=person, by=None)
    return person


def _error(response, status: int, scim_type: str | None) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    return body["detail"]


# --- The token --------------------------------------------------------------------------------


def test_without_a_live_token_every_request_is_401(provider):
    provider.token = "omscim_not-a-token"  # noqa: S105 - a made-up one, refused
    _error(provider.get("/Users"), 401, None)
    provider.token = "om_an-api-token-is-not-a-scim-token"  # noqa: S105
    _error(provider.post("/Users", okta_create()), 401, None)
    assert not Person.objects.exists()


def test_a_revoked_token_is_refused(provider):
    assert provider.get("/Users").status_code == 200
    revoke_token(token=ScimToken.objects.get())
    _error(provider.get("/Users"), 401, None)


def test_the_admin_issues_a_scim_token_once_and_it_works(admin_client):
    response = admin_client.post(
        reverse("admin:ownership_scimtoken_add"), {"name": "Okta"}, follow=True
    )
    shown = next(str(message) for message in response.context["messages"])
    assert shown.startswith("SCIM token for Okta: omscim_")
    token = shown.split(": ", 1)[1].split(" ", 1)[0]
    listed = admin_client.get(reverse("admin:ownership_scimtoken_changelist")).content.decode()
    assert token not in listed
    assert token[:13] in listed
    answer = admin_client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200


def test_the_admin_revokes_a_scim_token(admin_client, provider):
    record = ScimToken.objects.get()
    changelist = reverse("admin:ownership_scimtoken_changelist")
    data = {"action": "revoke", "_selected_action": [record.pk]}
    assert admin_client.post(changelist, data).status_code == 302
    _error(provider.get("/Users"), 401, None)


# --- Entra ID ---------------------------------------------------------------------------------


def test_entra_adds_a_new_employee_with_a_members_login(provider):
    query = 'userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"'
    assert provider.get("/Users", filter=query).json()["totalResults"] == 0

    payload = entra_create(
        user_name="Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        email="nadia@northwind.example",
        department="Fulfilment",
    )
    response = provider.post("/Users", payload)

    assert response.status_code == 201, response.content
    body = response.json()
    person = Person.objects.get(email="nadia@northwind.example")
    assert body["id"] == str(person.pk)
    assert response["Location"] == f"http://testserver/scim/v2/Users/{person.pk}"
    assert body["meta"]["location"] == response["Location"]
    assert body["userName"] == payload["userName"]
    assert body["externalId"] == payload["externalId"]
    assert body["active"] is True
    assert body[ENTERPRISE] == {"department": "Fulfilment"}
    assert person.name == "Nadia Newcomer"
    assert person.team.name == "Fulfilment"
    assert person.user.is_active
    assert not person.user.has_usable_password()
    assert list(person.user.groups.values_list("name", flat=True)) == [MEMBERS]
    assert _reasons(person)[0] == provisioning.ADDED

    found = provider.get("/Users", filter=query).json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["id"] == body["id"]


def test_entra_updates_email_and_user_name_in_place(provider):
    created = provider.post(
        "/Users", entra_create(user_name="nadia.n", email="nadia@northwind.example")
    ).json()
    patch = entra_patch(
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "nn@northwind.example"},
        {"op": "Replace", "path": "userName", "value": "nadia.newcomer"},
        {"op": "Add", "path": "title", "value": "Returns lead"},
    )
    response = provider.patch(f"/Users/{created['id']}", patch)
    assert response.status_code == 200, response.content
    person = Person.objects.get(pk=created["id"])
    assert (person.email, person.scim_user_name, person.title) == (
        "nn@northwind.example",
        "nadia.newcomer",
        "Returns lead",
    )
    assert response.json()["userName"] == "nadia.newcomer"
    assert _reasons(person)[-1] == provisioning.UPDATED


def test_a_name_change_is_taken_from_what_the_patch_changed(provider):
    created = provider.post(
        "/Users", entra_create(user_name="nadia.n", email="nadia@northwind.example")
    ).json()
    path = f"/Users/{created['id']}"
    provider.patch(path, entra_patch({"op": "Replace", "path": "displayName", "value": "Nadia Q"}))
    assert Person.objects.get(pk=created["id"]).name == "Nadia Q"
    provider.patch(
        path, entra_patch({"op": "Replace", "path": "name.formatted", "value": "Nadia Quinn"})
    )
    assert Person.objects.get(pk=created["id"]).name == "Nadia Quinn"
    # A surname alone cannot make a full name: the name stays until one comes.
    provider.patch(path, entra_patch({"op": "Replace", "path": "name.familyName", "value": "Q"}))
    assert Person.objects.get(pk=created["id"]).name == "Nadia Quinn"


@pytest.mark.parametrize("disable", [ENTRA_DISABLE, ENTRA_DISABLE_AS_STRING], ids=["bool", "str"])
def test_entra_disabling_an_owner_opens_their_handover(provider, owner, client, ops_lead, disable):
    created = provider.post(
        "/Users", entra_create(user_name="lena.l", email="lena@northwind.example")
    ).json()
    assert created["id"] == str(owner.pk)
    before = _departed_owners()

    response = provider.patch(f"/Users/{owner.pk}", disable)

    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    owner.refresh_from_db()
    assert owner.departed_on == timezone.localdate()
    assert owner.user.is_active is False
    assert provisioning.DEACTIVATED in _reasons(owner)
    assert _departed_owners() == before + 1
    client.force_login(ops_lead)
    page = client.get(DASHBOARD).content.decode()
    assert "Departed: handover pending" in page
    assert "Supplier invoices</a>, owner → Bo Backup" in page


# --- Okta -------------------------------------------------------------------------------------


def test_okta_links_the_person_the_map_already_has(provider, owner):
    response = provider.post("/Users", okta_create(user_name="lena@northwind.example"))
    assert response.status_code == 201, response.content
    owner.refresh_from_db()
    assert response.json()["id"] == str(owner.pk)
    assert Person.objects.filter(email="lena@northwind.example").count() == 1
    assert owner.scim_user_name == "lena@northwind.example"
    assert owner.scim_external_id == "00ujl29u0le5T6Aj10h7"
    assert owner.user is not None
    assert Assignment.objects.filter(person=owner).count() == 2
    assert provisioning.TAKEN_OVER in _reasons(owner)


def test_okta_accepts_its_own_example_addresses(provider):
    # okta.local is a reserved name that a strict address check refuses.
    response = provider.post("/Users", okta_create())
    assert response.status_code == 201, response.content
    assert Person.objects.get().email == "test.user@okta.local"


def test_an_existing_login_is_kept(provider, owner):
    owner.user = UserFactory(username="lena")
    owner.save()
    provider.post("/Users", okta_create(user_name="lena@northwind.example"))
    owner.refresh_from_db()
    assert owner.user.username == "lena"
    assert User.objects.count() == 1


def test_okta_changing_a_title_flags_the_owner_role_as_an_edit_does(provider, owner):
    pk = provider.post("/Users", okta_create(user_name="lena@northwind.example")).json()["id"]
    assert owner.role_changed_at is None
    replaced = okta_replace(
        pk, user_name="lena@northwind.example", display_name="Lena Moves", title="Head of CX"
    )
    response = provider.put(f"/Users/{pk}", replaced)
    assert response.status_code == 200, response.content
    owner.refresh_from_db()
    assert (owner.name, owner.title) == ("Lena Moves", "Head of CX")
    assert owner.role_changed_at is not None
    assert owner.departed_on is None


def test_a_put_that_leaves_out_the_department_keeps_the_team(provider, owner):
    team = owner.team
    pk = provider.post("/Users", okta_create(user_name="lena@northwind.example")).json()["id"]
    provider.put(f"/Users/{pk}", okta_replace(pk, user_name=owner.email, display_name="Lena"))
    owner.refresh_from_db()
    assert owner.team == team
    assert owner.role_changed_at is None


def test_okta_deactivation_then_handover_then_reactivation(provider, owner, client, ops_lead):
    pk = provider.post("/Users", okta_create(user_name="lena@northwind.example")).json()["id"]
    departed = _departed_owners()

    assert provider.patch(f"/Users/{pk}", OKTA_DEACTIVATE).status_code == 200

    assert _departed_owners() == departed + 1
    client.force_login(ops_lead)
    ((person, items),) = client.get(DASHBOARD).context["handovers"]
    assert person == owner
    # The backup she held has no one proposed: the ops lead names Sam for it.
    sam = PersonFactory(name="Sam Successor", email="sam@northwind.example")
    data = {item.field_name: item.successor_label or person_label(sam) for item in items}
    response = client.post(reverse("ownership:person_handover", args=[owner.pk]), data)
    assert response.status_code == 302
    owned = Assignment.objects.get(task__name="Supplier invoices", role=Role.OWNER)
    backed = Assignment.objects.get(task__name="Returns labels", role=Role.BACKUP)
    assert (owned.person, backed.person) == (Person.objects.get(name="Bo Backup"), sam)
    # The provider's name for her (Okta's displayName) replaced the map's when it took her over.
    for moved in (owned, backed):
        assert moved.history.first().history_change_reason == "handover from Test User"
    assert not Assignment.objects.filter(person=owner).exists()
    assert _departed_owners() == departed
    assert "Departed: handover pending" not in client.get(DASHBOARD).content.decode()

    assert provider.patch(f"/Users/{pk}", OKTA_REACTIVATE).json()["active"] is True
    owner.refresh_from_db()
    assert owner.departed_on is None
    assert owner.user.is_active
    assert _reasons(owner)[-1] == provisioning.REACTIVATED


def test_deleting_a_user_stops_them_and_it_is_gone_from_scim(provider, owner):
    pk = provider.post("/Users", okta_create(user_name="lena@northwind.example")).json()["id"]
    response = provider.delete(f"/Users/{pk}")
    assert response.status_code == 204
    owner.refresh_from_db()
    assert owner.departed_on == timezone.localdate()
    assert owner.user.is_active is False
    assert owner.scim_user_name == ""
    assert provisioning.DELETED in _reasons(owner)
    _error(provider.get(f"/Users/{pk}"), 404, None)
    # The map keeps the person and what they hand over.
    assert Assignment.objects.filter(person=owner).count() == 2


def test_a_departure_marked_on_the_map_is_not_undone_by_the_next_sync(provider, owner):
    pk = provider.post("/Users", okta_create(user_name="lena@northwind.example")).json()["id"]
    leaving = timezone.localdate() + timezone.timedelta(days=30)
    owner.refresh_from_db()
    mark_departed(person=owner, on=leaving, by=None)
    replaced = okta_replace(pk, user_name=owner.email, display_name="Lena Leaves")
    assert provider.put(f"/Users/{pk}", replaced).json()["active"] is True
    owner.refresh_from_db()
    assert owner.departed_on == leaving


def test_deactivation_brings_a_later_departure_forward_to_today(provider, owner):
    pk = provider.post("/Users", okta_create(user_name="lena@northwind.example")).json()["id"]
    owner.refresh_from_db()
    mark_departed(person=owner, on=timezone.localdate() + timezone.timedelta(days=30), by=None)
    provider.patch(f"/Users/{pk}", OKTA_DEACTIVATE)
    owner.refresh_from_db()
    assert owner.departed_on == timezone.localdate()
    assert _reasons(owner)[-1] == provisioning.DEACTIVATED


# --- Bad input: SCIM's error bodies, nothing half-written ---------------------------------------


def test_malformed_json_is_invalid_syntax(provider):
    detail = _error(provider.post("/Users", raw=b'{"userName": '), 400, "invalidSyntax")
    assert "not JSON" in detail
    assert not Person.objects.exists()


def test_an_unknown_attribute_is_refused(provider):
    payload = okta_create() | {"shoeSize": 44}
    detail = _error(provider.post("/Users", payload), 400, "invalidSyntax")
    assert "shoeSize" in detail
    assert not Person.objects.exists()
    assert not User.objects.exists()


def test_a_user_without_any_address_is_refused(provider):
    payload = okta_create(user_name="no-address") | {"emails": []}
    detail = _error(provider.post("/Users", payload), 400, "invalidValue")
    assert "email" in detail
    assert not Person.objects.exists()


def test_a_bad_address_is_refused_where_it_was_sent(provider):
    payload = okta_create(user_name="x", email="not an address")
    detail = _error(provider.post("/Users", payload), 400, "invalidValue")
    assert "valid email" in detail


def test_a_duplicate_email_is_a_uniqueness_error_and_writes_nothing(provider):
    provider.post("/Users", okta_create(user_name="first@northwind.example"))
    people, teams, logins = Person.objects.count(), Team.objects.count(), User.objects.count()
    payload = entra_create(
        user_name="second", email="FIRST@northwind.example", department="A new department"
    )
    detail = _error(provider.post("/Users", payload), 409, "uniqueness")
    assert "first@northwind.example" in detail
    assert (Person.objects.count(), Team.objects.count(), User.objects.count()) == (
        people,
        teams,
        logins,
    )


def test_the_same_user_name_twice_is_a_uniqueness_error(provider):
    provider.post("/Users", okta_create(user_name="a@northwind.example"))
    again = okta_create(user_name="A@northwind.example", email="other@northwind.example")
    _error(provider.post("/Users", again), 409, "uniqueness")
    assert Person.objects.count() == 1


def test_a_patch_to_someone_elses_email_changes_nothing(provider):
    provider.post("/Users", okta_create(user_name="a@northwind.example"))
    pk = provider.post("/Users", okta_create(user_name="b@northwind.example")).json()["id"]
    patch = entra_patch(
        {"op": "Replace", "path": "title", "value": "Changed"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "a@northwind.example"},
    )
    _error(provider.patch(f"/Users/{pk}", patch), 409, "uniqueness")
    person = Person.objects.get(pk=pk)
    assert (person.email, person.title) == ("b@northwind.example", "")


def test_a_patch_on_an_unknown_path_is_refused(provider):
    pk = provider.post("/Users", okta_create()).json()["id"]
    patch = entra_patch({"op": "Replace", "path": "shoeSize", "value": 44})
    _error(provider.patch(f"/Users/{pk}", patch), 400, "invalidPath")


def test_an_unsupported_filter_says_what_is(provider):
    detail = _error(provider.get("/Users", filter="title pr"), 400, "invalidFilter")
    assert "userName" in detail
    _error(provider.get("/Users", filter='userName eq "x" and ('), 400, "invalidFilter")


def test_unknown_users_and_resources_are_scim_404s(provider):
    _error(provider.get("/Users/999"), 404, None)
    _error(provider.get("/Users/not-a-number"), 404, None)
    _error(provider.get("/Users/99999999999999999999999"), 404, None)
    _error(provider.get("/Groups"), 404, None)
    # Someone on the map that the provider does not keep is not its user.
    _error(provider.get(f"/Users/{PersonFactory().pk}"), 404, None)


def test_a_method_a_resource_does_not_take_is_405(provider):
    response = provider.delete("/Users")
    _error(response, 405, None)
    assert response["Allow"] == "GET, POST"


# --- Lists and discovery ----------------------------------------------------------------------


def test_users_are_paged_as_asked(provider):
    for number in range(5):
        provider.post("/Users", okta_create(user_name=f"p{number}@northwind.example"))
    page = provider.get("/Users", startIndex="2", count="2").json()
    assert page["totalResults"] == 5
    assert (page["startIndex"], page["itemsPerPage"]) == (2, 2)
    assert [user["userName"] for user in page["Resources"]] == [
        "p1@northwind.example",
        "p2@northwind.example",
    ]
    by_address = provider.get("/Users", filter='emails.value eq "P3@northwind.example"').json()
    assert [user["userName"] for user in by_address["Resources"]] == ["p3@northwind.example"]


@pytest.mark.parametrize("users", [1, 6])
def test_a_page_of_users_takes_the_same_queries_however_many(
    provider, users, django_assert_num_queries
):
    for number in range(users):
        provider.post("/Users", okta_create(user_name=f"p{number}@northwind.example"))
    provider.get("/Users")  # notes the token's use, at most once a minute
    # The token, the page of people with their teams and logins, and the count.
    with django_assert_num_queries(3):
        response = provider.get("/Users")
    assert len(response.json()["Resources"]) == users


def test_the_discovery_endpoints_describe_users_only(provider):
    config = provider.get("/ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True
    assert config["bulk"]["supported"] is False
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    kinds = provider.get("/ResourceTypes").json()["Resources"]
    assert [kind["endpoint"] for kind in kinds] == ["/Users"]
    assert [extension["schema"] for extension in kinds[0]["schemaExtensions"]] == [ENTERPRISE]
    schemas = provider.get("/Schemas").json()["Resources"]
    assert {schema["id"] for schema in schemas} == {
        "urn:ietf:params:scim:schemas:core:2.0:User",
        ENTERPRISE,
    }


def test_the_person_page_and_form_say_the_provider_keeps_them(provider, owner, client, ops_lead):
    provider.post("/Users", okta_create(user_name="lena@northwind.example"))
    client.force_login(ops_lead)
    page = client.get(reverse("ownership:person_detail", args=[owner.pk])).content.decode()
    assert "kept by the identity provider" in page
    form = client.get(reverse("ownership:person_edit", args=[owner.pk])).content.decode()
    assert "(as lena@northwind.example): it may change their name" in form
    others = client.get(reverse("ownership:person_detail", args=[ops_lead.person.pk]))
    assert "kept by the identity provider" not in others.content.decode()


def test_a_provisioned_person_signs_in_to_the_login_provisioning_made(provider):
    pk = provider.post("/Users", okta_create(user_name="nadia.n", email="nadia@northwind.example"))
    login = Person.objects.get(pk=pk.json()["id"]).user
    found = SignInBackend().filter_users_by_claims({"email": "Nadia@northwind.example"})
    assert list(found) == [login]
