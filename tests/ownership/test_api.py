import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from ownership.assignments import assign_owner
from ownership.models import ApiToken
from ownership.tokens import issue_token, revoke_token
from tests.factories import PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
API = reverse("ownership:api_whoowns")


@pytest.fixture
def refund_task():
    task = TaskFactory(name="Refund processing", aliases="refund letter", rhythm="daily")
    assign_owner(task=task, person=PersonFactory(name="Irene Costa", email="irene@x.io"), by=None)
    return task


def test_an_anonymous_request_is_refused_with_401(client, refund_task):
    response = client.get(API, {"q": "refund"})
    assert response.status_code == 401
    assert "Refund processing" not in response.content.decode()


def test_a_signed_in_member_gets_the_answers(member_client, refund_task):
    response = member_client.get(API, {"q": "refund letter"})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["task"] == "Refund processing"
    # The link carries the query: whoever opens it teaches the lookup what the words meant.
    assert result["url"] == "http://testserver/t/refund-processing?q=refund+letter"
    assert result["acting_owner"]["email"] == "irene@x.io"
    assert result["acting_reason"] == "owner"
    assert result["matched"] == [
        {
            "word": "refund",
            "term": "refund",
            "how": "word",
            "field": "name",
            "text": "Refund processing",
        },
        {
            "word": "letter",
            "term": "letter",
            "how": "word",
            "field": "alias",
            "text": "refund letter",
        },
        {
            "word": "refund letter",
            "term": "refund~letter",
            "how": "together",
            "field": "alias",
            "text": "refund letter",
        },
    ]


def test_a_token_authenticates_a_program(client, member, refund_task):
    _record, token = issue_token(user=member, name="Slack bot")
    response = client.get(API, {"q": "refund"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert [r["task"] for r in response.json()["results"]] == ["Refund processing"]
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_token_is_refused(client, member, refund_task):
    record, token = issue_token(user=member, name="Slack bot")
    revoke_token(token=record)
    response = client.get(API, {"q": "refund"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json() == {
        "error": "The API token is unknown or has been revoked.",
        "status": 401,
    }


@pytest.mark.parametrize(
    "header", ["Bearer om_wrong", "Bearer ", "Basic abc", "Bearer " + "x" * 300]
)
def test_a_bad_token_is_refused(client, refund_task, header):
    assert client.get(API, {"q": "refund"}, HTTP_AUTHORIZATION=header).status_code == 401


def test_a_token_of_a_user_outside_the_groups_is_forbidden(client, outsider, refund_task):
    _record, token = issue_token(user=outsider, name="curious")
    response = client.get(API, {"q": "refund"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403


def test_a_token_of_a_deactivated_user_is_refused(client, member, refund_task):
    _record, token = issue_token(user=member, name="bot")
    member.is_active = False
    member.save()
    assert client.get(API, {"q": "refund"}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_the_token_itself_is_not_stored(member):
    record, token = issue_token(user=member, name="bot")
    assert token.startswith("om_")
    assert token not in (record.key_hash, record.prefix)
    assert token.startswith(record.prefix)


@pytest.mark.parametrize("limit", ["0", "51", "ten"])
def test_a_bad_limit_is_a_400(member_client, limit):
    response = member_client.get(API, {"q": "refund", "limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json()["error"]


def test_the_api_and_the_command_return_the_same_objects(member_client, refund_task, capsys):
    api = member_client.get(API, {"q": "refund letter", "limit": 5}).json()["results"]
    call_command("whoowns", "refund", "letter", "--json", "--limit", "5")
    command = json.loads(capsys.readouterr().out)
    for row in api + command:
        row.pop("url")
    assert api == command


def test_an_admin_issues_a_token_shown_once_and_revokes_it(client, member):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:ownership_apitoken_add"),
        {"user": member.pk, "name": "Slack bot"},
        follow=True,
    )
    record = ApiToken.objects.get()
    html = response.content.decode()
    assert f"Token for member: {record.prefix}" in html
    client.post(
        reverse("admin:ownership_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [record.pk]},
    )
    record.refresh_from_db()
    assert record.revoked_at is not None


def test_a_token_stops_reading_the_map_when_its_owner_leaves_the_group(client, member, refund_task):
    _record, token = issue_token(user=member, name="bot")
    assert client.get(API, {"q": "refund"}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    member.groups.clear()
    response = client.get(API, {"q": "refund"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert "results" not in response.json()
