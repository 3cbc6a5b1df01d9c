"""Benchmark making the quarterly review session for 10,000 tasks on PostgreSQL.

Uses the database bench/lookup.py fills (10,000 tasks, 2,000 people). Each round deletes the
quarter's session and makes it again with `make_quarterly_session`, counting its SQL statements:
the session, its participants and one item per task with its gap snapshot, written in bulk
with their history rows, and one pre-review request per owner.

    .venv/bin/python bench/review.py            # postgres://postgres@127.0.0.1/ownermap_bench
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ensure_gap_data, machine_speed
from lookup import ensure_data, ensure_database

ROUNDS = 3


def main() -> None:
    ensure_database()
    import django

    django.setup()
    ensure_data()
    ensure_gap_data()

    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.utils import timezone

    from ownership.models import Assignment, Person, Role
    from reviews import scheduling
    from reviews.models import Notice, NoticeKind, ReviewItem, ReviewSession
    from tasks_registry.models import Task

    manager, _ = User.objects.get_or_create(username="bench-manager")
    manager.groups.add(Group.objects.get(name="Managers"))
    Person.objects.get_or_create(
        email="bench-manager@example.com", defaults={"name": "Bench Manager", "user": manager}
    )
    tasks = Task.objects.filter(is_active=True).count()
    print(f"Database: PostgreSQL {connection.pg_version // 10000}, {tasks} active tasks")
    print(f"machine speed: a fixed Python loop took {machine_speed():.0f} ms")

    now = timezone.now()
    period = scheduling.period_label(*scheduling.quarter_of(timezone.localdate(now)))
    seconds, counts = [], []
    for _ in range(ROUNDS):
        sessions = ReviewSession.objects.filter(period=period)
        ReviewItem.history.filter(session_id__in=sessions.values("pk")).delete()
        ReviewItem.objects.filter(session__in=sessions).delete()
        sessions.delete()
        statements: list[str] = []

        def count(run, sql, *args, statements=statements):
            statements.append(sql)
            return run(sql, *args)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            session = scheduling.make_quarterly_session(now)
            seconds.append(time.perf_counter() - started)
        counts.append(len(statements))
        assert session is not None
        assert session.items.count() == tasks
        assert ReviewItem.history.filter(session_id=session.pk).count() == tasks
    owners = (
        Assignment.objects.filter(role=Role.OWNER, task__is_active=True)
        .values("person_id")
        .distinct()
        .count()
    )
    asks = Notice.objects.filter(kind=NoticeKind.PRE_REVIEW, session=session).count()
    best, median = min(seconds), statistics.median(seconds)
    print(f"pre-review requests: {asks}, one per owner ({owners} owners of {tasks} tasks)")
    print(f"rounds: {', '.join(f'{s:.2f} s' for s in seconds)}")
    print(f"SQL statements per session: {counts[-1]} (for {tasks} items)")
    print(
        f"quarterly session for {tasks} tasks: median={median:.2f} s; best={best:.2f} s; "
        f"queries={counts[-1]}"
    )


if __name__ == "__main__":
    main()
