"""The Web API as slack_sdk calls it, at SLACK_API_URL, with the bot's token: one place that
says where Slack is and how long a call may take."""

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.webhook import WebhookClient


def client() -> WebClient:
    base_url = settings.SLACK_API_URL.rstrip("/") + "/"
    return WebClient(
        token=settings.SLACK_BOT_TOKEN, base_url=base_url, timeout=settings.SLACK_TIMEOUT
    )


def reply(response_url: str, message: dict) -> None:
    """A message through the response URL Slack gave with a command or a button: no channel
    membership needed, and it works for thirty minutes after the request."""
    response = WebhookClient(response_url, timeout=settings.SLACK_TIMEOUT).send_dict(message)
    if response.status_code != 200:
        raise SlackRequestError(f"Slack answered {response.status_code}: {response.body[:200]}")
