"""A new employee signs in through the company's provider, in Chromium: the sign-in page, the
provider's own login form (a real OpenID provider running locally, tests/sso), and back, signed
in as a member linked to their person on the map."""

import re

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from playwright.sync_api import expect

from ownership.models import Person
from tests.sso.conftest import ACCOUNTS, running_provider, use_provider

pytestmark = pytest.mark.browser


@pytest.fixture
def provider_for_the_browser(live_server, settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with running_provider(key, [f"{live_server.url}/accounts/sso/callback/"]) as issuer:
        use_provider(settings, issuer)
        yield issuer


def test_a_new_employee_signs_in_through_the_provider(
    reference_data, live_server, page, provider_for_the_browser, assert_accessible
):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign in with Shop Accounts").click()
    # The provider's own login form.
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))
    page.locator("input[name=login]").fill("nina")
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    consent = page.locator("form button[type=submit]")
    if "/interaction/" in page.url and consent.count():
        consent.first.click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Where the map is wrong")
    nina = Person.objects.select_related("user").get(email=ACCOUNTS["nina"]["email"])
    assert nina.name == "Nina New"
    assert [group.name for group in nina.user.groups.all()] == ["Members"]
