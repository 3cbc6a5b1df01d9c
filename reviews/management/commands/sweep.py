"""One sweep by hand: make the review sessions and notices due now exist. With --dry-run, say
what a sweep at --now would make and send, and write nothing: simulated time sends nothing, and
a time later than the clock is refused otherwise, since the notices it made would go out today
and use up the keys of the real reminders."""

import datetime
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from config.moments import moment_arg
from reviews import jobs, notify, scheduling
from reviews.models import Notice

# --now may run this far ahead of the clock (a command typed a moment before the hour).
AHEAD = datetime.timedelta(minutes=5)


class Command(BaseCommand):
    help = "Make what is due exist: this quarter's review, post-campaign reviews, reminders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            type=moment_arg,
            help="Sweep as if it were this moment (ISO 8601; local time unless it says).",
        )
        parser.add_argument("--json", action="store_true", help="Print what was made as JSON.")
        parser.add_argument(
            "--no-send",
            action="store_true",
            help="Make the notices but leave sending them to the worker's next sweep.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print, as JSON, what the sweep would make and send; write and send nothing.",
        )
        parser.add_argument(
            "--i-know-this-sends",
            action="store_true",
            help="On a development machine (DJANGO_DEBUG), sweep at a future --now for real.",
        )

    def handle(self, *args, **options):
        now = options["now"] or timezone.now()
        if options["dry_run"]:
            self.stdout.write(json.dumps(_dry_run(now), indent=2, ensure_ascii=False))
            return
        if now > timezone.now() + AHEAD and not (options["i_know_this_sends"] and settings.DEBUG):
            raise CommandError(
                f"--now {now:%Y-%m-%d %H:%M} is in the future: the reminders it made would be "
                "sent today, and the real ones never. Add --dry-run to see what it would do"
                + (", or --i-know-this-sends to do it anyway." if settings.DEBUG else ".")
            )
        created = scheduling.sweep(now)
        if not options["no_send"]:
            # Also what an earlier sweep made and never sent (it died, or the broker was away).
            jobs.deliver_later(notify.pending())
        if options["json"]:
            self.stdout.write(json.dumps(created.as_json(), indent=2))
            return
        for session in created.sessions:
            self.stdout.write(
                f"Made {session} for {session.scheduled_for:%a %-d %b %Y}: "
                f"{session.item_count} task(s) to walk."
            )
        if not created.sessions:
            self.stdout.write("No new review session was due.")
        self.stdout.write(f"{len(created.notices)} reminder(s) made.")


def _dry_run(now: datetime.datetime) -> dict:
    """The sweep at `now`, rolled back: what it made, and each notice as it would be sent."""
    with transaction.atomic():
        created = scheduling.sweep(now)
        notices = Notice.objects.filter(pk__in=created.notices).select_related(
            "person", "session", "task"
        )
        would_send = []
        for notice in notices.order_by("pk"):
            message = notify.compose(notice, today=timezone.localdate(now))
            would_send.append(
                {
                    "key": notice.key,
                    "kind": notice.kind,
                    "to": notice.person.email,
                    "subject": message.subject if message else None,
                }
            )
        report = created.as_json() | {"would_send": would_send, "dry_run": True}
        transaction.set_rollback(True)
    return report
