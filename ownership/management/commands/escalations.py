"""Each overdue occurrence's escalation: the step it reached, who holds it, and when the next
step fires and to whom (ownership/escalation.py). Reads only: the sweep makes the steps."""

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from config.moments import moment_arg
from ownership import escalation
from ownership.gap_rules import OVERDUE, gap_report


def _row(chain: escalation.Chain) -> dict[str, Any]:
    current, step = chain.current, chain.next
    return {
        "task": chain.task_name,
        "task_id": chain.task_id,
        "criticality": chain.criticality,
        "due_on": chain.due_on.isoformat(),
        "overdue_from": chain.overdue_from.isoformat(),
        "step": current.number if current else 0,
        "steps_in_policy": chain.steps_in_policy,
        "role": current.role if current else None,
        "held_by": current.person_name if current else None,
        "reached_on": current.on.isoformat() if current else None,
        "because": current.because if current else None,
        "paused_until": chain.pause.until.isoformat() if chain.paused and chain.pause else None,
        "next": {
            "step": step.number,
            "role": step.role,
            "to": step.person.name if step.person else None,
            "on": step.on.isoformat(),
            "repeat": step.repeat,
        }
        if step
        else None,
    }


class Command(BaseCommand):
    help = "List each overdue occurrence's escalation: its step, who holds it, what comes next."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            type=moment_arg,
            help="As things stand at this moment (ISO 8601; local time unless it says).",
        )
        parser.add_argument("--json", action="store_true", help="Print them as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        on: datetime.date = timezone.localdate(options["now"] or timezone.now())
        overdue = gap_report(on=on).by_rule[OVERDUE]
        found = []
        for start in range(0, len(overdue), 900):
            found += escalation.chains(overdue[start : start + 900], on)
        rows = [_row(chain) for chain in found]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for row in rows:
            held = (
                f"step {row['step']} ({row['role']}), {row['held_by']} since {row['reached_on']}"
                if row["step"]
                else "not escalated yet"
            )
            nxt = row["next"]
            then = (
                f"next: step {nxt['step']} to {nxt['to'] or 'nobody'} on {nxt['on']}"
                if nxt
                else "next: nothing"
            )
            paused = f", on it until {row['paused_until']}" if row["paused_until"] else ""
            self.stdout.write(f"{row['task']} (due {row['due_on']}): {held}{paused}; {then}")
        self.stdout.write(f"{len(rows)} overdue occurrence{'s' if len(rows) != 1 else ''}.")
