"""A "new" form sent twice at once, as a double click does: one object and one "already
exists" message, never a 500 and never two. Both requests are held after their "is it free?"
check, so both pass it, and the database's unique rule decides (PostgreSQL, which runs the two
transactions at once; SQLite writes one at a time)."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from ownership import people_changes
from ownership.models import Person, Team
from tasks_registry import campaigns, changes
from tasks_registry.models import Campaign, Stage, Task
from tests.at_once import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def _task_form():
    return {
        "name": "Holiday shipping cutoff sign-off",
        "stage": Stage.objects.get(slug="delivery").pk,
        "criticality": "high",
        "rhythm_mode": "text",
        "rhythm_text": "yearly on 15 november",
        "definition_of_done": "Carrier cut-off dates confirmed in writing",
    }


CASES = {
    "task": (
        "ownership:task_create",
        _task_form,
        (changes, "_check_name_free"),
        Task,
        "There is already a task called “Holiday shipping cutoff sign-off”.",
    ),
    "campaign": (
        "tasks_registry:campaign_create",
        lambda: {
            "name": "Black Friday",
            "kind": "sale",
            "starts_at": "2026-11-27T00:00",
            "ends_at": "2026-11-30T23:59",
        },
        (campaigns, "_check"),
        Campaign,
        "“Black Friday” starting Fri 27 Nov 2026, 00:00 is already on the calendar.",
    ),
    "person": (
        "ownership:person_create",
        lambda: {"name": "Lucy Tran", "email": "lucy@example.com"},
        (people_changes, "check_email_free"),
        Person,
        "Someone already has the email address lucy@example.com.",
    ),
    "team": (
        "ownership:team_create",
        lambda: {"name": "Operations", "description": "Orders"},
        (people_changes, "check_team_name_free"),
        Team,
        "There is already a team called “Operations”.",
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_new_form_sent_twice_at_once_makes_one_and_says_so(
    kind, reference_data, ops_lead, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL: SQLite writes one at a time")
    url_name, form, (module, check_name), model, message = CASES[kind]
    data = form()
    before = model.objects.count()
    barrier = threading.Barrier(2, timeout=10)
    real = getattr(module, check_name)

    def checked_then_held(*args, **kwargs):
        result = real(*args, **kwargs)
        barrier.wait()  # both found it free; now both insert
        return result

    monkeypatch.setattr(module, check_name, checked_then_held)

    def send():
        client = Client(raise_request_exception=False)
        client.force_login(ops_lead)
        return client.post(reverse(url_name), data)

    responses, errors = at_once(send, timeout=30)
    assert errors == []
    statuses = sorted(response.status_code for response in responses)
    assert statuses[0] in (200, 400)
    assert statuses[1] == 302
    assert model.objects.count() == before + 1
    refused = next(r for r in responses if r.status_code != 302)
    assert message in refused.content.decode()
