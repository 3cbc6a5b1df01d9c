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
from tasks_registry.models import Completion, Task
from tests.factories import PersonFactory, TaskFactory, UserFactory

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
