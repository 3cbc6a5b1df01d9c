"""Whatever a provider (or anyone with a token) sends, the answer is SCIM's: a 2xx, or an error
body with a 4xx. Never a 500, and never a person half-made."""

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ownership.models import Person
from tests.hypothesis_profiles import examples
from tests.scim.payloads import CORE, PATCH_OP, okta_create

SETTINGS = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
TEXT = st.text(max_size=40) | st.sampled_from(["", "a@b.example", "False", "999999999999999999999"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
ATTRIBUTES = st.sampled_from(
    [
        "userName",
        "active",
        "title",
        "displayName",
        "name.familyName",
        'emails[type eq "work"].value',
        "emails",
        "externalId",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "id",
        "meta",
        "groups",
    ]
)
USER = st.fixed_dictionaries(
    {"schemas": st.just([CORE])},
    optional={
        "userName": TEXT,
        "emails": st.lists(st.fixed_dictionaries({"value": TEXT}), max_size=2),
        "active": JSON,
        "title": JSON,
        "displayName": JSON,
        "name": JSON,
    },
)
OPERATION = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "Replace", "remove", "copy"])},
    optional={"path": ATTRIBUTES | TEXT, "value": JSON},
)
PATCH = st.fixed_dictionaries(
    {"schemas": st.just([PATCH_OP]), "Operations": st.lists(OPERATION, max_size=3)}
)


@pytest.fixture
def someone(provider):
    return provider.post("/Users", okta_create(user_name="kept@northwind.example")).json()["id"]


def _answers_in_scim(response) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response.json()["status"] == str(response.status_code)


@SETTINGS
@given(body=USER | JSON)
def test_any_new_user(provider, body):
    _answers_in_scim(provider.post("/Users", body))
    for person in Person.objects.all():
        assert person.user is not None, "a person was added without their login"


@SETTINGS
@given(body=USER | JSON)
def test_any_replacement(provider, someone, body):
    _answers_in_scim(provider.put(f"/Users/{someone}", body))


@SETTINGS
@given(body=PATCH | JSON)
def test_any_patch(provider, someone, body):
    _answers_in_scim(provider.patch(f"/Users/{someone}", body))


@SETTINGS
@given(text=TEXT, start=TEXT, count=TEXT)
# A digit that is not a decimal one: once taken for an id, int() refused it with a 500.
@example(text="¹", start="", count="")
@example(text='id eq "²"', start="", count="")
def test_any_filter_and_page(provider, someone, text, start, count):
    _answers_in_scim(provider.get("/Users", filter=text, startIndex=start, count=count))
    _answers_in_scim(provider.get(f"/Users/{text or 'x'}", attributes=start))


def test_bytes_that_are_not_text(provider):
    response = provider.post("/Users", raw=b"\xff\xfe{")
    _answers_in_scim(response)
    assert response.json()["scimType"] == "invalidSyntax"
    assert json.loads(response.content)["detail"].startswith("The body is not JSON")
