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


def test_permissions_load_in_one_query(member, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=member.pk)
    with django_assert_num_queries(1):
        assert user.has_perm("tasks_registry.view_task") is True
        assert user.has_perm("tasks_registry.change_task") is False


def test_direct_user_permissions_count_too(outsider):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    outsider.user_permissions.add(Permission.objects.get(codename="view_task"))
    user = get_user_model().objects.get(pk=outsider.pk)
    assert user.has_perm("tasks_registry.view_task") is True
    assert user.has_perm("tasks_registry.view_team") is False


def test_inactive_users_have_no_permissions(member):
    member.is_active = False
    assert member.has_perm("tasks_registry.view_task") is False
