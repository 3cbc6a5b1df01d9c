"""Sending notices: email through Django's mailers, as plain text with an HTML alternative,
or, for whoever chose it, a direct message in the chat with buttons that act on its tasks
(ownership/chat; email when the chat fails). What is meant for the whole team, a session's
summary, goes once to the chat's summary channel and to an optional incoming webhook
(Slack-compatible JSON). Personal notices go to their person only.

A notice is claimed (claimed_at), then sent, then marked sent (sent_at) once the mail server
has taken it. Two workers handed the same notice send it once; a failed send releases the
claim, for the job's retry or the next sweep, up to MAX_ATTEMPTS; and a claim older than
OWNERMAP_NOTICE_CLAIM_SECONDS, whose worker died mid-send, is taken over by the next sweep.
Longer than the mail server's timeout, so a claim never expires under a live sender. Each
email's Message-ID comes from the notice's key: a mail server that sees a retry of a message
it did take can drop it.
"""

import datetime
import hashlib
import json
import logging
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ownership import attestation, chat, escalation
from ownership.answerer import answerers
from ownership.gap_rules import UNATTESTED, gap_report
from ownership.models import Assignment, EscalationStep, Reach, Role
from reviews import pre_review
from reviews.models import Notice, NoticeKind, ReviewSession, SessionStatus
from reviews.summary import session_summary
from tasks_registry import due
from tasks_registry.models import Task

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
WEBHOOK_TIMEOUT = 5


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def link(path: str) -> str:
    return settings.OWNERMAP_BASE_URL.rstrip("/") + path


def _claimable(now: datetime.datetime) -> Q:
    """Neither sent nor skipped, tries left, and unclaimed or claimed by a sender that died."""
    abandoned = now - datetime.timedelta(seconds=settings.OWNERMAP_NOTICE_CLAIM_SECONDS)
    return Q(sent_at__isnull=True, skipped_because="", attempts__lt=MAX_ATTEMPTS) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=abandoned)
    )


def pending() -> list[int]:
    """Notices not sent yet that may still be tried."""
    return list(
        Notice.objects.filter(_claimable(timezone.now()))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _digest_tasks(notice: Notice, today: datetime.date) -> list[dict]:
    soon = today + datetime.timedelta(days=7)
    rows = (
        Assignment.objects.filter(
            person=notice.person,
            role__in=(Role.OWNER, Role.BACKUP),
            task__is_active=True,
            task__next_due_on__lte=soon,
        )
        .select_related("task")
        .order_by("task__next_due_on", "task__name")
    )
    return [
        {
            "task": row.task,
            "role": row.get_role_display().lower(),
            "overdue": row.task.next_due_on < today,
            "url": link(row.task.get_absolute_url()),
        }
        for row in rows
    ]


def _why_you(notice: Notice, task: Task, today: datetime.date) -> str:
    """Why this person hears of the task: they own it, act for its owner, or answer for it
    while nobody acts (ownership/answerer.py)."""
    roles = set(
        Assignment.objects.filter(task=task, person=notice.person).values_list("role", flat=True)
    )
    found = answerers([task.pk], today)[task.pk]
    if found.is_acting_owner and Role.OWNER in roles:
        return "You own it."
    if found.is_acting_owner and Role.BACKUP in roles:
        return "You are its backup, acting while its owner cannot."
    because = f" ({found.because})" if getattr(found.person, "pk", None) == notice.person_id else ""
    return f"Nobody acts for it, so you answer for it until someone does{because}."


# Kinds that tell a person what needs them: a person's waiting ones go in one email.
GROUPED = (
    NoticeKind.OVERDUE,
    NoticeKind.ESCALATION,
    NoticeKind.ATTEST,
    NoticeKind.ATTEST_PROBLEM,
    NoticeKind.PRE_REVIEW,
    NoticeKind.PROMISE_CHANGED,
)


# What a person who chose the digest only (Reach.DIGEST) gets in Monday's digest instead:
# reminders about their own work. What is escalated to them, and what the ops leads must
# hear, still comes at once.
WAITS_FOR_DIGEST = (NoticeKind.OVERDUE, NoticeKind.ATTEST)


def _section(notice: Notice, today: datetime.date) -> Message | None:
    """The notice as one section of its person's letter; None if there is nothing left to say
    by the time it goes."""
    if notice.kind == NoticeKind.ATTEST:
        return _attest_section(notice, today)
    if notice.kind == NoticeKind.PRE_REVIEW:
        return _pre_review_section(notice)
    if notice.kind == NoticeKind.ATTEST_PROBLEM:
        task = _task_of(notice)
        context = {
            "problem": notice.attestation,
            "task": task,
            "url": link(task.get_absolute_url()),
        }
        return _message("reviews/notices/attest_problem.txt", context)
    if notice.kind == NoticeKind.PROMISE_CHANGED:
        return _promise_section(notice)
    return _overdue_section(notice, today)


def _promise_section(notice: Notice) -> Message | None:
    """A changed promise the task repeats; None once its place was confirmed updated."""
    place = notice.promise_link
    if place is None or place.is_up_to_date:
        return None
    task = _task_of(notice)
    url = link(task.get_absolute_url())
    context = {"place": place, "promise": place.promise, "task": task, "url": url}
    return _message("reviews/notices/promise_changed.txt", context)


def _unattested(notice: Notice, today: datetime.date) -> list:
    """The owner's tasks past their attestation period, as the dashboard's rows."""
    owned = Task.objects.filter(
        is_active=True, assignments__role=Role.OWNER, assignments__person=notice.person
    )
    report = gap_report(on=today, tasks=owned)
    return report.rows(report.by_rule[UNATTESTED])


def _attest_section(notice: Notice, today: datetime.date) -> Message | None:
    """The owner's tasks past their attestation period as it is sent, with a link that attests
    them all at once (ownership/attestation.py)."""
    rows = _unattested(notice, today)
    if not rows:
        return None
    secret = attestation.issue_link(notice.person, [row.pk for row in rows])
    context = {
        "rows": rows,
        "url": link(reverse("ownership:attest_link", kwargs={"secret": secret})),
        "my_tasks": link(reverse("ownership:my_tasks")),
        "lifetime": attestation.LINK_LIFETIME.days,
    }
    return _message("reviews/notices/attest.txt", context)


def _pre_review_tasks(notice: Notice) -> list[Task]:
    """The owner's tasks in the session the notice is about, while it is still to be held."""
    session = notice.session
    if session is None or session.status == SessionStatus.CLOSED:
        return []
    task_ids = pre_review.owners_in(session).get(notice.person_id, [])
    return attestation.owned_by(notice.person, task_ids)


def _pre_review_section(notice: Notice) -> Message | None:
    """The owner's tasks in a coming session, to attest or flag before it (pre_review.py);
    None once the session has closed or they own none of them any more."""
    session = notice.session
    tasks = _pre_review_tasks(notice)
    if session is None or not tasks:
        return None
    secret = attestation.issue_link(notice.person, [task.pk for task in tasks])
    context = {
        "session": session,
        "tasks": tasks,
        "url": link(reverse("ownership:attest_link", kwargs={"secret": secret})),
        "page": link(reverse("reviews:pre_review", kwargs={"pk": session.pk})),
        "lifetime": attestation.LINK_LIFETIME.days,
    }
    return _message("reviews/notices/pre_review.txt", context)


def _task_of(notice: Notice) -> Task:
    task = notice.task
    if task is None:
        raise ValueError(f"notice {notice.key} is about a task but names none")
    return task


def _overdue_section(notice: Notice, today: datetime.date) -> Message | None:
    """An overdue task's notice; None if the occurrence it tells of was confirmed or skipped
    since."""
    task = _task_of(notice)
    missed = due.schedule(task, today=today).overdue
    chain_day = notice.due_on
    if chain_day is None or not any(occurrence.due_on == chain_day for occurrence in missed):
        return None
    chain = escalation.chain_of(task, today)
    context: dict[str, Any] = {
        "person": notice.person,
        "task": task,
        "missed": missed,
        "url": link(task.get_absolute_url()),
        "next_step": chain.next if chain and chain.next and chain.next.person else None,
    }
    if notice.kind == NoticeKind.OVERDUE:
        context["why_you"] = _why_you(notice, task, today)
    else:
        step = notice.step
        context["step"] = step
        context["told"] = list(
            EscalationStep.objects.filter(task=task, due_on=chain_day)
            .filter(number__lt=step.number if step else 0)
            .select_related("person")
        )
    return _message(f"reviews/notices/{notice.kind}.txt", context)


def _message(template: str, context: dict[str, Any]) -> Message:
    text = render_to_string(template, context).strip()
    subject, _, body = text.partition("\n")
    return Message(subject.strip(), body.strip() + "\n")


def letter(person: Any, sections: list[Message]) -> Message:
    """A person's sections in one email: its subject the one section's, or how many."""
    context = {"person": person, "sections": sections, "site": settings.OWNERMAP_SITE_NAME}
    body = render_to_string("reviews/notices/letter.txt", context).strip() + "\n"
    if len(sections) == 1:
        return Message(sections[0].subject, body)
    subject = f"{len(sections)} things need you: {sections[0].subject}"
    return Message(subject + f" and {len(sections) - 1} more", body)


def compose(notice: Notice, *, today: datetime.date | None = None) -> Message | None:
    """The notice in words, as things stand when it is sent; None if there is nothing left to
    say (a digest whose tasks all got done since it was made, an overdue task caught up).
    `today` is for a dry run's simulated day."""
    today = today or timezone.localdate()
    if notice.kind in GROUPED:
        section = _section(notice, today)
        return None if section is None else letter(notice.person, [section])
    context = {"notice": notice, "person": notice.person, "site": settings.OWNERMAP_SITE_NAME}
    if notice.session_id:
        session: ReviewSession = notice.session
        context["session"] = session
        context["url"] = link(reverse("reviews:session", kwargs={"pk": session.pk}))
        if notice.kind == NoticeKind.SUMMARY:
            summary = session_summary(session)
            context["summary"] = summary
            # Their own gaps to close first, then everyone else's.
            context["yours"] = [g for g in summary.open_gaps if g.person_id == notice.person_id]
            context["others"] = [g for g in summary.open_gaps if g.person_id != notice.person_id]
            context["url"] = link(reverse("reviews:summary", kwargs={"pk": session.pk}))
    if notice.kind == NoticeKind.DIGEST:
        context["rows"] = _digest_tasks(notice, today)
        if notice.person.reach == Reach.DIGEST:
            context["attest"] = _attest_section(notice, today)
        if not context["rows"] and not context.get("attest"):
            return None
        context["url"] = link(reverse("ownership:my_tasks"))
    return _message(f"reviews/notices/{notice.kind}.txt", context)


def _announce(session: ReviewSession) -> None:
    """Post the session's summary to the team's channel (the incoming webhook, the chat's
    summary channel, or both), once: the first of its participants' summary notices to be
    delivered claims it."""
    to_chat = chat.has_team_channel()
    if not settings.OWNERMAP_CHAT_WEBHOOK_URL and not to_chat:
        return
    claimed = ReviewSession.objects.filter(pk=session.pk, announced_at__isnull=True).update(
        announced_at=timezone.now()
    )
    if not claimed:
        return
    url = link(reverse("reviews:summary", kwargs={"pk": session.pk}))
    context = {
        "session": session,
        "summary": session_summary(session),
        "url": url,
        "site": settings.OWNERMAP_SITE_NAME,
        "person": None,  # to the channel: no greeting
    }
    text = render_to_string("reviews/notices/summary.txt", context).strip()
    subject, _, body = text.partition("\n")
    message = Message(subject.strip(), body.strip() + "\n")
    _post_to_chat(message)
    if to_chat:
        # Best effort, as the webhook: the participants' emails are the summary of record.
        try:
            chat.to_channel(message.subject, message.body, url)
        except chat.ChatFailed as error:
            log.warning("the summary of session %s did not reach the chat: %s", session.pk, error)


def _email(message: Message, to: str, key: str) -> None:
    message_id = f"<notice.{hashlib.sha256(key.encode()).hexdigest()[:32]}@ownermap>"
    email = EmailMultiAlternatives(
        message.subject, message.body, to=[to], headers={"Message-ID": message_id}
    )
    html = render_to_string(
        "reviews/notices/email.html", {"subject": message.subject, "body": message.body}
    )
    email.attach_alternative(html, "text/html")
    email.send()


def _post_to_chat(message: Message) -> None:
    url = settings.OWNERMAP_CHAT_WEBHOOK_URL
    if not url:
        return
    text = f"*{chat.escape(message.subject)}*\n{chat.escape(message.body)}"
    payload = json.dumps({"text": text}).encode()
    # The URL's scheme is http or https: config/settings.py refuses any other at start-up.
    request = urllib.request.Request(  # noqa: S310
        url, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    # Best effort: the email is the notice of record, and a chat outage must not send it twice.
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
            response.read()
    except OSError as error:
        log.warning("chat webhook failed for %r: %s", message.subject, error)


def _actions(batch: list[Notice], today: datetime.date) -> list[chat.Action]:
    """The buttons under a notice in the chat: for each task it tells of, what its person may
    do about it from there; for the others, the page it is about."""
    actions: list[chat.Action] = []
    for notice in batch:
        task = notice.task
        if notice.kind in (NoticeKind.OVERDUE, NoticeKind.ESCALATION) and task is not None:
            url = link(task.get_absolute_url())
            if notice.kind == NoticeKind.OVERDUE:
                actions.append(
                    chat.Action(chat.ActionKind.DONE, task.name, url, task.pk, notice.due_on)
                )
            actions.append(chat.Action(chat.ActionKind.ON_IT, task.name, url, task.pk))
            actions.append(chat.Action(chat.ActionKind.OPEN, task.name, url, task.pk))
        elif notice.kind in (NoticeKind.ATTEST, NoticeKind.PRE_REVIEW):
            rows = (
                _unattested(notice, today)
                if notice.kind == NoticeKind.ATTEST
                else _pre_review_tasks(notice)
            )
            for row in rows:
                url = link(reverse("ownership:task_detail", kwargs={"slug": row.slug}))
                actions.append(chat.Action(chat.ActionKind.STILL_MINE, row.name, url, row.pk))
                actions.append(chat.Action(chat.ActionKind.OPEN, row.name, url, row.pk))
        elif task is not None:
            url = link(task.get_absolute_url())
            actions.append(chat.Action(chat.ActionKind.OPEN, task.name, url, task.pk))
        elif notice.session_id:
            name = "summary" if notice.kind == NoticeKind.SUMMARY else "session"
            url = link(reverse(f"reviews:{name}", kwargs={"pk": notice.session_id}))
            actions.append(chat.Action(chat.ActionKind.OPEN, f"The review {name}", url))
        elif notice.kind == NoticeKind.DIGEST:
            url = link(reverse("ownership:my_tasks"))
            actions.append(chat.Action(chat.ActionKind.OPEN, "My tasks", url))
    return actions


def _send(notice: Notice, message: Message, key: str, batch: list[Notice]) -> tuple[str, str]:
    """By direct message in the chat if the person chose it, else (or if the chat fails) by
    email: how it went, and the chat's error if it fell back. Raises if the email fails."""
    person = notice.person
    if chat.reaches(person):
        try:
            chat.direct(
                person, message.subject, message.body, _actions(batch, timezone.localdate())
            )
        except chat.ChatFailed as error:
            log.warning("notice %s: the chat failed, sending by email: %s", key, error)
            _email(message, person.email, key)
            return "email", f"The chat failed, sent by email instead: {error}"[:2000]
        return "chat", ""
    _email(message, person.email, key)
    return "email", ""


def _claim(notice_ids: list[int], now: datetime.datetime) -> list[int]:
    """Those of the notices this sender claims: each by a single UPDATE, so that of two senders
    only one gets any notice."""
    return [
        pk
        for pk in notice_ids
        if Notice.objects.filter(_claimable(now), pk=pk).update(
            claimed_at=now, attempts=F("attempts") + 1
        )
    ]


def deliver(notice_id: int) -> bool:
    """Send one notice if nobody has, with every other notice waiting for the same person that
    tells of a task needing them, in one email; True if this call dealt with it (sent it, or
    found nothing left to say). Raises (after releasing the claims) if the mail server fails,
    for the caller to retry."""
    now = timezone.now()
    if not _claim([notice_id], now):
        return False
    notice = Notice.objects.select_related(
        "person", "session", "task", "step", "attestation__person", "promise_link__promise"
    ).get(pk=notice_id)
    batch = [notice]
    if notice.kind in GROUPED:
        waiting = list(
            Notice.objects.filter(_claimable(now), person_id=notice.person_id, kind__in=GROUPED)
            .exclude(pk=notice_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        claimed = _claim(waiting, now)
        batch += list(
            Notice.objects.filter(pk__in=claimed)
            .select_related(
                "person", "task", "step", "attestation__person", "promise_link__promise"
            )
            .order_by("pk")
        )
    ids = [each.pk for each in batch]
    try:
        quiet = notice.person.reach == Reach.DIGEST
        if quiet:
            waits = [each.pk for each in batch if each.kind in WAITS_FOR_DIGEST]
            Notice.objects.filter(pk__in=waits).update(
                skipped_because="they chose the weekly digest: it says this"
            )
            batch = [each for each in batch if each.pk not in waits]
            if not batch:
                return True
        if notice.kind in GROUPED:
            today = timezone.localdate()
            sections = {each.pk: _section(each, today) for each in batch}
            said = [section for section in sections.values() if section is not None]
            message = letter(notice.person, said) if said else None
            empty = [pk for pk, section in sections.items() if section is None]
        else:
            message = compose(notice)
            empty = [] if message is not None else ids
        if empty:
            Notice.objects.filter(pk__in=empty).update(skipped_because="nothing left to say")
        if message is None:
            return True
        key = batch[0].key if len(batch) == 1 else "+".join(each.key for each in batch)
        sent_via, fell_back = _send(notice, message, key, batch)
    except Exception as error:
        Notice.objects.filter(pk__in=ids, sent_at__isnull=True, skipped_because="").update(
            claimed_at=None, last_error=str(error)[:2000]
        )
        raise
    Notice.objects.filter(pk__in=ids, skipped_because="").update(
        sent_at=timezone.now(), sent_via=sent_via, last_error=fell_back
    )
    if notice.kind == NoticeKind.SUMMARY and notice.session is not None:
        _announce(notice.session)
    return True
