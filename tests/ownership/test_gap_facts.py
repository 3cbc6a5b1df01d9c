"""What the gap rules read of each task, in one row, kept in step with every write path."""

import contextlib
import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ownership import gap_facts
from ownership.apps import _gap_facts_after_migrate
from ownership.assignments import (
    KEEP,
    assign,
    assign_backup,
    assign_owner,
    confirm_owner,
    swap_pair,
    unassign,
)
from ownership.gap_facts import rebuild_gap_facts
from ownership.gap_rules import gap_report
from ownership.models import Assignment, GapFacts, Person, Role
from ownership.people_changes import mark_departed, update_person
from tasks_registry.changes import update_task
from tasks_registry.completions import record_completion
from tasks_registry.models import Stage
from tests.factories import PersonFactory, TaskFactory, TeamFactory, UserFactory
from tests.hypothesis_profiles import examples

pytestmark = pytest.mark.django_db


_FIELDS = [field.attname for field in GapFacts._meta.concrete_fields]


def _facts() -> dict[int, tuple]:
    return {row[0]: row for row in GapFacts.objects.values_list(*_FIELDS)}


def _people(task) -> tuple:
    row = GapFacts.objects.get(task=task)
    return (row.owner_id, row.owner_confirmed_at, row.backup_id, row.helpers, row.cross_team)


def _rebuilt() -> dict[int, tuple]:
    kept = _facts()
    rebuild_gap_facts()
    return kept


def test_a_tasks_facts_follow_its_assignments():
    task = TaskFactory()
    team = TeamFactory()
    owner, backup = PersonFactory(team=team), PersonFactory(team=team)
    assert _people(task) == (None, None, None, 0, False)  # nobody assigned
    held = assign_owner(task=task, person=owner, by=None)
    assign_backup(task=task, person=backup, by=None)
    assign(task=task, person=PersonFactory(team=team), role=Role.CHECKER, by=None)
    assign(task=task, person=PersonFactory(team=team), role=Role.INFORMED, by=None)
    # The backup and the checker do or check the work; the informed person does not.
    assert _people(task) == (owner.pk, held.confirmed_at, backup.pk, 2, False)


def test_a_tasks_people_change_with_a_swap_and_go_when_the_last_person_leaves():
    task = TaskFactory()
    owner, backup = PersonFactory(), PersonFactory()
    assign_owner(task=task, person=owner, by=None)
    assign_backup(task=task, person=backup, by=None)
    swap_pair(task=task, person=backup, role=Role.OWNER, previous="keep", by=None)
    summary = GapFacts.objects.get(task=task)
    assert (summary.owner_id, summary.backup_id) == (backup.pk, owner.pk)
    for assignment in Assignment.objects.filter(task=task):
        unassign(assignment=assignment, by=None)
    assert _people(task) == (None, None, None, 0, False)


def test_moving_someone_to_another_team_makes_their_tasks_span_two_teams():
    sales, ops = TeamFactory(name="Sales"), TeamFactory(name="Ops")
    task = TaskFactory()
    mover = PersonFactory(team=sales)
    assign_owner(task=task, person=PersonFactory(team=sales), by=None)
    assign(task=task, person=mover, role=Role.CONTRIBUTOR, by=None)
    assert GapFacts.objects.get(task=task).cross_team is False
    update_person(person=mover, by=None, team=ops)
    assert GapFacts.objects.get(task=task).cross_team is True
    report = gap_report(on=timezone.localdate())
    assert report.rows([task.pk])[0].cross_team is True


def test_bulk_loads_and_the_demo_leave_the_facts_a_rebuild_would_make():
    call_command("generate_map", tasks=60, people=12)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    kept = _rebuilt()
    assert len(kept) > 60
    assert kept == _facts()


def test_an_owners_confirmation_backdated_in_bulk_is_read_after_the_rebuild():
    task = TaskFactory()
    assign_owner(task=task, person=PersonFactory(), by=None)
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Assignment.objects.filter(task=task).update(confirmed_at=long_ago)
    call_command("reindex_search", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert GapFacts.objects.get(task=task).owner_confirmed_at == long_ago


def test_migrate_builds_the_facts_where_some_task_has_none():
    task = TaskFactory()
    owner = PersonFactory()
    assign_owner(task=task, person=owner, by=None)
    GapFacts.objects.all().delete()
    _gap_facts_after_migrate(sender=None)
    assert GapFacts.objects.get(task=task).owner_id == owner.pk


@pytest.mark.django_db(transaction=True)
def test_a_person_edited_while_made_owner_neither_deadlocks_nor_undoes_the_owner(
    reference_data, monkeypatch
):
    """Someone is made owner of a task (their summary written, not yet committed) while an ops
    lead moves them to another team: the edit waits, then summarizes what the first wrote."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL: SQLite writes one at a time")
    task = TaskFactory()
    person = PersonFactory(team=TeamFactory(name="Sales"))
    assign(task=task, person=person, role=Role.CONTRIBUTOR, by=None)
    ops = TeamFactory(name="Ops")
    written = threading.Event()
    real = gap_facts._refresh_batch

    def held_before_commit(ids):
        real(ids)
        if threading.current_thread().name == "owner":
            written.set()
            time.sleep(0.5)  # the edit starts meanwhile, and reaches this task's summary

    monkeypatch.setattr(gap_facts, "_refresh_batch", held_before_commit)
    errors = []

    def run(name, work):
        try:
            work()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def make_owner():
        assign_owner(task=task, person=person, by=None)

    def move_team():
        written.wait(timeout=10)
        update_person(person=person, by=None, team=ops)

    threads = [
        threading.Thread(target=run, args=("owner", make_owner), name="owner"),
        threading.Thread(target=run, args=("team", move_team), name="team"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    summary = GapFacts.objects.get(task=task)
    assert (summary.owner_id, summary.helpers, summary.cross_team) == (person.pk, 1, False)


_PEOPLE, _TASKS = 4, 3
_STEP = st.tuples(
    st.sampled_from(
        ["assign", "unassign", "swap", "confirm", "team", "depart", "edit", "done", "stage"]
    ),
    st.integers(0, _TASKS - 1),
    st.integers(0, _PEOPLE - 1),
    st.sampled_from([Role.OWNER, Role.BACKUP, Role.CONTRIBUTOR, Role.CHECKER, Role.INFORMED]),
)


_EDITS = [
    {"criticality": "critical"},
    {"rhythm": ""},
    {"rhythm": "weekly on monday"},
    {"rhythm": "every day"},
    {"rhythm": "monthly on the 1st"},
    {"definition_of_done": "ok"},
    {"is_active": False},
]


@pytest.fixture
def small_map(db):
    teams = [TeamFactory(name="Sales"), TeamFactory(name="Ops")]
    people = [PersonFactory(team=teams[n % 2]) for n in range(_PEOPLE)]
    tasks = [TaskFactory() for _ in range(_TASKS)]
    return teams, people, tasks


def _step(step, teams, people, tasks) -> None:
    kind, t, p, role = step
    task, person = tasks[t], Person.objects.get(pk=people[p].pk)
    held = list(Assignment.objects.filter(task=task).order_by("pk"))
    if kind == "assign":
        assign(task=task, person=person, role=role, by=None)
    elif kind == "unassign" and held:
        unassign(assignment=held[p % len(held)], by=None)
    elif kind == "swap":
        backup = next((a for a in held if a.role == Role.BACKUP), None)
        if backup is not None:
            swap_pair(task=task, person=backup.person, role=Role.OWNER, previous=KEEP, by=None)
    elif kind == "confirm":
        confirm_owner(task=task, by=None)
    elif kind == "team":
        other = teams[1] if person.team_id == teams[0].pk else teams[0]
        update_person(person=person, by=None, team=other)
    elif kind == "depart":
        mark_departed(person=person, on=timezone.localdate(), by=None)
    elif kind == "edit":
        update_task(task=task, by=None, **_EDITS[p % len(_EDITS)])
    elif kind == "done":
        task.refresh_from_db()
        if task.next_due_on is not None:
            record_completion(
                task=task, due_on=task.next_due_on, by=UserFactory(), ticked=task.done_checklist
            )
    elif kind == "stage":
        stage = Stage.objects.order_by("?").first()
        Stage.objects.filter(pk=stage.pk).update(order=stage.order + 1)
        Stage.objects.get(pk=stage.pk).save()  # as the admin saves it


@given(steps=st.lists(_STEP, max_size=12))
@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_writes_leave_the_facts_a_rebuild_would_make(small_map, steps):
    for step in steps:
        with contextlib.suppress(ValidationError):  # refused as a person would be
            _step(step, *small_map)
    assert _rebuilt() == _facts()


def test_the_nights_check_puts_drifted_facts_right_and_says_how_many(settings, caplog):
    from ownership.jobs import heal_facts

    task, other = TaskFactory(), TaskFactory()
    assign_owner(task=task, person=PersonFactory(), by=None)
    assert heal_facts() == 0  # in step: nothing to say
    # A write behind the app's back: the facts no longer say who owns the task.
    GapFacts.objects.filter(task=task).update(owner=None, owner_confirmed_at=None)
    GapFacts.objects.filter(task=other).update(vague=True)
    assert heal_facts() == 2
    assert "gap facts of 2 tasks had drifted" in caplog.text
    assert _rebuilt() == _facts()
    assert "heal-gap-facts" in settings.CELERY_BEAT_SCHEDULE


def test_a_name_longer_in_lower_case_than_the_name_field_is_ranked_by_it():
    # "İ" lowers to two characters: a 200-character name ranks by a 400-character key.
    task = TaskFactory(name="İ" * 200)
    assert len(GapFacts.objects.get(task=task).name_key) == 400
    assert task.pk in gap_report(on=timezone.localdate()).gaps_of
