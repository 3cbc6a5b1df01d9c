"""Recompute every task's next due date: after changing OWNERMAP_HOLIDAYS or TIME_ZONE, or
after upgrading a database whose rhythms were free text."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from tasks_registry.due import refresh_next_due


class Command(BaseCommand):
    help = "Recompute every task's next due date from its rhythm, the campaigns and completions."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            moved = refresh_next_due()
        self.stdout.write(f"{moved} task{'s' if moved != 1 else ''} got a new next due date.")
