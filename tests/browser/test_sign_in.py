import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from ownership.assignments import assign_backup, assign_owner
from tests.factories import PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.browser


def test_a_member_signs_in_and_opens_a_task_page(reference_data, live_server, sign_in):
    user = UserFactory(username="ethan")
    user.groups.add(Group.objects.get(name="Members"))
    task = TaskFactory(name="Holiday shipping cutoff sign-off", rhythm="yearly on 15 november")
    assign_owner(task=task, person=PersonFactory(name="Nina Alvarez"), by=None)
    assign_backup(task=task, person=PersonFactory(name="Chris Osei"), by=None)

    page = sign_in("ethan")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Where the map is wrong")
    page.get_by_role("link", name="Tasks", exact=True).click()
    page.get_by_role("link", name="Holiday shipping cutoff sign-off").click()

    expect(page).to_have_url(re.compile(r"/tasks/holiday-shipping-cutoff-sign-off/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Holiday shipping cutoff sign-off")
    expect(page.locator(".owner-card .acting")).to_contain_text("Nina Alvarez")
    expect(page.locator(".owner-card footer")).to_contain_text("Chris Osei")
    expect(page.get_by_text("yearly on 15 november")).to_be_visible()


def test_a_wrong_password_keeps_the_visitor_on_the_sign_in_page(reference_data, sign_in):
    UserFactory(username="ethan")
    page = sign_in("ethan", "wrong")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_the_stage_filter_swaps_the_table_without_a_page_load(reference_data, live_server, sign_in):
    from tasks_registry.models import Stage

    user = UserFactory(username="ethan")
    user.groups.add(Group.objects.get(name="Members"))
    TaskFactory(name="Inventory sync", stage=Stage.objects.get(slug="fulfilment"))
    TaskFactory(name="Returns notices", stage=Stage.objects.get(slug="returns-refunds"))
    page = sign_in("ethan")
    page.get_by_role("link", name="Tasks", exact=True).click()
    page.evaluate("window.__same_page = true")
    page.get_by_label("Stage").select_option(label="Fulfilment")
    expect(page.get_by_text("1 task in Fulfilment")).to_be_visible()
    expect(page.get_by_role("link", name="Returns notices")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"\?stage=fulfilment$"))
    assert page.evaluate("window.__same_page") is True
