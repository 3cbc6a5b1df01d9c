"""Ownermap at 10,000 and 100,000 tasks on PostgreSQL, against the floor of the stack.

For each size, on its own database (built on first use with seed_demo and generate_map, timed,
then kept), this measures in alternating rounds:

  floor          GET /floor/ over HTTP: gunicorn (2 workers), Django, the app's middleware, a
                 signed-in session, one indexed query and no template (bench/scale_urls.py)
  lookup         GET /search/ as the HTMX fragment, bench/lookup.py's questions in turn
  throughput     wrk -t2 -c8 for 10 s on each of the two (if wrk is installed)
  dashboard      GET / as an ops lead over HTTP
  gap_report     gap_report() for the whole map, in a process of its own
  gaps --json    `manage.py gaps --json`, the whole map written out
  review         the quarter's review session made again (make_quarterly_session)
  import         a dry run of a CSV sheet of as many new tasks as the map has

and prints one table: p50 and p99 (of the rounds, for the ones timed once a round), the ratio to
the floor's p50, and the peak memory of the process that did the work. Before the rounds, the
lookup's ranking statement is explained once on an app connection, to show whether the
planner's JIT is anywhere near it.

    .venv/bin/python bench/scale.py                       # 10k and 100k, 3 rounds
    .venv/bin/python bench/scale.py --sizes 10000 --rounds 5
    .venv/bin/python bench/scale.py --sizes 100000 --rounds 5 --lookup-only   # a few minutes

Databases: ownermap_scale_<size> on BENCH_SERVER (postgres://postgres@127.0.0.1:5432). A
100,000-task map takes a few minutes to build the first time.
"""

import argparse
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import QUERIES, percentile  # noqa: E402
from bench.serving import start_gunicorn  # noqa: E402

SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PORT = 8071
# People on a generated map: one for every ten tasks.
PEOPLE_PER_TASK = 0.1


def environment(size: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/ownermap_scale_{size}",
        "DJANGO_SETTINGS_MODULE": "bench.scale_settings",
        "DJANGO_SECRET_KEY": "bench-only-not-secret-" + "0123456789" * 4,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        # The import's limits raised for the bench: the defaults refuse a 100,000-row sheet.
        "OWNERMAP_IMPORT_MAX_BYTES": str(200_000_000),
        "OWNERMAP_IMPORT_MAX_ROWS": str(1_000_000),
    }


# --- What runs inside a size's own process (python bench/scale.py --do WHAT --size N) ----------


def _setup() -> None:
    import django

    django.setup()


def do_build(size: int) -> dict:
    """The map, if it is not there yet: the demo store and a generated map on top."""
    import psycopg

    server, name = os.environ["DATABASE_URL"].rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    _setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection

    from ownership.models import Person
    from tasks_registry.models import Task

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    built = None
    if not Task.objects.exists():
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    missing = size - Task.objects.count()
    if missing > 0:
        started = time.perf_counter()
        people = max(5, round(size * PEOPLE_PER_TASK) - Person.objects.count())
        call_command("generate_map", tasks=missing, people=people)
        built = time.perf_counter() - started
    from bench.common import ensure_gap_data

    ensure_gap_data()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    for username, group in [("bench-member", "Members"), ("bench-opslead", "Ops leads")]:
        user, _ = User.objects.get_or_create(username=username)
        user.groups.add(Group.objects.get(name=group))
    manager, _ = User.objects.get_or_create(username="bench-manager")
    manager.groups.add(Group.objects.get(name="Managers"))
    Person.objects.get_or_create(
        email="bench-manager@example.com", defaults={"name": "Bench Manager", "user": manager}
    )
    from bench.serving import session_cookie

    return {
        "built_s": built,
        "tasks": Task.objects.filter(is_active=True).count(),
        "people": Person.objects.count(),
        "member": session_cookie("bench-member"),
        "opslead": session_cookie("bench-opslead"),
        "task_ids": list(Task.objects.order_by("?").values_list("pk", flat=True)[: len(QUERIES)]),
    }


def do_explain(size: int) -> dict:
    """The ranking statement of a common word being typed, explained on an app connection."""
    _setup()
    from django.db import connection

    from ownership.lookup import lookup
    from ownership.lookup.ranking import _POOL, _sql, parse

    limit = 8  # the search page's
    lookup("order", limit=limit)  # the connection's settings, as the app's requests have them
    query = parse("order")
    for form in query.forms:
        form["surface"] = query.groups[form["grp"]] if form["how"] == "word" else ""
    forms, phrases = query.as_json()
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + _sql(True),
            [forms, phrases, "[]", limit * _POOL, limit],
        )
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    return {
        "jit": jit,
        "jit_in_plan": "JIT" in plan,
        "planning_ms": plan.get("Planning Time"),
        "execution_ms": plan.get("Execution Time"),
        "postings_read": _rows_of(plan["Plan"], "ownership_searchposting"),
        "postings_of_word": _postings("order"),
    }


def _rows_of(node: dict, relation: str) -> int:
    own = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
    total = own if node.get("Relation Name") == relation else 0
    return total + sum(_rows_of(child, relation) for child in node.get("Plans", ()))


def _postings(prefix: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM ownership_searchposting WHERE word LIKE %s", [prefix + "%"]
        )
        return cursor.fetchone()[0]


def do_gap_report(size: int) -> dict:
    _setup()
    from django.utils import timezone

    from ownership.gap_rules import gap_report

    samples = []
    for _ in range(6):  # the first judges every definition of done: left out
        started = time.perf_counter()
        gap_report(on=timezone.localdate())
        samples.append((time.perf_counter() - started) * 1000)
    return {"ms": samples[1:]}


def do_review(size: int) -> dict:
    _setup()
    from django.utils import timezone

    from reviews import scheduling
    from reviews.models import ReviewItem, ReviewSession

    now = timezone.now()
    period = scheduling.period_label(*scheduling.quarter_of(timezone.localdate(now)))
    sessions = ReviewSession.objects.filter(period=period)
    ReviewItem.history.filter(session_id__in=sessions.values("pk")).delete()
    ReviewItem.objects.filter(session__in=sessions).delete()
    sessions.delete()
    started = time.perf_counter()
    session = scheduling.make_quarterly_session(now)
    took = (time.perf_counter() - started) * 1000
    assert session is not None
    return {"ms": [took]}


def do_sheet(size: int) -> dict:
    """A CSV of `size` new tasks, owners and helpers from the map, written once and kept."""
    _setup()
    import random

    from bench.common import sheet
    from ownership.models import Person
    from ownership.sheets.files import write_csv
    from tasks_registry.models import Stage

    path = Path(tempfile.gettempdir()) / f"ownermap-scale-{size}.csv"
    if not path.exists():
        rng = random.Random(7)  # noqa: S311 - repeatable bench data, no secret
        names = list(Person.objects.filter(departed_on=None).values_list("name", flat=True))
        # Names two people share would be refused as ambiguous: unique ones only.
        unique = sorted(name for name in set(names) if names.count(name) == 1) or names
        stages = list(Stage.objects.values_list("name", flat=True))
        header, rows = sheet(size, stages, unique[:2000], rng)
        path.write_bytes(write_csv(header, rows))
    return {"path": str(path), "mb": path.stat().st_size / 1e6}


def do_import(size: int) -> dict:
    _setup()
    from ownership.sheets.files import read_table
    from ownership.sheets.plan import plan_import

    path = Path(tempfile.gettempdir()) / f"ownermap-scale-{size}.csv"
    started = time.perf_counter()
    plan = plan_import(read_table(path.read_bytes(), path.name), path.name)
    took = (time.perf_counter() - started) * 1000
    assert plan.ok, plan.problems[:3]
    return {"ms": [took], "created": plan.counts["created"]}


WORKERS = {
    "build": do_build,
    "explain": do_explain,
    "gap_report": do_gap_report,
    "review": do_review,
    "sheet": do_sheet,
    "import": do_import,
}


# --- The parent: runs the rounds and prints the table ----------------------------------------


def run(what: str, size: int) -> dict:
    """A worker in a process of its own: its answer, wall time and peak memory."""
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - this script
        [PYTHON, __file__, "--do", what, "--size", str(size)],
        env=environment(size),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if status:
        sys.exit(f"{what} at {size} failed")
    answer = json.loads(output.strip().splitlines()[-1])
    answer["wall_ms"] = (time.perf_counter() - started) * 1000
    answer["peak_mb"] = usage.ru_maxrss / 1024
    return answer


def run_command(size: int, *args: str) -> dict:
    """A manage.py command, its output thrown away: wall time and peak memory."""
    started = time.perf_counter()
    with open(os.devnull, "w") as nowhere:
        child = subprocess.Popen(  # noqa: S603 - this checkout's manage.py
            [PYTHON, "manage.py", *args], cwd=ROOT, env=environment(size), stdout=nowhere
        )
        _, status, usage = os.wait4(child.pid, 0)
    assert status == 0, args
    return {"ms": [(time.perf_counter() - started) * 1000], "peak_mb": usage.ru_maxrss / 1024}


class Browser:
    """One keep-alive connection with a signed-in session."""

    def __init__(self, session: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        self.headers = {"Cookie": f"sessionid={session}", "Accept-Encoding": "gzip"}

    def get(self, path: str, **headers: str) -> float:
        started = time.perf_counter()
        self.connection.request("GET", path, headers={**self.headers, **headers})
        response = self.connection.getresponse()
        response.read()
        took = (time.perf_counter() - started) * 1000
        assert response.status == 200, (path, response.status)
        return took


def throughput(path_of: list[str], session: str) -> float | None:
    """Requests a second under wrk -t2 -c8 for 10 s, cycling through the paths."""
    if not Path("/usr/bin/wrk").exists():
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        paths = ", ".join(json.dumps(path) for path in path_of)
        script.write(
            f"local paths = {{{paths}}}\nlocal n = 0\n"
            "request = function()\n  n = n % #paths + 1\n"
            "  return wrk.format('GET', paths[n])\nend\n"
        )
    output = subprocess.run(  # noqa: S603 - wrk from the system
        ["/usr/bin/wrk", "-t2", "-c8", "-d10s", "-s", script.name,
         "-H", f"Cookie: sessionid={session}", "-H", "HX-Request: true",
         f"http://127.0.0.1:{PORT}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    os.unlink(script.name)
    errors = "Non-2xx" in output or "Socket errors" in output
    rate = float(output.split("Requests/sec:")[1].split()[0])
    return -rate if errors else rate


def worker_peak_mb(server: subprocess.Popen) -> float:
    """The largest peak resident size of gunicorn's workers."""
    peaks = []
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=0.0)


def measure(size: int, rounds: int, *, lookup_only: bool = False) -> dict:
    print(f"\n== {size:,} tasks ==", flush=True)
    built = run("build", size)
    if built["built_s"]:
        print(f"built the map: generate_map took {built['built_s']:.0f} s", flush=True)
    print(f"{built['tasks']:,} active tasks, {built['people']:,} people", flush=True)
    explained = run("explain", size)
    jit_in_plan = "yes" if explained["jit_in_plan"] else "no"
    print(
        "lookup's ranking statement (“order”, a word being typed) on an app connection: "
        f"jit={explained['jit']}, JIT in the plan: {jit_in_plan}; "
        f"planning {explained['planning_ms']:.1f} ms, "
        f"execution {explained['execution_ms']:.1f} ms; "
        f"{explained['postings_read']:,} postings read of {explained['postings_of_word']:,} "
        "under “order…”",
        flush=True,
    )
    sheet = run("sheet", size)
    print(f"import sheet: {size:,} rows, {sheet['mb']:.1f} MB", flush=True)

    samples: dict[str, list[float]] = {}
    peaks: dict[str, float] = {}
    rates: dict[str, list[float]] = {"floor": [], "lookup": []}
    floor_paths = [f"/floor/?id={pk}" for pk in built["task_ids"]]
    lookup_paths = ["/search/?" + urllib.parse.urlencode({"q": q}) for q in QUERIES]
    env = environment(size)
    server = start_gunicorn(env, PORT, workers=2)
    try:
        member, lead = Browser(built["member"]), Browser(built["opslead"])
        for path in floor_paths[:5] + lookup_paths[:5]:  # warm-up
            member.get(path, **{"HX-Request": "true"})
        lead.get("/")
        for number in range(rounds):
            # Floor and lookup take turns going first.
            pair = [("floor", floor_paths), ("lookup", lookup_paths)]
            for name, paths in pair if number % 2 == 0 else reversed(pair):
                samples.setdefault(name, []).extend(
                    member.get(path, **{"HX-Request": "true"}) for path in paths
                )
            samples.setdefault("dashboard", []).extend(lead.get("/") for _ in range(5))
            for name, paths in pair if number % 2 else reversed(pair):
                rate = throughput(paths, built["member"])
                if rate is not None:
                    rates[name].append(rate)
            # New connections after wrk's: gunicorn may have dropped the idle keep-alive ones.
            member, lead = Browser(built["member"]), Browser(built["opslead"])
            for name, answer in (
                []
                if lookup_only
                else [
                    ("gap_report", run("gap_report", size)),
                    ("gaps --json", run_command(size, "gaps", "--json")),
                    ("review", run("review", size)),
                    ("import", run("import", size)),
                ]
            ):
                samples.setdefault(name, []).extend(answer["ms"])
                peaks[name] = max(peaks.get(name, 0.0), answer["peak_mb"])
            print(f"round {number + 1} of {rounds} done", flush=True)
        peaks["floor"] = peaks["lookup"] = peaks["dashboard"] = worker_peak_mb(server)
    finally:
        server.terminate()
        server.wait()
    return {"size": size, "samples": samples, "peaks": peaks, "rates": rates}


def table(results: list[dict]) -> None:
    names = ["floor", "lookup", "dashboard", "gap_report", "gaps --json", "review", "import"]
    names = [name for name in names if name in results[0]["samples"]]
    print()
    header = "".join(f"| {r['size']:>8,} tasks: p50      p99  x floor  peak MB " for r in results)
    print(f"{'':14}{header}".rstrip())
    for name in names:
        line = f"{name:14}"
        for result in results:
            values = result["samples"][name]
            floor = statistics.median(result["samples"]["floor"])
            p50, p99 = statistics.median(values), percentile(values, 0.99)
            ratio = f"{p50 / floor:6.1f}x" if name in ("floor", "lookup", "dashboard") else " " * 7
            line += f"| {_ms(p50):>17} {_ms(p99):>8} {ratio} {result['peaks'][name]:8.0f} "
        print(line.rstrip())
    for name in ("floor", "lookup"):
        line = f"{name + ' req/s':14}"
        for result in results:
            rates = result["rates"][name]
            shown = "no wrk" if not rates else f"{statistics.median(rates):.0f}"
            if any(rate < 0 for rate in rates):
                shown += " (errors)"
            line += f"| {shown:>17} {'':8} {'':7} {'':8} "
        print(line.rstrip())
    for result in results:
        rates = result["rates"]
        if rates["floor"] and rates["lookup"]:
            share = statistics.median(rates["lookup"]) / statistics.median(rates["floor"])
            print(
                f"{result['size']:,} tasks: the lookup's throughput is {share:.0%} of the floor's"
            )


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 10_000 else f"{value:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--lookup-only", action="store_true", help="the floor, the lookup and the dashboard only"
    )
    parser.add_argument("--do", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.do:
        print(json.dumps(WORKERS[arguments.do](arguments.size)))
        return
    from bench.common import machine_speed

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"a fixed Python loop took {machine_speed():.0f} ms")  # fmt: skip
    results = [
        measure(size, arguments.rounds, lookup_only=arguments.lookup_only)
        for size in arguments.sizes
    ]
    table(results)
    load = os.getloadavg()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"load at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; this process: {peak} MB")


if __name__ == "__main__":
    main()
