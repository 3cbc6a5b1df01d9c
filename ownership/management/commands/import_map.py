"""Import a map from a CSV or XLSX file; --dry-run says what would change and writes nothing."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ownership.sheets.apply import ImportRefused, apply_import
from ownership.sheets.files import SheetError, read_table
from ownership.sheets.plan import ImportPlan, Problem, plan_import


class Command(BaseCommand):
    help = (
        "Import tasks and their people from a CSV or XLSX sheet (columns: task, stage, owner, "
        "backup, contributors, checker, escalation, rhythm, definition_of_done, criticality, "
        "aliases, systems, description…). Nothing is written if any row has a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="say what would change")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        try:
            table = read_table(data, path.name)
        except SheetError as error:
            self._fail(path.name, [Problem(None, None, str(error))], options["json"])
        if options["dry_run"]:
            plan = plan_import(table, path.name)
        else:
            try:
                plan = apply_import(table=table, file_name=path.name, by=None)
            except ImportRefused as refused:
                plan = refused.plan
        if not plan.ok:
            self._report(plan, options)
            raise CommandError(f"{len(plan.problems)} problems: nothing was imported.")
        self._report(plan, options)

    def _fail(self, name: str, problems: list[Problem], as_json: bool) -> None:
        if as_json:
            self.stdout.write(
                json.dumps({"file": name, "ok": False, "errors": [p.as_json() for p in problems]})
            )
        raise CommandError(problems[0].message)

    def _report(self, plan: ImportPlan, options: dict) -> None:
        if options["json"]:
            data = plan.as_json()
            data["applied"] = plan.ok and not options["dry_run"]
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        for problem in plan.problems:
            where = f"row {problem.row}" if problem.row else "file"
            column = f", {problem.column}" if problem.column else ""
            self.stdout.write(f"{where}{column}: {problem.message}")
        if plan.unknown_columns:
            self.stdout.write(
                "Ignored columns: " + ", ".join(f"“{c}”" for c in plan.unknown_columns)
            )
        if not plan.ok:
            return
        for row in plan.rows:
            if row.action == "create":
                self.stdout.write(f"row {row.row}: new task “{row.name}”")
            elif row.action == "update":
                self.stdout.write(f"row {row.row}: “{row.name}”: " + "; ".join(row.changes))
        for person in plan.new_people:
            self.stdout.write(f"new person: {person.name} <{person.email}>")
        counts = plan.counts
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: {counts['created']} new, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged tasks; {counts['people_created']} new people."
            )
        )
