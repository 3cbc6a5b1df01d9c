"""Indexes for the lookup, made per database.

PostgreSQL gets pattern-ops btree for prefix scans of the postings (whatever the database's
collation) and GiST trigram indexes for correcting typos and for the closest task names; SQLite
gets a plain index on the posting's word (its LIKE is case-insensitive and the words are
lower-case already).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

POSTGRESQL = [
    # lookup: `word LIKE 'prefix%'`, index-only with the columns the score needs.
    (
        "search_posting_prefix",
        "CREATE INDEX IF NOT EXISTS search_posting_prefix ON ownership_searchposting "
        "(word varchar_pattern_ops) INCLUDE (task_id, weight, criticality_rank)",
    ),
    # lookup: correcting a misspelt word against the vocabulary (`%`, `<->` KNN, LIKE prefix).
    (
        "search_word_trgm",
        "CREATE INDEX IF NOT EXISTS search_word_trgm "
        "ON ownership_searchword USING gist (word gist_trgm_ops)",
    ),
    # lookup: the closest task names when nothing matches (`<<->` KNN).
    (
        "task_search_names_trgm",
        "CREATE INDEX IF NOT EXISTS task_search_names_trgm "
        "ON tasks_registry_task USING gist (search_names gist_trgm_ops)",
    ),
]
SQLITE = [
    (
        "search_posting_prefix",
        "CREATE INDEX IF NOT EXISTS search_posting_prefix ON ownership_searchposting (word)",
    ),
]


def _indexes(vendor):
    return {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(vendor, [])


def create_indexes(apps, schema_editor):
    for _name, sql in _indexes(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    for name, _sql in _indexes(schema_editor.connection.vendor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("ownership", "0003_search_and_api_tokens")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
