"""Link the people on the map to their Slack users, by email."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from slack_sdk.errors import SlackApiError, SlackClientError

from ownership.chat import slack
from ownership.chat.slack.people import link_by_email
from ownership.models import Person


class Command(BaseCommand):
    help = "Find each person's Slack user by their email, and link them (users.lookupByEmail)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="check people already linked too, and relink them"
        )
        parser.add_argument("--dry-run", action="store_true", help="say what would change only")

    def handle(self, *args: Any, **options: Any) -> None:
        if not slack.is_configured():
            raise CommandError("Slack is not set up: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN.")
        people = Person.objects.filter(departed_on__isnull=True).order_by("name", "pk")
        if not options["all"]:
            people = people.filter(slack_user_id="")
        try:
            done = link_by_email(people, dry_run=options["dry_run"])
        except SlackApiError as error:
            raise CommandError(f"Slack refused: {error.response.get('error')}.") from None
        except (SlackClientError, OSError) as error:
            raise CommandError(f"Slack could not be reached: {error}") from None
        verb = "would link" if options["dry_run"] else "linked"
        for person, user_id in done.linked:
            self.stdout.write(f"{verb} {person.name} <{person.email}> to {user_id}")
        for person in done.not_in_slack:
            self.stdout.write(f"not in Slack: {person.name} <{person.email}>")
        for person, user_id, holder in done.taken:
            self.stdout.write(
                f"left alone: {person.name}'s Slack user {user_id} is linked to {holder.name}"
            )
        self.stdout.write(
            f"{len(done.linked)} {verb}, {len(done.not_in_slack)} not in Slack, "
            f"{len(done.taken)} left alone."
        )
