"""Someone's sign-in deactivated (in the admin, or anywhere a User is saved) marks them departed
from that day; the dashboard lists what they held under "Departed: handover pending", and one
click hands it over."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.gap_rules import OWNER_DEPARTED, gap_report
from ownership.identity.deprovisioning import DEACTIVATED
from ownership.models import Assignment, Role
from tests.factories import PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("ownership:dashboard")


@pytest.fixture
def leaver():
    person = PersonFactory(
        name="Lena Leaves", email="lena@shop.test", user=UserFactory(username="lena")
    )
    backup = PersonFactory(name="Bo Backup")
    owned = TaskFactory(name="Supplier invoices")
    assign_owner(task=owned, person=person, by=None)
    assign_backup(task=owned, person=backup, by=None)
    backed = TaskFactory(name="Returns labels")
    assign_owner(task=backed, person=PersonFactory(name="Olli Owner"), by=None)
    assign_backup(task=backed, person=person, by=None)
    return person


def _admin_deactivates(admin_client, user: User):
    url = reverse("admin:auth_user_change", args=[user.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name in ("groups", "user_permissions"):
            data[name] = [getattr(item, "pk", item) for item in value or []]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None and name != "password":
            data[name] = value
    for name in ("last_login", "date_joined"):
        moment = getattr(user, name) or timezone.now()
        local = timezone.localtime(moment)
        data[f"{name}_0"], data[f"{name}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
    data.pop("is_active", None)
    return admin_client.post(url, data)


def _departed_owners() -> int:
    return len(gap_report(on=timezone.localdate()).by_rule[OWNER_DEPARTED])


def test_a_login_deactivated_in_the_admin_marks_its_person_departed(admin_client, leaver):
    response = _admin_deactivates(admin_client, leaver.user)
    assert response.status_code == 302, response.content[:500]
    leaver.refresh_from_db()
    assert leaver.departed_on == timezone.localdate()
    record = leaver.history.first()
    assert record.history_change_reason == DEACTIVATED
    assert record.history_user.username == "admin"


def test_deactivating_anywhere_marks_departed_once(leaver):
    before = _departed_owners()
    leaver.user.is_active = False
    leaver.user.save()
    leaver.refresh_from_db()
    assert leaver.departed_on == timezone.localdate()
    assert _departed_owners() == before + 1
    history = leaver.history.count()
    leaver.user.save()
    assert leaver.history.count() == history


def test_a_sign_in_does_not_touch_the_person(leaver, django_assert_num_queries):
    leaver.user.last_login = timezone.now()
    with django_assert_num_queries(1):
        leaver.user.save(update_fields=["last_login"])


def test_the_dashboard_lists_the_handover_and_one_click_confirms_it(client, ops_lead, leaver):
    leaver.user.is_active = False
    leaver.user.save()
    departed = _departed_owners()
    client.force_login(ops_lead)
    page = client.get(DASHBOARD).content.decode()
    assert "Departed: handover pending" in page
    assert "Supplier invoices</a>, owner → Bo Backup" in page
    assert 'Returns labels</a>, backup → <span class="missing">nobody proposed: left open' in page
    form = client.get(DASHBOARD).context["handovers"]
    ((person, items),) = form
    data = {item.field_name: item.successor_label for item in items} | {"drop_other_roles": "on"}
    response = client.post(reverse("ownership:person_handover", args=[person.pk]), data)
    assert response.status_code == 302
    owner = Assignment.objects.get(task__name="Supplier invoices", role=Role.OWNER)
    assert owner.person.name == "Bo Backup"
    assert not Assignment.objects.filter(person=leaver).exists()
    assert _departed_owners() == departed - 1
    assert "Departed: handover pending" not in client.get(DASHBOARD).content.decode()
    moved = owner.history.first()
    assert moved.history_change_reason == "handover from Lena Leaves"


@pytest.mark.parametrize("leavers", [1, 4])
def test_the_handovers_card_takes_the_same_queries_however_many_left(
    client, ops_lead, leavers, django_assert_num_queries
):
    for number in range(leavers):
        person = PersonFactory(user=UserFactory(username=f"leaver{number}"))
        assign_owner(task=TaskFactory(), person=person, by=None)
        person.user.is_active = False
        person.user.save()
    client.force_login(ops_lead)
    # The dashboard's own (tests/ownership/test_dashboard_views.py) with their tasks, and the
    # card's other two queries: the leavers' roles, the backups proposed as successors.
    with django_assert_num_queries(16):
        response = client.get(DASHBOARD)
    assert len(response.context["handovers"]) == leavers
