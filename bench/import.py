"""Benchmark importing a 10,000-row sheet on PostgreSQL: the dry run, the apply, peak memory.

Makes a fresh database each run (ownermap_import_bench), puts 1,000 people on it, and generates
a sheet of 10,000 new tasks in the import's format: owners and backups named by name (people
already there), by "Name <email>" (people the import adds), contributors and checkers, rhythms
of every kind, multi-line definitions of done, aliases and systems. Then it times the dry run
(reading the file and planning every row) and the apply (the dry run again inside the
transaction, and the writes with their history), and reads the process's peak memory.

    .venv/bin/python bench/import.py            # CSV
    .venv/bin/python bench/import.py --xlsx     # the same sheet as an Excel workbook

The last line is `dry_run=… s; apply=… s; peak_rss=… MB`.
"""

import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DATABASE_URL = os.environ.get(
    "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ownermap_import_bench"
)
os.environ.update(
    {
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "bench-only-not-secret-" + "0123456789" * 4,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "LOG_LEVEL": "WARNING",
    }
)

ROWS, PEOPLE = 10_000, 1_000


def fresh_database() -> None:
    import psycopg

    server, name = DATABASE_URL.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    as_xlsx = "--xlsx" in sys.argv
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from common import machine_speed, sheet

    from ownership.models import Person, Team
    from ownership.sheets.apply import apply_import
    from ownership.sheets.files import read_table, write_csv, write_xlsx
    from ownership.sheets.plan import plan_import
    from tasks_registry.models import Stage, Task

    rng = random.Random(7)  # noqa: S311 - repeatable bench data, no secret
    team = Team.objects.create(name="Operations", slug="operations")
    people = Person.objects.bulk_create(
        Person(name=f"Person {n:04d}", email=f"person.{n}@shop.example", team=team)
        for n in range(PEOPLE)
    )
    header, rows = sheet(
        ROWS, list(Stage.objects.values_list("name", flat=True)), [p.name for p in people], rng
    )
    data = write_xlsx(header, rows, "Map") if as_xlsx else write_csv(header, rows)
    name = "map.xlsx" if as_xlsx else "map.csv"
    print(f"Database: PostgreSQL {connection.pg_version // 10000}; {PEOPLE} people on the map")
    print(f"machine speed: a fixed Python loop took {machine_speed():.0f} ms")
    print(f"sheet: {name}, {len(rows)} rows, {len(data) / 1e6:.1f} MB")

    started = time.perf_counter()
    plan = plan_import(read_table(data, name), name)
    dry_run = time.perf_counter() - started
    assert plan.ok, plan.problems[:5]
    print(f"dry run: {plan.counts}")

    started = time.perf_counter()
    applied = apply_import(table=read_table(data, name), file_name=name, by=None)
    apply = time.perf_counter() - started
    assert Task.objects.count() == ROWS
    print(f"applied: {applied.counts}; {Task.history.count()} task history rows")

    started = time.perf_counter()
    again = plan_import(read_table(data, name), name)
    reimport = time.perf_counter() - started
    print(f"the same sheet again (dry run): {again.counts} in {reimport:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"dry_run={dry_run:.1f} s; apply={apply:.1f} s; peak_rss={peak:.0f} MB")


if __name__ == "__main__":
    main()
