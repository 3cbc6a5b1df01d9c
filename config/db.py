"""Prepared statements for the few statements that run on every request.

Django's cursors bind parameters in the client and never prepare, so that connection poolers
keep working, and PostgreSQL plans each statement again every time. For most queries that is
the right trade. Three statements are different: reading the session, reading the signed-in
user with their permissions, and the lookup's ranking run on every keystroke in the search box,
and planning them costs as much as running them (the ranking's plan alone took ~1.5 ms). On
PostgreSQL they run on a cursor that binds on the server and prepares, so each connection plans
them once, with the generic plan that config/settings.py asks for. No statement of the ORM is
ever prepared, so that setting reaches nothing else.

A pooler in transaction mode hands each statement to any server connection, where the prepared
statement may not exist: put Ownermap on a session-mode pool (or direct connections, as
docker-compose.yml does), or have prepared_cursor() return connection.cursor().
"""

import psycopg
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper


class _PreparingCursor(psycopg.Cursor):
    binary_results = False

    def execute(self, query, params=None, *, prepare=None, binary=None):
        binary = self.binary_results if binary is None else binary
        return super().execute(query, params, prepare=True, binary=binary)


def prepared_cursor(
    connection: BaseDatabaseWrapper = default_connection, *, binary: bool = False
) -> CursorWrapper:
    """A cursor that prepares what it runs on PostgreSQL; Django's own cursor elsewhere.

    Wrapped as Django wraps its cursors: its statements are logged and counted (tests'
    django_assert_num_queries), pass through connection.execute_wrapper(), and raise Django's
    database errors.

    `binary` asks PostgreSQL for results in binary: numbers then need no parsing, which made
    reading the gap rules' 10,000 rows a third faster. Only for statements whose columns are
    numbers and text: Django's loaders for dates and times read text.
    """
    if connection.vendor != "postgresql":
        # sqlite3 keeps compiled statements per connection already.
        return connection.cursor()
    # What connection.cursor() does before it makes a cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = _PreparingCursor(connection.connection)
    cursor.binary_results = binary
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)
