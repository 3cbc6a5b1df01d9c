import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.gap_rules import NO_OWNER, GapReport
from ownership.models import Role
from tests.factories import PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("gaps", *args, stdout=out)
    return out.getvalue()


def test_the_json_lists_every_active_task_most_severe_first():
    clean = TaskFactory(name="Inventory sync")
    warehouse = TeamFactory()
    assign_owner(task=clean, person=PersonFactory(team=warehouse), by=None)
    assign_backup(task=clean, person=PersonFactory(team=warehouse), by=None)
    helped = TaskFactory(name="Promo code setup and QA")
    for name in ("Zoe Adams", "Ivan Petrov"):
        person = PersonFactory(name=name, team=TeamFactory())
        assign(task=helped, person=person, role=Role.CONTRIBUTOR, by=None)
    TaskFactory(name="Search quality", rhythm="")
    TaskFactory(name="Retired", is_active=False)
    data = json.loads(_run("--json"))
    assert [(item["task"], item["gaps"], item["cross_team"]) for item in data] == [
        ("Promo code setup and QA", ["contributors_no_owner", "no_backup"], True),
        ("Search quality", ["no_owner", "no_backup", "no_rhythm"], False),
        ("Inventory sync", [], False),
    ]
    assert data[0]["slug"] == "promo-code-setup-and-qa"
    assert data[0]["details"]["contributors_no_owner"] == (
        "2 people help (Ivan Petrov, Zoe Adams); nobody is accountable."
    )


def test_the_json_is_written_item_by_item_as_the_whole_list_would_print(monkeypatch):
    each_row = GapReport.each_row

    def _in_batches_of_two(report, pks):
        for start in range(0, len(pks), 2):
            yield from each_row(report, pks[start : start + 2])

    monkeypatch.setattr(GapReport, "each_row", _in_batches_of_two)
    assert _run("--json") == "[]\n"
    for n in range(5):
        TaskFactory(name=f"Task “{n}”", rhythm="")
    out = _run("--json")
    data = json.loads(out)
    assert len(data) == 5
    # Three batches, and the very text json.dumps gives the whole list.
    assert out == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_the_text_output_ends_with_a_count_per_rule_and_the_coverage():
    TaskFactory(name="Search quality", criticality="critical")
    out = _run()
    assert "Search quality  [" in out
    assert "  no_owner: Nobody is assigned to it at all." in out
    assert f"     1  {NO_OWNER.label}" in out
    assert "Coverage: 0% of critical and high tasks fully covered (0 of 1); 1 active tasks." in out


def test_the_command_filters_by_stage_slug():
    TaskFactory(name="Inventory sync")
    data = json.loads(_run("--json", "--stage", "returns-refunds"))
    assert data == []


@pytest.mark.parametrize(("option", "message"), [("--stage", "No stage"), ("--team", "No team")])
def test_an_unknown_filter_is_refused_with_the_known_ones(option, message):
    TeamFactory(name="Warehouse", slug="warehouse")
    with pytest.raises(CommandError, match=message):
        _run(option, "nope")


@pytest.mark.parametrize("size", [3, 30])
def test_the_json_takes_the_same_statements_whatever_the_maps_size(size, django_assert_num_queries):
    team = TeamFactory()
    for n in range(size):
        task = TaskFactory(name=f"Task {n}", rhythm="" if n % 2 else "every monday")
        assign(task=task, person=PersonFactory(team=team), role=Role.CONTRIBUTOR, by=None)
    # The stages; the gap report; every active task's id in order; the details, one
    # statement per thousand tasks.
    with django_assert_num_queries(4):
        data = json.loads(_run("--json"))
    assert len(data) == size


def test_the_whole_maps_details_in_one_pass_are_those_looked_up_task_by_task(monkeypatch):
    """Past a batch, the details come from one pass over the map (the helpers and owners'
    loads aggregated once); a page's few, each looked up: both in the order asked, alike."""
    from ownership import gap_rules

    team, other = TeamFactory(), TeamFactory()
    busy = PersonFactory(team=team)
    for n in range(7):
        task = TaskFactory(name=f"Task {n}", criticality="critical" if n % 2 else "normal")
        if n % 3:
            assign_owner(task=task, person=busy, by=None)
        assign(task=task, person=PersonFactory(team=other), role=Role.CONTRIBUTOR, by=None)
        if n == 4:
            assign_backup(task=task, person=PersonFactory(team=team), by=None)
    looked_up = _run("--json")
    monkeypatch.setattr(gap_rules, "DETAILS_BATCH", 2)
    assert _run("--json") == looked_up
    data = json.loads(looked_up)
    assert len(data) == 7
    assert [item["owner"] for item in data].count(busy.name) == 4
