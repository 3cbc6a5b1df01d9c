"""How many notices the demo store makes over four simulated weeks in which nobody confirms
anything: the sweep run twice a day (08:00 and 16:00) from the day it was seeded, counted by
kind, and how many emails they make (a person's notices of one sweep go in one email where the
code groups them, reviews/notify.py's GROUPED; one each before that). Also, at the first
sweep, how many overdue tasks reached nobody.

    .venv/bin/python bench/four_weeks.py          # a fresh SQLite file in /tmp

Runs at any commit that has scheduling.sweep(now): to compare, run it in a worktree of the
previous commit too (bench/side_by_side.py's recipe).
"""

import datetime
import io
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
folder = tempfile.mkdtemp(prefix="ownermap-weeks-bench-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    DJANGO_DEBUG="true",
    DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3"),
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from ownership.gap_rules import OVERDUE, gap_report  # noqa: E402
from reviews import notify, scheduling  # noqa: E402
from reviews.models import Notice  # noqa: E402

DAYS = 28


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    grouped = set(getattr(notify, "GROUPED", ()))
    start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    kinds: Counter = Counter()
    emails = 0
    first_overdue = first_reached = 0
    for day in range(DAYS):
        for hour in (0, 8):
            now = start + datetime.timedelta(days=day, hours=hour)
            made = scheduling.sweep(now).notices
            rows = list(Notice.objects.filter(pk__in=made).values_list("kind", "person_id"))
            kinds.update(kind for kind, _ in rows)
            emails += len({person for kind, person in rows if kind in grouped})
            emails += sum(1 for kind, _ in rows if kind not in grouped)
            if day == 0 and hour == 0:
                overdue = set(gap_report(on=timezone.localdate(now)).by_rule[OVERDUE])
                reached = set(
                    Notice.objects.filter(pk__in=made, task_id__in=overdue).values_list(
                        "task_id", flat=True
                    )
                )
                first_overdue, first_reached = len(overdue), len(reached)
    print(f"first sweep: {first_overdue} overdue tasks, {first_reached} reached someone")
    print(f"{DAYS} days, 2 sweeps a day: {sum(kinds.values())} notices, {emails} emails")
    for kind, count in sorted(kinds.items()):
        print(f"  {kind}: {count}")


if __name__ == "__main__":
    main()
