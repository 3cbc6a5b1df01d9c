"""Notices are sent once: by email through Django's mailers, and to the chat webhook if one is
set. A failed send is released for a retry, up to a limit; a webhook outage costs no email."""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone

from ownership.assignments import assign_owner
from reviews import notify, scheduling
from reviews.models import Notice, NoticeKind, ReviewKind, ReviewSession
from reviews.summary import summary_recipients
from tasks_registry import due
from tasks_registry.models import Completion, Task
from tests.factories import (
    CampaignFactory,
    PersonFactory,
    ReviewSessionFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_notice(db):
    owner = PersonFactory(name="Sam Lee", email="sam@example.com")
    task = overdue_task(name="Returns notices", definition_of_done="Refund sent\nCustomer told")
    assign_owner(task=task, person=owner, by=None)
    return Notice.objects.create(
        key="overdue:task:1:2026-11-20",
        kind=NoticeKind.OVERDUE,
        person=owner,
        task=task,
        due_on=task.next_due_on,
    )


def overdue_task(*, missed: int = 1, **fields):
    """A daily task whose last `missed` days went unconfirmed (a grace day past)."""
    task = TaskFactory(rhythm="every day", criticality="critical", **fields)
    since = timezone.localdate() - datetime.timedelta(days=missed)
    Task.objects.filter(pk=task.pk).update(rhythm_set_on=since)
    task.refresh_from_db()
    due.refresh_next_due([task])
    return task


def test_a_notice_is_sent_once_however_often_it_is_delivered(overdue_notice):
    assert notify.deliver(overdue_notice.pk) is True
    assert notify.deliver(overdue_notice.pk) is False
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.com"]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert message.subject == f"Overdue: Returns notices (due {yesterday:%-d %b %Y})"
    assert "Refund sent" in message.body
    assert "/tasks/returns-notices/" in message.body


def test_a_failed_send_is_released_for_a_retry_and_given_up_after_the_limit(
    overdue_notice, monkeypatch
):
    def refuse(self, *args, **kwargs):
        raise SMTPException("450 mailbox busy")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    for _ in range(notify.MAX_ATTEMPTS):
        with pytest.raises(SMTPException):
            notify.deliver(overdue_notice.pk)
    overdue_notice.refresh_from_db()
    assert overdue_notice.sent_at is None
    assert overdue_notice.attempts == notify.MAX_ATTEMPTS
    assert "mailbox busy" in overdue_notice.last_error
    assert overdue_notice.pk not in notify.pending()
    assert notify.deliver(overdue_notice.pk) is False


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hook.received
    server.shutdown()


def test_a_personal_notice_goes_to_its_person_only(overdue_notice, webhook, settings):
    url, received = webhook
    settings.OWNERMAP_CHAT_WEBHOOK_URL = url
    notify.deliver(overdue_notice.pk)
    assert len(mail.outbox) == 1
    assert received == []


def test_a_session_summary_goes_to_the_channel_once_without_a_greeting(webhook, settings):
    url, received = webhook
    settings.OWNERMAP_CHAT_WEBHOOK_URL = url
    session = ReviewSessionFactory(status="closed", closed_at=timezone.now())
    dana, helen = PersonFactory(name="Dana Kowalski"), PersonFactory(name="Helen Marsh")
    session.participants.add(dana, helen)
    for pk in scheduling.summary_notices(session, summary_recipients(session)):
        notify.deliver(pk)
    assert sorted(m.body.splitlines()[0] for m in mail.outbox) == [
        "Hello Dana Kowalski,",
        "Hello Helen Marsh,",
    ]
    assert len(received) == 1
    assert received[0]["text"].startswith(f"*Summary: {session}*\nThe {session} closed on ")
    assert "Hello" not in received[0]["text"]


def test_a_campaign_named_like_a_broadcast_pings_nobody_through_the_webhook(webhook, settings):
    url, received = webhook
    settings.OWNERMAP_CHAT_WEBHOOK_URL = url
    campaign = CampaignFactory(name="<!channel> Black Friday & <@U0BOSS>")
    session = ReviewSessionFactory(
        kind=ReviewKind.POST_CAMPAIGN,
        campaign=campaign,
        period="",
        status="closed",
        closed_at=timezone.now(),
    )
    session.participants.add(PersonFactory(name="Dana Kowalski"))
    for pk in scheduling.summary_notices(session, summary_recipients(session)):
        notify.deliver(pk)
    (posted,) = received
    assert "&lt;!channel&gt; Black Friday &amp; &lt;@U0BOSS&gt;" in posted["text"]
    assert "<!" not in posted["text"]
    assert "<@U0BOSS>" not in posted["text"]


def test_plain_text_is_not_html_escaped_and_html_comes_alongside(db):
    owner = PersonFactory(name="Sam O'Neil", email="sam@example.com")
    task = overdue_task(
        name="Members' weekend sale <stock>", definition_of_done="Stock & prices set"
    )
    assign_owner(task=task, person=owner, by=None)
    notice = Notice.objects.create(
        key="overdue:x",
        kind=NoticeKind.OVERDUE,
        person=owner,
        task=task,
        due_on=task.next_due_on,
    )
    notify.deliver(notice.pk)
    message = mail.outbox[0]
    assert message.subject.startswith("Overdue: Members' weekend sale <stock> (due ")
    assert "Hello Sam O'Neil," in message.body
    assert "Stock & prices set" in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert "Members&#x27; weekend sale &lt;stock&gt;" in html
    assert '<a href="http' in html  # the link to the task, clickable


def test_a_webhook_outage_does_not_stop_the_email_or_send_it_twice(settings, caplog):
    settings.OWNERMAP_CHAT_WEBHOOK_URL = "http://127.0.0.1:1/hook"
    session = ReviewSessionFactory(status="closed", closed_at=timezone.now())
    session.participants.add(PersonFactory(name="Dana Kowalski"))
    [notice] = scheduling.summary_notices(session, summary_recipients(session))
    assert notify.deliver(notice) is True
    assert len(mail.outbox) == 1
    assert "chat webhook failed" in caplog.text
    assert notify.deliver(notice) is False


def test_a_digest_with_nothing_left_due_sends_nothing(db):
    person = PersonFactory()
    notice = Notice.objects.create(key="digest:x", kind=NoticeKind.DIGEST, person=person)
    assert notify.deliver(notice.pk) is True
    assert mail.outbox == []


def test_the_digest_lists_what_is_due_and_what_is_overdue(db):
    owner = PersonFactory(name="Sam Lee")
    late, soon = TaskFactory(name="Late task"), TaskFactory(name="Soon task")
    for task, days in ((late, -3), (soon, 2)):
        assign_owner(task=task, person=owner, by=None)
        task.next_due_on = timezone.localdate() + datetime.timedelta(days=days)
        task.save(update_fields=["next_due_on"])
    [notice_id] = scheduling.weekly_digests(timezone.now())
    notify.deliver(notice_id)
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "Your week: 2 tasks due"
    assert "- Late task: OVERDUE since" in body
    assert "- Soon task: due" in body


def test_the_session_reminder_says_when_and_who_facilitates(db, manager):
    TaskFactory()
    scheduling.sweep()
    session = ReviewSession.objects.get()
    other = PersonFactory(name="Pat Participant")
    session.participants.add(other)
    notice = Notice.objects.create(
        key="session:test", kind=NoticeKind.SESSION, person=other, session=session
    )
    notify.deliver(notice.pk)
    body = mail.outbox[0].body
    assert mail.outbox[0].subject.startswith(f"{session} on ")
    assert "You are invited to the" in body
    assert f"facilitated by {manager.person.name}" in body
    assert f"/reviews/{session.pk}/" in body


def test_an_overdue_notice_caught_up_before_it_goes_is_skipped_not_sent(overdue_notice):
    task = overdue_notice.task
    for occurrence in due.schedule(task).overdue:
        Completion.objects.create(
            task=task,
            due_on=occurrence.due_on,
            completed_at=timezone.now(),
            completed_by=UserFactory(),
        )
    assert notify.deliver(overdue_notice.pk) is True
    overdue_notice.refresh_from_db()
    assert mail.outbox == []
    assert (overdue_notice.sent_at, overdue_notice.skipped_because) == (None, "nothing left to say")
    assert notify.pending() == []


def test_each_email_carries_a_message_id_made_from_its_notices_key(overdue_notice):
    notify.deliver(overdue_notice.pk)
    Notice.objects.filter(pk=overdue_notice.pk).update(sent_at=None, claimed_at=None)
    notify.deliver(overdue_notice.pk)  # a retry of a send the server had taken
    first, again = mail.outbox
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    assert first.extra_headers["Message-ID"].endswith("@ownermap>")
