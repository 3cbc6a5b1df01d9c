"""Block Kit messages built from what the lookup found. Every piece of text a person typed, or
that came from the map, goes through `escape` once, here: a task named "<!channel>" shows as
those characters and pings nobody."""

import datetime
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils.formats import date_format

from ownership.acting import ActingReason
from ownership.contacts import Contact
from ownership.lookup import Answer, LookupResult
from ownership.models import Person, Presence

ANSWERS = 3
SHARE = "share_answer"
USAGE = "Ask who owns something in your own words: `/whoowns discount code doesn't work`"
# Block Kit's limits: a section's text, a button's value; longer texts are cut here.
SECTION_CHARS = 3000
DONE_CHARS = 600
QUERY_CHARS = 200


def escape(text: str) -> str:
    """Text for mrkdwn: Slack reads only &, < and > as control characters (a <!channel> or a
    <@U…> mention, a <url|label> link). Control characters (NUL and the like) are dropped."""
    cleaned = "".join(
        char for char in text if char in "\n\t" or not unicodedata.category(char).startswith("C")
    )
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _link(url: str, label: str) -> str:
    # A URL of ours, from the base URL and a slug: only a | or > in it could break the link.
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{escape(label)}>"


def task_url(slug: str) -> str:
    return f"{settings.OWNERMAP_BASE_URL.rstrip('/')}/t/{slug}"


def _day(day: datetime.date) -> str:
    return date_format(day, "D j M Y")


def who(person: Contact, users: Mapping[int, str]) -> str:
    """A mention when their Slack user is known (Slack shows their name and notifies them
    only where that is wanted), else their name and email."""
    user = users.get(person.pk)
    if user:
        return f"<@{user}>"
    return f"{escape(person.name)} ({_link('mailto:' + person.email, person.email)})"


def _acting_line(answer: Answer, users: Mapping[int, str]) -> str:
    acting, owner = answer.acting, answer.owner
    if acting.person is not None:
        line = f"*Ask* {who(acting.person, users)}"  # type: ignore[arg-type]
        if acting.reason == ActingReason.OWNER_AWAY and acting.is_backup and owner:
            away = _day(owner.away_until) if owner.away_until else "further notice"
            line += f", the backup, while {escape(owner.name)} is away until {away}"
        elif acting.reason == ActingReason.OWNER_AWAY:
            line += ", the owner, away: no backup can step in"
        elif acting.reason == ActingReason.OWNER_DEPARTED and owner:
            line += f", the backup, since {escape(owner.name)} left"
        else:
            line += ", the owner"
        return line
    if acting.reason == ActingReason.OWNER_DEPARTED and owner:
        line = f":warning: *Nobody owns this:* {escape(owner.name)} left."
    else:
        line = ":warning: *Nobody owns this.*"
    stand_in = answer.answerer.person
    if stand_in is not None:
        line += f" Ask {who(stand_in, users)} ({escape(answer.answerer.because)})."
    return line


def answer_text(answer: Answer, users: Mapping[int, str], *, done: bool = True) -> str:
    """One answer as mrkdwn: the task, who to ask and why, the backup, when it is done (unless
    not `done`) and when it is next due."""
    task = answer.task
    heading = f"*{_link(task_url(task.slug), task.name)}*  ·  {escape(task.stage_name)}"
    if task.criticality != "normal":
        heading += f"  ·  {escape(task.get_criticality_display().lower())}"
    lines = [heading, _acting_line(answer, users)]
    if not answer.acting.is_backup:
        backup = who(answer.backup, users) if answer.backup else "_none_"
        lines.append(f"*Backup* {backup}")
    if done:
        text = task.definition_of_done.strip()
        lines.append(f"*Done when* {escape(_cut(text, DONE_CHARS)) if text else '_not defined_'}")
    if answer.next_due:
        lines.append(f"*Next due* {_day(answer.next_due)}")
    return _cut("\n".join(lines), SECTION_CHARS)


def slack_users(people: Iterable[Presence | None]) -> dict[int, str]:
    """Person id → Slack user id, for those of them whose Slack user is known."""
    ids = {person.pk for person in people if person is not None}  # type: ignore[attr-defined]
    return dict(
        Person.objects.filter(pk__in=ids)
        .exclude(slack_user_id="")
        .values_list("pk", "slack_user_id")
    )


def _named(answers: Iterable[Answer]) -> list[Presence | None]:
    return [
        person
        for answer in answers
        for person in (answer.owner, answer.backup, answer.answerer.person)
    ]


def lookup_message(result: LookupResult, last_resort: Contact | None) -> dict[str, Any]:
    """`/whoowns` answered, for the asker's eyes only: the best answers, each with a button
    that shares it in the channel."""
    query = escape(_cut(result.query.strip(), QUERY_CHARS))
    if not result.words and not result.answers:
        return {"response_type": "ephemeral", "text": USAGE}
    if not result.answers:
        return {
            "response_type": "ephemeral",
            "text": f"No task matches “{query}”.",
            "blocks": _nothing(result, query, last_resort),
        }
    answers = result.answers[:ANSWERS]
    named = slack_users(_named(answers))
    blocks: list[dict[str, Any]] = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Who owns “{query}”?"}]}
    ]
    for answer in answers:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": answer_text(answer, named)}}
        )
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": SHARE,
                        "text": {"type": "plain_text", "text": "Share in channel"},
                        "value": answer.task.slug,
                    }
                ],
            }
        )
    first = answers[0].task.name
    return {
        "response_type": "ephemeral",
        "text": f"Who owns “{query}”: {escape(first)}",
        "blocks": blocks,
    }


def _nothing(result: LookupResult, query: str, last_resort: Contact | None) -> list[dict]:
    lines = [f"No task matches “{query}”."]
    if result.closest:
        names = ", ".join(_link(task_url(task.slug), task.name) for task in result.closest)
        lines.append(f"Closest: {names}")
    if last_resort is not None:
        lines.append(
            f"Not there? Ask {who(last_resort, slack_users([last_resort]))}, who keeps the map."
        )
    return [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}]


def shared_message(answer: Answer, shared_by: str) -> dict[str, Any]:
    """One answer posted in the channel, saying who shared it (a Slack user id, from Slack's
    signed payload)."""
    named = slack_users(_named([answer]))
    return {
        "response_type": "in_channel",
        "replace_original": False,
        "text": f"Who owns {escape(answer.task.name)}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": answer_text(answer, named)}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Shared by <@{shared_by}> with /whoowns"}],
            },
        ],
    }


def unfurl_blocks(answer: Answer) -> list[dict[str, Any]]:
    """A task's link in a message, unfurled: who to ask, the backup and the next due date."""
    named = slack_users(_named([answer]))
    text = answer_text(answer, named, done=False)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def gone_message(slug: str) -> dict[str, Any]:
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": f"That task is no longer on the map ({escape(slug)}): ask again with /whoowns.",
    }
