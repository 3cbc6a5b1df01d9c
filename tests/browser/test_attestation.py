"""An owner attests all their tasks from My tasks in one click and the dashboard's unattested
count drops; the link in the sweep's email attests once and is refused the second time."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from ownership import attestation
from ownership.assignments import assign_owner
from ownership.models import Attestation
from tests.factories import PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def olive(reference_data):
    """An ops lead who owns three tasks, taken on long enough ago that none is attested."""
    user = UserFactory(username="olive")
    user.groups.add(Group.objects.get(name="Ops leads"))
    person = PersonFactory(name="Olive Owner", user=user)
    for name in ("Payment gateway check", "Refund queue check", "Returns label check"):
        assignment = assign_owner(task=TaskFactory(name=name), person=person, by=None)
        assignment.confirmed_at = timezone.now() - datetime.timedelta(days=120)
        assignment.save(update_fields=["confirmed_at"])
    return person


def test_an_owner_attests_all_their_tasks_in_one_click_and_the_count_drops(
    olive, sign_in, live_server, assert_accessible
):
    page = sign_in("olive")
    expect(page.locator("#count-unattested")).to_have_text("3")
    page.get_by_role("link", name="My tasks").click()
    mine = page.locator("#mine")
    expect(mine.locator(".badge-bad", has_text="unattested")).to_have_count(3)
    assert_accessible(page, "#mine")
    page.get_by_role("button", name="All 3 I own are still mine and still right").click()
    expect(page.locator("#mine [role=status]")).to_have_text("All 3 tasks you own: noted.")
    # Read out too: the region the update replaced cannot announce it itself.
    expect(page.locator("#announcer")).to_have_text("All 3 tasks you own: noted.")
    expect(mine.locator(".badge-bad", has_text="unattested")).to_have_count(0)
    assert_accessible(page, "#mine")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#count-unattested")).to_have_text("0")
    expect(page.locator("#attested-figure")).to_have_text("100%")
    assert Attestation.objects.filter(person=olive, via="my_tasks").count() == 3


def test_the_emailed_link_works_once_and_is_refused_the_second_time(
    olive, page, live_server, assert_accessible
):
    task_ids = list(olive.assignments.values_list("task_id", flat=True))
    url = f"{live_server.url}/attest/{attestation.issue_link(olive, task_ids)}"
    page.goto(url)  # not signed in: the link is the key to this one action
    expect(page.get_by_role("heading", name="Still yours, Olive Owner?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, all still mine and still right").click()
    expect(page.get_by_role("heading", name="Noted, thank you")).to_be_visible()
    assert Attestation.objects.filter(via="email_link").count() == 3
    page.goto(url)
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"each works once"))
    assert_accessible(page)
    assert Attestation.objects.filter(via="email_link").count() == 3
