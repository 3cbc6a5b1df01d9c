"""Pasting what is on screen, and fixing an unanswered question where it is shown."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from ownership.models import AskedQuestion
from tasks_registry.changes import update_task
from tests.factories import PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def people(reference_data):
    for username, group in [("mia", "Members"), ("olu", "Ops leads")]:
        user = UserFactory(username=username)
        user.groups.add(Group.objects.get(name=group))
        PersonFactory(name=username.title(), user=user, email=f"{username}@example.com")


def test_a_pasted_url_and_promo_code_show_the_owning_task_first(
    people, live_server, sign_in, assert_accessible
):
    checkout = TaskFactory(name="Checkout flow testing")
    update_task(task=checkout, by=None, patterns="/checkout/*")
    promos = TaskFactory(name="Promo code setup and QA")
    update_task(task=promos, by=None, patterns="SUMMER*")
    TaskFactory(name="Summer campaign emails")
    page = sign_in("mia")
    box = page.locator("#lookup")
    box.fill("https://shop.example/checkout/payment?step=2")
    first = page.locator("#lookup-results .result-card").first
    expect(first).to_contain_text("Checkout flow testing")
    expect(first.locator(".why")).to_contain_text("/checkout/payment → /checkout/* (pattern)")

    box.fill("SUMMER25")
    first = page.locator("#lookup-results .result-card").first
    expect(first).to_contain_text("Promo code setup and QA")
    expect(first.locator(".why")).to_contain_text("summer25 → summer* (pattern)")
    assert_accessible(page, "#lookup-results")


def test_an_unanswered_question_is_fixed_on_the_dashboard_in_one_click(
    people, live_server, sign_in, assert_accessible
):
    TaskFactory(name="Carrier performance review")
    page = sign_in("mia")
    page.goto(f"{live_server.url}/search/?q=parcel+went+to+the+moon")
    expect(page.locator(".results")).to_contain_text("No task matches")
    assert AskedQuestion.objects.get().words == "parcel went moon"

    page.context.clear_cookies()
    page = sign_in("olu")
    card = page.locator("#unanswered")
    expect(card).to_contain_text("“parcel went moon”")
    assert_accessible(page, "#unanswered")
    card.get_by_label("Task “parcel went moon” is about").fill("Carrier performance review")
    card.get_by_role("button", name="Make it an alias").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "“parcel went moon” now finds “Carrier performance review”."
    )
    expect(page.locator("#unanswered")).to_have_count(0)

    page.locator("#lookup").fill("parcel went to the moon")
    expect(page.locator("#lookup-results .result-card").first).to_contain_text(
        "Carrier performance review"
    )
    expect(page).to_have_url(re.compile(r"/$"))


def test_an_ops_lead_adds_search_words_and_a_member_finds_with_them(
    people, live_server, sign_in, assert_accessible
):
    TaskFactory(name="Marketplace listing sync")
    page = sign_in("olu")
    page.get_by_role("link", name="Search words").click()
    expect(page.get_by_label("When people type")).to_be_visible()  # the new page, not the old
    assert_accessible(page, "main")
    page.get_by_label("When people type").fill("zalando")
    page.get_by_label("they mean").fill("zalando")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#id_means_error")).to_contain_text("cannot mean itself")
    page.get_by_label("they mean").fill("marketplace")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".flash-success")).to_contain_text("“zalando → marketplace”")

    page.context.clear_cookies()
    page = sign_in("mia")
    page.locator("#lookup").fill("zalando")
    first = page.locator("#lookup-results .result-card").first
    expect(first).to_contain_text("Marketplace listing sync")
    expect(first.locator(".why")).to_contain_text("zalando (synonym) → Marketplace listing sync")
