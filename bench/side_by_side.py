"""Two checkouts timed request by request, alternating, in one run: these machines' speed drifts
from minute to minute, so two benches run one after the other can differ by more than the change
being weighed. Each checkout runs in its own process on the same bench database (bench/lookup.py
builds it); the parent asks them in turn, A B B A A B…, and prints each one's median and the
median of the paired differences.

    .venv/bin/python bench/side_by_side.py /tmp/base dashboard     # this checkout against /tmp/base
    .venv/bin/python bench/side_by_side.py /tmp/base gaps lookup --rounds 300

What is timed (as an ops lead, through Django's test client and the whole middleware stack):
  dashboard  GET /              gaps  gap_report() alone      lookup  GET /search/ (HTMX), the
  bench/lookup.py queries in turn. BENCH_DATABASE_URL as bench/lookup.py.

When a migration between the two changes the schema, the other checkout needs a database of its
own, built the same way from its own code: --other-database postgres://…/ownermap_bench_base.
"""

import argparse
import os
import statistics
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

# Runs inside each checkout: only names both sides have.
WORKER = r"""
import sys, time
sys.path.insert(0, "bench")
from lookup import ensure_database, QUERIES
ensure_database()
import django
django.setup()
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from ownership.gap_rules import gap_report
lead, _ = User.objects.get_or_create(username="bench-opslead")
lead.groups.add(Group.objects.get(name="Ops leads"))
client = Client()
client.force_login(lead)
queries = iter(QUERIES * 1000)
operations = {
    "dashboard": lambda: client.get("/"),
    "gaps": lambda: gap_report(on=timezone.localdate()),
    "lookup": lambda: client.get("/search/", {"q": next(queries)}, HTTP_HX_REQUEST="true"),
}
for line in sys.stdin:
    operation = operations[line.strip()]
    started = time.perf_counter()
    operation()
    print((time.perf_counter() - started) * 1000, flush=True)
"""


def start(checkout: Path, database: str | None = None) -> subprocess.Popen:
    python = checkout / ".venv" / "bin" / "python"
    bench = {"BENCH_DATABASE_URL": database} if database else {}
    return subprocess.Popen(  # noqa: S603 - our own code in a checkout the caller names
        [str(python), "-c", WORKER],
        cwd=checkout,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **bench, "PYTHONPATH": str(checkout)},
    )


def ask(worker: subprocess.Popen, operation: str) -> float:
    worker.stdin.write(operation + "\n")
    worker.stdin.flush()
    answer = worker.stdout.readline()
    if not answer:  # its traceback is above: an unmigrated database, no collected static files…
        raise SystemExit(f"The worker in {worker.args} stopped answering {operation!r}.")
    return float(answer)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("other", type=Path, help="the checkout to compare this one with")
    parser.add_argument("operations", nargs="+", choices=["dashboard", "gaps", "lookup"])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--other-database", help="the other checkout's bench database")
    args = parser.parse_args()
    workers = {"this": start(HERE), "other": start(args.other.resolve(), args.other_database)}
    try:
        for operation in args.operations:
            for worker in workers.values():
                for _ in range(args.warm):
                    ask(worker, operation)
            times: dict[str, list[float]] = {"this": [], "other": []}
            for round_ in range(args.rounds):
                order = ["this", "other"] if round_ % 2 == 0 else ["other", "this"]
                for name in order:
                    times[name].append(ask(workers[name], operation))
            differences = [a - b for a, b in zip(times["this"], times["other"], strict=True)]
            this, other = statistics.median(times["this"]), statistics.median(times["other"])
            print(
                f"{operation}: this p50={this:.2f} ms, {args.other} p50={other:.2f} ms; "
                f"paired difference p50={statistics.median(differences):+.2f} ms "
                f"({args.rounds} rounds each)"
            )
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait()


if __name__ == "__main__":
    main()
