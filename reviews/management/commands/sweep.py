"""One sweep by hand: make the review sessions and notices due now (or at --now) exist."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reviews import jobs, scheduling


def _moment(text: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--now {text!r} is not an ISO date and time, e.g. 2026-10-01T09:00 or 2026-10-01."
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "Make what is due exist: this quarter's review, post-campaign reviews, reminders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            type=_moment,
            help="Sweep as if it were this moment (ISO 8601; local time unless it says).",
        )
        parser.add_argument("--json", action="store_true", help="Print what was made as JSON.")
        parser.add_argument(
            "--no-send",
            action="store_true",
            help="Make the notices but leave sending them to the worker's next sweep.",
        )

    def handle(self, *args, **options):
        created = scheduling.sweep(options["now"] or timezone.now())
        if not options["no_send"]:
            jobs.deliver_later(created.notices)
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
