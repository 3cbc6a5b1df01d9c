"""Benchmark "who owns this?" on PostgreSQL at 10,000 tasks and 2,000 people.

Times at least 50 realistic queries through the real view (the HTMX fragment of /search/, the
whole middleware stack: session, auth, permissions, template) and the same queries through the
Django admin's task changelist search (search_fields on name, aliases and description), the
baseline a team would otherwise build. Both run in-process through Django's test client, so the
difference is the lookup itself, not the network.

    .venv/bin/python bench/lookup.py            # uses postgres://postgres@127.0.0.1/ownermap_bench
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/lookup.py

The bench database is created, migrated and filled on the first run (a minute or two), and kept.
Each run vacuums and analyzes it first, as autovacuum keeps a production database (it is off on
some machines, where the lookup would otherwise be timed without index-only scans). Lookup and
admin rounds alternate, so a slower minute of a shared machine weighs on both alike.
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import QUERIES, percentile  # noqa: E402 - the benches' questions

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ownermap_bench"
)
os.environ.update(
    {
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "bench-only-not-secret-" + "0123456789" * 4,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "WARNING",
    }
)
TASKS, PEOPLE = 10_000, 2_000
ROUNDS = 5


def ensure_database(*, fresh: bool = False) -> None:
    import psycopg

    server, name = DATABASE_URL.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        if fresh:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def ensure_data() -> None:
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection, connections

    from ownership.models import Person
    from tasks_registry.models import Task

    call_command("migrate", verbosity=0)
    # Production's manifest storage, as the pages would be served.
    call_command("collectstatic", interactive=False, verbosity=0)
    if Task.objects.count() < TASKS or Person.objects.count() < PEOPLE:
        print(f"Filling the bench database: {TASKS} tasks, {PEOPLE} people…", flush=True)
        connections.close_all()
        ensure_database(fresh=True)
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=io.StringIO())
        missing_tasks = TASKS - Task.objects.count()
        missing_people = PEOPLE - Person.objects.count()
        call_command("generate_map", tasks=missing_tasks, people=missing_people)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    member, _ = User.objects.get_or_create(username="bench-member")
    member.groups.add(Group.objects.get(name="Members"))
    User.objects.filter(username="bench-admin").exists() or User.objects.create_superuser(
        "bench-admin", "bench@example.com", "bench-only"
    )


def time_round(client, path: str, queries: list[str], **headers) -> list[float]:
    samples = []
    for query in queries:
        started = time.perf_counter()
        response = client.get(path, {"q": query}, **headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, query, response.status_code)
    return samples


def main() -> None:
    ensure_database()
    import django

    django.setup()
    ensure_data()

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from ownership.models import Person
    from tasks_registry.models import Task

    print(
        f"Database: PostgreSQL {connection.pg_version // 10000}, "
        f"{Task.objects.count()} tasks, {Person.objects.count()} people; "
        f"{len(QUERIES)} queries"
    )
    member = Client()
    member.force_login(User.objects.get(username="bench-member"))
    admin = Client()
    admin.force_login(User.objects.get(username="bench-admin"))

    # Counted with a wrapper: the test client's request_started resets connection.queries.
    statements: list[str] = []
    with connection.execute_wrapper(
        lambda run, sql, *args: statements.append(sql) or run(sql, *args)
    ):
        member.get("/search/", {"q": "holiday cutoff"}, HTTP_HX_REQUEST="true")
    hits = sum(
        1
        for query in QUERIES
        if b"result-card" in member.get("/search/", {"q": query}, HTTP_HX_REQUEST="true").content
    )

    def lookup_round() -> list[float]:
        return time_round(member, "/search/", QUERIES, HTTP_HX_REQUEST="true")

    def admin_round() -> list[float]:
        return time_round(admin, "/admin/tasks_registry/task/", QUERIES)

    lookup_round(), admin_round()  # warm-up: connections, caches, templates, prepared statements
    lookup: list[float] = []
    baseline: list[float] = []
    for _ in range(ROUNDS):
        lookup += lookup_round()
        baseline += admin_round()

    l50, l95 = percentile(lookup, 0.5), percentile(lookup, 0.95)
    a50, a95 = percentile(baseline, 0.5), percentile(baseline, 0.95)
    print(f"queries answered with at least one task: {hits}/{len(QUERIES)}")
    print(f"SQL queries per lookup request (incl. session/auth): {len(statements)}")
    print(
        f"lookup   (HTMX fragment, {len(lookup)} requests): p50={l50:.2f} ms p95={l95:.2f} ms "
        f"mean={statistics.fmean(lookup):.2f} ms"
    )
    print(
        f"admin    (changelist ?q=, {len(baseline)} requests): p50={a50:.2f} ms p95={a95:.2f} ms "
        f"mean={statistics.fmean(baseline):.2f} ms"
    )
    speedup = a50 / l50
    print(
        f"lookup p50={l50:.2f} ms p95={l95:.2f} ms; admin p50={a50:.2f} ms; speedup={speedup:.1f}x"
    )


if __name__ == "__main__":
    main()
