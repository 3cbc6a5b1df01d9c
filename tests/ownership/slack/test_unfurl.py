"""A task's link pasted in Slack unfurls with its owner, backup and next due date."""

import json

import pytest
from django.urls import reverse

from ownership.assignments import assign_backup, assign_owner
from tasks_registry import due
from tasks_registry.changes import update_task
from tests.factories import PersonFactory, TaskFactory
from tests.ownership.slack.fake_slack import signed_headers

pytestmark = pytest.mark.django_db
EVENTS = reverse("ownership:slack_event")
BASE = "http://127.0.0.1:8000"


def send(client, envelope: dict, **extra):
    body = json.dumps(envelope).encode()
    return client.post(
        EVENTS, data=body, content_type="application/json", **signed_headers(body), **extra
    )


def shared(*urls: str) -> dict:
    return {
        "type": "event_callback",
        "event": {
            "type": "link_shared",
            "channel": "C0SHOP",
            "message_ts": "1733390000.000100",
            "links": [{"domain": "127.0.0.1", "url": url} for url in urls],
        },
    }


@pytest.fixture
def refunds():
    task = TaskFactory(name="Refund processing", rhythm="daily")
    due.refresh_next_due([task])
    task.refresh_from_db()
    assign_owner(
        task=task,
        person=PersonFactory(name="Irene Costa", email="irene@shop.test", slack_user_id="U0IRENE"),
        by=None,
    )
    assign_backup(task=task, person=PersonFactory(name="Bo Lind", email="bo@shop.test"), by=None)
    return task


def test_slack_verifies_the_events_url(client, slack_on):
    response = send(client, {"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV"})
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}


def test_a_pasted_permalink_unfurls_with_owner_backup_and_next_due(client, slack_on, refunds):
    url = f"{BASE}/t/refund-processing"
    response = send(client, shared(url, "https://example.com/elsewhere"))
    assert response.status_code == 200
    (call,) = slack_on.calls_to("chat.unfurl")
    assert call.headers["Authorization"] == "Bearer xoxb-test-token"
    assert (call.body["channel"], call.body["ts"]) == ("C0SHOP", "1733390000.000100")
    assert "unfurl_id" not in call.body
    assert list(call.body["unfurls"]) == [url]
    text = call.body["unfurls"][url]["blocks"][0]["text"]["text"]
    assert "*Ask* <@U0IRENE>, the owner" in text
    assert "*Backup* Bo Lind" in text
    assert refunds.next_due_on is not None
    assert f"*Next due* {refunds.next_due_on:%a} {refunds.next_due_on.day} " in text
    assert "Done when" not in text


def test_an_old_slug_of_a_renamed_task_still_unfurls(client, slack_on, refunds):
    update_task(task=refunds, by=None, name="Refunds paid out")
    url = f"{BASE}/t/refund-processing"
    send(client, shared(url))
    (call,) = slack_on.calls_to("chat.unfurl")
    assert "Refunds paid out" in call.body["unfurls"][url]["blocks"][0]["text"]["text"]


def test_links_that_are_no_task_are_left_alone(client, slack_on, refunds):
    update_task(task=refunds, by=None, is_active=False)
    send(client, shared(f"{BASE}/t/refund-processing", f"{BASE}/t/no-such-task", f"{BASE}/map/"))
    assert slack_on.calls_to("chat.unfurl") == []


def test_a_retried_event_is_not_unfurled_twice(client, slack_on, refunds):
    send(client, shared(f"{BASE}/t/refund-processing"), HTTP_X_SLACK_RETRY_NUM="1")
    assert slack_on.calls_to("chat.unfurl") == []


def test_a_body_that_is_not_json_gets_400(client, slack_on):
    body = b"{not json"
    response = client.post(
        EVENTS, data=body, content_type="application/json", **signed_headers(body)
    )
    assert response.status_code == 400


def test_slack_failing_leaves_the_event_answered(client, slack_on, refunds):
    slack_on.failing["chat.unfurl"] = 500
    response = send(client, shared(f"{BASE}/t/refund-processing"))
    assert response.status_code == 200
    assert len(slack_on.calls_to("chat.unfurl")) == 1


@pytest.mark.parametrize(
    "envelope",
    [
        {"type": "event_callback", "event": "link_shared"},
        {"type": "event_callback", "event": {"type": "link_shared", "links": ["/t/x"]}},
        ["not", "an", "object"],
    ],
)
def test_a_signed_body_of_another_shape_gets_400(client, slack_on, envelope):
    response = send(client, envelope)
    assert response.status_code == 400
    assert slack_on.calls == []
