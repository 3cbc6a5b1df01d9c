"""A quarterly review with pre-reviews, in a real browser, counting clicks and keys: owners
attest (one flags a problem), the manager accepts what owners confirmed in one click, walks the
exceptions with the keyboard alone, and closes with two unreviewed, which the summary lists and
the next session carries.

40 items: 25 clean and confirmed by their owners, 15 exceptions (5 with a gap, 9 whose owner
said nothing, 1 flagged). The target is under 40 clicks for the manager."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ownership import attestation
from ownership.assignments import assign_backup, assign_owner
from reviews import scheduling
from reviews.models import ItemReason, Outcome, ReviewKind, ReviewSession
from tests.conftest import _member_of
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"  # noqa: S105 - a throwaway test user's

# Counts the person's own clicks and keys across page loads (sessionStorage), for the test.
COUNTER = """
(() => {
  const bump = (name) =>
    sessionStorage.setItem(name, String(Number(sessionStorage.getItem(name) || 0) + 1));
  document.addEventListener("click", (e) => { if (e.isTrusted) bump("clicks"); }, true);
  document.addEventListener("keydown", (e) => { if (e.isTrusted) bump("keys"); }, true);
})();
"""


@pytest.fixture
def quarter(reference_data):
    _member_of("Managers", "manager", "Mo Manager")
    owners = [_member_of("Members", f"owner{n}", f"Owner {n}").person for n in range(4)]
    backup = PersonFactory(name="Bo Backup")
    for number in range(40):
        task = TaskFactory(name=f"Task {number:02d}")
        assign_owner(task=task, person=owners[number % 4], by=None)
        # Five of the first three owners' tasks have no backup: a gap, walked whatever is said.
        if number not in (0, 1, 2, 4, 5):
            assign_backup(task=task, person=backup, by=None)
    scheduling.sweep()
    return ReviewSession.objects.get(), owners


def _counts(page) -> tuple[int, int]:
    count = "name => Number(sessionStorage.getItem(name) || 0)"
    return page.evaluate(count, "clicks"), page.evaluate(count, "keys")


def test_a_quarterly_review_with_pre_reviews_in_few_clicks(
    quarter, sign_in, sign_in_elsewhere, live_server, assert_accessible
):
    session, owners = quarter
    # Owner 3 pre-reviews in the browser: one task flagged, and nothing said of the others.
    owner_page = sign_in_elsewhere("owner3", PASSWORD)
    owner_page.goto(f"{live_server.url}/reviews/{session.pk}/pre-review")
    expect(owner_page.get_by_role("heading", level=1)).to_have_text(f"Before the {session}")
    assert_accessible(owner_page, "main")
    flagged = owner_page.get_by_role("group", name="Task 03")
    flagged.get_by_label("Something is wrong").check()
    flagged.get_by_label("What is wrong with “Task 03”").fill("Its supplier changed in May")
    owner_page.get_by_role("button", name="Send my pre-review").click()
    expect(owner_page.get_by_role("status")).to_contain_text(
        "0 still right, 1 with something wrong"
    )
    # The other three attest all of theirs (from the email's one-click link, or My tasks).
    for owner in owners[:3]:
        attestation.attest(person=owner, tasks=attestation.owned_by(owner), by=None, via="my_tasks")

    page = sign_in("manager", PASSWORD)
    page.add_init_script(COUNTER)
    page.goto(f"{live_server.url}/reviews/")
    page.get_by_role("link", name=str(session)).click()
    expect(page.get_by_role("region", name="Pre-review by owners")).to_contain_text(
        "3 of 4 owners pre-reviewed their tasks"
    )
    confirmed = page.get_by_role("region", name="Confirmed by owners (25)")
    expect(confirmed).to_be_visible()
    assert_accessible(page, "main")
    page.get_by_role("button", name="Accept all 25").click()
    expect(page.get_by_role("status")).to_contain_text("Accepted 25 items as confirmed.")
    expect(page.locator("#session-progress")).to_contain_text("25 of 40 decided")

    # Accepting started the session.
    page.get_by_role("button", name="Walk the next item").click()
    title = page.locator("#item-title")
    expect(title).to_be_visible()
    assert_accessible(page, "#item-panel")
    # The exceptions, with the keyboard alone: 13 of the 15, then two left unreviewed.
    for decided in range(26, 39):
        before = title.inner_text()
        page.keyboard.press("c")
        expect(page.locator("#session-progress")).to_contain_text(f"{decided} of 40 decided")
        expect(title).not_to_have_text(before)
        # The new item's title has the focus, and the tab says which item it is.
        expect(title).to_be_focused()
        assert page.title().startswith(title.inner_text())
    # ? lists the keys; typing in the note fires none of them.
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keys while walking a session")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_label("Note").press_sequentially("cgr")
    expect(page.locator("#session-progress")).to_contain_text("38 of 40 decided")

    page.get_by_role("link", name=f"← {session}").click()
    page.get_by_role("link", name="Close the session…").click()
    expect(page.get_by_role("heading", name="2 items not reviewed")).to_be_visible()
    assert_accessible(page, "main")
    page.get_by_role("button", name="Close with 2 not reviewed and send the summary").click()
    unreviewed = page.get_by_role("region", name="Not reviewed (2)")
    expect(unreviewed).to_contain_text("waiting for the next quarterly review")
    assert_accessible(page, "main")

    clicks, keys = _counts(page)
    print(f"manager: {clicks} clicks and {keys} keys for 40 items, 25 of them clean")
    assert clicks < 40
    # The session's link, Accept all, Walk the next item, back, Close the session…, Close.
    assert clicks == 6
    # 13 outcomes, ? and Escape, and three letters typed in the note.
    assert keys == 18

    left = set(session.items.filter(outcome=Outcome.PENDING).values_list("task_id", flat=True))
    assert len(left) == 2
    assert (
        session.items.filter(note="Confirmed by its owner before the session, with no gap.").count()
        == 25
    )
    scheduling.sweep(timezone.now() + datetime.timedelta(days=95))
    following = ReviewSession.objects.exclude(pk=session.pk).get(kind=ReviewKind.QUARTERLY)
    carried = following.items.filter(reason=ItemReason.CARRIED)
    assert set(carried.values_list("task_id", flat=True)) == left
