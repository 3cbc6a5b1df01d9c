"""Escalation in the browser and on the command line: ops leads edit the policies, the task page
shows the chain and takes "I'm on it", the dashboard and the overdue rule name the step, and
`manage.py escalations` lists each chain."""

import datetime
import json
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ownership import escalation
from ownership.assignments import assign_backup, assign_owner
from ownership.gap_rules import OVERDUE, task_gaps
from ownership.models import EscalationStep, Policy
from ownership.permissions import MEMBERS
from ownership.policies import all_rules
from reviews import scheduling
from tests.factories import PersonFactory, UserFactory, due_1_dec

pytestmark = pytest.mark.django_db

POLICIES = reverse("ownership:policies")


def _save(criticality: str = "critical", **fields) -> dict:
    data = {
        f"{criticality}-version": "0",
        f"{criticality}-attest_every_days": "30",
        f"{criticality}-step_1_role": "owner",
        f"{criticality}-step_1_days": "0",
        f"{criticality}-step_2_role": "backup",
        f"{criticality}-step_2_days": "2",
        f"{criticality}-step_3_role": "last_resort",
        f"{criticality}-step_3_days": "5",
    }
    data.update({f"{criticality}-{name}": value for name, value in fields.items()})
    return data


@pytest.fixture
def lead_client(client, ops_lead):
    client.force_login(ops_lead)
    return client


def test_everyone_sees_the_policies_with_the_defaults(member_client):
    html = member_client.get(POLICIES).content.decode()
    assert "Acting owner: the day it falls overdue" in html
    assert "Backup: 1 business day after" in html
    assert "Owners attest every <strong>30 days</strong>" in html
    assert "(the defaults)" in html
    assert "<form" not in html.split("<main")[1]  # a member changes nothing


def test_an_ops_lead_saves_a_policy_and_the_chain_follows_it(lead_client):
    response = lead_client.post(reverse("ownership:policy_save", args=["critical"]), _save())
    assert response.status_code == 302
    rules = all_rules()["critical"]
    assert [(step.role, step.after_days) for step in rules.steps] == [
        ("owner", 0),
        ("backup", 2),
        ("last_resort", 5),
    ]
    assert (rules.attest_every_days, rules.version) == (30, 1)
    assert Policy.history.count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"step_2_days": "0"}, "step_2_days", "Steps go in order, each later than the one before"),
        ({"step_2_days": "-1"}, "step_2_days", "The delay cannot be negative."),
        ({"step_2_role": "mascot"}, "step_2_role", "Select a valid choice."),
        ({"step_3_role": "owner"}, "step_3_role", "Acting owner is already a step."),
        ({"step_2_role": "", "step_2_days": ""}, "step_3_role", "Step 2 is empty"),
        ({"step_3_days": ""}, "step_3_days", "Say how many business days"),
    ],
)
def test_a_wrong_policy_is_refused_at_its_field_and_nothing_is_saved(
    lead_client, htmx_headers, fields, field, message
):
    url = reverse("ownership:policy_save", args=["critical"])
    response = lead_client.post(url, _save(**fields), **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_critical-{field}_error">' in html
    assert message in html.split(f'id="id_critical-{field}_error">')[1].split("</small>")[0]
    assert not Policy.objects.exists()
    # Without HTMX, the whole page with the same error, as a 400.
    page = lead_client.post(url, _save(**fields))
    assert page.status_code == 400
    assert message in page.content.decode()


def test_a_policy_saved_meanwhile_is_not_undone_the_form_shows_theirs(lead_client):
    url = reverse("ownership:policy_save", args=["critical"])
    lead_client.post(url, _save())  # someone else, from version 0
    response = lead_client.post(url, _save(step_3_days="9"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Someone saved this policy since you opened it" in html
    assert all_rules()["critical"].steps[2].after_days == 5
    assert 'name="critical-step_3_days" value="5"' in html


def test_a_member_cannot_save_a_policy(member_client):
    url = reverse("ownership:policy_save", args=["critical"])
    assert member_client.post(url, _save()).status_code == 403
    assert not Policy.objects.exists()


@pytest.fixture
def on_3_dec(monkeypatch):
    """Today is Thursday 3 Dec 2026 for whatever asks for today's date."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return datetime.date(2026, 12, 3) if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def slipping(ops_lead):
    """A critical task due 1 Dec, escalated to its backup on 3 Dec."""
    members = Group.objects.get(name=MEMBERS)
    owner = PersonFactory(name="Olive Owner", user=UserFactory(username="olive"), team=None)
    backup = PersonFactory(name="Chris Osei", user=UserFactory(username="chris"), team=None)
    owner.user.groups.add(members)
    backup.user.groups.add(members)
    task = due_1_dec("Payment gateway check")
    assign_owner(task=task, person=owner, by=None)
    assign_backup(task=task, person=backup, by=None)
    for day in (2, 3):
        scheduling.sweep(datetime.datetime(2026, 12, day, 8, tzinfo=datetime.UTC))
    task.refresh_from_db()
    return task, owner, backup


def test_the_overdue_rule_and_the_task_page_name_the_step(slipping, client, on_3_dec):
    task, _owner, backup = slipping
    gaps = task_gaps(task, on=datetime.date(2026, 12, 3))
    assert OVERDUE in gaps.gaps
    assert OVERDUE.detail(gaps) == (
        "Due on 1 Dec 2026; not confirmed done. Escalated to Chris Osei on 3 Dec (step 2: backup)."
    )
    client.force_login(backup.user)
    html = client.get(task.get_absolute_url()).content.decode()
    assert "escalated · step 2" in html
    assert "Escalated to Chris Osei on 3 Dec: owner did not confirm" in html
    assert "If it is still open on Fri 4 Dec, Olu Opslead" in html
    assert "I'm on it — done by" in html


def test_im_on_it_from_the_task_page_holds_the_chain_and_says_so(slipping, client, on_3_dec):
    task, _owner, backup = slipping
    client.force_login(backup.user)
    url = reverse("ownership:escalation_pause", args=[task.slug])
    response = client.post(url, {"until": "2026-12-08", "next": "task"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Noted: you are on it, done by Tue 8 Dec." in html
    assert "Chris Osei said “I'm on it — by Tue 8 Dec” on 3 Dec: the escalation waits" in html
    chain = escalation.chain_of(task, datetime.date(2026, 12, 4))
    assert chain.due_step(datetime.date(2026, 12, 4)) is None
    assert chain.next.on == datetime.date(2026, 12, 9)


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("2026-12-02", "That day has passed: give the day it will be done by."),
        ("2027-03-05", "At most 90 days ahead"),
        ("", "Give the day it will be done by."),
        ("next week", "Give the day as a date"),
    ],
)
def test_im_on_it_refuses_a_bad_day_at_the_field(slipping, client, on_3_dec, until, message):
    task, owner, _backup = slipping
    client.force_login(owner.user)
    url = reverse("ownership:escalation_pause", args=[task.slug])
    response = client.post(url, {"until": until, "next": "task"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true" aria-describedby="on-it-error"' in html
    assert message in html.split('id="on-it-error">')[1]
    assert not task.escalation_pauses.exists()


def test_someone_with_no_part_in_it_cannot_say_im_on_it(slipping, member_client, on_3_dec):
    task, *_ = slipping
    url = reverse("ownership:escalation_pause", args=[task.slug])
    assert member_client.post(url, {"until": "2026-12-08"}).status_code == 403


def test_the_dashboard_marks_an_escalated_task(slipping, client, ops_lead, on_3_dec):
    client.force_login(ops_lead)
    html = client.get(reverse("ownership:dashboard")).content.decode()
    assert '<span class="badge badge-bad">escalated · step 2</span>' in html


def test_the_command_lists_each_chain_with_its_next_step(slipping):
    out = StringIO()
    call_command("escalations", "--json", "--now", "2026-12-03T10:00", stdout=out)
    [row] = json.loads(out.getvalue())
    assert row | {"next": None} == {
        "task": "Payment gateway check",
        "task_id": slipping[0].pk,
        "criticality": "critical",
        "due_on": "2026-12-01",
        "overdue_from": "2026-12-02",
        "step": 2,
        "steps_in_policy": 4,
        "role": "backup",
        "held_by": "Chris Osei",
        "reached_on": "2026-12-03",
        "because": "owner did not confirm",
        "paused_until": None,
        "next": None,
    }
    assert row["next"] == {
        "step": 3,
        "role": "last_resort",
        "to": "Olu Opslead",
        "on": "2026-12-04",
        "repeat": False,
    }
    text = StringIO()
    call_command("escalations", "--now", "2026-12-03T10:00", stdout=text)
    assert text.getvalue().splitlines() == [
        "Payment gateway check (due 2026-12-01): step 2 (backup), Chris Osei since 2026-12-03; "
        "next: step 3 to Olu Opslead on 2026-12-04",
        "1 overdue occurrence.",
    ]
    assert EscalationStep.objects.count() == 2


def test_an_escalated_task_page_costs_the_same_queries_however_long_its_chain(
    slipping, client, on_3_dec, django_assert_num_queries
):
    task, owner, _backup = slipping
    client.force_login(owner.user)
    client.get(task.get_absolute_url())  # the stage leads, cached on the map's version
    # The page's own (tests/ownership/test_task_views.py), and, as it is overdue, its chain:
    # its steps, its pauses, the last step of its earlier chains, the policies, its people and
    # the map's version (for who answers last), then whether the reader may say "I'm on it".
    with django_assert_num_queries(29):
        response = client.get(task.get_absolute_url())
    assert response.status_code == 200
    for day in (4, 7, 14, 21):
        scheduling.sweep(datetime.datetime(2026, 12, day, 8, tzinfo=datetime.UTC))
    assert task.escalation_steps.count() == 5
    with django_assert_num_queries(29):
        client.get(task.get_absolute_url())
