import pytest
from django.urls import reverse

from ownership.models import Assignment, Role
from tasks_registry.models import Stage, Task
from tests.factories import AssignmentFactory, PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


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
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200


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
