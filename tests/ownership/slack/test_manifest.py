"""The manifest a workspace admin pastes into Slack names the app's own endpoints and scopes."""

from pathlib import Path
from urllib.parse import urlsplit

import yaml
from django.urls import resolve

MANIFEST = Path(__file__).resolve().parents[3] / "docs" / "slack" / "manifest.yml"


def test_the_manifests_urls_are_the_apps_slack_endpoints():
    manifest = yaml.safe_load(MANIFEST.read_text())
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/whoowns"
    urls = {
        "command": command["url"],
        "interactivity": manifest["settings"]["interactivity"]["request_url"],
        "events": manifest["settings"]["event_subscriptions"]["request_url"],
    }
    views = {name: resolve(urlsplit(url).path).url_name for name, url in urls.items()}
    assert views == {
        "command": "slack_command",
        "interactivity": "slack_interaction",
        "events": "slack_event",
    }
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["link_shared"]


def test_the_manifest_asks_for_the_scopes_the_app_uses_and_no_more():
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "chat:write",
        "commands",
        "links:read",
        "links:write",
        "users:read",
        "users:read.email",
    ]
