"""What the notices are: each one made, with its key, kind, person, task, when it was made and
whether it went (sent, skipped with why, waiting, or given up), newest first."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from config.moments import moment_arg
from reviews.models import Notice
from reviews.notify import MAX_ATTEMPTS


def _when(moment: Any) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _state(notice: Notice) -> str:
    if notice.sent_at:
        return "sent"
    if notice.skipped_because:
        return "skipped"
    if notice.attempts >= MAX_ATTEMPTS:
        return "given up"
    return "waiting"


class Command(BaseCommand):
    help = "List the notices made (since a moment): key, kind, person, task, made, sent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            type=moment_arg,
            help="Only notices made at or after this moment (ISO 8601; local time unless it says).",
        )
        parser.add_argument("--json", action="store_true", help="Print them as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        notices = Notice.objects.select_related("person", "task").order_by("-created_at", "-id")
        if options["since"]:
            notices = notices.filter(created_at__gte=options["since"])
        rows: list[dict[str, Any]] = [
            {
                "key": notice.key,
                "kind": notice.kind,
                "person": notice.person.name,
                "email": notice.person.email,
                "task": notice.task.name if notice.task else None,
                "due_on": notice.due_on.isoformat() if notice.due_on else None,
                "created": _when(notice.created_at),
                "sent": _when(notice.sent_at),
                "state": _state(notice),
                "skipped_because": notice.skipped_because,
                "attempts": notice.attempts,
                "last_error": notice.last_error,
            }
            for notice in notices.iterator(chunk_size=500)
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for row in rows:
            about = f" · {row['task']}" if row["task"] else ""
            self.stdout.write(
                f"{row['created'][:16]}  {row['state']:<8} {row['kind']:<8} "
                f"{row['person']}{about}  ({row['key']})"
            )
        self.stdout.write(f"{len(rows)} notice{'s' if len(rows) != 1 else ''}.")
