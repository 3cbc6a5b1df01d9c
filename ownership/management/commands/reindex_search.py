"""Rebuild the lookup's index for every task, the thesaurus's expansions and the facts the gap
rules read: after a restore, bulk SQL edits that bypassed the app, or an upgrade that changed
how words are stemmed or what makes a definition of done vague."""

from typing import Any

from django.core.management.base import BaseCommand

from ownership.gap_facts import rebuild_gap_facts
from ownership.lookup.index import reindex_tasks
from ownership.lookup.thesaurus import rebuild_expansions
from tasks_registry.models import Task


class Command(BaseCommand):
    help = (
        "Rebuild the 'who owns this?' search index for every task, its search words, and the"
        " facts the gap rules read of each task."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(Task.objects.values_list("pk", flat=True))
        reindex_tasks(ids)
        rebuild_expansions()
        rebuild_gap_facts()
        self.stdout.write(
            self.style.SUCCESS(
                f"Reindexed {len(ids)} tasks and the search words, and rebuilt the gap facts."
            )
        )
