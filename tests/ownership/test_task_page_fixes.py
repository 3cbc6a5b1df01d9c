"""The task page fixes its gaps in place, with the same forms as the dashboard and a review,
and after any change made in place its owner card, gaps, people and history agree."""

import re

import pytest
from django.urls import reverse

from ownership.assignments import assign_owner
from ownership.models import Assignment, Role
from tasks_registry.models import Task
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _fix(task, kind):
    return reverse("ownership:task_fix", kwargs={"slug": task.slug, "kind": kind})


def _parts(html: str) -> dict[str, str]:
    """Each top-level element of an HTMX answer by its id, with whether it is out of band."""
    found = {}
    for match in re.finditer(r'<(?:div|section) (?:class="[^"]*" )?id="([\w-]+)"([^>]*)>', html):
        found[match.group(1)] = "oob" if "hx-swap-oob" in match.group(2) else "main"
    return found


def test_editors_see_each_gap_with_its_fix_once(client, ops_lead):
    task = TaskFactory(name="Size guide", rhythm="", definition_of_done="check it")
    client.force_login(ops_lead)
    html = client.get(task.get_absolute_url()).content.decode()
    for kind in ("owner", "backup", "rhythm", "done"):
        assert html.count(f'id="fix-{kind}"') == 1
        assert f'action="{_fix(task, kind)}"' in html
    assert 'id="fix-keep-owner"' not in html  # offered only when an owner changed role


def test_members_see_the_gaps_without_fixes(client, member):
    task = TaskFactory(name="Size guide", rhythm="")
    client.force_login(member)
    html = client.get(task.get_absolute_url()).content.decode()
    assert "What is wrong with it" in html
    assert "No deadline rhythm" in html
    assert 'class="fix ' not in html
    assert client.post(_fix(task, "rhythm"), {"rhythm": "weekly"}).status_code == 403


def test_an_owner_picked_on_the_task_page_shows_in_the_card_the_gaps_and_the_history_at_once(
    client, ops_lead, htmx_headers
):
    task = TaskFactory(name="Size guide")
    PersonFactory(name="Irene Costa", email="irene@example.com")
    client.force_login(ops_lead)
    response = client.post(_fix(task, "owner"), {"person": "irene@example.com"}, **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="task-gaps"')
    assert _parts(html) == {
        "task-gaps": "main",
        "task-summary": "oob",
        "task-due": "oob",
        "task-metric": "oob",
        "task-promises": "oob",
        "people": "oob",
        "task-history": "oob",
    }
    assert "Irene Costa now owns “Size guide”." in html
    card = html[html.index('id="task-summary"') : html.index('id="task-due"')]
    assert "Irene Costa" in card
    assert "Nobody owns this." not in html
    gaps = html[: html.index('id="task-summary"')]
    assert "No owner" not in gaps
    assert "No backup" in gaps
    history = html[html.index('id="task-history"') :]
    assert "Irene Costa" in history
    assert Assignment.objects.get(task=task, role=Role.OWNER).person.name == "Irene Costa"


def test_a_person_added_in_the_people_section_clears_the_gap_out_of_band(
    client, ops_lead, htmx_headers
):
    task = TaskFactory(name="Size guide")
    PersonFactory(name="Irene Costa")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_assign", kwargs={"slug": task.slug}),
        {"person": "Irene Costa", "role": Role.OWNER},
        **htmx_headers,
    )
    html = response.content.decode()
    assert _parts(html)["people"] == "main"
    assert _parts(html)["task-gaps"] == "oob"
    gaps = html[html.index('id="task-gaps"') :]
    gaps = gaps[: gaps.index("</div>")]
    assert "No owner" not in gaps


def test_a_refused_fix_comes_back_at_its_form_and_nothing_changes(client, ops_lead, htmx_headers):
    task = TaskFactory(name="Size guide", rhythm="")
    client.force_login(ops_lead)
    response = client.post(
        _fix(task, "rhythm"), {"rhythm": "every blue moon", "version": task.version}, **htmx_headers
    )
    html = response.content.decode()
    assert response.headers["HX-Retarget"] == "#fix-rhythm"
    assert html.lstrip().startswith('<form id="fix-rhythm"')
    assert 'aria-invalid="true"' in html
    assert 'value="every blue moon"' in html
    assert Task.objects.get(pk=task.pk).rhythm == ""


def test_without_javascript_a_fix_redirects_to_the_task_and_a_refusal_shows_the_page(
    client, ops_lead
):
    task = TaskFactory(name="Size guide", rhythm="")
    owner = PersonFactory(name="Mark Jensen")
    assign_owner(task=task, person=owner, by=None)
    client.force_login(ops_lead)
    response = client.post(_fix(task, "rhythm"), {"rhythm": "quarterly", "version": task.version})
    assert response.status_code == 302
    assert response.url == task.get_absolute_url()
    assert Task.objects.get(pk=task.pk).rhythm == "quarterly"
    response = client.post(_fix(task, "backup"), {"person": "Mark Jensen"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Size guide</h1>" in html
    assert "already the owner" in html
