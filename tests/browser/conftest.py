"""Playwright drives Debian's Chromium (/usr/bin/chromium): a test tool's own browser download
cannot happen on these machines."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require_service

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_service(
        bool(shutil.which(CHROMIUM)) or os.path.exists(CHROMIUM),
        f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)",
    )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def sign_in(live_server, page):
    def _sign_in(username: str, password: str = "correct horse battery staple"):  # noqa: S107
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return _sign_in


AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"


@pytest.fixture
def assert_accessible():
    """Run axe-core over parts of the page and fail on any violation, naming each rule and
    the elements it found. Evaluated through the browser's debugging protocol, so the page's
    Content-Security-Policy does not block it."""
    require_service(AXE.exists(), f"axe-core is not installed at {AXE} (make test installs it)")
    source = AXE.read_text(encoding="utf-8")

    def check(page, *selectors: str) -> None:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(source)
        context = {"include": [[selector] for selector in selectors]} if selectors else None
        result = page.evaluate("context => axe.run(context || document)", context)
        violations = [
            f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}"
            for v in result["violations"]
        ]
        assert violations == [], violations
        assert result["passes"], f"axe-core found nothing to check in {selectors}"

    return check
