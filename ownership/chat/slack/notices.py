"""Notices in Slack: a person's as a direct message (chat.postMessage to their user, which
opens the bot's conversation with them; the chat:write scope), with a row of buttons per task;
a review session's summary to the channel SLACK_SUMMARY_CHANNEL."""

import datetime
import json
from typing import Any

from django.conf import settings
from django.utils import timezone
from slack_sdk.errors import SlackClientError

from ownership.chat import Action, ActionKind, ChatFailed
from ownership.chat.slack import web
from ownership.chat.slack.blocks import SECTION_CHARS, escape
from ownership.models import Person

MOST_BLOCKS = 50
LABEL_CHARS = 75


def _sections(body: str) -> list[dict[str, Any]]:
    """The notice's text in sections of at most Block Kit's 3,000 characters, split at lines;
    at most ten, for the buttons' room."""
    sections, current = [], ""
    for line in escape(body).splitlines():
        if current and len(current) + len(line) + 1 > SECTION_CHARS:
            sections.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:SECTION_CHARS]
    if current:
        sections.append(current)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}} for text in sections[:10]]


def _value(action: Action) -> str:
    return json.dumps({"task": action.task_pk, "due": str(action.due_on or "")})


def _element(action: Action) -> dict[str, Any]:
    if action.kind == ActionKind.OPEN:
        return {
            "type": "button",
            "action_id": ActionKind.OPEN,
            "text": {"type": "plain_text", "text": "Open"},
            "url": action.url,
        }
    if action.kind == ActionKind.ON_IT:
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        return {
            "type": "datepicker",
            "action_id": ActionKind.ON_IT,
            "initial_date": tomorrow.isoformat(),
            "placeholder": {"type": "plain_text", "text": "I'm on it — by…"},
        }
    label = {ActionKind.DONE: "Done", ActionKind.STILL_MINE: "Still mine"}[action.kind]
    button = {
        "type": "button",
        "action_id": action.kind,
        "text": {"type": "plain_text", "text": label},
        "value": _value(action),
    }
    if action.kind == ActionKind.DONE:
        button["style"] = "primary"
    return button


def notice_blocks(subject: str, body: str, actions: list[Action]) -> list[dict[str, Any]]:
    """The notice's subject and text, then per task its name and its buttons (the task's own
    actions in one row, so that each row's buttons say which task they act on)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
        *_sections(body),
    ]
    rows: dict[tuple[str, str], list[Action]] = {}
    for action in actions:
        rows.setdefault((action.label, str(action.task_pk or "")), []).append(action)
    # Block Kit allows 50 blocks: each task takes two (its name, its buttons).
    room = (MOST_BLOCKS - len(blocks)) // 2
    for number, ((label, task), row) in enumerate(list(rows.items())[:room]):
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"*{escape(label[:LABEL_CHARS])}*"}],
            }
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": f"task:{task}" if task else f"page:{number}",
                "elements": [_element(action) for action in row],
            }
        )
    return blocks


def _post(channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
    """`text` is the notification's, read as mrkdwn: escaped, so that a campaign named
    "<!channel> sale" in a summary's subject pings nobody."""
    try:
        web.client().chat_postMessage(channel=channel, text=escape(text), blocks=blocks)
    except (SlackClientError, OSError) as error:
        raise ChatFailed(str(error)) from error


def send_direct(person: Person, subject: str, body: str, actions: list[Action]) -> None:
    _post(person.slack_user_id, subject, notice_blocks(subject, body, actions))


def send_to_channel(subject: str, body: str, url: str) -> bool:
    channel = settings.SLACK_SUMMARY_CHANNEL
    if not channel:
        return False
    open_it = Action(ActionKind.OPEN, "The summary", url)
    _post(channel, subject, notice_blocks(subject, body, [open_it]))
    return True
