"""What the dashboard shows: counts per rule, and the flagged tasks of each rule, ranked."""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict

from ownership.answerer import Answerer, answerers
from ownership.fix_in_place import FixPlace
from ownership.fixes import Fix
from ownership.gap_rules import (
    RULES,
    GapReport,
    GapRule,
    TaskGaps,
    active_tasks_filtered,
    gap_report,
)
from ownership.models import Team
from tasks_registry.models import Metric, Stage, Task

ROWS_PER_RULE = 10
ROWS_PER_PAGE = 100


@dataclass
class Line:
    """A flagged task in one rule's section, with the fixes that rule offers for it, and, if
    nobody acts for it, who answers for it meanwhile."""

    row: TaskGaps
    detail: str
    fixes: list[Fix]
    answerer: Answerer | None = None


@dataclass
class Section:
    rule: GapRule
    count: int
    lines: list[Line] = field(default_factory=list)

    @property
    def rows(self) -> list[TaskGaps]:
        return [line.row for line in self.lines]

    @property
    def more(self) -> int:
        return self.count - len(self.lines)


@dataclass
class Filters:
    stages: list[Stage]
    teams: list[Team]
    stage: Stage | None
    team: Team | None
    rule: GapRule | None
    metrics: list[Metric] = field(default_factory=list)
    metric: Metric | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> "Filters":
        """Unknown values are ignored rather than refused: a stale bookmark still opens."""
        stages = list(Stage.objects.all())
        teams = list(Team.objects.all())
        metrics = list(Metric.objects.all())
        stage = next((s for s in stages if s.slug == query.get("stage")), None)
        team = next((t for t in teams if t.slug == query.get("team")), None)
        metric = next((m for m in metrics if str(m.pk) == query.get("metric")), None)
        rule = RULES.get(query.get("rule"))
        return cls(stages, teams, stage, team, rule, metrics, metric)

    @property
    def every_stage(self) -> str:
        """The query string for every stage, keeping the other filters."""
        return self.query(stage="")

    @property
    def narrowed(self) -> bool:
        return self.stage is not None or self.team is not None or self.metric is not None

    def tasks(self) -> QuerySet[Task]:
        """The active tasks these filters keep."""
        return active_tasks_filtered(stage=self.stage, team=self.team, metric=self.metric)

    def query(self, **overrides: str) -> str:
        """The query string that keeps these filters, e.g. for "show all" links."""
        params = QueryDict(mutable=True)
        values = {
            "stage": self.stage.slug if self.stage else "",
            "team": self.team.slug if self.team else "",
            "rule": self.rule.code if self.rule else "",
            "metric": str(self.metric.pk) if self.metric else "",
        }
        values.update(overrides)
        for name, value in values.items():
            if value:
                params[name] = value
        return params.urlencode()


@dataclass
class Dashboard:
    report: GapReport
    filters: Filters
    sections: list[Section]
    page: Page | None

    @property
    def counts(self) -> list[tuple[GapRule, int]]:
        return list(self.report.counts.items())

    @property
    def flagged_count(self) -> int:
        return len(self.report.gaps_of)


def _line(row: TaskGaps, rule: GapRule, place: FixPlace | None, answerer: Answerer | None) -> Line:
    if place is None:
        return Line(row, rule.detail(row), [], answerer)
    fixes = [
        place.form(fix, task=row, owner=row.owner, form_id=f"fix-{row.pk}-{rule.code}-{fix.kind}")
        for fix in rule.fixes_for(row)
    ]
    return Line(row, rule.detail(row), fixes, answerer)


def _nobody_acts(row: TaskGaps) -> bool:
    """No owner, or one who is gone with no backup here to step in: who answers for it?"""
    if row.owner is None:
        return True
    if not row.owner.has_departed(row.on):
        return False
    backup = row.backup
    return backup is None or backup.has_departed(row.on) or backup.is_away(row.on)


def build_dashboard(
    filters: Filters,
    *,
    on: datetime.date,
    page_number: str | None = None,
    place: FixPlace | None = None,
) -> Dashboard:
    """The report for the filters, and the rows to show: the first few of every rule, or one
    rule's rows a page at a time, each with the fixes its rule offers where `place` says (for
    someone who may edit the map). Five queries for the report and the rows, whatever the
    size; and, when some shown task has nobody acting for it, one for their people and at most
    two for whoever stands in (ownership/answerer.py)."""
    report = gap_report(on=on, tasks=filters.tasks() if filters.narrowed else None)
    page = None
    if filters.rule is not None:
        page = Paginator(report.by_rule[filters.rule], ROWS_PER_PAGE).get_page(page_number)
        shown = {filters.rule: list(page.object_list)}
    else:
        shown = {rule: pks[:ROWS_PER_RULE] for rule, pks in report.by_rule.items()}
    rows = {
        row.pk: row
        for row in report.rows(list(dict.fromkeys(pk for pks in shown.values() for pk in pks)))
    }
    standing_in = answerers([pk for pk, row in rows.items() if _nobody_acts(row)], on)
    sections = [
        Section(
            rule,
            report.counts[rule],
            [_line(rows[pk], rule, place, standing_in.get(pk)) for pk in pks if pk in rows],
        )
        for rule, pks in shown.items()
    ]
    return Dashboard(report, filters, sections, page)
