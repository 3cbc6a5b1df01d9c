"""prepared_cursor(): the hot statements are prepared on PostgreSQL and stay visible to Django."""

import itertools
import re

import pytest
from django.db import DatabaseError, connection

from config.db import prepared_cursor
from ownership.lookup import lookup
from ownership.lookup.ranking import _sql
from tests.factories import AssignmentFactory, PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _as_sent(sql: str) -> str:
    """The statement as psycopg sends it to be prepared: $1, $2… for %s, and % for %%."""
    numbers = itertools.count(1)
    return re.sub(r"%s|%%", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def test_its_statements_are_logged_and_counted(django_assert_num_queries):
    with django_assert_num_queries(1) as captured, prepared_cursor() as cursor:
        cursor.execute("SELECT %s + %s", [2, 3])
        assert cursor.fetchone() == (5,)
    # Django logs a statement bound on the server with its parameters beside it.
    assert captured.captured_queries[0]["sql"] == (
        "QUERY = 'SELECT %s + %s' - PARAMS = (2, 3)"
        if connection.vendor == "postgresql"
        else "SELECT 2 + 3"
    )


def test_its_statements_pass_through_execute_wrappers():
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper), prepared_cursor() as cursor:
        cursor.execute("SELECT %s", [1])
    assert seen == ["SELECT %s"]


def test_errors_are_djangos():
    with pytest.raises(DatabaseError), prepared_cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_here")


@needs_postgres
def test_the_lookup_is_planned_once_with_a_generic_plan():
    task = TaskFactory(name="Holiday shipping cutoff sign-off")
    AssignmentFactory(task=task, person=PersonFactory(name="Nina Alvarez"), role="owner")
    for query in ["holiday cutoff", "nina", "cutoff sign off holiday"]:
        assert [a.task.pk for a in lookup(query).answers] == [task.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = %s",
            [_as_sent(_sql(postgres=True))],
        )
        plans = cursor.fetchall()
    # One statement whatever the number of words, prepared once and planned generically.
    assert len(plans) == 1
    generic, custom = plans[0]
    assert custom == 0
    assert generic >= 3


@needs_postgres
def test_orm_queries_are_never_prepared(member):
    from django.contrib.auth import get_user_model

    for _ in range(6):
        get_user_model().objects.get(pk=member.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "auth_user"%'],
        )
        assert cursor.fetchone() == (0,)
