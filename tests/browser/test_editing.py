"""Editing the map in a real browser: a handover in one step, and two ops leads at once."""

import pytest
from playwright.sync_api import expect

from ownership.models import Assignment, Person, Role
from tasks_registry.models import Task

pytestmark = pytest.mark.browser


def test_the_handover_moves_a_departed_persons_tasks_in_one_step(demo_store, sign_in):
    nina = Person.objects.get(name="Nina Alvarez")
    page = sign_in("opslead", "ownermap-demo")
    page.goto(page.url.rstrip("/") + f"/people/{nina.pk}/")
    page.get_by_role("button", name="Mark as departed and hand over").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hand over what Nina Alvarez holds")
    box = page.get_by_label("New owner of Holiday shipping cutoff sign-off")
    # Her backup is proposed as the new owner.
    expect(box).to_have_value("Chris Osei <chris.osei@fernhill.example>")
    page.get_by_role("button", name="Hand over in one step").click()

    expect(page.get_by_role("status")).to_contain_text("Handed over")
    task = Task.objects.get(slug="holiday-shipping-cutoff-sign-off")
    owner = Assignment.objects.get(task=task, role=Role.OWNER)
    assert owner.person.name == "Chris Osei"
    assert not Assignment.objects.filter(person=nina, role__in=[Role.OWNER, Role.BACKUP]).exists()
    assert owner.history.first().history_change_reason == "handover from Nina Alvarez"
    page.goto(page.url.rstrip("/").rsplit("/people", 1)[0] + task.get_absolute_url())
    expect(page.locator(".history")).to_contain_text("Dana Kowalski")
    expect(page.locator(".history")).to_contain_text("handover from Nina Alvarez")


def test_two_ops_leads_editing_one_task_the_second_gets_the_conflict_and_keeps_their_text(
    demo_store, live_server, sign_in, sign_in_elsewhere, tmp_path
):
    url = f"{live_server.url}/tasks/returns-notices/edit"
    first = sign_in("opslead", "ownermap-demo")
    first.goto(url)

    second = sign_in_elsewhere("manager", "ownermap-demo")
    second.goto(url)

    first.get_by_label("In words, or an RRULE").check()
    first.get_by_label("Rhythm in words").fill("weekly on tuesday")
    first.get_by_role("button", name="Save").click()
    expect(first.get_by_role("status")).to_contain_text("“Returns notices” is saved.")

    second.get_by_label("In words, or an RRULE").check()
    second.get_by_label("Rhythm in words").fill("daily")
    second.get_by_label("Definition of done").fill("Every notice sent the same day")
    second.get_by_role("button", name="Save").click()
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text("Someone else saved this task while you were editing it.")
    expect(alert).to_contain_text("weekly on tuesday")
    expect(second.get_by_label("Rhythm in words")).to_have_value("daily")
    expect(second.get_by_label("Definition of done")).to_have_value(
        "Every notice sent the same day"
    )
    second.screenshot(path=tmp_path / "edit-conflict.png", full_page=True)

    task = Task.objects.get(slug="returns-notices")
    assert task.rhythm == "weekly on tuesday"
    assert task.definition_of_done.startswith("Returns notices sent within 2 business days")


def test_two_people_change_different_fields_of_one_task_and_both_changes_survive(
    demo_store, live_server, sign_in, sign_in_elsewhere, assert_accessible
):
    url = f"{live_server.url}/tasks/returns-notices/edit"
    first = sign_in("opslead", "ownermap-demo")
    first.goto(url)
    second = sign_in_elsewhere("manager", "ownermap-demo")
    second.goto(url)

    first.get_by_label("Definition of done").fill("Every notice sent the same day")
    first.get_by_role("button", name="Save").click()
    expect(first.get_by_role("status")).to_contain_text("“Returns notices” is saved.")

    second.get_by_label("Description").fill("Letters to customers whose return was refused.")
    second.get_by_label("Criticality").select_option("critical")
    second.get_by_role("button", name="Save").click()
    expect(second.get_by_role("status")).to_contain_text(
        "merged with what was saved while you edited"
    )
    assert_accessible(second, "main")

    task = Task.objects.get(slug="returns-notices")
    assert task.definition_of_done == "Every notice sent the same day"
    assert task.description == "Letters to customers whose return was refused."
    assert task.criticality == "critical"
    latest = task.history.first()
    assert "merged" in latest.history_change_reason
    assert latest.history_user.username == "manager"
