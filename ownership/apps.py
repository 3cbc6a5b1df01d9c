from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OwnershipConfig(AppConfig):
    name = "ownership"
    verbose_name = "Ownership"

    def ready(self) -> None:
        from config import idle_sessions  # noqa: F401  (marks a session seen at sign-in)
        from ownership import gap_facts  # noqa: F401  (connects its receivers)
        from ownership.identity import deprovisioning  # noqa: F401  (connects its receivers)
        from ownership.lookup import index  # noqa: F401  (connects the index's receivers)

        post_migrate.connect(_lookup_after_migrate, sender=self, dispatch_uid="lookup_migrate")
        post_migrate.connect(_gap_facts_after_migrate, sender=self, dispatch_uid="facts_migrate")


def _lookup_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """After every migrate (and every flush): the built-in search words as the list says, and
    an index rebuilt where it has never been built with the current weights."""
    from django.db import connections

    from ownership.lookup import index, thesaurus
    from ownership.models import SearchSynonym, SearchTerm
    from tasks_registry.models import Task

    tables = connections[using].introspection.table_names()
    if SearchSynonym._meta.db_table not in tables or SearchTerm._meta.db_table not in tables:
        return  # migrated backwards, below the lookup's tables
    thesaurus.sync_built_in()
    if not SearchTerm.objects.filter(term=index.ALL_TASKS).exists() and Task.objects.exists():
        index.reindex_tasks(Task.objects.values_list("pk", flat=True))


def _gap_facts_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """After every migrate: the gap rules' facts built for every task where some have none (a
    migration that changes their table empties it)."""
    from django.db import connections

    from ownership.gap_facts import rebuild_gap_facts
    from ownership.models import GapFacts
    from tasks_registry.models import Task

    if GapFacts._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards, below the facts' table
    if GapFacts.objects.count() < Task.objects.count():
        rebuild_gap_facts()
