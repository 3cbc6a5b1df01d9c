"""Every page requires sign-in: walk every URL pattern as an anonymous visitor."""

import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.test_permission_matrix import MATRIX

# Deliberately public: the sign-in pages themselves and the load balancer's health probe.
PUBLIC = {"/accounts/login/", "/admin/login/", "/healthz", "/favicon.ico"}
# The JSON API answers 401 instead of redirecting a program to an HTML sign-in page.
API = {"/api/whoowns"}
# Calendar apps cannot sign in: a feed is opened by the secret in its address, and a wrong one
# is not found (tests/ownership/test_calendar_views.py).
SECRET_ADDRESS = {"/calendar/1.ics", "/attest/1"}
# Slack signs what it sends instead (tests/ownership/slack); not there at all without Slack.
SIGNED = {"/slack/commands", "/slack/interactions", "/slack/events"}
# Signing in through the company's provider: not there at all without single sign-on.
SINGLE_SIGN_ON = {"/accounts/sso/", "/accounts/sso/callback/"}
# The identity provider sends a SCIM token instead (tests/scim), and is told so in SCIM's words.
SCIM = {
    "/scim/v2/Users",
    "/scim/v2/Users/1",
    "/scim/v2/ServiceProviderConfig",
    "/scim/v2/ResourceTypes",
    "/scim/v2/Schemas",
    "/scim/v2/1",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _example_path(route: str) -> str:
    """A concrete path for a route: path converters and regex groups filled with samples."""
    path = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
    path = re.sub(r"<fix:[^>]+>", "owner", path)
    path = re.sub(r"<int:[^>]+>|<path:[^>]+>|<[^>]+>", "1", path)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", path)
    path = re.sub(r"[?^$]", "", path)
    return "/" + path


def _all_paths():
    return sorted({_example_path(route) for route in _walk(get_resolver().url_patterns)})


def test_the_walk_finds_the_app_and_admin_urls():
    paths = _all_paths()
    assert "/tasks/" in paths
    assert "/tasks/1/" in paths
    assert "/admin/tasks_registry/task/" in paths
    # Every app URL once: the same set the permission matrix names, one path each.
    app_paths = [path for path in paths if not path.startswith("/admin/")]
    assert len(app_paths) == len(MATRIX)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        path
        for path in _all_paths()
        if path not in PUBLIC | API | SECRET_ADDRESS | SIGNED | SINGLE_SIGN_ON | SCIM
    ],
)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, path):
    response = client.get(path)
    login = reverse(settings.LOGIN_URL)
    admin_login = reverse("admin:login")
    assert response.status_code in (301, 302), f"{path} answered {response.status_code}"
    assert response.url.startswith((login, admin_login)) or (
        # Admin URLs without a trailing slash are first normalised, then sent to sign-in.
        response.status_code == 301 and not path.endswith("/")
    ), f"{path} redirected to {response.url}"


@pytest.mark.django_db
def test_the_health_probe_is_public_and_touches_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(API))
def test_an_anonymous_program_gets_401_from_the_api(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="ownermap"'


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(SCIM))
def test_an_anonymous_provider_gets_a_scim_401(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/scim+json"
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response["WWW-Authenticate"] == 'Bearer realm="ownermap-scim"'


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(SIGNED | SINGLE_SIGN_ON))
def test_slack_and_sso_endpoints_are_not_there_without_their_settings(client, path):
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
