"""A person's notices as Slack direct messages, with buttons that act on their tasks: Done
after the definition-of-done checklist, "I'm on it — by <date>", Still mine. Refused, with
nothing changed, for whoever may not act; email when Slack fails."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.chat import ActionKind
from ownership.history_in_words import task_history
from ownership.models import Attestation, EscalationPause, Reach
from reviews import notify, scheduling
from reviews.models import Notice, NoticeKind
from reviews.summary import summary_recipients
from tasks_registry.changes import update_task
from tasks_registry.models import Completion
from tests.factories import PersonFactory, ReviewSessionFactory, UserFactory
from tests.ownership.slack.fake_slack import post_form
from tests.reviews.test_notify import overdue_task

pytestmark = pytest.mark.django_db
INTERACTIONS = reverse("ownership:slack_interaction")


def person(name: str, slack_user_id: str, *, reach: str = Reach.CHAT):
    user = UserFactory(username=name.split()[0].lower())
    user.groups.add(Group.objects.get(name="Members"))
    return PersonFactory(
        name=name,
        email=f"{user.username}@shop.test",
        user=user,
        slack_user_id=slack_user_id,
        reach=reach,
    )


@pytest.fixture
def sam(db):
    return person("Sam Lee", "U0SAM")


@pytest.fixture
def returns(sam):
    task = overdue_task(name="Returns notices", definition_of_done="Refund sent\nCustomer told")
    owned = assign_owner(task=task, person=sam, by=None)
    # Owned for 40 days without a word: past the critical tasks' attestation period.
    owned.confirmed_at = timezone.now() - datetime.timedelta(days=40)
    owned.save(update_fields=["confirmed_at"])
    return task


@pytest.fixture
def overdue(returns, sam):
    return Notice.objects.create(
        key=f"overdue:task:{returns.pk}:{returns.next_due_on}",
        kind=NoticeKind.OVERDUE,
        person=sam,
        task=returns,
        due_on=returns.next_due_on,
    )


def _post(client, payload: dict):
    return post_form(client, INTERACTIONS, {"payload": json.dumps(payload)})


def _elements(message: dict) -> dict[str, dict]:
    return {
        element["action_id"]: {**element, "block_id": block["block_id"]}
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def press(client, fake, user: str, element: dict, **extra):
    action = {"action_id": element["action_id"], "block_id": element["block_id"], **extra}
    if "value" in element:
        action["value"] = element["value"]
    return _post(
        client,
        {
            "type": "block_actions",
            "user": {"id": user},
            "trigger_id": "1234.5678.trigger",
            "response_url": fake.url + "/hooks/actions/T0/1/dm",
            "actions": [action],
        },
    )


def _replies(fake) -> list[str]:
    return [call.body["text"] for call in fake.calls if call.path.startswith("/hooks/")]


def _direct_message(fake) -> dict:
    (call,) = fake.calls_to("chat.postMessage")
    return call.body


def test_a_notice_goes_as_a_direct_message_with_buttons(slack_on, overdue):
    assert notify.deliver(overdue.pk) is True
    message = _direct_message(slack_on)
    assert message["channel"] == "U0SAM"
    assert message["text"].startswith("Overdue: Returns notices")
    elements = _elements(message)
    assert set(elements) == {ActionKind.DONE, ActionKind.ON_IT, ActionKind.OPEN}
    assert elements[ActionKind.OPEN]["url"].endswith("/tasks/returns-notices/")
    assert mail.outbox == []
    overdue.refresh_from_db()
    assert (overdue.sent_via, overdue.last_error) == ("chat", "")


def test_slack_failing_sends_the_notice_by_email_instead(slack_on, overdue):
    slack_on.failing["chat.postMessage"] = 500
    assert notify.deliver(overdue.pk) is True
    assert [message.to for message in mail.outbox] == [["sam@shop.test"]]
    overdue.refresh_from_db()
    assert overdue.sent_via == "email"
    assert overdue.last_error.startswith("The chat failed, sent by email instead")


def test_without_a_slack_user_the_notice_goes_by_email(slack_on, overdue, sam):
    sam.slack_user_id = ""
    sam.save()
    notify.deliver(overdue.pk)
    assert slack_on.calls_to("chat.postMessage") == []
    assert len(mail.outbox) == 1


def _done_from_the_message(client, slack_on, overdue, user: str):
    notify.deliver(overdue.pk)
    done = _elements(_direct_message(slack_on))[ActionKind.DONE]
    return press(client, slack_on, user, done)


def _submit(client, slack_on, user: str, ticked: list[str], note: str = ""):
    (opened,) = slack_on.calls_to("views.open")
    view = opened.body["view"]
    values = {
        block["block_id"]: {
            "ticked": {
                "selected_options": [
                    option for option in block["element"]["options"] if option["value"] in ticked
                ]
            }
        }
        for block in view["blocks"]
        if block.get("block_id", "").startswith("ticked:")
    }
    values["note"] = {"note": {"value": note}}
    return _post(
        client,
        {
            "type": "view_submission",
            "user": {"id": user},
            "view": {
                "callback_id": view["callback_id"],
                "private_metadata": view["private_metadata"],
                "state": {"values": values},
            },
        },
    )


def test_done_from_the_owner_confirms_after_the_checklist_via_slack(client, slack_on, overdue):
    assert _done_from_the_message(client, slack_on, overdue, "U0SAM").status_code == 200
    (opened,) = slack_on.calls_to("views.open")
    assert opened.body["trigger_id"] == "1234.5678.trigger"
    options = [
        option["text"]["text"]
        for block in opened.body["view"]["blocks"]
        if block.get("block_id", "").startswith("ticked:")
        for option in block["element"]["options"]
    ]
    assert options == ["Refund sent", "Customer told"]
    response = _submit(client, slack_on, "U0SAM", ["0", "1"], note="All 14 paid")
    assert response.status_code == 200
    completion = Completion.objects.get(task=overdue.task)
    assert (completion.due_on, completion.note) == (overdue.due_on, "All 14 paid")
    assert completion.completed_by.person.name == "Sam Lee"
    (entry,) = [e for e in task_history(overdue.task) if "confirmed" in e.summary]
    assert entry.reason == "via Slack"
    assert entry.user.person.name == "Sam Lee"
    assert any(text.startswith("Confirmed: “Returns notices”") for text in _replies(slack_on))


def test_an_unticked_point_keeps_the_modal_open_with_the_reason(client, slack_on, overdue):
    _done_from_the_message(client, slack_on, overdue, "U0SAM")
    response = _submit(client, slack_on, "U0SAM", ["0"])
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert "still open: Customer told" in answer["errors"]["ticked:0"]
    assert not Completion.objects.exists()


def test_done_from_someone_else_is_refused_and_changes_nothing(client, slack_on, overdue):
    person("Ola Berg", "U0OLA")
    response = _done_from_the_message(client, slack_on, overdue, "U0OLA")
    assert response.status_code == 200
    assert slack_on.calls_to("views.open") == []
    assert _replies(slack_on) == [
        "Only its owner or backup confirms “Returns notices” done: Sam Lee owns it now."
    ]
    assert not Completion.objects.exists()


def test_a_slack_user_not_on_the_map_cannot_act(client, slack_on, overdue):
    _done_from_the_message(client, slack_on, overdue, "U0STRANGER")
    assert slack_on.calls_to("views.open") == []
    (reply,) = _replies(slack_on)
    assert reply.startswith("You are not on the map, so you cannot act on tasks from here")


def test_a_task_reassigned_since_says_so_instead_of_acting(client, slack_on, overdue, returns):
    assign_owner(task=returns, person=person("Kim Park", "U0KIM"), by=None)
    _done_from_the_message(client, slack_on, overdue, "U0SAM")
    assert slack_on.calls_to("views.open") == []
    assert _replies(slack_on) == [
        "Only its owner or backup confirms “Returns notices” done: Kim Park owns it now."
    ]


def test_a_task_retired_since_says_so_instead_of_acting(client, slack_on, overdue, returns):
    notify.deliver(overdue.pk)
    update_task(task=returns, by=None, is_active=False)
    done = _elements(_direct_message(slack_on))[ActionKind.DONE]
    press(client, slack_on, "U0SAM", done)
    assert _replies(slack_on) == [
        "“Returns notices” was retired since this message: nothing to do."
    ]


def test_im_on_it_by_a_date_holds_the_escalation_off(client, slack_on, overdue):
    notify.deliver(overdue.pk)
    picker = _elements(_direct_message(slack_on))[ActionKind.ON_IT]
    by = timezone.localdate() + datetime.timedelta(days=2)
    press(client, slack_on, "U0SAM", picker, selected_date=by.isoformat())
    made = EscalationPause.objects.get(task=overdue.task)
    assert (made.until, made.via, made.said_by.username) == (by, "via Slack", "sam")
    (reply,) = _replies(slack_on)
    assert reply.startswith("Noted: you are on “Returns notices”, done by ")


def test_a_day_gone_is_refused_with_the_reason(client, slack_on, overdue):
    notify.deliver(overdue.pk)
    picker = _elements(_direct_message(slack_on))[ActionKind.ON_IT]
    gone = timezone.localdate() - datetime.timedelta(days=1)
    press(client, slack_on, "U0SAM", picker, selected_date=gone.isoformat())
    assert not EscalationPause.objects.exists()
    assert _replies(slack_on) == ["That day has passed: give the day it will be done by."]


def test_still_mine_from_a_direct_message_attests(client, slack_on, sam, returns):
    notice = Notice.objects.create(key="attest:sam", kind=NoticeKind.ATTEST, person=sam)
    notify.deliver(notice.pk)
    still_mine = _elements(_direct_message(slack_on))[ActionKind.STILL_MINE]
    press(client, slack_on, "U0SAM", still_mine)
    made = Attestation.objects.get(task=returns)
    assert (made.person, made.via) == (sam, Attestation.Via.CHAT)
    assert _replies(slack_on) == [
        "Noted: “Returns notices” is still yours, and still right. Thank you."
    ]


def test_still_mine_from_the_backup_is_refused(client, slack_on, sam, returns):
    backup = person("Bo Lind", "U0BO")
    assign_backup(task=returns, person=backup, by=None)
    notice = Notice.objects.create(key="attest:sam", kind=NoticeKind.ATTEST, person=sam)
    notify.deliver(notice.pk)
    still_mine = _elements(_direct_message(slack_on))[ActionKind.STILL_MINE]
    press(client, slack_on, "U0BO", still_mine)
    assert not Attestation.objects.exists()
    assert _replies(slack_on) == [
        "Only its owner says “Returns notices” is still theirs: "
        "Sam Lee owns it now, with Bo Lind as backup."
    ]


def test_a_session_summary_goes_to_the_slack_channel_once(slack_on, settings):
    settings.SLACK_SUMMARY_CHANNEL = "C0OPS"
    session = ReviewSessionFactory(status="closed", closed_at=timezone.now())
    session.participants.add(person("Dana Kowalski", "U0DANA"), person("Helen Marsh", "U0HELEN"))
    for pk in scheduling.summary_notices(session, summary_recipients(session)):
        notify.deliver(pk)
    posts = slack_on.calls_to("chat.postMessage")
    to_channel = [call for call in posts if call.body["channel"] == "C0OPS"]
    assert len(to_channel) == 1
    assert to_channel[0].body["text"] == f"Summary: {session}"
    # Each participant's own summary came as their direct message.
    assert sorted(call.body["channel"] for call in posts) == ["C0OPS", "U0DANA", "U0HELEN"]


def test_direct_messages_are_offered_once_slack_knows_the_person(client, slack_on):
    ola = person("Ola Berg", "", reach=Reach.EMAIL)
    client.force_login(ola.user)
    page = reverse("ownership:person_detail", kwargs={"pk": ola.pk})
    assert "direct message in Slack" not in client.get(page).content.decode()
    reach = reverse("ownership:person_reach", kwargs={"pk": ola.pk})
    client.post(reach, {"reach": Reach.CHAT})
    ola.refresh_from_db()
    assert ola.reach == Reach.EMAIL
    ola.slack_user_id = "U0OLA"
    ola.save()
    assert "direct message in Slack" in client.get(page).content.decode()
    client.post(reach, {"reach": Reach.CHAT})
    ola.refresh_from_db()
    assert ola.reach == Reach.CHAT


def test_a_task_named_like_a_broadcast_pings_nobody_in_a_direct_message(slack_on, sam):
    task = overdue_task(name="<!channel> returns & <@U0BOSS>")
    assign_owner(task=task, person=sam, by=None)
    notice = Notice.objects.create(
        key="overdue:hostile",
        kind=NoticeKind.OVERDUE,
        person=sam,
        task=task,
        due_on=task.next_due_on,
    )
    notify.deliver(notice.pk)
    message = _direct_message(slack_on)
    mrkdwn = [message["text"]] + [
        piece["text"]
        for block in message["blocks"]
        for piece in [block.get("text") or {}, *block.get("elements", [])]
        if piece.get("type") == "mrkdwn"
    ]
    assert any("&lt;!channel&gt; returns &amp; &lt;@U0BOSS&gt;" in text for text in mrkdwn)
    assert not any("<!" in text or "<@U0BOSS>" in text for text in mrkdwn)


def test_a_notice_of_many_tasks_stays_within_slacks_fifty_blocks(slack_on, sam):
    for number in range(30):
        task = overdue_task(name=f"Supplier check {number:02d}")
        owned = assign_owner(task=task, person=sam, by=None)
        owned.confirmed_at = timezone.now() - datetime.timedelta(days=40)
        owned.save(update_fields=["confirmed_at"])
    notice = Notice.objects.create(key="attest:many", kind=NoticeKind.ATTEST, person=sam)
    notify.deliver(notice.pk)
    message = _direct_message(slack_on)  # the fake refuses more than 50 blocks
    rows = [block for block in message["blocks"] if block["type"] == "actions"]
    assert 20 <= len(rows) < 30
    notice.refresh_from_db()
    assert notice.sent_via == "chat"


def test_done_is_recorded_even_when_slack_will_not_take_the_answer(client, slack_on, overdue):
    _done_from_the_message(client, slack_on, overdue, "U0SAM")
    slack_on.failing["dm"] = 500  # the response URL's last part
    response = _submit(client, slack_on, "U0SAM", ["0", "1"])
    assert response.status_code == 200
    assert Completion.objects.filter(task=overdue.task).exists()
