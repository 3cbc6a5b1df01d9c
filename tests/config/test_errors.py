"""Errors as a person or a program expects them: pages in the site's layout that need nothing
but their words, JSON for every error under /api/, and bodies over the cap refused unread."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from ownership.views import history

pytestmark = pytest.mark.django_db

API = reverse("ownership:api_whoowns")


def _json(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


@pytest.fixture
def broken_changes_page(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(history, "changes_page", fail)


def test_the_api_answers_json_for_401_403_404_405(client, member, outsider):
    assert _json(client.get(API))["error"].startswith("Sign in, or send an API token")
    client.force_login(outsider)
    assert _json(client.get(API))["status"] == 403
    client.force_login(member)
    missing = client.get("/api/nothing-here")
    assert (missing.status_code, _json(missing)["status"]) == (404, 404)
    posted = client.post(API, {"q": "returns"})
    assert posted.status_code == 405
    assert posted["Allow"] == "GET"
    assert _json(posted)["error"] == "This address does not take that kind of request."


def test_the_api_answers_json_for_a_csrf_failure(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(API, {"q": "returns"})
    assert response.status_code == 403
    assert "security token" in _json(response)["error"]


def test_the_api_answers_json_for_a_500(member, monkeypatch):
    import ownership.api

    monkeypatch.setattr(ownership.api, "lookup", lambda *a, **k: 1 / 0)
    client = Client(raise_request_exception=False)
    client.force_login(member)
    response = client.get(API, {"q": "returns"})
    assert response.status_code == 500
    assert _json(response) == {
        "error": "The error was logged. Try again in a minute; if it keeps happening, tell "
        "your admin.",
        "status": 500,
    }


def test_a_500_page_is_in_the_sites_layout_and_needs_nothing_but_its_words(
    member, broken_changes_page, django_assert_num_queries
):
    client = Client(raise_request_exception=False)
    client.force_login(member)
    response = client.get(reverse("ownership:changes"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in html
    assert 'class="container site-header"' in html
    assert "/static/css/ownermap.css" in html


def test_a_missing_page_and_a_forbidden_one_are_pages_in_the_layout(client, member, ops_lead):
    client.force_login(member)
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404
    assert "<h1>Nothing here</h1>" in missing.content.decode()
    # A missing page offers the lookup: what they came for may be a question.
    assert '<form method="get" action="/search/" role="search"' in missing.content.decode()
    forbidden = client.get(reverse("ownership:import_upload"))
    assert forbidden.status_code == 403
    html = forbidden.content.decode()
    assert "<h1>Not for this account</h1>" in html
    assert "Who can give it access: Olu Opslead (ops lead)." in html


def test_an_account_with_no_role_is_told_so_and_whom_to_ask(client, outsider, ops_lead):
    client.force_login(outsider)
    response = client.get(reverse("ownership:dashboard"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>No role yet</h1>" in html
    assert "Your account has no role on the map yet" in html
    assert "Who can give it access: Olu Opslead (ops lead)." in html


def test_with_no_ops_lead_the_admins_are_named(client, outsider):
    from tests.factories import UserFactory

    UserFactory(username="root", is_superuser=True, first_name="Ada", last_name="Admin")
    client.force_login(outsider)
    assert "Who can give it access: Ada Admin (admin)." in client.get("/").content.decode()


def test_a_form_sent_without_its_token_says_how_to_recover(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "Reload the page and send it again." in response.content.decode()


def test_a_body_over_the_cap_is_refused_from_its_length_before_it_is_read(
    client, ops_lead, settings
):
    settings.OWNERMAP_REQUEST_MAX_BYTES = 1_000_000
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:import_upload"),
        data=b"x" * 10,
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(100_000_000),
    )
    assert response.status_code == 413
    assert "The request is 100.0 MB; Ownermap reads up to 1.0 MB." in response.content.decode()
    api = client.get(API, CONTENT_LENGTH=str(100_000_000))
    assert (api.status_code, _json(api)["status"]) == (413, 413)


def test_the_favicon_is_there_for_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/ownermap.svg")
    assert client.get(response["Location"]).status_code == 200
