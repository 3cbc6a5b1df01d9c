"""Every page and every write of the map, for each of the cast: anonymous, outsider, member, ops
lead, manager. Members read and cannot change (403 on every write URL); ops leads and managers
edit; outsiders get nothing; anonymous visitors are sent to sign in."""

import pytest
from django.urls import reverse

from ownership.assignments import assign_owner
from ownership.fixes import FIXES
from ownership.models import Assignment, Person, Team
from tasks_registry.models import Campaign, Task
from tests.conftest import kept_for_the_module
from tests.factories import CampaignFactory, PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _scene_once(django_db_setup, django_db_blocker):
    """Made once for the module's 236 tests, not for each (it was a third of their time). The
    tests read only the scene's keys and URLs, so sharing its objects is safe."""
    with kept_for_the_module(django_db_blocker):
        team = TeamFactory(name="Warehouse", slug="warehouse")
        person = PersonFactory(name="Mark Jensen", team=team)
        task = TaskFactory(name="Inventory sync")
        owner = assign_owner(task=task, person=person, by=None)
        record = task.history.get()
        campaign = CampaignFactory(name="Winter sale", slug="winter-sale")
        yield {
            "team": team,
            "person": person,
            "task": task,
            "owner": owner,
            "record": record,
            "campaign": campaign,
        }


@pytest.fixture
def scene(_scene_once, db):
    return _scene_once


READS = [
    ("ownership:dashboard", {}),
    ("ownership:map_by_stage", {}),
    ("ownership:raci", {}),
    ("ownership:raci_csv", {}),
    ("ownership:raci_xlsx", {}),
    ("ownership:map_csv", {}),
    ("ownership:map_xlsx", {}),
    ("ownership:person_list", {}),
    ("ownership:person_detail", {"pk": "person"}),
    ("ownership:team_list", {}),
    ("ownership:team_detail", {"slug": "team"}),
    ("ownership:changes", {}),
    ("ownership:task_list", {}),
    ("ownership:task_detail", {"slug": "task"}),
    ("ownership:people_suggest", {}),
    ("ownership:my_tasks", {}),
    ("ownership:calendar_feeds", {}),
    ("tasks_registry:campaign_list", {}),
    ("ownership:campaign_detail", {"slug": "campaign"}),
]
EDIT_PAGES = [
    ("ownership:task_create", {}),
    ("ownership:import_upload", {}),
    ("ownership:task_edit", {"slug": "task"}),
    ("ownership:person_create", {}),
    ("ownership:person_edit", {"pk": "person"}),
    ("ownership:person_handover", {"pk": "person"}),
    ("ownership:team_create", {}),
    ("ownership:team_edit", {"slug": "team"}),
    ("tasks_registry:campaign_create", {}),
    ("tasks_registry:campaign_edit", {"slug": "campaign"}),
    ("tasks_registry:rhythm_preview", {}),
]
WRITES = [
    ("ownership:task_create", {}),
    ("ownership:task_edit", {"slug": "task"}),
    ("ownership:task_retire", {"slug": "task"}),
    ("ownership:task_restore", {"slug": "task"}),
    ("ownership:task_restore_version", {"slug": "task", "record_id": "record"}),
    ("ownership:task_assign", {"slug": "task"}),
    ("ownership:task_unassign", {"slug": "task", "assignment_id": "owner"}),
    ("ownership:person_create", {}),
    ("ownership:person_edit", {"pk": "person"}),
    ("ownership:person_away", {"pk": "person"}),
    ("ownership:person_departed", {"pk": "person"}),
    ("ownership:person_returned", {"pk": "person"}),
    ("ownership:person_handover", {"pk": "person"}),
    ("ownership:team_create", {}),
    ("ownership:team_edit", {"slug": "team"}),
    *(("ownership:fix", {"slug": "task", "kind": kind}) for kind in FIXES),
    *(("ownership:task_fix", {"slug": "task", "kind": kind}) for kind in FIXES),
    ("tasks_registry:campaign_create", {}),
    ("tasks_registry:campaign_edit", {"slug": "campaign"}),
    ("tasks_registry:campaign_delete", {"slug": "campaign"}),
]


def _url(scene, name, kwargs):
    values = {}
    for key, what in kwargs.items():
        if key == "kind":  # a fix's name, as it is in the URL
            values[key] = what
            continue
        thing = scene[what]
        values[key] = {
            "pk": getattr(thing, "pk", None),
            "slug": getattr(thing, "slug", None),
            "record_id": getattr(thing, "history_id", None),
            "assignment_id": getattr(thing, "pk", None),
        }[key]
    return reverse(name, kwargs=values)


def _state():
    return (
        sorted(Task.objects.values_list("name", "version", "is_active")),
        sorted(Person.objects.values_list("name", "departed_on", "away_until", "team_id")),
        sorted(Team.objects.values_list("name", "slug")),
        sorted(Assignment.objects.values_list("task_id", "person_id", "role")),
        sorted(Campaign.objects.values_list("name", "version", "starts_at")),
    )


@pytest.mark.parametrize(("name", "kwargs"), READS + EDIT_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, scene, name, kwargs):
    url = _url(scene, name, kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "kwargs"), READS + EDIT_PAGES)
def test_outsiders_see_nothing(client, outsider, scene, name, kwargs):
    client.force_login(outsider)
    assert client.get(_url(scene, name, kwargs)).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), READS)
@pytest.mark.parametrize("cast", ["member", "ops_lead", "manager"])
def test_everyone_in_a_group_reads_the_map(client, scene, cast, request, name, kwargs):
    client.force_login(request.getfixturevalue(cast))
    assert client.get(_url(scene, name, kwargs)).status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), EDIT_PAGES)
def test_members_cannot_open_the_edit_pages(client, member, scene, name, kwargs):
    client.force_login(member)
    assert client.get(_url(scene, name, kwargs)).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), EDIT_PAGES)
@pytest.mark.parametrize("cast", ["ops_lead", "manager"])
def test_editors_open_the_edit_pages(client, scene, cast, request, name, kwargs):
    client.force_login(request.getfixturevalue(cast))
    assert client.get(_url(scene, name, kwargs)).status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), WRITES)
@pytest.mark.parametrize("cast", ["member", "outsider"])
def test_members_and_outsiders_get_403_on_every_write_and_nothing_changes(
    client, scene, cast, request, name, kwargs
):
    client.force_login(request.getfixturevalue(cast))
    before = _state()
    data = {
        "name": "Changed",
        "email": "changed@example.com",
        "stage": scene["task"].stage_id,
        "criticality": "critical",
        "version": 1,
        "person": "Mark Jensen",
        "role": "contributor",
        "away_until": "2099-01-01",
        "departed_on": "2026-01-01",
        "kind": "sale",
        "starts_at": "2026-12-01T09:00",
        "ends_at": "2026-12-02T09:00",
    }
    assert client.post(_url(scene, name, kwargs), data).status_code == 403
    assert _state() == before


@pytest.mark.parametrize(("name", "kwargs"), WRITES)
def test_anonymous_writes_are_sent_to_sign_in(client, scene, name, kwargs):
    before = _state()
    response = client.post(_url(scene, name, kwargs), {"name": "Changed"})
    assert response.status_code == 302
    assert _state() == before


def test_members_see_no_edit_controls_on_the_task_page(client, member, scene):
    client.force_login(member)
    html = client.get(scene["task"].get_absolute_url()).content.decode()
    assert "/edit" not in html
    assert "Retire" not in html
    assert "restore the task" not in html
    assert "people/add" not in html
    assert "remove</button>" not in html


def test_editors_see_the_edit_controls_on_the_task_page(client, ops_lead, scene):
    client.force_login(ops_lead)
    html = client.get(scene["task"].get_absolute_url()).content.decode()
    assert reverse("ownership:task_edit", kwargs={"slug": "inventory-sync"}) in html
    assert ">Retire<" in html
    assert reverse("ownership:task_assign", kwargs={"slug": "inventory-sync"}) in html
