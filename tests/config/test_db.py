"""On PostgreSQL, parameters are bound on the server, so what runs on every keystroke (the
session, the signed-in user, the lookup's ranking) is prepared once per connection and planned
once, generically (config/settings.py)."""

import itertools
import re

import pytest
from django.db import connection

from ownership.lookup import lookup
from ownership.lookup.ranking import _sql
from tests.factories import AssignmentFactory, PersonFactory, TaskFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
    ),
]


def _as_sent(sql: str) -> str:
    """The statement as psycopg sends it to be prepared: $1, $2… for %s, and % for %%."""
    numbers = itertools.count(1)
    return re.sub(r"%s|%%", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


def _plans(sql: str) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = %s",
            [sql],
        )
        return cursor.fetchall()


def test_the_lookup_is_prepared_once_it_runs_often_and_planned_generically():
    task = TaskFactory(name="Holiday shipping cutoff sign-off")
    AssignmentFactory(task=task, person=PersonFactory(name="Nina Alvarez"), role="owner")
    queries = ["holiday cutoff", "nina", "cutoff sign off holiday"]
    for query in queries * 3:
        assert [a.task.pk for a in lookup(query).answers] == [task.pk]
    # psycopg prepares a statement on its fifth run: nine runs, then four planned generically.
    plans = _plans(_as_sent(_sql(postgres=True)))
    assert len(plans) == 1
    generic, custom = plans[0]
    assert custom == 0
    assert generic == 4


def test_the_session_and_user_reads_are_prepared_too(member_client):
    for _ in range(6):
        assert member_client.get("/tasks/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s"
            " OR statement LIKE %s ORDER BY statement",
            ['%FROM "django_session" WHERE%', "%FROM auth_user u WHERE u.id = $1"],
        )
        prepared = [row[0] for row in cursor.fetchall()]
    assert len(prepared) == 2, prepared
