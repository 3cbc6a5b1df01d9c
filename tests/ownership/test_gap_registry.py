"""The gap rules are one registry: a rule added as one entry shows everywhere gaps are shown,
and the fixes it names are offered where it is shown."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.fixes import RhythmFix
from ownership.gap_rules import RULES, GapRule, gap_report
from tasks_registry.metrics import metric_named
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db

# A toy rule: a task that names no metric, found with a bound parameter and offering a fix.
TOY = GapRule(
    code="no_metric",
    label="No metric",
    meaning="Nobody said which number the task protects.",
    sql="t.metric_id IS NULL AND %(critical_limit)s > 0",
    detail=lambda row: f"“{row.name}” protects no number anyone watches.",
    fixes=(RhythmFix,),
)


@pytest.fixture
def toy_rule(monkeypatch):
    monkeypatch.setattr(RULES, "rules", (*RULES.rules, TOY))


def _covered(**fields):
    fields.setdefault("name", "Returns notices")
    task = TaskFactory(
        rhythm="weekly on monday",
        definition_of_done="Every return notice answered within one business day",
        **fields,
    )
    assign_owner(task=task, person=PersonFactory(), by=None)
    assign_backup(task=task, person=PersonFactory(), by=None)
    return task


def test_the_toy_rule_is_not_there_without_its_entry():
    task = _covered()
    assert "no_metric" not in [rule.code for rule in RULES]
    assert gap_report(on=timezone.localdate()).gaps_of.get(task.pk) is None


def test_a_rule_added_in_one_entry_is_on_the_dashboard_with_its_fix(toy_rule, client, ops_lead):
    task = _covered()
    _covered(name="Carrier claims", metric=metric_named("claims recovered"))
    client.force_login(ops_lead)
    html = client.get(reverse("ownership:dashboard")).content.decode()
    assert 'id="count-no_metric">1<' in html
    assert 'id="gap-no_metric"' in html
    assert "Nobody said which number the task protects." in html
    assert "“Returns notices” protects no number anyone watches." in html
    assert f'id="fix-{task.pk}-no_metric-rhythm"' in html


def test_a_rule_added_in_one_entry_is_in_the_gaps_command(toy_rule):
    _covered()
    out = StringIO()
    call_command("gaps", "--json", stdout=out)
    [row] = json.loads(out.getvalue())
    assert row["gaps"] == ["no_metric"]
    assert row["details"] == {"no_metric": "“Returns notices” protects no number anyone watches."}
    out = StringIO()
    call_command("gaps", stdout=out)
    assert "     1  No metric" in out.getvalue()


def test_a_rule_added_in_one_entry_is_on_the_task_page(toy_rule, client, ops_lead):
    task = _covered()
    client.force_login(ops_lead)
    html = client.get(task.get_absolute_url()).content.decode()
    assert "<strong>No metric.</strong> “Returns notices” protects no number anyone watches." in (
        html
    )
    assert 'id="fix-rhythm"' in html


def test_a_rule_added_in_one_entry_ranks_after_the_others_and_leaves_coverage_alone(toy_rule):
    task = _covered(criticality="critical")
    report = gap_report(on=timezone.localdate())
    assert report.gaps_of[task.pk] == (TOY,)
    assert list(report.counts)[-1] is TOY
    assert report.coverage.percent == 100
