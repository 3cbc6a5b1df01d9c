"""/whoowns in Slack: the search box's lookup, as Block Kit for the asker, with a button that
shares an answer in the channel."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.chat.slack.blocks import SHARE, lookup_message
from ownership.lookup import LookupResult
from ownership.people_changes import update_person
from tasks_registry.changes import update_task
from tests.factories import PersonFactory, TaskFactory
from tests.ownership.slack.fake_slack import block_kit_errors, post_form, signed_headers

pytestmark = pytest.mark.django_db
COMMANDS = reverse("ownership:slack_command")
INTERACTIONS = reverse("ownership:slack_interaction")


def ask(client, text: str):
    fields = {
        "command": "/whoowns",
        "text": text,
        "user_id": "U0ASKER1",
        "channel_id": "C0SHOP",
        "response_url": "https://hooks.slack.com/commands/T0/1/abc",
    }
    response = post_form(client, COMMANDS, fields)
    if response.status_code == 200:
        assert block_kit_errors(response.json().get("blocks", []), 50) == []
    return response


def press(client, payload: dict):
    return post_form(client, INTERACTIONS, {"payload": json.dumps(payload)})


def share(client, fake, slug: str = "refund-processing"):
    """Share in channel, pressed under the answer for `slug`."""
    return press(
        client,
        {
            "type": "block_actions",
            "user": {"id": "U0ASKER1"},
            "response_url": fake.url + "/hooks/actions/T0/1/xyz",
            "actions": [{"action_id": SHARE, "value": slug}],
        },
    )


def _texts(message: dict) -> str:
    parts = [message.get("text", "")]
    for block in message.get("blocks", []):
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            if element.get("type") == "mrkdwn":
                parts.append(element["text"])
    return "\n".join(parts)


@pytest.fixture
def refunds():
    task = TaskFactory(
        name="Refund processing",
        aliases="refund letter",
        definition_of_done="Every approved refund paid\nCustomer emailed",
        rhythm="daily",
    )
    irene = PersonFactory(name="Irene Costa", email="irene@shop.test", slack_user_id="U0IRENE")
    assign_owner(task=task, person=irene, by=None)
    assign_backup(task=task, person=PersonFactory(name="Bo Lind", email="bo@shop.test"), by=None)
    return task


def test_the_answer_names_the_acting_owner_for_the_asker_only(client, slack_on, refunds):
    response = ask(client, "where is my refund")
    assert response.status_code == 200
    message = response.json()
    assert message["response_type"] == "ephemeral"
    text = _texts(message)
    # A mention where the Slack user is known; name and email where not.
    assert "*Ask* <@U0IRENE>, the owner" in text
    assert "*Backup* Bo Lind (<mailto:bo@shop.test|bo@shop.test>)" in text
    assert "*Done when* Every approved refund paid\nCustomer emailed" in text
    assert "<http://127.0.0.1:8000/t/refund-processing|Refund processing>" in text
    buttons = [
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [(button["action_id"], button["value"]) for button in buttons] == [
        (SHARE, "refund-processing")
    ]


def test_the_backup_is_named_with_the_reason_while_the_owner_is_away(client, slack_on, refunds):
    irene = refunds.assignments.get(role="owner").person
    back = timezone.localdate() + datetime.timedelta(days=6)
    update_person(person=irene, by=None, away_until=back)
    text = _texts(ask(client, "refund").json())
    assert (
        "*Ask* Bo Lind (<mailto:bo@shop.test|bo@shop.test>), the backup, while Irene Costa is away"
        in text
    )


def test_at_most_three_answers(client, slack_on):
    for number in range(5):
        TaskFactory(name=f"Supplier invoice check {number}")
    message = ask(client, "supplier invoice").json()
    sections = [block for block in message["blocks"] if block["type"] == "section"]
    assert len(sections) == 3


def test_an_empty_command_gives_the_usage(client, slack_on):
    message = ask(client, "   ").json()
    assert message == {
        "response_type": "ephemeral",
        "text": "Ask who owns something in your own words: `/whoowns discount code doesn't work`",
    }


def test_no_match_offers_the_closest_task_names(refunds):
    result = LookupResult("refnd procesing", ["refnd", "procesing"], [], [refunds])
    message = lookup_message(result, None)
    assert message["text"] == "No task matches “refnd procesing”."
    text = _texts(message)
    assert "Closest: <http://127.0.0.1:8000/t/refund-processing|Refund processing>" in text


def test_nothing_found_says_so_and_names_whom_to_ask(client, slack_on, refunds, ops_lead):
    ops_lead.person.slack_user_id = "U0OPSLEAD"
    ops_lead.person.save()
    text = _texts(ask(client, "xylophone tuning").json())
    assert "No task matches “xylophone tuning”." in text
    assert "Ask <@U0OPSLEAD>, who keeps the map." in text


@pytest.mark.parametrize(
    "hostile",
    [
        "<!channel> refund",
        "refund <@U0BOSS> <https://evil.test|click>",
        "refund &lt;!here&gt;",
        "refund\x00\x01 letter",
        "refund " + "x" * 3000,
        "refund 💸🧾",
        "<script>alert(1)</script> refund",
    ],
)
def test_hostile_text_is_answered_safely(client, slack_on, refunds, hostile):
    response = ask(client, hostile)
    assert response.status_code == 200
    text = _texts(response.json())
    # Nothing typed becomes a mention, a broadcast or a link.
    assert "<!" not in text
    assert "<@U0BOSS>" not in text
    assert "<https://evil" not in text
    assert "\x00" not in text
    assert len(response.json()["blocks"][0]["elements"][0]["text"]) < 260


def test_a_task_named_like_a_broadcast_pings_nobody(client, slack_on):
    task = TaskFactory(name="Parcel <!channel> & <!here> labels")
    assign_owner(task=task, person=PersonFactory(name="<@U0BOSS>", email="x@shop.test"), by=None)
    text = _texts(ask(client, "parcel labels").json())
    assert "Parcel &lt;!channel&gt; &amp; &lt;!here&gt; labels" in text
    assert "&lt;@U0BOSS&gt;" in text
    assert "<!" not in text
    assert "<@U0BOSS>" not in text


def test_share_in_channel_posts_the_answer_there(client, slack_on, refunds):
    response = share(client, slack_on)
    assert response.status_code == 200
    (call,) = slack_on.calls
    assert call.path == "/hooks/actions/T0/1/xyz"
    assert call.body["response_type"] == "in_channel"
    assert call.body["replace_original"] is False
    text = _texts(call.body)
    assert "*Ask* <@U0IRENE>, the owner" in text
    assert "Shared by <@U0ASKER1> with /whoowns" in text


def test_sharing_a_task_retired_since_says_so(client, slack_on, refunds):
    update_task(task=refunds, by=None, is_active=False)
    share(client, slack_on)
    (call,) = slack_on.calls
    assert call.body["response_type"] == "ephemeral"
    assert "no longer on the map" in call.body["text"]


def test_a_payload_that_is_not_json_gets_400(client, slack_on):
    body = b"payload=%7Bnot+json"
    response = client.post(
        INTERACTIONS,
        data=body,
        content_type="application/x-www-form-urlencoded",
        **signed_headers(body),
    )
    assert response.status_code == 400
    assert slack_on.calls == []


def test_a_failing_response_url_leaves_the_press_answered(client, slack_on, refunds):
    slack_on.failing["xyz"] = 500
    response = share(client, slack_on)
    assert response.status_code == 200
    assert len(slack_on.calls) == 1


def test_the_fake_refuses_what_slack_refuses():
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    assert block_kit_errors([section] * 51, 50) == ["51 blocks, at most 50"]
    long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    assert block_kit_errors([long], 50) == ["section text of 3001 characters"]
    twice = {"type": "actions", "elements": [{"action_id": "a"}, {"action_id": "a"}]}
    assert block_kit_errors([twice], 50) == ["repeated action_id in a block"]
