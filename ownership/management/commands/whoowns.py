"""Who owns this? — the lookup on the command line."""

import datetime
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ownership.lookup import MAX_LIMIT, Answer, answer_data, lookup
from ownership.time_travel import answers_as_of, check_as_of


def _as_of(typed: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(typed)
    except ValueError:
        raise CommandError(f"--as-of takes a date as 2026-10-01, not “{typed}”.") from None
    try:
        return check_as_of(day)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None


class Command(BaseCommand):
    help = "Find who owns a task from the words you would use for it, e.g. 'refund letter'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", nargs="+", help="what you need an owner for")
        parser.add_argument("--json", action="store_true", help="print a JSON list, best first")
        parser.add_argument("--limit", type=int, default=5, help=f"results, 1 to {MAX_LIMIT}")
        parser.add_argument(
            "--as-of",
            metavar="DATE",
            help="who owned it at the end of that day (2026-10-01), read from the history",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["limit"] <= MAX_LIMIT:
            raise CommandError(f"--limit must be between 1 and {MAX_LIMIT}.")
        query = " ".join(options["query"])
        as_of = _as_of(options["as_of"]) if options["as_of"] else None
        result = lookup(query, limit=options["limit"])
        if as_of is not None:
            self._as_it_was(result.answers, as_of, as_json=options["json"])
            return
        if options["json"]:
            data = [answer_data(answer) for answer in result.answers]
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        if not result.words:
            raise CommandError("Give some words to search for, e.g. 'holiday cutoff'.")
        if not result.answers:
            self.stdout.write(f"No task matches “{query}”.")
            for task in result.closest:
                self.stdout.write(f"  closest: {task.name} ({task.stage.name})")
            return
        for number, answer in enumerate(result.answers, start=1):
            self.stdout.write(self._describe(number, answer))

    def _as_it_was(self, answers: list[Answer], day: datetime.date, *, as_json: bool) -> None:
        """The tasks found, each with its owner and backup at the end of `day`."""
        rows = answers_as_of(answers, day)
        if as_json:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        self.stdout.write(f"As it was on {day:%-d %b %Y}:")
        for number, row in enumerate(rows, start=1):
            owner, backup = row["owner"], row["backup"]
            self.stdout.write(f"{number}. {row['task']}  [{row['stage']}]  {row['url']}")
            self.stdout.write(
                f"   Owner: {owner['name']} <{owner['email']}>" if owner else "   NOBODY OWNED IT."
            )
            self.stdout.write(
                f"   Backup: {backup['name']} <{backup['email']}>" if backup else "   No backup"
            )

    def _describe(self, number: int, answer: Answer) -> str:
        data = answer_data(answer)
        acting = data["acting_owner"]
        reason = {
            "owner": "",
            "owner_away": f" — acting while {answer.owner.name} is away" if answer.owner else "",
            "owner_departed": f" — acting since {answer.owner.name} left" if answer.owner else "",
            "no_owner": "",
        }[data["acting_reason"]]
        lines = [f"{number}. {data['task']}  [{data['stage']}]  {data['url']}"]
        if acting:
            handle = f", {acting['chat_handle']}" if acting["chat_handle"] else ""
            lines.append(f"   Ask: {acting['name']} <{acting['email']}>{handle}{reason}")
        else:
            lines.append("   NOBODY OWNS THIS.")
            answers = data["answers_for_it"]
            if answers["person"]:
                who = answers["person"]
                lines.append(
                    f"   Answers for it until someone does: {who['name']} <{who['email']}> "
                    f"({answers['because']})"
                )
        backup = data["backup"]
        lines.append(
            f"   Backup: {backup['name']} <{backup['email']}>" if backup else "   No backup"
        )
        if data["rhythm"]:
            lines.append(f"   Rhythm: {data['rhythm']}")
        if data["next_due"]:
            lines.append(f"   Next due: {data['next_due']}")
        if answer.matched:
            lines.append("   Matched: " + answer.why_line)
        return "\n".join(lines)
