import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.gap_facts import refresh_gap_facts
from ownership.gap_rules import (
    CONTRIBUTORS_NO_OWNER,
    NO_BACKUP,
    NO_OWNER,
    OVERDUE,
    OVERLOADED_OWNER,
    OWNER_DEPARTED,
    VAGUE_DONE,
    GapRule,
    gap_report,
)
from ownership.models import Role
from tasks_registry.models import Stage, Task
from tests.factories import (
    CompletionFactory,
    PersonFactory,
    TaskFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 16)


def _backdated(task: Task, **fields) -> None:
    """Dates only time would set, written past the write functions, and the rules' facts of
    the task read again as a bulk write does (ownership/gap_facts.py)."""
    Task.objects.filter(pk=task.pk).update(**fields)
    refresh_gap_facts([task.pk])


def _covered(name="Inventory sync", criticality="normal", **fields):
    """A task with nothing wrong: owner, backup, a checkable definition of done, a rhythm."""
    task = TaskFactory(name=name, criticality=criticality, **fields)
    team = TeamFactory()
    assign_owner(task=task, person=PersonFactory(team=team), by=None)
    assign_backup(task=task, person=PersonFactory(team=team), by=None)
    return task


def _gaps(task: Task, on=TODAY) -> list[str]:
    return [rule.code for rule in gap_report(on=on).gaps_of.get(task.pk, [])]


def _rows(rule: GapRule, on=TODAY):
    report = gap_report(on=on)
    return report.rows(report.by_rule[rule])


def test_a_covered_task_has_no_gaps():
    assert _gaps(_covered()) == []


def test_helpers_and_no_owner_is_the_headline_gap_not_no_owner():
    task = TaskFactory(name="Promo code setup and QA")
    assign(task=task, person=PersonFactory(), role=Role.CONTRIBUTOR, by=None)
    assert _gaps(task)[0] == "contributors_no_owner"
    assert "no_owner" not in _gaps(task)


@pytest.mark.parametrize("role", [Role.BACKUP, Role.CHECKER])
def test_a_backup_or_checker_without_an_owner_counts_as_helpers(role):
    task = TaskFactory()
    assign(task=task, person=PersonFactory(), role=role, by=None)
    assert "contributors_no_owner" in _gaps(task)


@pytest.mark.parametrize("role", [Role.CONSULTED, Role.INFORMED, Role.ESCALATION])
def test_people_who_do_not_do_the_work_leave_a_task_with_no_owner(role):
    task = TaskFactory()
    assign(task=task, person=PersonFactory(), role=role, by=None)
    assert _gaps(task)[:2] == ["no_owner", "no_backup"]


def test_a_task_with_nobody_has_no_owner_and_no_backup():
    task = TaskFactory()
    assert _gaps(task) == ["no_owner", "no_backup"]


def test_an_owner_who_left_is_flagged_from_the_day_they_leave():
    task = _covered()
    owner = task.assignments.get(role=Role.OWNER).person
    owner.departed_on = TODAY + datetime.timedelta(days=1)
    owner.save()
    assert "owner_departed" not in _gaps(task)
    assert "owner_departed" in _gaps(task, on=TODAY + datetime.timedelta(days=1))


def test_an_owner_who_changed_role_after_taking_the_task_on_is_flagged():
    task = _covered()
    owner = task.assignments.get(role=Role.OWNER).person
    owner.role_changed_at = timezone.now() + datetime.timedelta(minutes=1)
    owner.save()
    (row,) = _rows(OWNER_DEPARTED)
    assert OWNER_DEPARTED.detail(row).startswith(f"{owner.name} changed role on ")


def test_an_owner_given_the_task_after_changing_role_is_not_flagged():
    person = PersonFactory(role_changed_at=timezone.now() - datetime.timedelta(days=3))
    task = TaskFactory()
    assign_owner(task=task, person=person, by=None)
    assign_backup(task=task, person=PersonFactory(), by=None)
    assert _gaps(task) == []


@pytest.mark.parametrize(
    ("presence", "detail"),
    [
        ({"away_until": TODAY}, "is away until 16 Nov 2026"),
        ({"departed_on": TODAY - datetime.timedelta(days=2)}, "left on 14 Nov 2026"),
    ],
)
def test_a_backup_who_is_away_or_gone_counts_as_no_backup(presence, detail):
    task = _covered()
    backup = task.assignments.get(role=Role.BACKUP).person
    for name, value in presence.items():
        setattr(backup, name, value)
    backup.save()
    (row,) = _rows(NO_BACKUP)
    assert detail in NO_BACKUP.detail(row)


def test_a_backup_back_from_leave_counts_again():
    task = _covered()
    backup = task.assignments.get(role=Role.BACKUP).person
    backup.away_until = TODAY - datetime.timedelta(days=1)
    backup.save()
    assert _gaps(task) == []


@pytest.mark.parametrize(
    ("criticality", "days_late", "overdue"),
    [
        ("critical", 1, True),
        ("critical", 0, False),
        ("high", 1, False),
        ("high", 2, True),
        ("normal", 3, False),
        ("normal", 4, True),
    ],
)
def test_a_due_date_past_its_grace_with_no_completion_is_overdue(criticality, days_late, overdue):
    task = _covered(criticality=criticality)
    _backdated(task, next_due_on=TODAY - datetime.timedelta(days=days_late))
    assert ("overdue" in _gaps(task)) is overdue


def test_a_completion_of_the_due_occurrence_clears_overdue():
    task = _covered(criticality="critical")
    due = TODAY - datetime.timedelta(days=5)
    _backdated(task, next_due_on=due)
    CompletionFactory(task=task, due_on=due - datetime.timedelta(days=7))
    assert "overdue" in _gaps(task)
    CompletionFactory(task=task, due_on=due)
    assert "overdue" not in _gaps(task)


def test_a_task_with_no_due_date_is_never_overdue():
    assert "overdue" not in _gaps(_covered(criticality="critical"))


@pytest.mark.parametrize(
    ("done", "reason"),
    [
        ("", "No definition of done"),
        ("ok", "Too short to check"),
        ("check it", "Too short to check"),
        ("Budget approved", "Too short to check"),
        ("Make sure the promo works properly", "No checkable outcome"),
    ],
)
def test_a_vague_definition_of_done_says_what_made_it_vague(done, reason):
    task = _covered(definition_of_done=done)
    (row,) = _rows(VAGUE_DONE)
    assert row.pk == task.pk
    assert VAGUE_DONE.detail(row).startswith(reason)


@pytest.mark.parametrize(
    "done",
    [
        "Codes tested at checkout on desktop and mobile",
        "Storefront stock matches WMS within 1%",
        "Every held order decided within 4 business hours",
        "Cut-off banner live on site before Friday",
        "Zero-result searches reviewed and fixed",
    ],
)
def test_a_checkable_definition_of_done_is_not_vague(done):
    assert "vague_done" not in _gaps(_covered(definition_of_done=done))


def test_a_task_without_a_rhythm_is_flagged():
    assert _gaps(_covered(rhythm="  ")) == ["no_rhythm"]


def test_an_owner_of_more_critical_tasks_than_the_limit_is_overloaded(settings):
    settings.OWNERMAP_MAX_CRITICAL_TASKS = 2
    owner = PersonFactory(name="Irene Costa")
    tasks = [TaskFactory(criticality="critical") for _ in range(3)]
    normal = TaskFactory(criticality="normal")
    for task in [*tasks, normal]:
        assign_owner(task=task, person=owner, by=None)
    rows = _rows(OVERLOADED_OWNER)
    assert {row.pk for row in rows} == {t.pk for t in tasks}
    assert OVERLOADED_OWNER.detail(rows[0]) == (
        "Irene Costa is accountable for 3 critical tasks (the limit is 2)."
    )


def test_an_owner_at_the_limit_is_not_overloaded_and_retired_tasks_do_not_count(settings):
    settings.OWNERMAP_MAX_CRITICAL_TASKS = 2
    owner = PersonFactory()
    for active in (True, True, False):
        assign_owner(
            task=TaskFactory(criticality="critical", is_active=active), person=owner, by=None
        )
    assert gap_report(on=TODAY).by_rule[OVERLOADED_OWNER] == []


def test_a_task_never_confirmed_in_a_review_goes_stale_a_quarter_after_it_was_added(settings):
    settings.OWNERMAP_STALE_AFTER_DAYS = 92
    task = _covered()
    _backdated(task, created_at=timezone.now() - datetime.timedelta(days=100))
    assert _gaps(task, on=timezone.localdate()) == ["stale"]
    _backdated(task, created_at=timezone.now() - datetime.timedelta(days=80))
    assert _gaps(task, on=timezone.localdate()) == []


@pytest.mark.parametrize(("days_ago", "stale"), [(None, True), (30, False), (120, True)])
def test_a_recent_confirmation_in_a_review_keeps_a_task_fresh(days_ago, stale):
    # The reviews app keeps last_confirmed_at (tests/reviews/test_session_views.py).
    task = _covered()
    confirmed = None if days_ago is None else timezone.now() - datetime.timedelta(days=days_ago)
    _backdated(
        task, created_at=timezone.now() - datetime.timedelta(days=400), last_confirmed_at=confirmed
    )
    assert ("stale" in _gaps(task, on=timezone.localdate())) is stale


def test_retired_tasks_have_no_gaps():
    TaskFactory(is_active=False, rhythm="")
    report = gap_report(on=TODAY)
    assert (report.task_count, report.flagged) == (0, [])


def test_a_task_spanning_two_teams_ranks_first_within_a_rule():
    alone = TaskFactory(name="A alone", criticality="critical")
    assign(task=alone, person=PersonFactory(), role=Role.CONTRIBUTOR, by=None)
    spanning = TaskFactory(name="B spanning", criticality="normal")
    assign(task=spanning, person=PersonFactory(), role=Role.CONTRIBUTOR, by=None)
    assign(task=spanning, person=PersonFactory(), role=Role.CONTRIBUTOR, by=None)
    ranked = _rows(CONTRIBUTORS_NO_OWNER)
    assert [(row.name, row.cross_team) for row in ranked] == [
        ("B spanning", True),
        ("A alone", False),
    ]


def test_within_a_rule_critical_tasks_come_before_the_rest():
    for name, criticality in [("A", "normal"), ("B", "critical"), ("C", "high")]:
        TaskFactory(name=name, criticality=criticality)
    ranked = _rows(NO_OWNER)
    assert [row.name for row in ranked] == ["B", "C", "A"]


def test_within_a_criticality_earlier_stages_come_first_then_names():
    first, last = Stage.objects.order_by("order")[0], Stage.objects.order_by("-order")[0]
    TaskFactory(name="A late", stage=last)
    TaskFactory(name="B early", stage=first)
    TaskFactory(name="c early", stage=first)
    assert [row.name for row in _rows(NO_OWNER)] == ["B early", "c early", "A late"]


def test_each_task_lists_its_gaps_most_severe_first():
    task = TaskFactory(rhythm="", definition_of_done="ok")
    assign(task=task, person=PersonFactory(), role=Role.CONTRIBUTOR, by=None)
    assert _gaps(task) == ["contributors_no_owner", "no_backup", "vague_done", "no_rhythm"]


def test_the_report_filters_by_stage_and_by_team():
    fulfilment = Stage.objects.get(slug="fulfilment")
    warehouse = TeamFactory(name="Warehouse")
    in_stage = TaskFactory(name="Inventory sync", stage=fulfilment)
    with_team = TaskFactory(name="Goods-in")
    assign(task=with_team, person=PersonFactory(team=warehouse), role=Role.INFORMED, by=None)
    assert gap_report(on=TODAY, stage=fulfilment).flagged == [in_stage.pk]
    assert gap_report(on=TODAY, team=warehouse).flagged == [with_team.pk]


def test_coverage_counts_critical_and_high_tasks_with_everything_in_place():
    _covered(name="Covered critical", criticality="critical")
    _covered(name="Covered high", criticality="high")
    _covered(name="Vague high", criticality="high", definition_of_done="done")
    TaskFactory(name="Unowned critical", criticality="critical")
    _covered(name="Normal tasks do not count", criticality="normal", rhythm="")
    coverage = gap_report(on=TODAY).coverage
    assert (coverage.covered, coverage.total, coverage.percent) == (2, 4, 50)


def test_coverage_of_an_empty_map_is_unknown_not_zero():
    assert gap_report(on=TODAY).coverage.percent is None


def _every_gap(size):
    """`size` tasks, each showing several rules, people shared across tasks."""
    team_a, team_b = TeamFactory(), TeamFactory()
    gone = PersonFactory(team=team_a, departed_on=TODAY - datetime.timedelta(days=9))
    busy = PersonFactory(team=team_b)
    for n in range(size):
        task = TaskFactory(criticality="critical", definition_of_done="ok", rhythm="")
        _backdated(task, next_due_on=TODAY - datetime.timedelta(days=9))
        if n % 3 == 0:
            assign(task=task, person=busy, role=Role.CONTRIBUTOR, by=None)
        elif n % 3 == 1:
            assign(task=task, person=busy, role=Role.OWNER, by=None)
            assign(task=task, person=gone, role=Role.CONTRIBUTOR, by=None)
        else:
            _backdated(task, last_confirmed_at=timezone.now())


@pytest.mark.parametrize("size", [3, 30])
def test_the_whole_maps_gaps_take_one_query_whatever_its_size(size):
    _every_gap(size)
    with CaptureQueriesContext(connection) as queries:
        report = gap_report(on=TODAY)
    # every rule, for every task, in one statement
    assert len(queries) == 1
    assert report.task_count == size
    assert report.counts[OVERDUE] == size


def test_a_batch_of_details_counts_its_owners_whole_load_and_only_its_own_helpers(settings):
    """The details of a few tasks aggregate only for them, yet an owner's load still counts
    every critical task they own, in the batch or not."""
    settings.OWNERMAP_MAX_CRITICAL_TASKS = 2
    busy = PersonFactory(name="Ana Busy")
    owned = [TaskFactory(name=f"Critical {n}", criticality="critical") for n in range(3)]
    for task in owned:
        assign_owner(task=task, person=busy, by=None)
    helped = owned[0]
    for _ in range(2):
        assign(
            task=helped, person=PersonFactory(team=TeamFactory()), role=Role.CONTRIBUTOR, by=None
        )
    assign(task=owned[1], person=PersonFactory(), role=Role.CONTRIBUTOR, by=None)
    report = gap_report(on=TODAY)
    [row] = report.rows([helped.pk])  # a batch of one: the others are outside it
    assert (row.owner_load, row.helpers, row.cross_team) == (3, 2, True)
    assert OVERLOADED_OWNER.detail(row) == (
        "Ana Busy is accountable for 3 critical tasks (the limit is 2)."
    )
