import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.gap_rules import OWNER_DEPARTED, gap_report
from ownership.models import Assignment, Person, Role, Team
from ownership.people_changes import update_person, update_team
from tests.factories import PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_someone_joins_the_map(client, ops_lead):
    team = TeamFactory(name="Warehouse")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:person_create"),
        {
            "name": "Lucy Tran",
            "email": "Lucy.Tran@Example.com",
            "team": team.pk,
            "title": "Goods-in",
        },
    )
    person = Person.objects.get(name="Lucy Tran")
    assert response.url == reverse("ownership:person_detail", kwargs={"pk": person.pk})
    assert (person.email, person.team, person.history.get().history_user) == (
        "lucy.tran@example.com",
        team,
        ops_lead,
    )


def test_an_email_already_in_the_map_is_refused_at_the_email(client, ops_lead):
    PersonFactory(name="Lucy Tran", email="lucy@example.com")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:person_create"), {"name": "Lucy T", "email": "LUCY@example.com"}
    )
    assert "Lucy Tran already has the email address lucy@example.com." in response.content.decode()
    assert Person.objects.filter(email__iexact="lucy@example.com").count() == 1
    assert not Person.objects.filter(name="Lucy T").exists()


def test_a_new_team_marks_a_change_of_role_and_flags_what_they_own(client, ops_lead):
    daniel = PersonFactory(name="Daniel Kim")
    task = TaskFactory(name="Catalog attributes")
    assign_owner(task=task, person=daniel, by=None)
    assign_backup(task=task, person=PersonFactory(team=daniel.team), by=None)
    it = TeamFactory(name="IT")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:person_edit", kwargs={"pk": daniel.pk}),
        {"name": "Daniel Kim", "email": daniel.email, "team": it.pk, "title": daniel.title},
        follow=True,
    )
    assert "Their change of role flags what they own" in response.content.decode()
    report = gap_report(on=TODAY())
    assert report.gaps_of[task.pk] == (OWNER_DEPARTED,)


def test_a_new_chat_handle_is_not_a_change_of_role(client, ops_lead):
    person = PersonFactory()
    client.force_login(ops_lead)
    client.post(
        reverse("ownership:person_edit", kwargs={"pk": person.pk}),
        {
            "name": person.name,
            "email": person.email,
            "team": person.team_id,
            "title": person.title,
            "chat_handle": "@new",
        },
    )
    person.refresh_from_db()
    assert (person.chat_handle, person.role_changed_at) == ("@new", None)


def test_marking_someone_away_and_back(client, ops_lead):
    person = PersonFactory(name="Nina Alvarez")
    until = TODAY() + datetime.timedelta(days=12)
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:person_away", kwargs={"pk": person.pk}),
        {"away_until": until.isoformat()},
        follow=True,
    )
    assert f"Nina Alvarez is away until {until:%-d %b %Y}" in response.content.decode()
    assert Person.objects.get(pk=person.pk).away_until == until
    client.post(reverse("ownership:person_away", kwargs={"pk": person.pk}), {"away_until": ""})
    assert Person.objects.get(pk=person.pk).away_until is None


@pytest.mark.parametrize(
    ("value", "message"), [("2001-01-01", "cannot be in the past"), ("soon", "Enter a valid date")]
)
def test_a_bad_away_date_is_refused(client, ops_lead, value, message):
    person = PersonFactory()
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:person_away", kwargs={"pk": person.pk}),
        {"away_until": value},
        follow=True,
    )
    assert message in response.content.decode()
    assert Person.objects.get(pk=person.pk).away_until is None


@pytest.fixture
def leaver():
    """Tom owns two tasks (one with a backup) and backs up a third; he also contributes."""
    tom = PersonFactory(name="Tom Reyes", email="tom@example.com")
    chris = PersonFactory(name="Chris Osei", email="chris@example.com")
    backed_up = TaskFactory(name="Holiday cutoff")
    assign_owner(task=backed_up, person=tom, by=None)
    assign_backup(task=backed_up, person=chris, by=None)
    alone = TaskFactory(name="SEO redirects")
    assign_owner(task=alone, person=tom, by=None)
    other = TaskFactory(name="Carrier review")
    assign_owner(task=other, person=chris, by=None)
    assign_backup(task=other, person=tom, by=None)
    helped = TaskFactory(name="Campaign email")
    assign(task=helped, person=tom, role=Role.CONTRIBUTOR, by=None)
    return tom


def test_marking_someone_departed_opens_their_handover(client, ops_lead, leaver):
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:person_departed", kwargs={"pk": leaver.pk}),
        {"departed_on": TODAY().isoformat()},
    )
    assert response.url == reverse("ownership:person_handover", kwargs={"pk": leaver.pk})
    page = client.get(response.url).content.decode()
    assert "Hand over what Tom Reyes holds" in page
    # The backup is proposed as the new owner; the rest left to fill.
    assert 'value="Chris Osei &lt;chris@example.com&gt;"' in page
    assert page.count('placeholder="Name or email (empty: leave open)"') == 3
    assert "contributor on Campaign email" in page


def test_the_handover_moves_everything_in_one_step_and_records_it(client, ops_lead, leaver):
    client.force_login(ops_lead)
    client.post(
        reverse("ownership:person_departed", kwargs={"pk": leaver.pk}),
        {"departed_on": TODAY().isoformat()},
    )
    PersonFactory(name="Ravi Patel", email="ravi@example.com")
    fields = {}
    for assignment in Assignment.objects.filter(person=leaver, role__in=[Role.OWNER, Role.BACKUP]):
        name = assignment.task.name
        fields[f"to_{assignment.pk}"] = {
            "Holiday cutoff": "Chris Osei <chris@example.com>",
            "SEO redirects": "ravi@example.com",
            "Carrier review": "",
        }[name]
    response = client.post(
        reverse("ownership:person_handover", kwargs={"pk": leaver.pk}),
        {**fields, "drop_other_roles": "on"},
        follow=True,
    )
    assert "Handed over 3 roles from Tom Reyes." in response.content.decode()
    held = set(Assignment.objects.values_list("task__name", "role", "person__name"))
    assert held == {
        ("Holiday cutoff", "owner", "Chris Osei"),
        ("SEO redirects", "owner", "Ravi Patel"),
        ("Carrier review", "owner", "Chris Osei"),
    }
    assert not Assignment.objects.filter(person=leaver).exists()
    reasons = set(
        Assignment.history.filter(history_user=ops_lead).values_list(
            "history_change_reason", flat=True
        )
    )
    assert reasons == {"handover from Tom Reyes"}


def test_a_handover_with_one_bad_name_moves_nothing(client, ops_lead, leaver):
    client.force_login(ops_lead)
    fields = {
        f"to_{a.pk}": "Nobody Known" if a.role == Role.OWNER else ""
        for a in Assignment.objects.filter(person=leaver, role__in=[Role.OWNER, Role.BACKUP])
    }
    before = set(Assignment.objects.values_list("task_id", "role", "person_id"))
    response = client.post(reverse("ownership:person_handover", kwargs={"pk": leaver.pk}), fields)
    html = response.content.decode()
    assert "Nothing was handed over" in html
    assert "Nobody in the map is called “Nobody Known”." in html
    assert 'value="Nobody Known"' in html
    assert set(Assignment.objects.values_list("task_id", "role", "person_id")) == before


def test_a_handover_that_would_make_the_owner_the_backup_is_refused_whole(client, ops_lead, leaver):
    client.force_login(ops_lead)
    fields = {}
    for a in Assignment.objects.filter(person=leaver, role__in=[Role.OWNER, Role.BACKUP]):
        # Chris already owns "Carrier review": he cannot also be its backup.
        fields[f"to_{a.pk}"] = "chris@example.com"
    before = set(Assignment.objects.values_list("task_id", "role", "person_id"))
    response = client.post(reverse("ownership:person_handover", kwargs={"pk": leaver.pk}), fields)
    assert "the owner and the backup must be two different people" in response.content.decode()
    assert set(Assignment.objects.values_list("task_id", "role", "person_id")) == before


def test_someone_with_nothing_to_hand_over_is_just_marked_departed(client, ops_lead):
    person = PersonFactory(name="Zoe Adams")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:person_departed", kwargs={"pk": person.pk}),
        {"departed_on": TODAY().isoformat()},
        follow=True,
    )
    assert "Zoe Adams is marked as departed. They held no tasks." in response.content.decode()
    client.post(reverse("ownership:person_returned", kwargs={"pk": person.pk}))
    assert Person.objects.get(pk=person.pk).departed_on is None


def test_the_person_page_shows_what_they_hold_and_their_critical_load(member_client, settings):
    settings.OWNERMAP_MAX_CRITICAL_TASKS = 1
    irene = PersonFactory(name="Irene Costa")
    for name in ("Refund processing", "Fraud review"):
        assign_owner(task=TaskFactory(name=name, criticality="critical"), person=irene, by=None)
    assign_backup(task=TaskFactory(name="Payment letters"), person=irene, by=None)
    assign(task=TaskFactory(name="Returns notices"), person=irene, role=Role.INFORMED, by=None)
    html = member_client.get(
        reverse("ownership:person_detail", kwargs={"pk": irene.pk})
    ).content.decode()
    assert "Refund processing" in html
    assert "Payment letters" in html
    assert "Informed on" in html
    assert "more than the limit" in html


def test_the_people_list_filters_and_counts_in_a_fixed_number_of_queries(
    member_client, htmx_headers, django_assert_num_queries
):
    for n in range(15):
        assign_owner(task=TaskFactory(), person=PersonFactory(name=f"Person {n:02}"), by=None)
    PersonFactory(name="Irene Costa")
    # session, user, person (header); count; the page of people with their counts
    with django_assert_num_queries(5):
        response = member_client.get(reverse("ownership:person_list"))
    assert response.context["page"].paginator.count == 16 + 1  # and the member's own person
    response = member_client.get(reverse("ownership:person_list"), {"q": "iren"}, **htmx_headers)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="people-table"')
    assert "Irene Costa" in html
    assert "Person 01" not in html


def test_teams_are_added_and_renamed(client, ops_lead):
    PersonFactory(name="Dana Kowalski", email="dana@example.com")
    client.force_login(ops_lead)
    client.post(
        reverse("ownership:team_create"),
        {"name": "Operations", "description": "Orders", "lead": "dana@example.com"},
    )
    team = Team.objects.get(name="Operations")
    assert (team.slug, team.lead.name) == ("operations", "Dana Kowalski")
    client.post(
        reverse("ownership:team_edit", kwargs={"slug": "operations"}),
        {"name": "Ops & Logistics", "description": "Orders", "lead": ""},
    )
    team.refresh_from_db()
    assert (team.name, team.slug, team.lead) == ("Ops & Logistics", "ops-logistics", None)


def test_a_team_name_in_use_is_refused(client, ops_lead):
    TeamFactory(name="Warehouse")
    client.force_login(ops_lead)
    response = client.post(reverse("ownership:team_create"), {"name": "warehouse"})
    assert "There is already a team called “warehouse”." in response.content.decode()
    assert Team.objects.filter(name__iexact="warehouse").count() == 1


@pytest.mark.parametrize("typed", ["iren\x00e", "x" * 5000, "%_'\"<script>"])
def test_the_people_search_takes_any_input(member_client, typed):
    response = member_client.get(reverse("ownership:person_list"), {"q": typed})
    assert response.status_code == 200


def test_a_role_taken_on_after_the_handover_page_opened_is_not_silently_dropped(
    client, ops_lead, leaver
):
    client.force_login(ops_lead)
    fields = {
        f"to_{a.pk}": ""
        for a in Assignment.objects.filter(person=leaver, role__in=[Role.OWNER, Role.BACKUP])
    }
    late = assign_owner(task=TaskFactory(name="Late task"), person=leaver, by=None)
    before = set(Assignment.objects.values_list("task_id", "role", "person_id"))
    response = client.post(reverse("ownership:person_handover", kwargs={"pk": leaver.pk}), fields)
    html = response.content.decode()
    assert "took on another role since this page was opened" in html
    assert f'name="to_{late.pk}"' in html
    assert set(Assignment.objects.values_list("task_id", "role", "person_id")) == before


def _person_form(person, **changes):
    return {
        "name": person.name,
        "email": person.email,
        "team": person.team_id or "",
        "title": person.title,
        "chat_handle": person.chat_handle,
        "version": person.version,
    } | changes


def test_a_person_saved_from_an_older_form_is_merged(client, ops_lead, manager):
    person = PersonFactory(name="Priya Nair", title="Merchandiser")
    stale = _person_form(person, chat_handle="@priya")
    update_person(person=person, by=manager, title="Senior merchandiser")
    client.force_login(ops_lead)
    url = reverse("ownership:person_edit", args=[person.pk])
    assert client.post(url, stale).status_code == 302
    person.refresh_from_db()
    assert (person.title, person.chat_handle, person.version) == (
        "Senior merchandiser",
        "@priya",
        3,
    )


@pytest.mark.parametrize(
    ("choice", "email"), [("yours", "p.nair@shop.example"), ("theirs", "priya@shop.example")]
)
def test_an_email_both_changed_asks_whose_stays(client, ops_lead, manager, choice, email):
    person = PersonFactory(name="Priya Nair", email="pn@shop.example")
    stale = _person_form(person, email="p.nair@shop.example", title="Buyer")
    update_person(person=person, by=manager, email="priya@shop.example")
    client.force_login(ops_lead)
    url = reverse("ownership:person_edit", args=[person.pk])
    response = client.post(url, stale)
    assert response.status_code == 409
    assert 'id="clash-email"' in response.content.decode()
    assert client.post(url, {**stale, "keep_email": choice}).status_code == 302
    person.refresh_from_db()
    assert (person.email, person.title) == (email, "Buyer")


def test_a_team_saved_from_an_older_form_is_merged(client, ops_lead, manager):
    team = TeamFactory(name="Support", description="Answers customers")
    stale = {"name": "Customer care", "description": team.description, "lead": "", "version": 1}
    update_team(team=team, by=manager, description="Answers customers, seven days a week")
    client.force_login(ops_lead)
    assert client.post(reverse("ownership:team_edit", args=[team.slug]), stale).status_code == 302
    team.refresh_from_db()
    assert (team.name, team.description) == (
        "Customer care",
        "Answers customers, seven days a week",
    )
