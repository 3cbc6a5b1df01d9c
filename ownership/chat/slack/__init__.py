"""The Slack app of docs/slack/manifest.yml: `/whoowns`, its buttons, and what Slack sends it.

It is on when both SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are set; otherwise its endpoints
answer 404 and nothing is sent to Slack."""

from django.conf import settings


def is_configured() -> bool:
    return bool(settings.SLACK_SIGNING_SECRET and settings.SLACK_BOT_TOKEN)
