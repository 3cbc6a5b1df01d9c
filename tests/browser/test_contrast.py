"""Colour contrast to WCAG 2.2 AA (4.5:1 for text) on the pages a signed-in ops lead sees most,
in the light and the dark colour scheme: axe-core's color-contrast rule, run in Chromium with
the scheme emulated."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AXE, _signed_in
from tests.conftest import require_service

pytestmark = pytest.mark.browser

PAGES = ["/", "/my/", "/tasks/pricing-updates/", "/policies/", "/reviews/", "/map/", "/tasks/"]


def _contrast_violations(page) -> list[str]:
    page.wait_for_load_state()
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})"
    )
    return [
        f"{node['target']}: {node['any'][0]['message'] if node['any'] else ''}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_keeps_its_contrast_in_both_colour_schemes(demo_store, live_server, browser, scheme):
    require_service(AXE.exists(), f"axe-core is not installed at {AXE}")
    context = browser.new_context(color_scheme=scheme)
    try:
        page = _signed_in(context.new_page(), live_server.url, "opslead", "ownermap-demo")
        expect(page.locator("#dashboard")).to_be_visible()
        found = {}
        for path in PAGES:
            page.goto(live_server.url + path)
            violations = _contrast_violations(page)
            if violations:
                found[path] = violations[:5]
        assert found == {}
    finally:
        context.close()
