"""Roles change in one step: the backup made owner swaps them, the person making the change
choosing what becomes of the owner; replacing an owner or backup is confirmed first."""

import pytest
from django.urls import reverse

from ownership.assignments import KEEP, REMOVE, assign_backup, assign_owner, swap_pair
from ownership.models import Assignment, Role
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def handover(db):
    task = TaskFactory(name="Returns notices")
    sam = PersonFactory(name="Sam Carter", email="sam@shop.example")
    olga = PersonFactory(name="Olga Ivanova", email="olga@shop.example")
    assign_owner(task=task, person=sam, by=None)
    assign_backup(task=task, person=olga, by=None)
    return task, sam, olga


def _people(task):
    return sorted(
        Assignment.objects.filter(task=task).values_list("role", "person__name"),
    )


def _post(client, task, **data):
    url = reverse("ownership:task_assign", kwargs={"slug": task.slug})
    return client.post(url, data, HTTP_HX_REQUEST="true")


def test_making_the_backup_owner_asks_what_becomes_of_the_owner(client, ops_lead, handover):
    task, _sam, _olga = handover
    client.force_login(ops_lead)
    response = _post(client, task, role="owner", person="Olga Ivanova")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Olga Ivanova is the backup: make them the owner?" in html
    assert 'name="previous" value="keep" required checked' in html
    assert "Sam Carter leaves the task" in html
    assert _people(task) == [("backup", "Olga Ivanova"), ("owner", "Sam Carter")]


@pytest.mark.parametrize(
    ("previous", "after"),
    [
        (KEEP, [("backup", "Sam Carter"), ("owner", "Olga Ivanova")]),
        (REMOVE, [("owner", "Olga Ivanova")]),
    ],
)
def test_the_backup_becomes_owner_in_one_step(client, ops_lead, handover, previous, after):
    task, _sam, _olga = handover
    client.force_login(ops_lead)
    response = _post(
        client, task, role="owner", person="Olga Ivanova", confirmed="True", previous=previous
    )
    assert response.status_code == 200
    assert _people(task) == after
    reasons = set(
        Assignment.history.filter(task_id=task.pk, history_user=ops_lead).values_list(
            "history_change_reason", flat=True
        )
    )
    assert reasons == {"backup made owner"}
    html = response.content.decode()
    assert 'id="task-history"' in html  # the history comes along, out of band


def test_replacing_an_owner_is_confirmed_first(client, ops_lead, handover):
    task, _sam, _olga = handover
    PersonFactory(name="Priya Nair")
    client.force_login(ops_lead)
    html = _post(client, task, role="owner", person="Priya Nair").content.decode()
    assert "Replace Sam Carter as owner with Priya Nair?" in html
    assert _people(task) == [("backup", "Olga Ivanova"), ("owner", "Sam Carter")]
    _post(client, task, role="owner", person="Priya Nair", confirmed="True")
    assert _people(task) == [("backup", "Olga Ivanova"), ("owner", "Priya Nair")]


def test_a_new_role_or_an_empty_one_needs_no_confirmation(client, ops_lead):
    task = TaskFactory(name="Returns notices")
    PersonFactory(name="Priya Nair")
    client.force_login(ops_lead)
    _post(client, task, role="owner", person="Priya Nair")
    _post(client, task, role="contributor", person="Priya Nair")
    assert _people(task) == [("contributor", "Priya Nair"), ("owner", "Priya Nair")]


def test_a_swap_without_an_owner_leaves_no_backup(handover):
    task, _sam, olga = handover
    Assignment.objects.filter(task=task, role=Role.OWNER).delete()
    swap_pair(task=task, person=olga, role=Role.OWNER, previous=KEEP, by=None)
    assert _people(task) == [("owner", "Olga Ivanova")]
