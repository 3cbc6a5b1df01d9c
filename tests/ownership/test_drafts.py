"""Drafts of a reorganisation: changes held out of sight, figures now and after, published at
once through the write functions with history naming the draft, or refused whole when the map
moved on; two publishes over the same task, one wins."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.drafts import (
    DraftConflict,
    changes_of,
    comment,
    discard,
    hold_part,
    hold_person,
    hold_removal,
    hold_task,
    open_draft,
    preview,
    publish,
    share,
)
from ownership.gap_rules import NO_BACKUP, gap_report
from ownership.models import Assignment, DraftStatus, Role
from ownership.people_changes import mark_departed, update_person
from tasks_registry.changes import update_task
from tasks_registry.models import Stage
from tests.at_once import at_once
from tests.factories import PersonFactory, TaskFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def lead():
    return UserFactory(username="lead")


@pytest.fixture
def draft(lead):
    return open_draft(name="Peak season 2027", by=lead)


def _owner(task):
    held = Assignment.objects.filter(task=task, role=Role.OWNER).first()
    return held.person if held else None


def test_held_changes_leave_the_live_map_alone_until_published(lead, draft):
    nina, sam = PersonFactory(name="Nina"), PersonFactory(name="Sam")
    task = TaskFactory(name="Refund processing", criticality="high")
    assign_owner(task=task, person=nina, by=None)
    warehouse = TeamFactory(name="Warehouse")
    fulfilment = Stage.objects.get(slug="fulfilment")

    hold_part(draft=draft, task=task, person=sam, role=Role.OWNER, by=lead)
    hold_part(draft=draft, task=task, person=nina, role=Role.BACKUP, by=lead)
    hold_person(draft=draft, person=nina, by=lead, team=warehouse, title="Returns lead")
    hold_task(draft=draft, task=task, by=lead, stage=fulfilment, criticality="critical")

    assert _owner(task) == nina
    task.refresh_from_db()
    assert task.criticality == "high"
    words = [str(w) for w in changes_of(draft)]
    assert "Owner of “Refund processing”: Nina → Sam" in words
    assert "Backup of “Refund processing”: (nobody) → Nina" in words
    assert (
        "Nina's team: " + (nina.team.name if nina.team else "(no team)") + " → Warehouse" in words
    )

    publish(draft=draft, by=lead)
    task.refresh_from_db()
    nina.refresh_from_db()
    assert _owner(task) == sam
    assert Assignment.objects.get(task=task, role=Role.BACKUP).person == nina
    assert (task.stage, task.criticality) == (fulfilment, "critical")
    assert (nina.team, nina.title) == (warehouse, "Returns lead")
    draft.refresh_from_db()
    assert draft.status == DraftStatus.PUBLISHED
    reasons = {
        *Assignment.history.filter(task_id=task.pk, history_user=lead).values_list(
            "history_change_reason", flat=True
        ),
        *task.history.filter(history_user=lead).values_list("history_change_reason", flat=True),
        *nina.history.filter(history_user=lead).values_list("history_change_reason", flat=True),
    }
    assert reasons == {"draft “Peak season 2027”"}


def test_a_backup_made_owner_and_the_owner_made_backup_swap_seats(lead, draft):
    nina, sam = PersonFactory(name="Nina"), PersonFactory(name="Sam")
    task = TaskFactory()
    assign_owner(task=task, person=nina, by=None)
    assign_backup(task=task, person=sam, by=None)
    hold_part(draft=draft, task=task, person=sam, role=Role.OWNER, by=lead)
    hold_part(draft=draft, task=task, person=nina, role=Role.BACKUP, by=lead)
    publish(draft=draft, by=lead)
    assert _owner(task) == sam
    assert Assignment.objects.get(task=task, role=Role.BACKUP).person == nina


def test_a_change_back_to_what_the_map_has_leaves_the_draft(lead, draft):
    nina, sam = PersonFactory(name="Nina"), PersonFactory(name="Sam")
    task = TaskFactory()
    assign_owner(task=task, person=nina, by=None)
    hold_part(draft=draft, task=task, person=sam, role=Role.OWNER, by=lead)
    hold_part(draft=draft, task=task, person=nina, role=Role.OWNER, by=lead)
    assert not draft.changes.exists()


def test_helpers_are_added_and_removed(lead, draft):
    task = TaskFactory()
    old, new = PersonFactory(name="Old"), PersonFactory(name="New")
    helping = assign(task=task, person=old, role=Role.CONTRIBUTOR, by=None)
    hold_removal(draft=draft, assignment=helping, by=lead)
    hold_part(draft=draft, task=task, person=new, role=Role.CONTRIBUTOR, by=lead)
    publish(draft=draft, by=lead)
    helpers = Assignment.objects.filter(task=task, role=Role.CONTRIBUTOR)
    assert list(helpers.values_list("person__name", flat=True)) == ["New"]


def test_the_preview_shows_the_figures_after_publishing_and_changes_nothing(lead, draft):
    tasks = [TaskFactory(criticality="critical") for _ in range(3)]
    people = [PersonFactory() for _ in range(4)]
    for task in tasks:
        assign_owner(task=task, person=people[0], by=None)
    before = gap_report(on=TODAY)
    for task, person in zip(tasks, people[1:], strict=True):
        hold_part(draft=draft, task=task, person=person, role=Role.BACKUP, by=lead)
    shown = preview(draft, by=lead)
    rows = {row.label: (row.now, row.after) for row in shown.rows}
    assert rows["Coverage of critical and high tasks (%)"] == (0, 100)
    assert rows[NO_BACKUP.label] == (3, 0)
    assert rows["Coverage of critical and high tasks (%)"][1] > 0
    # Nothing was written: the map and its gaps are as they were.
    assert not Assignment.objects.filter(role=Role.BACKUP).exists()
    assert gap_report(on=TODAY).counts == before.counts
    assert {name: (now.owned, after.owned) for name, now, after in shown.loads}[people[0].name] == (
        3,
        3,
    )


def test_a_draft_stale_against_the_map_is_refused_whole(lead, draft):
    nina, sam, bo = PersonFactory(name="Nina"), PersonFactory(name="Sam"), PersonFactory(name="Bo")
    first, second = TaskFactory(name="First"), TaskFactory(name="Second")
    assign_owner(task=first, person=nina, by=None)
    hold_part(draft=draft, task=first, person=sam, role=Role.OWNER, by=lead)
    hold_part(draft=draft, task=second, person=sam, role=Role.OWNER, by=lead)
    hold_task(draft=draft, task=second, by=lead, stage=second.stage, criticality="critical")
    # Meanwhile, on the live map:
    assign_owner(task=first, person=bo, by=None)
    update_task(task=second, by=None, criticality="high")

    with pytest.raises(DraftConflict) as refused:
        publish(draft=draft, by=lead)
    assert sorted(conflict.words for conflict in refused.value.conflicts) == [
        "Owner of “First”: the draft changes it from Nina to Sam, but the map now has Bo.",
        "“Second”'s criticality: the draft changes it from Normal to Critical, but the map now "
        "has High.",
    ]
    # Nothing half-applied: the change without a conflict was not made either.
    assert _owner(second) is None
    assert _owner(first) == bo
    draft.refresh_from_db()
    assert draft.status == DraftStatus.OPEN


def test_the_same_edit_made_live_meanwhile_is_no_conflict(lead, draft):
    person = PersonFactory()
    hold_person(draft=draft, person=person, by=lead, title="Head of returns")
    update_person(person=person, by=None, title="Head of returns")
    publish(draft=draft, by=lead)


def test_nothing_is_half_applied_when_the_map_refuses_a_change(lead, draft):
    task, other = TaskFactory(), TaskFactory()
    gone = PersonFactory(name="Gone")
    hold_part(draft=draft, task=task, person=PersonFactory(), role=Role.OWNER, by=lead)
    hold_part(draft=draft, task=other, person=gone, role=Role.OWNER, by=lead)
    mark_departed(person=gone, on=TODAY, by=None)
    with pytest.raises(ValidationError):
        publish(draft=draft, by=lead)
    assert _owner(task) is None


def test_only_its_author_changes_publishes_or_discards_it(lead, draft):
    other = UserFactory(username="other")
    task = TaskFactory()
    for attempt in (
        lambda: hold_part(draft=draft, task=task, person=PersonFactory(), role="owner", by=other),
        lambda: publish(draft=draft, by=other),
        lambda: discard(draft=draft, by=other),
        lambda: share(draft=draft, by=other),
    ):
        with pytest.raises(ValidationError, match="Only the draft's author"):
            attempt()
    with pytest.raises(ValidationError, match="not shared with you"):
        comment(draft=draft, by=other, text="Looks good")
    share(draft=draft, by=lead)
    assert comment(draft=draft, by=other, text="Looks good").text == "Looks good"
    discard(draft=draft, by=lead)
    with pytest.raises(ValidationError, match="was discarded"):
        hold_part(draft=draft, task=task, person=PersonFactory(), role="owner", by=lead)


def test_an_empty_name_or_an_empty_draft_is_refused(lead, draft):
    with pytest.raises(ValidationError, match="Give the draft a name"):
        open_draft(name="  ", by=lead)
    with pytest.raises(ValidationError, match="holds no changes"):
        publish(draft=draft, by=lead)


@pytest.mark.django_db(transaction=True)
def test_two_drafts_published_at_once_over_the_same_task_one_wins(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL: SQLite writes one at a time")
    one, two = UserFactory(username="one"), UserFactory(username="two")
    task = TaskFactory(name="Refund processing")
    other = TaskFactory(name="Returns notices")
    nina, sam, bo = PersonFactory(name="Nina"), PersonFactory(name="Sam"), PersonFactory(name="Bo")
    assign_owner(task=task, person=nina, by=None)
    first, second = open_draft(name="First", by=one), open_draft(name="Second", by=two)
    hold_part(draft=first, task=task, person=sam, role=Role.OWNER, by=one)
    hold_part(draft=first, task=other, person=sam, role=Role.OWNER, by=one)
    hold_part(draft=second, task=task, person=bo, role=Role.OWNER, by=two)
    hold_part(draft=second, task=other, person=bo, role=Role.BACKUP, by=two)
    drafts = iter([(first, one), (second, two)])

    def publish_one():
        draft, by = next(drafts)
        return publish(draft=draft, by=by).name

    published, refused = at_once(publish_one)
    assert len(published) == 1
    assert len(refused) == 1
    assert isinstance(refused[0], DraftConflict)
    winner = published[0]
    # Never mixed: every change of the winner, none of the loser.
    if winner == "First":
        assert (_owner(task), _owner(other)) == (sam, sam)
        assert not Assignment.objects.filter(task=other, role=Role.BACKUP).exists()
    else:
        assert _owner(task) == bo
        assert Assignment.objects.get(task=other, role=Role.BACKUP).person == bo
        assert _owner(other) is None
