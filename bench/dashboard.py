"""Benchmark the gap rules and the dashboard on PostgreSQL at 10,000 tasks and 2,000 people.

Times `gap_report()` (every rule for every active task) and the dashboard page as an ops lead
sees it (fix controls and all) through Django's test client and the whole middleware stack, and
counts the dashboard's SQL statements. Uses the same database as bench/lookup.py, filled by the
lookup issue's generator on the first run, plus due dates and ages so every rule has work.

    .venv/bin/python bench/dashboard.py            # postgres://postgres@127.0.0.1/ownermap_bench
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/dashboard.py

The first gap computation in a process judges every definition of done (ownership/vagueness.py
caches the judgement per text); it is printed on its own as "cold", then excluded from p50/p95.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Importing bench/lookup.py sets the environment (database, settings) both benches use.
from common import ensure_gap_data, machine_speed, percentile
from lookup import ensure_data, ensure_database

RUNS = 30


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    ensure_database()
    import django

    django.setup()
    ensure_data()
    ensure_gap_data()

    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from ownership.gap_rules import gap_report
    from ownership.models import Person
    from tasks_registry.models import Task

    lead, _ = User.objects.get_or_create(username="bench-opslead")
    lead.groups.add(Group.objects.get(name="Ops leads"))
    client = Client()
    client.force_login(lead)
    today = timezone.localdate()

    print(
        f"Database: PostgreSQL {connection.pg_version // 10000}, "
        f"{Task.objects.filter(is_active=True).count()} active tasks, "
        f"{Person.objects.count()} people"
    )
    started = time.perf_counter()
    report = gap_report(on=today)
    cold = (time.perf_counter() - started) * 1000
    counts = ", ".join(f"{rule.code}={count}" for rule, count in report.counts.items())
    print(f"gaps found: {counts}")
    print(f"coverage: {report.coverage.percent}% of {report.coverage.total} critical/high tasks")

    statements: list[str] = []
    with connection.execute_wrapper(
        lambda run, sql, *args: statements.append(sql) or run(sql, *args)
    ):
        response = client.get("/")
    assert response.status_code == 200, response.status_code
    size = len(response.content)

    def dashboard() -> None:
        assert client.get("/").status_code == 200

    timed(dashboard, 3)  # warm-up: connections, templates, prepared statements
    print(f"machine speed: a fixed Python loop took {machine_speed():.0f} ms")
    gaps = timed(lambda: gap_report(on=today), RUNS)
    page = timed(dashboard, RUNS)

    g50, g95 = percentile(gaps, 0.5), percentile(gaps, 0.95)
    d50, d95 = percentile(page, 0.5), percentile(page, 0.95)
    print(f"gaps      (gap_report, cold first run): {cold:.1f} ms")
    print(
        f"gaps      ({RUNS} runs): p50={g50:.1f} ms p95={g95:.1f} ms "
        f"mean={statistics.fmean(gaps):.1f} ms"
    )
    print(
        f"dashboard ({RUNS} requests, {size // 1024} KiB): p50={d50:.1f} ms p95={d95:.1f} ms "
        f"mean={statistics.fmean(page):.1f} ms"
    )
    print(f"gaps p50={g50:.1f} ms; dashboard p50={d50:.1f} ms; queries={len(statements)}")


if __name__ == "__main__":
    main()
