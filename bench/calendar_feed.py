"""How long a calendar feed takes to answer, on the demo store (seed_demo) for its largest
team: the first fetch after a change (built) and the next ones (cached), through the whole
request. Goal: under 200 ms.

    .venv/bin/python bench/calendar_feed.py            # a fresh SQLite file in /tmp
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/calendar_feed.py

Prints `team=… tasks=… events=… built median … ms; cached median … ms`.
"""

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
folder = tempfile.mkdtemp(prefix="ownermap-feed-bench-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    DJANGO_DEBUG="true",
    DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3"),
)

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from ownership.calendar_feeds import feed_tasks, issue_feed  # noqa: E402
from ownership.models import Team  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    team = (
        Team.objects.annotate(held=Count("members__assignments")).order_by("-held", "name").first()
    )
    from django.contrib.auth import get_user_model

    feed, token = issue_feed(user=get_user_model().objects.get(username="manager"), team=team)
    client = Client(HTTP_HOST="127.0.0.1")
    url = reverse("ownership:calendar_feed", kwargs={"token": token})
    built, cached, events = [], [], 0
    for _ in range(ROUNDS):
        cache.clear()
        started = time.perf_counter()
        body = client.get(url).content
        built.append(time.perf_counter() - started)
        events = body.count(b"BEGIN:VEVENT")
        started = time.perf_counter()
        client.get(url)
        cached.append(time.perf_counter() - started)
    print(
        f"team={team.name} tasks={len(feed_tasks(feed))} events={events} "
        f"built median {statistics.median(built) * 1000:.1f} ms; "
        f"cached median {statistics.median(cached) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
