"""A version of the whole map, cheap to read: what cached views of it key on."""

from django.db import connection

from ownership.models import Assignment, Person, Team
from tasks_registry.models import Campaign, Completion, Task


def map_version() -> str:
    """Changes whenever anything a cached view of the map may show does: every write function
    leaves a history row (a deletion too), so the newest history ids of tasks, assignments,
    completions, people, teams and campaigns say whether anything changed. One query, six
    index lookups."""
    tables = [
        model.history.model._meta.db_table
        for model in (Task, Assignment, Completion, Person, Team, Campaign)
    ]
    quote = connection.ops.quote_name
    # Table names from the models, quoted: nothing typed reaches this statement.
    parts = ", ".join(
        f"(SELECT MAX(history_id) FROM {quote(table)})"  # noqa: S608
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return "-".join(str(value or 0) for value in cursor.fetchone())
