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


class _RolledBack(Exception):
    pass


def _accept_half(session) -> tuple[int, float]:
    """Half of the owners attest all their tasks, then "Accept all": the count and the time,
    all of it rolled back."""
    from django.db import transaction

    from ownership import attestation
    from ownership.models import Person, Role
    from reviews import session_runner

    found = (0, 0.0)
    try:
        with transaction.atomic():
            owners = list(Person.objects.filter(assignments__role=Role.OWNER).distinct())
            for person in owners[: len(owners) // 2]:
                tasks = attestation.owned_by(person)
                if tasks:
                    attestation.attest(person=person, tasks=tasks, by=None, via="my_tasks")
            started = time.perf_counter()
            count = session_runner.accept_owner_confirmed(session=session, by=None)
            found = (count, time.perf_counter() - started)
            raise _RolledBack
    except _RolledBack:
        pass
    return found


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
    accepted, accept_seconds = _accept_half(session)
    best, median = min(seconds), statistics.median(seconds)
    print(f"pre-review requests: {asks}, one per owner ({owners} owners of {tasks} tasks)")
    print(f"accepting {accepted} items confirmed by their owners: {accept_seconds:.2f} s")
    print(f"rounds: {', '.join(f'{s:.2f} s' for s in seconds)}")
    print(f"SQL statements per session: {counts[-1]} (for {tasks} items)")
    print(
        f"quarterly session for {tasks} tasks: median={median:.2f} s; best={best:.2f} s; "
        f"queries={counts[-1]}"
    )


if __name__ == "__main__":
    main()
