"""Playwright drives Debian's Chromium (/usr/bin/chromium): a test tool's own browser download
cannot happen on these machines."""

import io
import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

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


PASSWORD = "correct horse battery staple"  # noqa: S105 - the factories' test password


def _signed_in(page, base_url: str, username: str, password: str):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


class _OneRequestAtATime:
    """The live server's app, answering one request at a time.

    On SQLite the test database is in memory, and the live server hands each request's thread
    the test's one connection to it (a new connection would open an empty database). Two
    requests at once, a type-ahead's while a fix saves, would interleave their statements on
    that connection and fail in ways no real server can, where each thread has its own
    ("bad parameter or other API misuse", a session row read twice); Django's documentation
    warns of it. The lock is held until the server closes the response, as a response's body
    may still read the database.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        self.lock.acquire()
        try:
            return _Releasing(self.app(environ, start_response), self.lock.release)
        except BaseException:
            self.lock.release()
            raise


class _Releasing:
    def __init__(self, response, release) -> None:
        self.response = response
        self.release = release

    def __iter__(self):
        return iter(self.response)

    def close(self) -> None:
        try:
            if hasattr(self.response, "close"):
                self.response.close()
        finally:
            self.release()


@pytest.fixture(scope="session", autouse=True)
def _requests_one_at_a_time_on_shared_sqlite(live_server):
    httpd = live_server.thread.httpd
    if live_server.thread.connections_override and not isinstance(
        httpd.get_app(), _OneRequestAtATime
    ):
        httpd.set_app(_OneRequestAtATime(httpd.get_app()))


@pytest.fixture
def sign_in(live_server, page):
    def _sign_in(username: str, password: str = PASSWORD):
        return _signed_in(page, live_server.url, username, password)

    return _sign_in


@pytest.fixture
def sign_in_elsewhere(live_server, browser):
    """A second person, signed in in a browser context of their own (their own cookies):
    for journeys where two people work on the same thing at once."""
    contexts = []

    def _sign_in(username: str, password: str = PASSWORD):
        context = browser.new_context()
        contexts.append(context)
        return _signed_in(context.new_page(), live_server.url, username, password)

    yield _sign_in
    for context in contexts:
        context.close()


AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"


@pytest.fixture
def assert_accessible():
    """Run axe-core over parts of the page and fail on any violation, naming each rule and
    the elements it found. Evaluated through the browser's debugging protocol, so the page's
    Content-Security-Policy does not block it."""
    require_service(AXE.exists(), f"axe-core is not installed at {AXE} (make test installs it)")
    source = AXE.read_text(encoding="utf-8")

    def check(page, *selectors: str) -> None:
        page.wait_for_load_state()  # axe needs the document a click may still be loading
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


class _DemoSnapshot:
    """The demo store as seed_demo leaves it, kept beside the test database: seeding takes
    seconds, copying it back milliseconds. SQLite's test database is in memory, copied whole
    with its backup API; PostgreSQL's tables are copied into a schema of their own, which the
    flush between tests does not touch."""

    SCHEMA = "demo_snapshot"

    def __init__(self) -> None:
        self.taken_on: str | None = None  # the database it was taken from
        self.sqlite: sqlite3.Connection | None = None

    def _tables(self) -> list[str]:
        return connection.introspection.django_table_names(only_existing=True)

    def take(self) -> None:
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            self.sqlite = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(self.sqlite)
        else:
            quote = connection.ops.quote_name
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {self.SCHEMA} CASCADE")
                cursor.execute(f"CREATE SCHEMA {self.SCHEMA}")
                for table in self._tables():
                    cursor.execute(
                        f"CREATE TABLE {self.SCHEMA}.{quote(table)} AS TABLE {quote(table)}"
                    )
        self.taken_on = connection.settings_dict["NAME"]

    def restore(self) -> bool:
        """Put the demo store back; False if there is none to put back yet."""
        if self.taken_on != connection.settings_dict["NAME"]:
            return False
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            self.sqlite.backup(connection.connection)
            return True
        quote = connection.ops.quote_name
        tables = self._tables()
        flush = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in flush:
                cursor.execute(statement)
            for table in tables:  # foreign keys are checked at the commit
                source = f"{self.SCHEMA}.{quote(table)}"
                cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {source}")  # noqa: S608 - table names from the models
            models = list(apps.get_models(include_auto_created=True))
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
        return True


_DEMO = _DemoSnapshot()


@pytest.fixture
def demo_store(reference_data):
    """The demo store of `make run`, seeded once per test run and copied back for each test."""
    if not _DEMO.restore():
        call_command("seed_demo", stdout=io.StringIO())
        _DEMO.take()


# The browser tests drive pages and their JavaScript; the views, services and queries under them
# are tested on both databases by the rest of the suite. They run once, on the embedded default,
# not again on PostgreSQL, where they took CI's second run 211 s of its workers' time for
# nothing new. A test whose point is how the server behaves under it is marked to run on both.
def pytest_collection_modifyitems(items) -> None:
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return
    once = pytest.mark.skip(reason="browser journeys do not depend on the database: run on SQLite")
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("every_database"):
            item.add_marker(once)
