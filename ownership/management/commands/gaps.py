"""Every active task with its gaps, the most severe first: the dashboard on the command line."""

import json
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import timezone

from ownership.gap_rules import RULES, GapReport, TaskGaps, active_tasks_filtered, gap_report
from ownership.models import Team
from tasks_registry.models import Stage, Task


def task_data(task: TaskGaps) -> dict[str, Any]:
    return {
        "task": task.name,
        "slug": task.slug,
        "stage": task.stage_name,
        "criticality": task.criticality,
        "gaps": task.codes,
        "details": {rule.code: detail for rule, detail in task.gap_list},
        "cross_team": task.cross_team,
        "owner": task.owner.name if task.owner else None,
        "backup": task.backup.name if task.backup else None,
    }


def ordered(report: GapReport, tasks: QuerySet[Task]) -> Iterator[TaskGaps]:
    """Tasks with gaps by their most severe one (ranked as on the dashboard), then the rest; a
    thousand at a time."""
    # Left out here rather than by the database: a list of every flagged task's id passes
    # PostgreSQL's 65,535 parameters on a large map.
    every = tasks.order_by("stage__order", "name", "pk").values_list("pk", flat=True)
    clean = [pk for pk in every if pk not in report.gaps_of]
    return report.each_row(report.flagged + clean)


class Command(BaseCommand):
    help = "List every active task with its gaps, the most severe first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print a JSON list")
        parser.add_argument("--stage", help="only tasks of this stage (its slug)")
        parser.add_argument("--team", help="only tasks with someone of this team (its slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        stages = {stage.pk: stage for stage in Stage.objects.all()}
        stage = team = None
        if options["stage"]:
            stage = next((s for s in stages.values() if s.slug == options["stage"]), None)
            if stage is None:
                known = ", ".join(s.slug for s in stages.values())
                raise CommandError(f"No stage “{options['stage']}”. Stages: {known}.")
        if options["team"]:
            team = Team.objects.filter(slug=options["team"]).first()
            if team is None:
                known = ", ".join(Team.objects.values_list("slug", flat=True))
                raise CommandError(f"No team “{options['team']}”. Teams: {known}.")
        active = active_tasks_filtered(stage=stage, team=team)
        report = gap_report(on=timezone.localdate(), tasks=active)
        tasks = ordered(report, active)
        if options["json"]:
            self._write_json(tasks)
            return
        count = 0
        for task in tasks:
            count += 1
            if not task.gaps:
                continue
            spans = ", cross-team" if task.cross_team else ""
            self.stdout.write(f"{task.name}  [{task.stage_name}{spans}]")
            for rule, detail in task.gap_list:
                self.stdout.write(f"  {rule.code}: {detail}")
        self.stdout.write("")
        for rule in RULES:
            self.stdout.write(f"{report.counts[rule]:>6}  {rule.label}")
        coverage = report.coverage
        percent = "—" if coverage.percent is None else f"{coverage.percent}%"
        self.stdout.write(
            f"Coverage: {percent} of critical and high tasks fully covered "
            f"({coverage.covered} of {coverage.total}); {count} active tasks."
        )

    def _write_json(self, tasks: Iterator[TaskGaps]) -> None:
        """The list written as it is read, item by item (the same text json.dumps would give
        the whole list): at 100,000 tasks the whole list was held twice, as rows and as data."""
        opening = "\n"
        self.stdout.write("[", ending="")
        for task in tasks:
            # Indented one level as a list item; JSON text has no line of its own inside a
            # string, so every line break starts a line to indent (textwrap.indent took 3 s of
            # the 100,000 items' 20).
            item = json.dumps(task_data(task), indent=2, ensure_ascii=False)
            self.stdout.write(opening + "  " + item.replace("\n", "\n  "), ending="")
            opening = ",\n"
        self.stdout.write("]" if opening == "\n" else "\n]")
