"""Only Slack's own requests are acted on: signed with the app's secret, fresh, and never seen
before."""

import time
import urllib.parse

import pytest
from django.urls import reverse

from ownership.chat.slack import signing
from ownership.models import SlackRequest
from tests.ownership.slack.fake_slack import signature, signed_headers

pytestmark = pytest.mark.django_db
COMMANDS = reverse("ownership:slack_command")

# Slack's published example (docs.slack.dev, "Verifying requests from Slack").
EXAMPLE_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # noqa: S105 - published by Slack
EXAMPLE_TIMESTAMP = "1531420618"
EXAMPLE_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F3977008"
    "85554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c4"
    "47fce8b6703c"
)
EXAMPLE_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def _post(client, body: bytes, headers: dict):
    return client.post(
        COMMANDS, data=body, content_type="application/x-www-form-urlencoded", **headers
    )


def _command(text: str) -> bytes:
    return urllib.parse.urlencode(
        {"command": "/whoowns", "text": text, "user_id": "U0ASKER1", "channel_id": "C0SHOP"}
    ).encode()


def test_the_tests_sign_as_slack_documents():
    made = signature(EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, EXAMPLE_BODY.encode())
    assert made == EXAMPLE_SIGNATURE


def test_slacks_published_example_is_accepted(client, settings, monkeypatch):
    settings.SLACK_SIGNING_SECRET = EXAMPLE_SECRET
    settings.SLACK_BOT_TOKEN = "xoxb-example"  # noqa: S105 - a test's

    class Then:
        def now(self) -> float:
            return float(EXAMPLE_TIMESTAMP)

    monkeypatch.setattr(signing, "clock", Then())
    headers = {
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": EXAMPLE_TIMESTAMP,
        "HTTP_X_SLACK_SIGNATURE": EXAMPLE_SIGNATURE,
    }
    response = _post(client, EXAMPLE_BODY.encode(), headers)
    assert response.status_code == 200
    # The example's text is empty: the usage line.
    assert "/whoowns" in response.json()["text"]


def test_without_slack_settings_the_endpoints_are_not_there(client, settings):
    settings.SLACK_SIGNING_SECRET = ""
    body = _command("refund")
    response = _post(client, body, signed_headers(body))
    assert response.status_code == 404
    assert client.get(COMMANDS).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(int(time.time()))},
        {"HTTP_X_SLACK_REQUEST_TIMESTAMP": "soon", "HTTP_X_SLACK_SIGNATURE": "v0=00"},
        {
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(int(time.time())),
            "HTTP_X_SLACK_SIGNATURE": "v0=" + "0" * 64,
        },
    ],
    ids=["missing", "no signature", "timestamp not a number", "wrong signature"],
)
def test_an_unsigned_or_badly_signed_request_gets_401(client, slack_on, headers):
    response = _post(client, _command("refund"), headers)
    assert response.status_code == 401
    assert SlackRequest.objects.count() == 0


def test_a_request_signed_with_another_secret_gets_401(client, slack_on):
    body = _command("refund")
    headers = signed_headers(body, secret="someone-elses-secret")  # noqa: S106 - a test's
    response = _post(client, body, headers)
    assert response.status_code == 401


def test_a_body_changed_after_signing_gets_401(client, slack_on):
    headers = signed_headers(_command("refund"))
    response = _post(client, _command("refund <!channel>"), headers)
    assert response.status_code == 401


@pytest.mark.parametrize("age", [-301, 301, 3600])
def test_a_timestamp_more_than_five_minutes_away_gets_401(client, slack_on, age):
    body = _command("refund")
    response = _post(client, body, signed_headers(body, at=time.time() - age))
    assert response.status_code == 401


def test_a_replayed_request_gets_401(client, slack_on):
    body = _command("refund")
    headers = signed_headers(body)
    assert _post(client, body, headers).status_code == 200
    again = _post(client, body, headers)
    assert again.status_code == 401
    assert SlackRequest.objects.count() == 1


def test_a_body_that_is_not_utf8_gets_401(client, slack_on):
    body = b"text=\xff\xfe&command=%2Fwhoowns"
    response = _post(client, body, signed_headers(body))
    assert response.status_code == 401


def test_signatures_older_than_the_window_are_forgotten(client, slack_on):
    from django.utils import timezone

    SlackRequest.objects.create(
        signature="v0=old", received_at=timezone.now() - signing.KEPT - signing.FRESH
    )
    body = _command("refund")
    assert _post(client, body, signed_headers(body)).status_code == 200
    assert list(SlackRequest.objects.values_list("signature", flat=True)) != ["v0=old"]
    assert not SlackRequest.objects.filter(signature="v0=old").exists()
