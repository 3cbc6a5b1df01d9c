"""What the dashboard shows: counts per rule, and the flagged tasks of each rule, ranked."""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.http import QueryDict

from ownership.gap_rules import GapReport, Rule, TaskGaps, gap_report
from ownership.models import Team
from tasks_registry.models import Stage

ROWS_PER_RULE = 10
ROWS_PER_PAGE = 100


@dataclass
class Section:
    rule: Rule
    count: int
    rows: list[TaskGaps] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


@dataclass
class Filters:
    stages: list[Stage]
    teams: list[Team]
    stage: Stage | None
    team: Team | None
    rule: Rule | None

    @classmethod
    def from_query(cls, query: QueryDict) -> "Filters":
        """Unknown values are ignored rather than refused: a stale bookmark still opens."""
        stages = list(Stage.objects.all())
        teams = list(Team.objects.all())
        stage = next((s for s in stages if s.slug == query.get("stage")), None)
        team = next((t for t in teams if t.slug == query.get("team")), None)
        rule = query.get("rule")
        return cls(stages, teams, stage, team, Rule(rule) if rule in Rule.values else None)

    def query(self, **overrides: str) -> str:
        """The query string that keeps these filters, e.g. for "show all" links."""
        params = QueryDict(mutable=True)
        values = {
            "stage": self.stage.slug if self.stage else "",
            "team": self.team.slug if self.team else "",
            "rule": self.rule.value if self.rule else "",
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
    def counts(self) -> list[tuple[Rule, int]]:
        return list(self.report.counts.items())

    @property
    def flagged_count(self) -> int:
        return len(self.report.gaps_of)


def build_dashboard(
    filters: Filters, *, on: datetime.date, page_number: str | None = None
) -> Dashboard:
    """The report for the filters, and the rows to show: the first few of every rule, or one
    rule's rows a page at a time. Five queries for the report and the rows, whatever the size."""
    report = gap_report(on=on, stage=filters.stage, team=filters.team)
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
    sections = [
        Section(rule, report.counts[rule], [rows[pk] for pk in pks if pk in rows])
        for rule, pks in shown.items()
    ]
    return Dashboard(report, filters, sections, page)
