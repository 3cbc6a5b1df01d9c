"""The auth backend reads the signed-in user and all their permissions in one statement."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from ownership.permissions import GroupPermissionBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _load(user_id):
    return GroupPermissionBackend().get_user(user_id)


def test_it_loads_the_user_and_their_permissions_in_one_query(member, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = _load(member.pk)
        assert user.has_perm("tasks_registry.view_task") is True
        assert user.has_perm("tasks_registry.change_task") is False
    assert user == member
    assert user.username == "member"


def test_it_takes_the_id_as_the_session_stores_it(member):
    assert _load(str(member.pk)) == member


def test_it_builds_the_user_as_the_orm_would(member):
    member.last_login = datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    member.save(update_fields=["last_login"])
    user = _load(member.pk)
    orm_user = get_user_model().objects.get(pk=member.pk)
    # Dates are dates and flags are booleans on SQLite too, where both are stored otherwise.
    assert user.last_login == datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    assert user.is_active is True
    assert user.is_superuser is False
    fields = [field.attname for field in get_user_model()._meta.concrete_fields]
    assert [getattr(user, name) for name in fields] == [getattr(orm_user, name) for name in fields]
    assert user._state.adding is False


def test_own_and_group_permissions_are_both_read(outsider):
    outsider.user_permissions.add(Permission.objects.get(codename="view_team"))
    outsider.groups.add(Group.objects.get(name="Members"))
    user = _load(outsider.pk)
    assert user.has_perm("ownership.view_team") is True
    assert user.has_perm("tasks_registry.view_task") is True
    assert user.has_perm("tasks_registry.change_task") is False
    assert user.get_all_permissions() == {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(group__name="Members")
    }


def test_a_user_with_no_permissions_has_none(outsider, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = _load(outsider.pk)
        assert user.get_all_permissions() == set()
        assert user.has_perm("tasks_registry.view_task") is False


def test_a_superuser_has_every_permission(db):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    user = _load(admin.pk)
    assert user.has_perm("tasks_registry.change_task") is True
    assert len(user.get_all_permissions()) == Permission.objects.count()


@pytest.mark.parametrize("user_id", [999_999, "999999", "not-a-number", ""])
def test_an_unknown_or_malformed_id_is_nobody(db, user_id):
    assert _load(user_id) is None


def test_an_inactive_user_is_nobody(member):
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert _load(member.pk) is None


def test_a_permission_taken_away_applies_to_the_next_request(member_client, member):
    url = reverse("ownership:task_list")
    assert member_client.get(url).status_code == 200
    member.groups.clear()
    assert member_client.get(url).status_code == 403


def test_a_user_made_inactive_is_signed_out_at_the_next_request(member_client, member):
    url = reverse("ownership:task_list")
    assert member_client.get(url).status_code == 200
    member.is_active = False
    member.save(update_fields=["is_active"])
    response = member_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
