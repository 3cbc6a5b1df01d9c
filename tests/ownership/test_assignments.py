import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ownership.assignments import assign, assign_backup, assign_owner, unassign
from ownership.models import Assignment, Role
from tests.factories import AssignmentFactory, PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_owner():
    task = TaskFactory()
    AssignmentFactory(task=task, role=Role.OWNER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(task=task, person=PersonFactory(), role=Role.OWNER)
    assert Assignment.objects.filter(task=task, role=Role.OWNER).count() == 1


def test_the_database_refuses_a_second_backup():
    task = TaskFactory()
    AssignmentFactory(task=task, role=Role.BACKUP)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(task=task, person=PersonFactory(), role=Role.BACKUP)
    assert Assignment.objects.filter(task=task, role=Role.BACKUP).count() == 1


def test_the_database_refuses_the_owner_as_backup():
    owner = AssignmentFactory(role=Role.OWNER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(task=owner.task, person=owner.person, role=Role.BACKUP)
    assert list(Assignment.objects.values_list("role", flat=True)) == [Role.OWNER]


def test_the_database_refuses_the_same_role_twice_for_one_person():
    contribution = AssignmentFactory(role=Role.CONTRIBUTOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            task=contribution.task, person=contribution.person, role=Role.CONTRIBUTOR
        )
    assert Assignment.objects.count() == 1


def test_many_contributors_are_allowed():
    task = TaskFactory()
    for _ in range(3):
        assign(task=task, person=PersonFactory(), role=Role.CONTRIBUTOR, by=None)
    assert task.assignments.filter(role=Role.CONTRIBUTOR).count() == 3


def test_assigning_the_owner_as_backup_is_refused_with_a_clear_message():
    task = TaskFactory(name="Promo code setup and QA")
    sam = PersonFactory(name="Sam Carter")
    assign_owner(task=task, person=sam, by=None)
    with pytest.raises(ValidationError) as refused:
        assign_backup(task=task, person=sam, by=None)
    assert refused.value.messages == [
        "Sam Carter is already the owner of “Promo code setup and QA”; "
        "the owner and the backup must be two different people."
    ]
    assert list(task.assignments.values_list("person__name", "role")) == [("Sam Carter", "owner")]


def test_assigning_the_backup_as_owner_is_refused_too():
    task = TaskFactory()
    priya = PersonFactory(name="Priya Nair")
    assign_backup(task=task, person=priya, by=None)
    with pytest.raises(ValidationError) as refused:
        assign_owner(task=task, person=priya, by=None)
    assert refused.value.code == "owner_is_backup"
    assert not task.assignments.filter(role=Role.OWNER).exists()


def test_a_new_owner_replaces_the_old_one():
    task = TaskFactory()
    assign_owner(task=task, person=PersonFactory(name="Sam"), by=None)
    assign_owner(task=task, person=PersonFactory(name="Priya"), by=None)
    assert list(task.assignments.values_list("person__name", "role")) == [("Priya", "owner")]


def test_assigning_the_same_owner_again_changes_nothing():
    task = TaskFactory()
    sam = PersonFactory()
    first = assign_owner(task=task, person=sam, by=None)
    again = assign_owner(task=task, person=sam, by=None)
    assert again.pk == first.pk
    assert Assignment.history.filter(id=first.pk).count() == 1


def test_someone_who_left_cannot_become_owner():
    task = TaskFactory()
    gone = PersonFactory(name="Tom Reyes", departed_on=datetime.date(2026, 9, 8))
    with pytest.raises(ValidationError) as refused:
        assign_owner(task=task, person=gone, by=None)
    assert refused.value.messages == [
        "Tom Reyes left on 08 Sep 2026 and cannot be the owner of a task; "
        "choose someone who is still here."
    ]
    assert not task.assignments.exists()


def test_assignments_are_recorded_in_history_with_the_user_who_made_them():
    task = TaskFactory()
    dana = UserFactory(username="dana")
    sam, priya = PersonFactory(name="Sam"), PersonFactory(name="Priya")
    assign_owner(task=task, person=sam, by=dana)
    assign_owner(task=task, person=priya, by=dana)
    contribution = assign(task=task, person=sam, role=Role.CONTRIBUTOR, by=dana)
    unassign(assignment=contribution, by=dana)

    records = Assignment.history.filter(task_id=task.pk).order_by("history_date", "history_id")
    assert [(r.history_type, r.role, r.person.name, r.history_user) for r in records] == [
        ("+", "owner", "Sam", dana),
        ("~", "owner", "Priya", dana),
        ("+", "contributor", "Sam", dana),
        ("-", "contributor", "Sam", dana),
    ]
