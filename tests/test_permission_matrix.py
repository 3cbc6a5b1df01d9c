"""Who may open what: every named URL of the apps, for every role, by GET and POST, as a page
and as an HTMX fragment.

MATRIX is the rule written once, by hand, independent of the views: the least role that may use
each URL. A new URL that is not in it fails `test_every_url_is_in_the_matrix`, so nobody adds a
screen without deciding who may see it. The objects in the addresses do not exist, so an allowed
role may meet 404, 400 or 405 (a method the view does not take): never 403, and never 500. A role
below the line meets 403, or 405 when the view does not take that method at all.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

OUTSIDER, MEMBER, OPS_LEAD, MANAGER = range(4)
ROLES = {OUTSIDER: "outsider", MEMBER: "member", OPS_LEAD: "ops_lead", MANAGER: "manager"}
# Reached without any group: signing in and out, one's own password, the health probe, and a
# calendar feed and an attestation link (their address is the secret;
# tests/ownership/test_calendar_views.py, tests/ownership/test_attestation.py), and what Slack
# sends.
ANYONE = OUTSIDER

MATRIX = {
    "healthz": ANYONE,
    "favicon": ANYONE,
    "login": ANYONE,
    "logout": ANYONE,
    "password_change": ANYONE,
    "password_change_done": ANYONE,
    "ownership:calendar_feed": ANYONE,
    "ownership:attest_link": ANYONE,
    # Slack's requests: its signature stands in for a session (tests/ownership/slack).
    "ownership:slack_command": ANYONE,
    "ownership:slack_interaction": ANYONE,
    "ownership:slack_event": ANYONE,
    # Signing in through the company's provider (tests/sso).
    "ownership:sso_sign_in": ANYONE,
    "ownership:sso_callback": ANYONE,
    # The identity provider's SCIM token stands in for a session: a signed-in person gets 401
    # (tests/scim).
    "ownership:scim_users": ANYONE,
    "ownership:scim_user": ANYONE,
    "ownership:scim_service_provider_config": ANYONE,
    "ownership:scim_resource_types": ANYONE,
    "ownership:scim_schemas": ANYONE,
    "ownership:scim_elsewhere": ANYONE,
    # Reading the map, and what each member does for themselves.
    "ownership:dashboard": MEMBER,
    # With a session; with a token, tests/ownership/test_api.py.
    "ownership:api_whoowns": MEMBER,
    "ownership:search": MEMBER,
    "ownership:task_list": MEMBER,
    "ownership:changes_csv": MEMBER,
    "ownership:task_detail": MEMBER,
    "ownership:task_permalink": MEMBER,
    "ownership:completion_create": MEMBER,
    # An owner or backup who is a member records their task's metric (the object rule:
    # tests/tasks_registry/test_metric_views.py).
    "ownership:metric_value_record": MEMBER,
    # An owner or backup who is a member skips; the object rule (tests/ownership/test_skips.py).
    "ownership:completion_skip": MEMBER,
    "ownership:escalation_pause": MEMBER,
    "ownership:person_reach": MEMBER,
    "ownership:attest_task": MEMBER,
    "ownership:attest_all": MEMBER,
    "ownership:something_wrong": MEMBER,
    "ownership:policies": MEMBER,
    "ownership:policy_save": OPS_LEAD,
    "ownership:completion_undo": MEMBER,
    "ownership:my_tasks": MEMBER,
    "ownership:calendar_feeds": MEMBER,
    "ownership:calendar_feed_revoke": MEMBER,
    "tasks_registry:campaign_list": MEMBER,
    "tasks_registry:metric_list": MEMBER,
    "tasks_registry:metric_detail": MEMBER,
    "ownership:campaign_detail": MEMBER,
    "ownership:map_by_stage": MEMBER,
    "ownership:raci": MEMBER,
    "ownership:raci_csv": MEMBER,
    "ownership:raci_xlsx": MEMBER,
    "ownership:map_csv": MEMBER,
    "ownership:map_xlsx": MEMBER,
    "ownership:person_list": MEMBER,
    "ownership:person_detail": MEMBER,
    "ownership:team_list": MEMBER,
    "ownership:team_detail": MEMBER,
    "ownership:changes": MEMBER,
    "ownership:people_suggest": MEMBER,
    "ownership:task_suggest": MEMBER,
    "ownership:promise_list": MEMBER,
    "ownership:promise_detail": MEMBER,
    # A task's owner or backup says its place was updated (the object rule:
    # tests/ownership/test_promise_views.py).
    "ownership:promise_place_updated": MEMBER,
    "reviews:session_list": MEMBER,
    "reviews:session": MEMBER,
    "reviews:summary": MEMBER,
    "reviews:item": MEMBER,
    # An owner's own tasks in the session: none for someone who owns none of them.
    "reviews:pre_review": MEMBER,
    # Editing the map.
    "ownership:fix": OPS_LEAD,
    "ownership:task_fix": OPS_LEAD,
    "ownership:task_create": OPS_LEAD,
    "tasks_registry:rhythm_preview": OPS_LEAD,
    "ownership:task_edit": OPS_LEAD,
    "ownership:task_retire": OPS_LEAD,
    "ownership:task_restore": OPS_LEAD,
    "ownership:task_restore_version": OPS_LEAD,
    "ownership:task_assign": OPS_LEAD,
    "ownership:task_unassign": OPS_LEAD,
    "tasks_registry:campaign_create": OPS_LEAD,
    "tasks_registry:metric_create": OPS_LEAD,
    "tasks_registry:metric_edit": OPS_LEAD,
    "tasks_registry:metric_value_create": OPS_LEAD,
    "tasks_registry:metric_values_import": OPS_LEAD,
    # A draft is its author's (or, shared, every editor's to read): tests/ownership/
    # test_draft_views.py.
    "ownership:draft_list": OPS_LEAD,
    "ownership:draft_leave": OPS_LEAD,
    "ownership:draft_detail": OPS_LEAD,
    "ownership:draft_enter": OPS_LEAD,
    "ownership:draft_share": OPS_LEAD,
    "ownership:draft_comment": OPS_LEAD,
    "ownership:draft_publish": OPS_LEAD,
    "ownership:draft_discard": OPS_LEAD,
    "ownership:draft_change_drop": OPS_LEAD,
    "ownership:promise_create": OPS_LEAD,
    "ownership:promise_edit": OPS_LEAD,
    "ownership:promise_place_add": OPS_LEAD,
    "ownership:promise_place_edit": OPS_LEAD,
    "ownership:promise_place_remove": OPS_LEAD,
    "tasks_registry:campaign_edit": OPS_LEAD,
    "tasks_registry:campaign_delete": OPS_LEAD,
    "ownership:import_upload": OPS_LEAD,
    "ownership:import_preview": OPS_LEAD,
    "ownership:import_again": OPS_LEAD,
    "ownership:import_apply": OPS_LEAD,
    "ownership:import_progress": OPS_LEAD,
    "ownership:starter_map": OPS_LEAD,
    "ownership:person_create": OPS_LEAD,
    "ownership:person_edit": OPS_LEAD,
    "ownership:person_away": OPS_LEAD,
    "ownership:person_departed": OPS_LEAD,
    "ownership:person_returned": OPS_LEAD,
    "ownership:person_handover": OPS_LEAD,
    "ownership:team_create": OPS_LEAD,
    "ownership:team_edit": OPS_LEAD,
    "ownership:search_words": OPS_LEAD,
    "ownership:search_word_remove": OPS_LEAD,
    "ownership:search_word_restore": OPS_LEAD,
    "ownership:question_answer": OPS_LEAD,
    "ownership:question_set_aside": OPS_LEAD,
    "ownership:phrase_promote": OPS_LEAD,
    "ownership:phrase_dismiss": OPS_LEAD,
    # Running reviews.
    "reviews:start": MANAGER,
    "reviews:pause": MANAGER,
    "reviews:close": MANAGER,
    "reviews:follow_up": MANAGER,
    "reviews:accept_confirmed": MANAGER,
    "reviews:missing_task": MANAGER,
    "reviews:item_outcome": MANAGER,
    "reviews:item_fix": MANAGER,
}
SAMPLES = {
    "int": 1,
    "slug": "no-such-thing",
    "string": "no-such-token",
    "path": "no/such/thing",
    "fixkind": "owner",
}


def _named_urls(patterns=None, namespace=""):
    """(name, path) of every named URL but the admin's, with a sample for each parameter."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                yield from _named_urls(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            kwargs = {
                key: SAMPLES[type(converter).__name__.removesuffix("Converter").lower()]
                for key, converter in entry.pattern.converters.items()
            }
            yield name, reverse(name, kwargs=kwargs)


URLS = dict(_named_urls())


def test_every_url_is_in_the_matrix():
    assert sorted(set(URLS) - set(MATRIX)) == []
    assert sorted(set(MATRIX) - set(URLS)) == []


def _responses(client, path):
    """The answers to GET and POST, each as a page and as an HTMX fragment."""
    for method in ("get", "post"):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            yield method, bool(headers), getattr(client, method)(path, **headers).status_code


@pytest.mark.parametrize("role", sorted(ROLES), ids=ROLES.values())
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(client, request, name, role):
    client.force_login(request.getfixturevalue(ROLES[role]))
    answers = list(_responses(client, URLS[name]))
    assert not [a for a in answers if a[2] >= 500], answers
    if role >= MATRIX[name]:
        assert not [a for a in answers if a[2] == 403], answers
        assert [a for a in answers if a[2] != 405], f"{name} takes neither GET nor POST"
    else:
        assert all(status in (403, 405) for *_, status in answers), answers
        assert [a for a in answers if a[2] == 403], answers
