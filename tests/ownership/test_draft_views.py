"""Drafts through their pages: opening one puts the map's own forms in draft mode, where the
task page's people, a task's edit page and a person's edit page hold their changes in the
draft; the draft's page shows them with the figures now and after, publishes them or shows the
conflicts; shared drafts take comments, private ones are nobody else's."""

import pytest
from django.urls import reverse

from ownership.assignments import assign_owner
from ownership.drafts import SESSION_KEY, hold_part, open_draft
from ownership.forms import PersonForm, TaskForm
from ownership.models import Assignment, Draft, DraftStatus, Role
from tests.factories import PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafting(client, ops_lead):
    """The ops lead, signed in, in draft mode."""
    client.force_login(ops_lead)
    response = client.post(reverse("ownership:draft_list"), {"name": "Peak season 2027"})
    assert response.status_code == 302
    return Draft.objects.get()


def test_opening_a_draft_turns_draft_mode_on_and_every_page_says_so(client, drafting):
    assert client.session[SESSION_KEY] == drafting.pk
    html = client.get(reverse("ownership:dashboard")).content.decode()
    assert "Draft mode" in html
    assert "“Peak season 2027”" in html
    client.post(reverse("ownership:draft_leave"))
    assert "Draft mode" not in client.get(reverse("ownership:dashboard")).content.decode()


def test_an_owner_picked_in_draft_mode_is_held_not_made(client, drafting, htmx_headers):
    task = TaskFactory(name="Refund processing")
    nina = PersonFactory(name="Nina Alvarez", email="nina@example.com")
    assign_owner(task=task, person=nina, by=None)
    PersonFactory(name="Sam Carter", email="sam@example.com")
    url = reverse("ownership:task_assign", args=[task.slug])
    response = client.post(url, {"role": "owner", "person": "sam@example.com"}, **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Owner of “Refund processing”: Nina Alvarez → Sam Carter" in html
    assert Assignment.objects.get(task=task, role=Role.OWNER).person == nina

    held = Assignment.objects.get(task=task, role=Role.OWNER)
    client.post(reverse("ownership:task_unassign", args=[task.slug, held.pk]))
    assert drafting.changes.get().value is None  # the same seat, now emptied in the draft
    assert Assignment.objects.filter(task=task, role=Role.OWNER).exists()


def test_the_task_form_in_draft_mode_holds_stage_and_criticality_only(client, drafting):
    task = TaskFactory(name="Refund processing", criticality="normal")
    data = {name: value for name, value in TaskForm.initial_for(task).items() if value is not None}
    data["stage"] = task.stage.pk
    url = reverse("ownership:task_edit", args=[task.slug])
    response = client.post(url, data | {"criticality": "critical", "name": "Refunds"})
    assert response.status_code == 200
    assert "Draft mode holds a task&#x27;s stage and criticality only" in response.content.decode()
    assert not drafting.changes.exists()

    response = client.post(url, data | {"criticality": "critical"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.criticality == "normal"
    assert drafting.changes.get().value == "critical"


def test_the_person_form_in_draft_mode_holds_team_and_title(client, drafting):
    person = PersonFactory(name="Ana Silva")
    warehouse = TeamFactory(name="Warehouse")
    data = {k: v for k, v in PersonForm.initial_for(person).items() if v is not None}
    data["team"] = warehouse.pk
    url = reverse("ownership:person_edit", args=[person.pk])
    assert client.post(url, data | {"title": "Lead", "email": "x@example.com"}).status_code == 200
    assert client.post(url, data | {"title": "Warehouse lead"}).status_code == 302
    person.refresh_from_db()
    assert person.team != warehouse
    assert sorted(drafting.changes.values_list("field", "value")) == [
        ("team", warehouse.pk),
        ("title", "Warehouse lead"),
    ]


def test_the_draft_page_shows_the_figures_and_publishes_all_at_once(client, drafting, ops_lead):
    task = TaskFactory(name="Refund processing", criticality="critical")
    nina = PersonFactory(name="Nina Alvarez")
    assign_owner(task=task, person=nina, by=None)
    hold_part(
        draft=drafting, task=task, person=PersonFactory(name="Bo"), role="backup", by=ops_lead
    )
    html = client.get(drafting.get_absolute_url()).content.decode()
    assert "Backup of “Refund processing”" in html
    assert 'id="draft-preview"' in html
    assert "Coverage of critical and high tasks (%)</th><td>0</td><td>100" in html

    response = client.post(reverse("ownership:draft_publish", args=[drafting.pk]))
    assert response.status_code == 302
    assert Assignment.objects.get(task=task, role=Role.BACKUP).person.name == "Bo"
    drafting.refresh_from_db()
    assert drafting.status == DraftStatus.PUBLISHED
    assert SESSION_KEY not in client.session


def test_a_stale_draft_is_refused_with_its_conflicts_listed(client, drafting, ops_lead):
    task = TaskFactory(name="Refund processing")
    assign_owner(task=task, person=PersonFactory(name="Nina"), by=None)
    hold_part(
        draft=drafting, task=task, person=PersonFactory(name="Sam"), role="owner", by=ops_lead
    )
    assign_owner(task=task, person=PersonFactory(name="Bo"), by=None)
    response = client.post(reverse("ownership:draft_publish", args=[drafting.pk]))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not published: the map changed since the draft did." in html
    assert "from Nina to Sam, but the map now has Bo." in html


def test_a_private_draft_is_nobody_elses_and_a_shared_one_takes_comments(client, ops_lead, manager):
    draft = open_draft(name="Warehouse joins operations", by=ops_lead)
    client.force_login(manager)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "Warehouse joins" not in client.get(reverse("ownership:draft_list")).content.decode()

    client.force_login(ops_lead)
    client.post(reverse("ownership:draft_share", args=[draft.pk]))
    client.force_login(manager)
    assert client.get(draft.get_absolute_url()).status_code == 200
    url = reverse("ownership:draft_comment", args=[draft.pk])
    assert client.post(url, {"text": " "}).status_code == 422
    response = client.post(url, {"text": "Keep Nina on refunds until January."})
    assert response.status_code == 302
    assert (
        "Keep Nina on refunds until January."
        in client.get(draft.get_absolute_url()).content.decode()
    )
    # Only its author publishes or discards it.
    client.post(reverse("ownership:draft_discard", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == DraftStatus.OPEN


def test_members_have_no_drafts(client, member):
    client.force_login(member)
    assert client.get(reverse("ownership:draft_list")).status_code == 403


def test_a_gaps_fix_in_draft_mode_holds_an_owner_and_refuses_the_rest(
    client, drafting, htmx_headers
):
    task = TaskFactory(name="Size guide", rhythm="")
    PersonFactory(name="Irene Costa", email="irene@example.com")
    owner = reverse("ownership:task_fix", args=[task.slug, "owner"])
    response = client.post(owner, {"person": "irene@example.com"}, **htmx_headers)
    assert "Held in the draft “Peak season 2027”: not made live." in response.content.decode()
    assert not Assignment.objects.filter(task=task).exists()
    assert drafting.changes.get().field == "owner"

    rhythm = reverse("ownership:task_fix", args=[task.slug, "rhythm"])
    response = client.post(rhythm, {"rhythm": "weekly", "version": task.version}, **htmx_headers)
    assert "leave “Peak season 2027” to change this on the live map" in response.content.decode()
    task.refresh_from_db()
    assert task.rhythm == ""
