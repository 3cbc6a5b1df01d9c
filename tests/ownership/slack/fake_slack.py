"""A stand-in for Slack in tests: a local HTTP server that answers like the Web API and records
what the app sent, and requests signed as Slack signs them."""

import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"  # noqa: S105 - the tests' own
BOT_TOKEN = "xoxb-test-token"  # noqa: S105 - the tests' own


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's documented recipe: HMAC-SHA256 of "v0:<timestamp>:<body>", hex, after "v0="."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, *, at: float | None = None, secret: str = SIGNING_SECRET) -> dict:
    timestamp = str(int(at if at is not None else time.time()))
    return {
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": signature(secret, timestamp, body),
    }


# Block Kit's limits, as the Web API enforces them (docs.slack.dev, "Blocks").
MAX_BLOCKS = {"chat.postMessage": 50, "chat.unfurl": 50, "views.open": 100, "hooks": 50}
TEXT_LIMITS = {"section": 3000, "header": 150, "context": 3000}
BLOCK_TYPES = {"section", "header", "context", "actions", "input", "divider"}


def block_kit_errors(blocks: list, most: int) -> list[str]:
    """What Slack would refuse in these blocks ("invalid_blocks"): too many, an unknown type,
    a text too long, a repeated block id, a repeated action id within a block."""
    errors = []
    if len(blocks) > most:
        errors.append(f"{len(blocks)} blocks, at most {most}")
    block_ids = [block["block_id"] for block in blocks if "block_id" in block]
    if len(block_ids) != len(set(block_ids)):
        errors.append("repeated block_id")
    for block in blocks:
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            errors.append(f"unknown block type {kind!r}")
        text = (block.get("text") or {}).get("text", "")
        if len(text) > TEXT_LIMITS.get(kind, 3000):
            errors.append(f"{kind} text of {len(text)} characters")
        elements = block.get("elements") or []
        action_ids = [element["action_id"] for element in elements if "action_id" in element]
        if len(action_ids) != len(set(action_ids)):
            errors.append("repeated action_id in a block")
        for element in [*elements, block.get("element") or {}]:
            if len(str(element.get("value", ""))) > 2000:
                errors.append("a value over 2000 characters")
            for option in element.get("options") or []:
                if len(option["text"]["text"]) > 75:
                    errors.append("an option's text over 75 characters")
    return errors


def _blocks_of(method: str, body: dict) -> list[list]:
    if method == "chat.unfurl":
        return [unfurl.get("blocks", []) for unfurl in (body.get("unfurls") or {}).values()]
    if method == "views.open":
        return [body.get("view", {}).get("blocks", [])]
    return [body["blocks"]] if "blocks" in body else []


def post_form(client, url: str, fields: dict):
    """A form POST from Slack (a command, or an interaction's payload), signed."""
    body = urllib.parse.urlencode(fields).encode()
    return client.post(
        url, data=body, content_type="application/x-www-form-urlencoded", **signed_headers(body)
    )


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: Any  # the JSON or the form the app sent

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class FakeSlack:
    """Answers each Web API method with `answers[method]` (a dict, or a function of what was
    sent; default {"ok": true}), or with an HTTP status from `failing` (method → status). A
    path under /hooks/ is a response URL."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    answers: dict[str, dict | Callable[[Any], dict]] = field(default_factory=dict)
    failing: dict[str, int] = field(default_factory=dict)
    # Calls whose Block Kit Slack would refuse, with why: every test expects none.
    refused: list[tuple[Call, list[str]]] = field(default_factory=list)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]


def serve(fake: FakeSlack) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            self._record(path, dict(urllib.parse.parse_qsl(query)))

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            kind = self.headers.get("Content-Type", "")
            if kind.startswith("application/json"):
                body = json.loads(raw or b"{}")
            else:
                body = dict(urllib.parse.parse_qsl(raw.decode()))
            self._record(self.path, body)

        def _record(self, path: str, body: Any) -> None:
            call = Call(path, dict(self.headers), body)
            fake.calls.append(call)
            status = fake.failing.get(call.method)
            if status:
                self._answer(status, {"ok": False, "error": "fatal_error"})
            elif errors := [
                error
                for blocks in _blocks_of(call.method, body if isinstance(body, dict) else {})
                for error in block_kit_errors(
                    blocks, MAX_BLOCKS.get(call.method, MAX_BLOCKS["hooks"])
                )
            ]:
                fake.refused.append((call, errors))
                self._answer(200, {"ok": False, "error": "invalid_blocks", "errors": errors})
            elif path.startswith("/hooks/"):
                self._answer(200, None)
            elif self.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
                self._answer(200, {"ok": False, "error": "invalid_auth"})
            else:
                answer = fake.answers.get(call.method, {"ok": True})
                self._answer(200, answer(body) if callable(answer) else answer)

        def _answer(self, status: int, data: dict | None) -> None:
            payload = b"ok" if data is None else json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if data is None else "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    # Polling for shutdown every 10 ms, not the default 500 ms: each test waited that long at its
    # end, 30 s of CI's time in all.
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    return server
