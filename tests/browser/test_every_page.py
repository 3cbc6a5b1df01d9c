"""Every page reachable from the navigation, as each role, at a desktop's width in the light
colour scheme or a phone's in the dark one: axe-core finds no serious or critical violation
(colour contrast among them, so both schemes are held to 4.5:1), with the phone's menu, the
dashboard's folded fixes and the lookup's dropdown open; and no page is wider than the screen,
down to the narrowest phone (360 px)."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ownership.drafts import comment, hold_part, open_draft, share
from ownership.models import Person
from tasks_registry.models import Metric, Promise, Task
from tests.browser.conftest import AXE, _signed_in
from tests.conftest import require_service

pytestmark = pytest.mark.browser

SCREENS = {"desktop-light": (1280, "light"), "phone-dark": (390, "dark")}
# Each role at one screen, every control at both: a manager sees all an ops lead sees and the
# reviews' controls besides, a member fewer. Each role at both screens took 131 s of CI's
# workers' time, a fifth of its first run.
SEEN_BY = [
    ("member", "phone-dark"),
    ("opslead", "desktop-light"),
    ("manager", "phone-dark"),
]
# Reached from a page rather than the header, and among the heaviest: the RACI matrix, and a
# task with everything on it (an overdue occurrence, its escalation, people, history).
ALSO = [
    "/map/raci",
    "/tasks/pricing-updates/",
    "/tasks/refund-processing/",
    # A place repeating a promise that changed since, and a task that owns promises.
    "/tasks/product-page-copy-alignment/",
    "/tasks/delivery-options-at-checkout/",
]
# Reached from the Metrics and Promises pages by those who add and edit them.
EDITORS_ALSO = ["/metrics/new", "/metrics/import", "/promises/new"]


def _nav_links(page) -> list[str]:
    """The header's links, as this role sees them (the admin's excepted: Django's own pages)."""
    hrefs = page.eval_on_selector_all(
        ".site-header nav a[href^='/']", "links => links.map(link => link.getAttribute('href'))"
    )
    return sorted({href for href in hrefs if not href.startswith("/admin")})


def _serious(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    # The WCAG 2.2 A and AA rules: what the goal is, and a third fewer rules to run per page.
    # Only the violations are worked out in detail and sent back: the passes were most of the
    # time a page took.
    violations = page.evaluate(
        """() => axe.run(document, {
          runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
          resultTypes: ['violations'],
        }).then(result => result.violations.map(v => ({
          id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map(node => node.target),
        })))"""
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['targets']}"
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(("role", "screen"), SEEN_BY, ids=[f"{r}-{s}" for r, s in SEEN_BY])
def test_every_page_in_the_navigation_is_accessible_and_fits(
    demo_store, live_server, browser, role, screen
):
    require_service(AXE.exists(), f"axe-core is not installed at {AXE}")
    width, scheme = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = _signed_in(context.new_page(), live_server.url, role, "ownermap-demo")
        found: dict[str, list[str]] = {}
        metric = Metric.objects.get(name="Refund delay").get_absolute_url()
        promise = Promise.objects.get(name="Free returns").get_absolute_url()
        # The map as it was (the demo has a year of history; today shows the most on it).
        today = f"{timezone.localdate():%Y-%m-%d}"
        as_of = [
            f"/tasks/pricing-updates/?as_of={today}",
            f"/map/?as_of={today}",
            f"/map/raci?as_of={today}",
        ]
        editors = [*EDITORS_ALSO, f"{promise}edit", _shared_draft()] if role != "member" else []
        for path in [*_nav_links(page), *ALSO, metric, promise, *as_of, *editors]:
            page.goto(live_server.url + path)
            page.wait_for_load_state()
            _open_everything(page, path)
            problems = _serious(page)
            # The narrowest phone, then back to this screen's width for the next page's axe run.
            problems += _wider_than_the_screen(page, [360, width] if width < 768 else [width])
            if problems:
                found[path] = problems
        assert found == {}
    finally:
        context.close()


def _shared_draft() -> str:
    """A draft with a change and a comment, shared by the ops lead: its page, with the figures
    now and after."""
    lead = get_user_model().objects.get(username="opslead")
    draft = open_draft(name="Peak season 2027", by=lead)
    task = Task.objects.get(slug="bundle-approvals")
    person = Person.objects.get(email="ivan.petrov@fernhill.example")
    hold_part(draft=draft, task=task, person=person, role="backup", by=lead)
    share(draft=draft, by=lead)
    comment(draft=draft, by=lead, text="Ivan has the time in January.")
    return draft.get_absolute_url()


def _open_everything(page, path: str) -> None:
    """What a person opens is checked too: the phone's menu, the fixes folded in details on the
    dashboard, and on the dashboard the lookup's live answers under the search box."""
    if page.is_visible(".menu-toggle summary"):
        page.click(".menu-toggle summary")
    if path == "/":
        page.eval_on_selector_all(".fix details", "folds => folds.forEach(f => { f.open = true; })")
        page.fill("#lookup", "refund")
        page.wait_for_selector("#lookup-results .result-link")


def _wider_than_the_screen(page, widths: list[int]) -> list[str]:
    problems = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 0:
            problems.append(f"{wide} px wider than a {width} px screen")
    return problems


def test_the_phone_menu_opens_below_the_search_box_and_escape_folds_it(
    demo_store, live_server, browser
):
    context = browser.new_context(viewport={"width": 360, "height": 800})
    try:
        page = _signed_in(context.new_page(), live_server.url, "member", "ownermap-demo")
        people = page.get_by_role("link", name="People")
        assert not people.is_visible()
        search = page.locator("#lookup").bounding_box()
        assert search is not None
        assert search["width"] > 300  # the box is the row's width

        page.get_by_text("Menu", exact=True).click()
        assert people.is_visible()
        assert people.bounding_box()["y"] > search["y"]  # the links come under the search box
        people.focus()
        page.keyboard.press("Escape")
        assert not people.is_visible()
        assert page.evaluate("document.activeElement.textContent") == "Menu"

        page.set_viewport_size({"width": 1280, "height": 800})
        assert people.is_visible()  # a desktop has no menu: the links are always there
        assert not page.get_by_text("Menu", exact=True).is_visible()
    finally:
        context.close()


# How a control is marked out: its outline, shadow, border, background and underline (a change
# of text colour alone is too faint to count), and its group's (Pico rings a search box or a
# role=group as a whole when one of its parts has the focus).
LOOK = """e => {
  const ring = el => { const s = getComputedStyle(el); return [
    s.outlineStyle === 'none' ? '' : s.outlineStyle + s.outlineWidth + s.outlineColor,
    s.boxShadow, s.borderTopWidth === '0px' ? '' : s.borderColor, s.backgroundColor,
    s.textDecorationLine].join(' '); };
  const group = e.closest('[role=group], [role=search]');
  return ring(e) + ' | ' + (group ? ring(group) : '');
}"""


@pytest.mark.parametrize("path", ["/", "/tasks/pricing-updates/", "/my/"])
def test_the_keyboard_focus_is_visible_on_every_control(demo_store, live_server, browser, path):
    """WCAG 2.4.7: each control the Tab key reaches looks different while it has the focus."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    try:
        page = _signed_in(context.new_page(), live_server.url, "opslead", "ownermap-demo")
        page.goto(live_server.url + path)
        page.evaluate(
            f"""() => {{ const look = {LOOK}; window.unfocused = new Map(
              [...document.querySelectorAll('a[href], button, input, select, textarea, summary')]
              .map(e => [e, look(e)])); }}"""
        )
        invisible, reached = [], 0
        for _ in range(120):
            page.keyboard.press("Tab")
            found = page.evaluate(
                f"""() => {{ const e = document.activeElement, look = {LOOK};
                  if (!window.unfocused.has(e)) return null;
                  const same = window.unfocused.get(e) === look(e);
                  window.unfocused.delete(e);
                  return same ? e.outerHTML.slice(0, 80) : ''; }}"""
            )
            if found is None:
                continue
            reached += 1
            if found:
                invisible.append(found)
        assert reached > 10
        assert invisible == []
    finally:
        context.close()
