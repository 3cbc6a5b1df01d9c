"""/whoowns from Slack, timed: signed slash-command requests through the whole Django stack
(middleware, signature check, replay guard, lookup, Block Kit) on PostgreSQL at 10,000 tasks,
the bench database of bench/lookup.py. Slack gives an app three seconds to answer; the target
here is a p99 under 50 ms.

    .venv/bin/python bench/slack.py              # BENCH_DATABASE_URL as bench/lookup.py
    .venv/bin/python bench/slack.py --rounds 10

It links everyone on the map to a made-up Slack user first (once), so that answers carry
mentions, and prints p50, p99 and the SQL statements of one command.
"""

import argparse
import hashlib
import hmac
import os
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import QUERIES, percentile  # noqa: E402
from bench.lookup import ensure_data, ensure_database  # noqa: E402 - sets the bench database

SECRET = "bench-signing-secret-" + "0123456789" * 3
os.environ.update({"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-bench"})


def signed(body: bytes) -> dict[str, str]:
    """Headers as Slack signs a request: HMAC-SHA256 of "v0:<timestamp>:<body>"."""
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return {
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": "v0=" + digest.hexdigest(),
    }


def command_body(text: str, number: int) -> bytes:
    return urllib.parse.urlencode(
        {
            "command": "/whoowns",
            "text": text,
            "user_id": "U0BENCH",
            "channel_id": "C0BENCH",
            # Each request differs, as Slack's do: a signature is accepted once.
            "trigger_id": f"bench.{number}.{time.time_ns()}",
            "response_url": "https://hooks.slack.com/commands/T0/1/bench",
        }
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    ensure_data()
    from django.db import connection
    from django.test import Client

    from ownership.models import Person
    from ownership.people_changes import update_person
    from tasks_registry.models import Task

    for person in Person.objects.filter(slack_user_id=""):
        update_person(person=person, by=None, slack_user_id=f"U0BENCH{person.pk:06d}")
    client = Client()
    sent = 0

    def ask(text: str):
        nonlocal sent
        sent += 1
        body = command_body(text, sent)
        response = client.post(
            "/slack/commands",
            data=body,
            content_type="application/x-www-form-urlencoded",
            **signed(body),
        )
        assert response.status_code == 200, (text, response.status_code)
        return response

    statements: list[str] = []
    with connection.execute_wrapper(
        lambda run, sql, *args: statements.append(sql) or run(sql, *args)
    ):
        ask("holiday cutoff")
    mentions = sum(1 for query in QUERIES if b"<@U0BENCH" in ask(query).content)
    samples: list[float] = []
    for _ in range(arguments.rounds):
        for query in QUERIES:
            started = time.perf_counter()
            ask(query)
            samples.append((time.perf_counter() - started) * 1000)
    print(
        f"Database: PostgreSQL {connection.pg_version // 10000}, "
        f"{Task.objects.filter(is_active=True).count()} active tasks, "
        f"{Person.objects.exclude(slack_user_id='').count()} people linked to Slack users"
    )
    print(f"answers naming someone by a Slack mention: {mentions}/{len(QUERIES)} questions")
    print(f"SQL statements per /whoowns: {len(statements)}")
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    print(
        f"/whoowns ({len(samples)} signed requests): p50={p50:.1f} ms p99={p99:.1f} ms "
        f"max={max(samples):.1f} ms (Slack's limit: 3000 ms; target p99 < 50 ms)"
    )


if __name__ == "__main__":
    main()
