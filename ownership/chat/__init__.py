"""Chat: Ownermap where the team already talks. The rest of the app reaches chat through this
module only: whether a person is reached there (`reaches`), a notice sent to them with the
buttons that act on its tasks (`direct`), and a message to the team's channel (`to_channel`).
Slack is the one chat today (ownership/chat/slack); another would sit beside it and be chosen
here."""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from ownership.models import Person, Reach

VIA = "via Slack"


class ActionKind(StrEnum):
    DONE = "done"  # confirm the occurrence done, after the definition-of-done checklist
    ON_IT = "on_it"  # "I'm on it — by <date>": the escalation waits
    STILL_MINE = "still_mine"  # the attestation
    OPEN = "open"  # the task's page, or the page the notice is about


@dataclass(frozen=True)
class Action:
    """A button under a notice: what its person may do about one task from the chat."""

    kind: ActionKind
    label: str  # the task's name, or what the page is
    url: str
    task_pk: int | None = None
    due_on: datetime.date | None = None


class ChatFailed(Exception):
    """The chat did not take the message (an error, a timeout): the caller falls back."""


def is_on() -> bool:
    from ownership.chat import slack

    return slack.is_configured()


def can_reach(person: Person) -> bool:
    """The chat is set up and knows the person's user there."""
    return bool(person.slack_user_id) and is_on()


def reaches(person: Person) -> bool:
    """They chose notices in the chat, and it can reach them."""
    return person.reach == Reach.CHAT and can_reach(person)


def direct(person: Person, subject: str, body: str, actions: list[Action]) -> None:
    """A direct message to the person, with buttons. Raises ChatFailed."""
    from ownership.chat.slack import notices

    notices.send_direct(person, subject, body, actions)


def has_team_channel() -> bool:
    """The chat is set up with a channel for what the whole team hears (review summaries)."""
    from django.conf import settings

    return is_on() and bool(settings.SLACK_SUMMARY_CHANNEL)


def escape(text: str) -> str:
    """Text made safe for the chat's markup (Slack's mrkdwn, which incoming webhooks read too):
    what anyone typed can neither mention nor link."""
    from ownership.chat.slack.blocks import escape as mrkdwn

    return mrkdwn(text)


def to_channel(subject: str, body: str, url: str) -> bool:
    """A message to the team's channel, if one is set; True if it went. Raises ChatFailed."""
    from ownership.chat.slack import notices

    return notices.send_to_channel(subject, body, url)
