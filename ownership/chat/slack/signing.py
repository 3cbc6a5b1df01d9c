"""Only Slack's requests are acted on: each is signed with the app's signing secret (an
HMAC-SHA256 of "v0:<timestamp>:<body>"), which slack_sdk checks together with the timestamp's
age (at most five minutes either way). A signature seen before is a replay: the same request
sent again by someone who caught it, refused even within those five minutes."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from slack_sdk.signature import Clock, SignatureVerifier

from ownership.models import SlackRequest

# slack_sdk's window, either way from now; a signature is kept a little longer than that.
FRESH = datetime.timedelta(minutes=5)
KEPT = 2 * FRESH
# "v0=" and 64 hex digits; SlackRequest keeps up to 80.
SIGNATURE_CHARS = 80
# Tests set a clock of their own to replay Slack's published example.
clock = Clock()


def is_from_slack(request: HttpRequest) -> bool:
    """The request is signed by Slack, fresh, and not seen before (it is remembered now)."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    # slack_sdk reads the timestamp with int() and the body as UTF-8: either can raise on what
    # a stranger sends, and a stranger gets 401, never 500.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if not signature or len(signature) > SIGNATURE_CHARS:
        return False
    try:
        body = request.body.decode()
    except UnicodeDecodeError:
        return False
    verifier = SignatureVerifier(settings.SLACK_SIGNING_SECRET, clock=clock)
    if not verifier.is_valid(body, timestamp, signature):
        return False
    return _first_time(signature)


def _first_time(signature: str) -> bool:
    now = timezone.now()
    SlackRequest.objects.filter(received_at__lt=now - KEPT).delete()
    try:
        with transaction.atomic():
            SlackRequest.objects.create(signature=signature, received_at=now)
    except IntegrityError:
        return False
    return True
