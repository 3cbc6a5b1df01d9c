"""Rebuild the lookup's index for every task: after a restore, or bulk SQL edits that bypassed
the app."""

from typing import Any

from django.core.management.base import BaseCommand

from ownership.lookup.index import reindex_tasks
from tasks_registry.models import Task


class Command(BaseCommand):
    help = "Rebuild the 'who owns this?' search index for every task."

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(Task.objects.values_list("pk", flat=True))
        reindex_tasks(ids)
        self.stdout.write(self.style.SUCCESS(f"Reindexed {len(ids)} tasks."))
