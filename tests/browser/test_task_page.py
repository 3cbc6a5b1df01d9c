"""An ops lead fixes a task's gaps on its own page: the owner card, the gaps, the people and
the history agree at once, without a page load."""

import re

import pytest
from playwright.sync_api import expect

from ownership.models import Assignment, Role
from tasks_registry.models import Task

pytestmark = pytest.mark.browser


def test_an_owner_picked_on_the_task_page_shows_everywhere_on_it_at_once(
    demo_store, sign_in, live_server, assert_accessible
):
    task = Task.objects.get(slug="promo-code-setup-and-qa")
    page = sign_in("opslead", "ownermap-demo")
    page.goto(f"{live_server.url}{task.get_absolute_url()}")
    page.evaluate("window.__same_page = true")
    expect(page.locator(".owner-card")).to_contain_text("Nobody owns this.")
    gaps = page.locator("#task-gaps")
    expect(gaps).to_contain_text("Contributors, no owner.")
    assert_accessible(page, "main")

    box = gaps.get_by_label("New owner for Promo code setup and QA")
    box.fill("Priya Nair <priya.nair@fernhill.example>")
    gaps.get_by_role("button", name="Assign owner").click()

    expect(gaps.get_by_role("status")).to_contain_text(
        "Priya Nair now owns “Promo code setup and QA”."
    )
    expect(gaps).not_to_contain_text("Contributors, no owner.")
    expect(page.locator(".owner-card")).to_contain_text("Priya Nair")
    expect(page.locator("#people")).to_contain_text("Priya Nair")
    expect(page.locator("#task-history")).to_contain_text(re.compile(r"owner.*Priya Nair", re.S))
    assert page.evaluate("window.__same_page") is True
    assert Assignment.objects.get(task=task, role=Role.OWNER).person.name == "Priya Nair"
    assert_accessible(page, "main")


def test_a_rhythm_nobody_can_read_is_refused_at_its_form(demo_store, sign_in, live_server):
    task = Task.objects.filter(rhythm="", is_active=True).first()
    page = sign_in("opslead", "ownermap-demo")
    page.goto(f"{live_server.url}{task.get_absolute_url()}")
    box = page.get_by_label(f"Deadline rhythm for {task.name}")
    box.fill("every blue moon")
    page.get_by_role("button", name="Set rhythm").click()
    expect(page.locator("#fix-rhythm").get_by_role("alert")).to_be_visible()
    expect(box).to_have_value("every blue moon")
    expect(box).to_have_attribute("aria-invalid", "true")
    assert Task.objects.get(pk=task.pk).rhythm == ""
