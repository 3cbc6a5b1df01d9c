"""The store changes a promise: "Delivery within 3 business days" becomes 5. The three demo
tasks that repeat it are flagged on the dashboard and their owners told; each owner says on
their task's page that their place was updated, and the flags clear."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from ownership.gap_rules import PROMISE_CHANGED, gap_report
from reviews.models import Notice, NoticeKind
from tasks_registry.models import Promise, Task

pytestmark = pytest.mark.browser

NEW = "Order before 2 pm and your gear arrives within 5 business days."
# The demo's places repeating the promise, by their task, and their owners' sign-ins.
PLACES = {
    "delivery-options-at-checkout": "chris.osei",
    "chatbot-and-live-chat-answers": "fatima.zahra",
    "campaign-email-send": "leo.fischer",
}


def _flagged() -> set[str]:
    report = gap_report(on=timezone.localdate())
    return set(
        Task.objects.filter(pk__in=report.by_rule[PROMISE_CHANGED]).values_list("slug", flat=True)
    )


def test_a_changed_promise_flags_its_places_until_each_owner_updates_theirs(
    demo_store, sign_in, sign_in_elsewhere, live_server, assert_accessible
):
    for username in PLACES.values():
        user = get_user_model().objects.get(username=username)
        user.set_password("ownermap-demo")
        user.save()
    before = _flagged()
    assert not before & set(PLACES)

    page = sign_in("opslead", "ownermap-demo")
    page.goto(f"{live_server.url}/promises/")
    assert_accessible(page, "main")
    page.get_by_role("link", name="Delivery within 3 business days").click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Name").fill("Delivery within 5 business days")
    page.get_by_label("Wording").fill(NEW)
    page.get_by_label("Value").fill("5 business days")
    assert_accessible(page, "main")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text(
        "3 places repeating it must be re-checked; their owners are told."
    )
    expect(page.locator(".promise-places .badge-bad")).to_have_count(3)
    assert _flagged() - before == set(PLACES)
    told = Notice.objects.filter(
        kind=NoticeKind.PROMISE_CHANGED, promise_link__promise__name__startswith="Delivery"
    )
    assert sorted(told.values_list("person__user__username", flat=True)) == sorted(PLACES.values())

    page.goto(f"{live_server.url}/?rule=promise_changed")
    expect(page.locator("main")).to_contain_text("Promise changed: re-check")
    for slug in PLACES:
        expect(page.locator("main")).to_contain_text(Task.objects.get(slug=slug).name)

    for slug, username in PLACES.items():
        owner = sign_in_elsewhere(username, "ownermap-demo")
        task = Task.objects.get(slug=slug)
        owner.goto(f"{live_server.url}{task.get_absolute_url()}")
        owner.evaluate("window.__same_page = true")
        expect(owner.locator("#task-gaps")).to_contain_text("Promise changed: re-check")
        part = owner.locator("#task-promises")
        expect(part).to_contain_text(f"It now reads “{NEW}”")
        assert_accessible(owner, "#task-promises")
        part.get_by_role("button", name="Updated to the new wording").click()
        expect(part.get_by_role("status")).to_contain_text("now says")
        expect(part).to_contain_text("up to date")
        expect(owner.locator("#task-gaps")).not_to_contain_text("Promise changed")
        assert owner.evaluate("window.__same_page") is True

    assert not _flagged() & set(PLACES)
    page.goto(f"{live_server.url}/promises/")
    promise = Promise.objects.get(name="Delivery within 5 business days")
    card = page.locator(f"[data-promise='{promise.pk}']")
    expect(card.locator(".badge-bad")).to_have_count(0)
    expect(card.get_by_text("up to date")).to_have_count(3)
