"""Every page reachable from the navigation, as each role, at a desktop's width in the light
colour scheme and a phone's in the dark one: axe-core finds no serious or critical violation
(colour contrast among them, so both schemes are held to 4.5:1), and no page is wider than the
screen."""

import pytest

from tests.browser.conftest import AXE, _signed_in, once_whatever_the_database
from tests.conftest import require_service

pytestmark = [pytest.mark.browser, once_whatever_the_database]

SCREENS = {"desktop-light": (1280, "light"), "phone-dark": (390, "dark")}
ROLES = ["member", "opslead", "manager"]
# Reached from a page rather than the header, and among the heaviest: the RACI matrix, and a
# task with everything on it (an overdue occurrence, its escalation, people, history).
ALSO = ["/map/raci", "/tasks/pricing-updates/"]


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
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    return [
        f"{violation['id']} ({violation['impact']}): "
        f"{[node['target'] for node in violation['nodes']][:3]}"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("screen", SCREENS.values(), ids=SCREENS.keys())
@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_the_navigation_is_accessible_and_fits(
    demo_store, live_server, browser, role, screen
):
    require_service(AXE.exists(), f"axe-core is not installed at {AXE}")
    width, scheme = screen
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = _signed_in(context.new_page(), live_server.url, role, "ownermap-demo")
        found: dict[str, list[str]] = {}
        for path in [*_nav_links(page), *ALSO]:
            page.goto(live_server.url + path)
            page.wait_for_load_state()
            problems = _serious(page)
            wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if wide > 0:
                problems.append(f"{wide} px wider than the screen")
            if problems:
                found[path] = problems
        assert found == {}
    finally:
        context.close()
