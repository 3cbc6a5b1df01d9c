"""A quarterly review run in a real browser: three outcomes, one an owner changed in place, the
session closed, and the summary listing the change. Members attend read-only."""

import pytest
from playwright.sync_api import expect

from ownership.assignments import assign_backup, assign_owner
from reviews import scheduling
from reviews.models import Outcome, ReviewSession
from tasks_registry.models import Criticality
from tests.conftest import _member_of
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"  # noqa: S105 - a throwaway test user's


@pytest.fixture
def quarter(reference_data):
    _member_of("Managers", "manager", "Mo Manager")
    _member_of("Members", "member", "Mia Member")
    sam, priya, backup = (
        PersonFactory(name="Sam Lee"),
        PersonFactory(name="Priya Shah"),
        PersonFactory(name="Bo Backup"),
    )
    names = ["Promo code QA", "Stock sync", "Returns notices", "Carrier review"]
    for n, name in enumerate(names):
        task = TaskFactory(name=name, criticality=Criticality.CRITICAL if n == 0 else "normal")
        assign_owner(task=task, person=sam, by=None)
        assign_backup(task=task, person=backup, by=None)
    scheduling.sweep()
    return ReviewSession.objects.get(), priya


def test_a_manager_runs_the_quarterly_review_and_the_summary_lists_the_owner_change(
    quarter, sign_in
):
    session, _ = quarter
    page = sign_in("manager", PASSWORD)
    page.get_by_role("link", name="Reviews", exact=True).click()
    page.get_by_role("link", name=str(session)).click()
    page.get_by_role("button", name="Start the session").click()
    page.get_by_role("button", name="Walk the next item").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Promo code QA")
    page.get_by_role("button", name="Confirmed", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Carrier review")
    expect(page.locator("#session-progress")).to_contain_text("1 of 4 decided")
    page.get_by_text("Fix the task here").click()
    page.get_by_label("Owner", exact=True).fill("Priya Shah")
    page.get_by_role("button", name="Hand over").click()
    expect(page.get_by_role("status")).to_contain_text("Priya Shah now owns “Carrier review”")
    # The fix panel stays open for the next fix.
    expect(page.locator("details.fix-in-place")).to_have_attribute("open", "")
    page.get_by_label("Note").fill("Sam moved to wholesale")
    page.get_by_role("button", name="Changed", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Returns notices")
    page.get_by_role("button", name="Gap left open", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Say who is to close the gap")
    page.get_by_label("Note").fill("Sam rewrites the definition of done by Friday")
    page.get_by_role("button", name="Gap left open", exact=True).click()
    expect(page.locator("#session-progress")).to_contain_text("3 of 4 decided")

    page.get_by_role("link", name=f"← {session}").click()
    page.get_by_role("link", name="Close the session…").click()
    # It asks first, naming what is still unreviewed.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Close the {session}?")
    expect(page.get_by_role("heading", name="1 item not reviewed")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Stock sync")
    page.get_by_role("button", name="Close with 1 not reviewed and send the summary").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Summary: {session}")
    unreviewed = page.get_by_role("region", name="Not reviewed (1)")
    expect(unreviewed).to_contain_text("Stock sync — waiting for the next quarterly review")
    changes = page.locator(".change-list")
    expect(changes).to_contain_text("Owner of Carrier review: Sam Lee → Priya Shah")
    expect(page.locator("main")).to_contain_text("Sam rewrites the definition of done by Friday")
    outcomes = dict(session.items.values_list("task__name", "outcome"))
    assert outcomes == {
        "Promo code QA": Outcome.CONFIRMED,
        "Carrier review": Outcome.CHANGED,
        "Returns notices": Outcome.GAP_LEFT_OPEN,
        "Stock sync": Outcome.PENDING,
    }
    page.get_by_role("button", name="Schedule a follow-up for the 1 waiting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Follow-up to the {session}")
    expect(page.locator("#session-items")).to_contain_text("Stock sync")


def test_a_member_attends_but_cannot_record_outcomes(quarter, sign_in, live_server):
    session, _ = quarter
    item = session.items.order_by("position").first()
    page = sign_in("member", PASSWORD)
    page.goto(f"{live_server.url}/reviews/{session.pk}/items/{item.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Promo code QA")
    expect(page.get_by_role("button", name="Confirmed", exact=True)).to_have_count(0)
    expect(page.get_by_text("Fix the task here")).to_have_count(0)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server.url}/reviews/{session.pk}/items/{item.pk}/outcome",
        form={"outcome": "confirmed"},
        headers={"X-CSRFToken": token, "Referer": live_server.url + "/"},
    )
    assert response.status == 403
    item.refresh_from_db()
    assert item.outcome == Outcome.PENDING
