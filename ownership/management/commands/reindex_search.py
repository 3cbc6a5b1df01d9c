"""Rebuild the lookup's index for every task, and the thesaurus's expansions: after a restore,
bulk SQL edits that bypassed the app, or an upgrade that changed how words are stemmed."""

from typing import Any

from django.core.management.base import BaseCommand

from ownership.lookup.index import reindex_tasks
from ownership.lookup.thesaurus import rebuild_expansions
from tasks_registry.models import Task


class Command(BaseCommand):
    help = "Rebuild the 'who owns this?' search index for every task, and its search words."

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(Task.objects.values_list("pk", flat=True))
        reindex_tasks(ids)
        rebuild_expansions()
        self.stdout.write(self.style.SUCCESS(f"Reindexed {len(ids)} tasks and the search words."))
