"""The map as it was, timed: "who owned this on that day?" through the API (the lookup, then
the owners and backups of that day from the assignments' history), the map of a past day, and
a task's page as it was, on PostgreSQL, the bench database of bench/lookup.py (10,000 tasks),
given a year of history first: every task changes owner four times over the year before its
present owner took it on. The target is a past-date lookup under 50 ms p50.

    .venv/bin/python bench/as_of.py          # BENCH_DATABASE_URL as bench/lookup.py

The year of history is written in one transaction and rolled back at the end: the bench
database stays as it was.
"""

import datetime
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import percentile  # noqa: E402
from bench.lookup import QUERIES, ensure_data, ensure_database  # noqa: E402 - sets the database

ROUNDS = 3
OWNERS_A_YEAR = 4


class _RolledBack(Exception):
    pass


def _a_year_of_history(rng: random.Random) -> int:
    """Earlier owners for every task over the last year, as history rows; how many."""
    from django.db.models import Max
    from django.utils import timezone

    from ownership.models import Assignment, Person, Role
    from tasks_registry.models import Task

    history = Assignment.history.model
    now = timezone.now()
    year_ago = now - datetime.timedelta(days=365)
    month_ago = now - datetime.timedelta(days=30)
    # The map and today's people were there a year ago; today's owners took over a month ago.
    Task.history.update(history_date=year_ago - datetime.timedelta(days=5))
    Assignment.history.update(history_date=month_ago)
    people = list(Person.objects.values_list("pk", flat=True))
    next_id = (Assignment.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    rows = []
    step = (month_ago - year_ago) / OWNERS_A_YEAR
    for task_id in Task.objects.values_list("pk", flat=True):
        for turn in range(OWNERS_A_YEAR):
            start, end = year_ago + step * turn, year_ago + step * (turn + 1)
            person = rng.choice(people)
            common = {
                "id": next_id,
                "task_id": task_id,
                "person_id": person,
                "role": Role.OWNER,
                "created_at": start,
                "confirmed_at": start,
            }
            rows.append(history(**common, history_date=start, history_type="+"))
            rows.append(history(**common, history_date=end, history_type="-"))
            next_id += 1
    history.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def main() -> None:
    ensure_database()
    import django

    django.setup()
    ensure_data()
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from tasks_registry.models import Task

    lead, _ = User.objects.get_or_create(username="bench-opslead")
    lead.groups.add(Group.objects.get(name="Ops leads"))
    client = Client()
    client.force_login(lead)
    day = (timezone.localdate() - datetime.timedelta(days=200)).isoformat()
    slugs = list(Task.objects.order_by("?").values_list("slug", flat=True)[:50])
    timings: dict[str, list[float]] = {}

    def timed(kind: str, send: Callable[[], object]) -> None:
        started = time.perf_counter()
        response = send()
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]  # type: ignore[attr-defined]

    try:
        with transaction.atomic():
            rng = random.Random(7)  # noqa: S311 - repeatable bench data, no secret
            rows = _a_year_of_history(rng)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            api = "/api/whoowns"
            for _ in range(ROUNDS):
                for query in QUERIES:
                    timed("lookup today (API)", lambda q=query: client.get(api, {"q": q}))
                    timed(
                        f"lookup as of {day} (API)",
                        lambda q=query: client.get(api, {"q": q, "as_of": day}),
                    )
            for slug in slugs:
                timed(
                    "task page as it was", lambda s=slug: client.get(f"/tasks/{s}/", {"as_of": day})
                )
            for _ in range(5):
                timed("the map as it was", lambda: client.get("/map/", {"as_of": day}))
                timed("the RACI matrix as it was", lambda: client.get("/map/raci", {"as_of": day}))
            raise _RolledBack
    except _RolledBack:
        pass
    tasks = Task.objects.count()
    print(f"Database: PostgreSQL {connection.pg_version // 10000}, {tasks} tasks")
    print(f"A year of history: {rows} assignment rows added ({OWNERS_A_YEAR} owners a task)")
    for kind, samples in timings.items():
        p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
        print(f"{kind:36} n={len(samples):4}  p50={p50:7.1f} ms  p95={p95:7.1f} ms")


if __name__ == "__main__":
    main()
