"""How often "who owns this?" puts the right task first, on maps nobody tuned for it.

Each store in bench/findability/ is a map written as a sheet, with no aliases, and a list of
questions in the words support agents, warehouse staff and marketers use (`question => task`).
The demo store (`seed_demo`, with its hand-written aliases) is asked its own questions too.
For each, a fresh database is loaded through the sheet import, every question is asked through
`lookup()`, and top-1 and top-3 accuracy are printed, with every miss and where the right task
came instead.

    .venv/bin/python bench/findability.py              # SQLite in a temporary folder
    .venv/bin/python bench/findability.py --postgres   # postgres://postgres@127.0.0.1/ownermap_findability
    .venv/bin/python bench/findability.py --quiet      # figures only, no misses

bench/findability/heldout/ holds further questions for the same maps, written after the first
round of ranking changes, and heldout-2/ more, written before the second; neither was ever used
for tuning, and each round is reported on its own lines.
"""

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "bench" / "findability"
# Each folder of held-out questions, as its lines are labelled: heldout-2/ → "held out 2".
HELD_OUT = {
    folder: folder.name.replace("heldout", "held out").replace("-", " ")
    for folder in sorted(SETS.glob("heldout*"))
}
sys.path.insert(0, str(ROOT))


def configure(postgres: bool) -> None:
    if postgres:
        url = os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ownermap_findability"
        )
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='findability-')}/db.sqlite3"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "LOG_LEVEL": "WARNING",
        }
    )


def fresh_database() -> None:
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    # flush empties the data migrations' tables too: put stages and groups back.
    call_command("migrate", "tasks_registry", "zero", verbosity=0)
    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--no-heldout-misses",
        action="store_true",
        help="figures only for the held-out questions, so that tuning never sees them",
    )
    args = parser.parse_args()
    configure(args.postgres)
    if args.postgres:
        import psycopg

        server, name = os.environ["DATABASE_URL"].rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')

    import django

    django.setup()
    from django.core.management import call_command

    from ownership.findability import evaluate, read_questions
    from ownership.sheets.apply import ImportRefused, apply_import
    from ownership.sheets.files import read_table

    call_command("migrate", verbosity=0)
    reports = []
    for questions in sorted(SETS.glob("*.txt")):
        fresh_database()
        sheet = questions.with_suffix(".csv")
        if sheet.exists():
            try:
                apply_import(
                    table=read_table(sheet.read_bytes(), sheet.name), file_name=sheet.name, by=None
                )
            except ImportRefused as refused:
                problems = [f"row {p.row}: {p.message}" for p in refused.plan.problems]
                sys.exit(f"{sheet.name} does not import: " + "; ".join(problems))
        else:
            call_command("seed_demo", stdout=io.StringIO())
        reports.append(evaluate(questions.stem, read_questions(questions)))
        for folder, label in HELD_OUT.items():
            if (folder / questions.name).exists():
                asked = read_questions(folder / questions.name)
                reports.append(evaluate(f"{questions.stem} ({label})", asked))

    for report in reports:
        if (
            args.quiet
            or not report.misses
            or (args.no_heldout_misses and "held out" in report.name)
        ):
            continue
        print(f"\n{report.name}: misses")
        for miss in report.misses:
            where = f"right task at {miss.rank}" if miss.rank else "right task not in top 3"
            got = miss.got[0] if miss.got else "nothing"
            print(f"  {miss.question.text!r}: got {got!r} ({where})")
            if miss.why:
                print(f"      matched: {'; '.join(miss.why)}")
    print()
    print(f"{'store':<31} {'questions':>9} {'top-1':>7} {'top-3':>7}")
    for report in reports:
        print(
            f"{report.name:<31} {report.asked:>9} {report.top1_share:>7.1%} "
            f"{report.top3_share:>7.1%}"
        )
    groups = {
        "maps without aliases": [
            r for r in reports if r.name != "demo_store" and not r.name.endswith(")")
        ]
    }
    for label in HELD_OUT.values():
        groups[f"{label}, without aliases"] = [r for r in reports if r.name.endswith(f"({label})")]
    for label, picked in groups.items():
        asked = sum(report.asked for report in picked)
        top1 = sum(report.top1 for report in picked) / asked
        top3 = sum(report.top3 for report in picked) / asked
        print(f"{label:<31} {asked:>9} {top1:>7.1%} {top3:>7.1%}")


if __name__ == "__main__":
    main()
