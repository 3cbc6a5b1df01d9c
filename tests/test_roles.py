import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def _codes(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_members_read_the_whole_map_and_change_nothing():
    codes = _codes("Members")
    assert "tasks_registry.view_task" in codes
    assert "ownership.view_assignment" in codes
    assert not {code for code in codes if not code.split(".")[1].startswith("view_")}


def test_ops_leads_edit_the_map_but_do_not_run_reviews():
    codes = _codes("Ops leads")
    assert {
        "tasks_registry.change_task",
        "ownership.add_assignment",
        "ownership.change_person",
    } <= codes
    assert "reviews.run_reviewsession" not in codes


def test_managers_edit_the_map_and_run_reviews():
    codes = _codes("Managers")
    assert _codes("Ops leads") < codes
    assert {"reviews.run_reviewsession", "reviews.change_reviewitem"} <= codes


def test_the_cast_has_the_rights_of_their_groups(member, ops_lead, manager, outsider):
    assert [
        u.has_perm("tasks_registry.view_task") for u in (member, ops_lead, manager, outsider)
    ] == [
        True,
        True,
        True,
        False,
    ]
    assert [u.has_perm("tasks_registry.change_task") for u in (member, ops_lead, manager)] == [
        False,
        True,
        True,
    ]
