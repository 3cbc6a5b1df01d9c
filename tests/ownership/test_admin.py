import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.gap_rules import OWNER_DEPARTED, task_gaps
from ownership.history_in_words import task_history
from ownership.models import Assignment, Person, Role
from ownership.people_changes import link_account
from reviews.models import Outcome, SessionStatus
from tasks_registry.models import Stage, Task
from tests.factories import (
    AssignmentFactory,
    PersonFactory,
    ReviewItemFactory,
    TaskFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
READ_ONLY = {"ownership_assignment", "reviews_reviewsession", "reviews_reviewitem"}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "name",
    [
        "tasks_registry_task",
        "tasks_registry_stage",
        "tasks_registry_campaign",
        "ownership_team",
        "ownership_person",
        "ownership_assignment",
        "reviews_reviewsession",
        "reviews_reviewitem",
    ],
)
def test_every_model_has_a_working_changelist_search_and_add_page(admin_client, name):
    AssignmentFactory()
    assert (
        admin_client.get(reverse(f"admin:{name}_changelist"), {"q": "o'brien <x>"}).status_code
        == 200
    )
    # Assignments and reviews are made by the app's write functions, not added here.
    addable = name not in READ_ONLY
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == (200 if addable else 403)


def _task_form(task, **overrides):
    data = {
        "name": task.name,
        "stage": task.stage_id,
        "criticality": task.criticality,
        "is_active": "on",
        "rhythm": task.rhythm,
        "definition_of_done": task.definition_of_done,
        "metric": "",
        "systems": "",
        "aliases": "",
        "description": "",
        "assignments-TOTAL_FORMS": "2",
        "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_two_owners_in_one_admin_form_get_a_message_not_a_crash(admin_client):
    task = TaskFactory()
    a, b = PersonFactory(), PersonFactory()
    response = admin_client.post(
        reverse("admin:tasks_registry_task_change", args=[task.pk]),
        _task_form(
            task,
            **{
                "assignments-0-role": Role.OWNER,
                "assignments-0-person": a.pk,
                "assignments-1-role": Role.OWNER,
                "assignments-1-person": b.pk,
            },
        ),
    )
    assert response.status_code == 200
    assert "A task has at most one owner." in response.content.decode()
    assert not Assignment.objects.exists()


def test_owner_as_backup_in_one_admin_form_is_refused(admin_client):
    task = TaskFactory()
    a = PersonFactory()
    response = admin_client.post(
        reverse("admin:tasks_registry_task_change", args=[task.pk]),
        _task_form(
            task,
            **{
                "assignments-0-role": Role.OWNER,
                "assignments-0-person": a.pk,
                "assignments-1-role": Role.BACKUP,
                "assignments-1-person": a.pk,
            },
        ),
    )
    assert "The owner cannot also be the backup." in response.content.decode()
    assert not Assignment.objects.exists()


def test_an_admin_edit_goes_through_the_write_function_and_history(admin_client):
    task = TaskFactory(name="Returns notices")
    owner = PersonFactory()
    response = admin_client.post(
        reverse("admin:tasks_registry_task_change", args=[task.pk]),
        _task_form(
            task,
            rhythm="weekly on friday",
            **{
                "assignments-TOTAL_FORMS": "1",
                "assignments-0-role": Role.OWNER,
                "assignments-0-person": owner.pk,
            },
        ),
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.rhythm, task.version) == ("weekly on friday", 2)
    assert task.history.latest().history_user.username == "root"
    assert Assignment.history.get().history_user.username == "root"


def test_adding_a_task_in_the_admin_makes_its_slug(admin_client):
    response = admin_client.post(
        reverse("admin:tasks_registry_task_add"),
        _task_form(
            Task(
                name="Gift wrap QA",
                stage=Stage.objects.get(slug="fulfilment"),
                rhythm="",
                definition_of_done="",
            ),
            **{"assignments-TOTAL_FORMS": "0"},
        ),
    )
    assert response.status_code == 302
    assert Task.objects.get().slug == "gift-wrap-qa"


def test_a_duplicate_task_name_in_the_admin_is_a_form_error(admin_client):
    TaskFactory(name="Returns notices")
    response = admin_client.post(
        reverse("admin:tasks_registry_task_add"),
        _task_form(
            Task(
                name="returns NOTICES",
                stage=Stage.objects.first(),
                rhythm="",
                definition_of_done="",
            ),
            **{"assignments-TOTAL_FORMS": "0"},
        ),
    )
    assert response.status_code == 200
    assert Task.objects.count() == 1


def test_completions_are_shown_in_the_admin_but_not_made_or_changed_there(admin_client):
    assert (
        admin_client.get(reverse("admin:tasks_registry_completion_changelist")).status_code == 200
    )
    assert admin_client.get(reverse("admin:tasks_registry_completion_add")).status_code == 403


def test_an_unreadable_rhythm_is_refused_in_the_admin_with_the_parsers_message(admin_client):
    task = TaskFactory(name="Budget", rhythm="")
    response = admin_client.post(
        reverse("admin:tasks_registry_task_change", args=[task.pk]),
        _task_form(task, rhythm="every blue moon"),
    )
    assert response.status_code == 200
    assert "is not a rhythm Ownermap can read" in response.content.decode()
    assert Task.objects.get(pk=task.pk).rhythm == ""


def test_a_campaign_saved_in_the_admin_moves_the_due_dates_around_it(admin_client):
    task = TaskFactory(name="Promo QA", rhythm="1 day before each campaign")
    response = admin_client.post(
        reverse("admin:tasks_registry_campaign_add"),
        {
            "name": "Winter sale",
            "kind": "sale",
            "starts_at_0": "2027-01-04",
            "starts_at_1": "09:00:00",
            "ends_at_0": "2027-01-10",
            "ends_at_1": "23:00:00",
            "description": "",
        },
    )
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).next_due_on.isoformat() == "2027-01-03"


def _rows(task, *rows):
    """The task form's assignment rows: (assignment or None, role, person)."""
    data = {
        "assignments-TOTAL_FORMS": str(len(rows)),
        "assignments-INITIAL_FORMS": str(sum(1 for row in rows if row[0] is not None)),
    }
    for at, (assignment, role, person) in enumerate(rows):
        data[f"assignments-{at}-task"] = task.pk
        data[f"assignments-{at}-role"] = role
        data[f"assignments-{at}-person"] = person.pk
        if assignment is not None:
            data[f"assignments-{at}-id"] = assignment.pk
    return _task_form(task, **data)


def test_an_owner_changed_in_the_admin_is_in_the_tasks_history_in_words(admin_client):
    task = TaskFactory(name="Returns notices")
    before, after = PersonFactory(name="Ada Before"), PersonFactory(name="Bo After")
    owner = assign_owner(task=task, person=before, by=None)
    response = admin_client.post(
        reverse("admin:tasks_registry_task_change", args=[task.pk]),
        _rows(task, (owner, Role.OWNER, after)),
    )
    assert response.status_code == 302
    entry = task_history(task)[0]
    assert (entry.summary, entry.user.username) == (
        "changed the owner from Ada Before to Bo After",
        "root",
    )
    # assign() confirmed the new owner now: an older change of role is not held against them.
    assert Assignment.objects.get(task=task, role=Role.OWNER).confirmed_at > owner.confirmed_at


def test_an_owner_and_a_backup_swapped_in_one_submission_are_refused_and_kept(admin_client):
    # Each row is checked against the task as it stands; swap them one at a time.
    task = TaskFactory()
    ada, bo = PersonFactory(name="Ada"), PersonFactory(name="Bo")
    owner = assign_owner(task=task, person=ada, by=None)
    backup = assign_backup(task=task, person=bo, by=None)
    response = admin_client.post(
        reverse("admin:tasks_registry_task_change", args=[task.pk]),
        _rows(task, (owner, Role.OWNER, bo), (backup, Role.BACKUP, ada)),
    )
    assert response.status_code == 200
    assert "The owner cannot also be the backup." in response.content.decode()
    assert dict(Assignment.objects.filter(task=task).values_list("role", "person__name")) == {
        Role.OWNER: "Ada",
        Role.BACKUP: "Bo",
    }


def test_a_role_changed_in_the_admin_is_a_removal_and_an_addition(admin_client):
    task = TaskFactory()
    cy = PersonFactory(name="Cy")
    helper = assign(task=task, person=cy, role=Role.CONTRIBUTOR, by=None)
    response = admin_client.post(
        reverse("admin:tasks_registry_task_change", args=[task.pk]),
        _rows(task, (helper, Role.OWNER, cy)),
    )
    assert response.status_code == 302
    assert sorted(entry.summary for entry in task_history(task)) == [
        "added Cy as contributor",
        "added Cy as owner",
        "created the task",
        "removed Cy as contributor",
    ]


def test_someone_who_left_cannot_be_made_owner_in_the_admin(admin_client):
    task = TaskFactory()
    gone = PersonFactory(name="Gil Gone", departed_on=datetime.date(2026, 1, 5))
    response = admin_client.post(
        reverse("admin:tasks_registry_task_change", args=[task.pk]),
        _rows(task, (None, Role.OWNER, gone)),
    )
    assert response.status_code == 200
    assert "Gil Gone left on 05 Jan 2026 and cannot be the owner" in response.content.decode()
    assert not Assignment.objects.exists()


def _person_form(person, **overrides):
    data = {
        "name": person.name,
        "email": person.email,
        "team": person.team_id or "",
        "title": person.title,
        "chat_handle": person.chat_handle,
        "slack_user_id": person.slack_user_id,
        "away_until": "",
        "user": "",
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_a_title_changed_in_the_admin_flags_what_the_person_owns(admin_client):
    person = PersonFactory(name="Ida Owner", title="Buyer")
    task = TaskFactory()
    assign_owner(task=task, person=person, by=None)
    account = UserFactory(username="ida")
    response = admin_client.post(
        reverse("admin:ownership_person_change", args=[person.pk]),
        _person_form(person, title="Head of merchandising", user=account.pk),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.title, person.user) == ("Head of merchandising", account)
    assert person.history.latest().history_user.username == "root"
    assert OWNER_DEPARTED in task_gaps(task, on=timezone.localdate()).gaps


def test_an_email_taken_in_the_admin_is_refused_at_the_field(admin_client):
    PersonFactory(name="Al First", email="al@shop.example")
    person = PersonFactory(name="Bea Second")
    response = admin_client.post(
        reverse("admin:ownership_person_change", args=[person.pk]),
        _person_form(person, email="AL@shop.example"),
    )
    assert response.status_code == 200
    assert "Al First already has the email address al@shop.example." in response.content.decode()
    person.refresh_from_db()
    assert person.email != "al@shop.example"


def test_a_person_added_in_the_admin_goes_through_create_person(admin_client):
    response = admin_client.post(
        reverse("admin:ownership_person_add"),
        _person_form(Person(name="  Cy New  ", email="Cy@Shop.Example", title="Packer")),
    )
    assert response.status_code == 302
    person = Person.objects.get(name="Cy New")
    assert (person.email, person.history.get().history_user.username) == (
        "cy@shop.example",
        "root",
    )


def test_a_slack_user_linked_to_someone_else_is_refused_in_the_admin(admin_client):
    PersonFactory(name="Bo Lind", slack_user_id="U0TAKEN")
    person = Person(name="Cy New", email="cy@shop.example")
    data = _person_form(person, slack_user_id="U0TAKEN")
    response = admin_client.post(reverse("admin:ownership_person_add"), data)
    assert response.status_code == 200
    assert "Bo Lind is linked to the Slack user U0TAKEN already." in response.content.decode()
    assert not Person.objects.filter(name="Cy New").exists()


def test_assignments_are_read_in_the_admin_and_changed_on_their_task(admin_client):
    assignment = AssignmentFactory()
    url = reverse("admin:ownership_assignment_change", args=[assignment.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"role": Role.INFORMED}).status_code == 403
    assert Assignment.objects.get(pk=assignment.pk).role == assignment.role


def test_review_outcomes_are_read_in_the_admin_and_recorded_only_by_the_session_runner(
    admin_client,
):
    item = ReviewItemFactory()
    url = reverse("admin:reviews_reviewitem_change", args=[item.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"outcome": "confirmed", "note": "x"}).status_code == 403
    session_url = reverse("admin:reviews_reviewsession_change", args=[item.session.pk])
    assert admin_client.post(session_url, {"status": "closed"}).status_code == 403
    item.refresh_from_db()
    item.session.refresh_from_db()
    assert (item.outcome, item.session.status) == (Outcome.PENDING, SessionStatus.SCHEDULED)


def test_a_team_renamed_in_the_admin_gets_its_slug_from_update_team(admin_client):
    team = TeamFactory(name="Warehouse")
    TeamFactory(name="Marketing")
    url = reverse("admin:ownership_team_change", args=[team.pk])
    taken = admin_client.post(url, {"name": "marketing ", "description": "", "lead": ""})
    assert "There is already a team called “marketing”." in taken.content.decode()
    response = admin_client.post(url, {"name": "Fulfilment", "description": "", "lead": ""})
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.slug, team.history.latest().history_user.username) == (
        "Fulfilment",
        "fulfilment",
        "root",
    )


def _person_form(person, **overrides):
    data = {
        "name": person.name,
        "email": person.email,
        "team": "",
        "title": "",
        "chat_handle": "",
        "away_until": "",
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
    }
    return {**data, **overrides}


def test_an_ops_lead_in_the_admin_cannot_relink_a_person_to_another_account(client, ops_lead):
    ops_lead.is_staff = True
    ops_lead.save()
    target = PersonFactory(name="Dana Kowalski")
    client.force_login(ops_lead)
    url = reverse("admin:ownership_person_change", args=[target.pk])
    page = client.get(url).content.decode()
    assert 'name="user"' not in page  # shown, not editable
    response = client.post(url, _person_form(target, user=ops_lead.pk, title="Ops"))
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.user_id, target.title) == (None, "Ops")
    with pytest.raises(PermissionDenied):
        link_account(person=target, user=ops_lead, by=ops_lead)


def test_a_superuser_links_a_person_to_an_account(admin_client):
    target = PersonFactory(name="Dana Kowalski")
    account = UserFactory(username="dana")
    url = reverse("admin:ownership_person_change", args=[target.pk])
    assert 'name="user"' in admin_client.get(url).content.decode()
    assert admin_client.post(url, _person_form(target, user=account.pk)).status_code == 302
    target.refresh_from_db()
    assert target.user == account


def test_a_new_api_token_is_not_carried_in_a_cookie(admin_client):
    owner = UserFactory(username="bot-owner")
    response = admin_client.post(
        reverse("admin:ownership_apitoken_add"), {"user": owner.pk, "name": "Slack bot"}
    )
    assert response.status_code == 302
    assert "messages" not in response.cookies
    shown = admin_client.get(response.url).content.decode()
    assert "Token for bot-owner: " in shown
