"""No input a person can type makes the lookup fail: property-based, over the view, the API and
the command."""

import json

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import TaskFactory
from tests.hypothesis_profiles import examples

pytestmark = pytest.mark.django_db

NASTY = st.one_of(
    st.text(max_size=1000),
    st.sampled_from(
        [
            "",
            " " * 1000,
            "x" * 1000,
            "'; DROP TABLE tasks_registry_task; --",
            "%_\\%",
            "a:* | b & !c <-> (d",
            "<script>alert(1)</script>",
            "🙂🚚📦 refund 💸",
            "\x00nul",
            "é" * 300,
            "{" * 50,
        ]
    ),
)
SETTINGS = settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def some_tasks(db):
    TaskFactory(name="Refund processing", aliases="refund letter\nmoney back")
    TaskFactory(name="Holiday shipping cutoff sign-off")


@SETTINGS
@given(query=NASTY)
@example(query="refund" * 200)
def test_the_search_page_never_fails(member_client, some_tasks, query):
    response = member_client.get("/search/", {"q": query}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


@SETTINGS
@given(query=NASTY)
def test_the_api_never_fails(member_client, some_tasks, query):
    response = member_client.get("/api/whoowns", {"q": query})
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


@SETTINGS
@given(query=NASTY.filter(lambda q: "\x00" not in q))  # argv cannot carry a NUL byte
def test_the_command_never_fails(some_tasks, capsys, query):
    # "--" as on a shell: a query may begin with "-" ("-20% code broken").
    call_command("whoowns", "--json", "--", query)
    assert isinstance(json.loads(capsys.readouterr().out), list)
