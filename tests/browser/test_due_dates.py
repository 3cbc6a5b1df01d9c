"""An owner sets a rhythm with the picker, sees when it is next due, and confirms an overdue
occurrence from My tasks; the dashboard's overdue flag clears."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from ownership.assignments import assign_owner
from tasks_registry import due
from tasks_registry.models import CampaignKind, Completion, Task
from tests.factories import CampaignFactory, PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def owner(reference_data):
    user = UserFactory(username="olu")
    user.groups.add(Group.objects.get(name="Ops leads"))
    person = PersonFactory(name="Olu Owner", user=user)
    today = timezone.localdate()
    close = TaskFactory(name="Month-end close", rhythm="", definition_of_done="Ledger closed")
    stocktake = TaskFactory(
        name="Weekly stocktake",
        rhythm=f"weekly on {today:%A}".lower(),
        definition_of_done="Stock counted\nVariances posted",
    )
    for task in (close, stocktake):
        assign_owner(task=task, person=person, by=None)
    # Set ten days ago: the occurrence a week ago is past its grace and unconfirmed.
    Task.objects.filter(pk=stocktake.pk).update(rhythm_set_on=today - datetime.timedelta(days=10))
    due.refresh_next_due()
    return user


def test_an_owner_sets_a_rhythm_with_the_picker_and_confirms_overdue_work_from_my_tasks(
    owner, sign_in, live_server
):
    page = sign_in("olu")
    expect(page.locator("#count-overdue")).to_have_text("1")

    page.goto(f"{live_server.url}/tasks/month-end-close/edit")
    page.get_by_label("On the calendar").check()
    page.get_by_label("Repeats").select_option("month")
    page.get_by_label("Which day").select_option("last_business")
    preview = page.locator("#rhythm-preview")
    expect(preview).to_contain_text("Falls due monthly on the last business day. Next:")
    page.get_by_role("button", name="Save").click()

    task = Task.objects.get(slug="month-end-close")
    assert task.rhythm == "monthly on the last business day"
    expect(page.get_by_text(re.compile(r"^Next due"))).to_contain_text(
        f"{task.next_due_on:%a} {task.next_due_on.day} {task.next_due_on:%b %Y}"
    )

    page.get_by_role("link", name="My tasks").click()
    page.evaluate("window.__same_page = true")
    overdue = page.locator("section.section-overdue")
    expect(overdue).to_contain_text("Weekly stocktake")
    week_ago = timezone.localdate() - datetime.timedelta(days=7)
    overdue.get_by_text(f"Confirm done for {week_ago:%a} {week_ago.day} {week_ago:%b}").click()
    overdue.get_by_label("Stock counted").check()
    overdue.get_by_label("Variances posted").check()
    overdue.get_by_role("button", name="Confirm done").click()

    expect(page.get_by_role("status")).to_contain_text("“Weekly stocktake” is confirmed done")
    expect(page.locator("section.section-overdue")).to_have_count(0)
    assert page.evaluate("window.__same_page") is True  # swapped in place, no page load
    completion = Completion.objects.get()
    assert (completion.due_on, completion.completed_by.username) == (week_ago, "olu")

    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#count-overdue")).to_have_text("0")


@pytest.fixture
def drop_overdue(reference_data):
    """Olu owns a critical task due 2 business days before each campaign; a product drop
    started ten days ago and nobody confirmed it. Lee, an ops lead, edits the map."""
    user = UserFactory(username="olu")
    user.groups.add(Group.objects.get(name="Members"))
    person = PersonFactory(name="Olu Owner", user=user)
    lead = UserFactory(username="lee")
    lead.groups.add(Group.objects.get(name="Ops leads"))
    today = timezone.localdate()
    start = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=10), datetime.time(9))
    )
    CampaignFactory(name="Trail drop", kind=CampaignKind.PRODUCT_DROP, starts_at=start)
    task = TaskFactory(
        name="Promo codes live",
        rhythm="2 business days before each campaign",
        criticality="critical",
        definition_of_done="Codes tested at checkout",
    )
    assign_owner(task=task, person=person, by=None)
    Task.objects.filter(pk=task.pk).update(rhythm_set_on=today - datetime.timedelta(days=40))
    due.refresh_next_due()
    return Task.objects.get(pk=task.pk)


def test_a_rhythm_change_keeps_the_missed_occurrence_until_its_owner_skips_it(
    drop_overdue, live_server, sign_in, sign_in_elsewhere, assert_accessible, tmp_path
):
    missed = drop_overdue.next_due_on
    lead = sign_in_elsewhere("lee")
    lead.goto(f"{live_server.url}/tasks/promo-codes-live/edit")
    lead.get_by_label("In words, or an RRULE").check()
    lead.get_by_label("Rhythm in words").fill("3 business days before each sale")
    lead.get_by_role("button", name="Save").click()
    expect(lead.get_by_role("status")).to_contain_text("“Promo codes live” is saved.")

    owner = sign_in("olu")
    owner.get_by_role("link", name="My tasks").click()
    overdue = owner.locator("section.section-overdue")
    expect(overdue).to_contain_text("Promo codes live")
    expect(overdue).to_contain_text(f"{missed:%a} {missed.day} {missed:%b}")

    lead.goto(f"{live_server.url}/campaigns/trail-drop/")
    row = lead.get_by_role("row", name=re.compile("Promo codes live"))
    expect(row).to_contain_text("overdue")
    expect(row).to_contain_text("2 business days before each campaign (its rhythm then)")

    overdue.get_by_text("Skip with a reason").click()
    overdue.get_by_label("Why will it not be done?").fill("Codes went live with the drop")
    overdue.get_by_role("button", name="Skip it").click()
    expect(owner.get_by_role("status")).to_contain_text("One occurrence of “Promo codes live”")
    expect(owner.locator("section.section-overdue")).to_have_count(0)
    expect(owner.locator("#my-due")).to_contain_text(
        "skipped by olu: Codes went live with the drop"
    )
    assert_accessible(owner, "main")
    owner.screenshot(path=tmp_path / "skipped.png", full_page=True)

    lead.reload()
    row = lead.get_by_role("row", name=re.compile("Promo codes live"))
    expect(row).to_contain_text("skipped: Codes went live with the drop")
    skip = Completion.objects.get()
    assert (skip.due_on, skip.skip_reason) == (missed, "Codes went live with the drop")
