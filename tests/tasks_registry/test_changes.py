import pytest
from django.core.exceptions import ValidationError

from config.merging import StaleEdit
from tasks_registry.changes import create_task, update_task
from tasks_registry.models import Stage, Task
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery():
    return Stage.objects.get(slug="delivery")


def test_create_task_makes_a_slug_from_the_name(delivery):
    task = create_task(name="  Holiday shipping cutoff sign-off ", stage=delivery, by=None)
    assert (task.name, task.slug, task.version) == (
        "Holiday shipping cutoff sign-off",
        "holiday-shipping-cutoff-sign-off",
        1,
    )


def test_create_task_keeps_slugs_unique(delivery):
    TaskFactory(name="Old name", slug="returns-notices")
    task = create_task(name="Returns notices", stage=delivery, by=None)
    assert task.slug == "returns-notices-2"


def test_a_second_task_with_the_same_name_is_refused_whatever_the_case(delivery):
    create_task(name="Returns notices", stage=delivery, by=None)
    with pytest.raises(ValidationError) as refused:
        create_task(name="RETURNS NOTICES", stage=delivery, by=None)
    assert refused.value.message_dict == {
        "name": ["There is already a task called “Returns notices”."]
    }
    assert Task.objects.count() == 1


def test_update_task_bumps_the_version_and_records_the_user(delivery):
    dana = UserFactory(username="dana")
    task = create_task(name="Returns notices", stage=delivery, by=dana)
    updated = update_task(task=task, by=dana, definition_of_done="Sent within 2 days")
    assert updated.version == 2
    assert Task.objects.get().definition_of_done == "Sent within 2 days"
    records = list(Task.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.version, r.history_user) for r in records] == [
        ("+", 1, dana),
        ("~", 2, dana),
    ]


def test_an_update_that_changes_nothing_writes_nothing(delivery):
    task = create_task(name="Returns notices", stage=delivery, by=None)
    same = update_task(task=task, by=None, name="Returns notices", rhythm=task.rhythm)
    assert same.version == 1
    assert Task.history.count() == 1


def test_an_update_from_a_stale_version_is_refused_and_changes_nothing(delivery):
    task = create_task(name="Returns notices", stage=delivery, by=None)
    update_task(task=task, by=None, rhythm="weekly on monday")
    with pytest.raises(StaleEdit) as refused:
        update_task(task=task, by=None, expected_version=1, rhythm="weekly on friday")
    assert "version 1" in str(refused.value)
    assert (Task.objects.get().rhythm, Task.objects.get().version) == ("weekly on monday", 2)


def test_renaming_to_another_tasks_name_is_refused(delivery):
    create_task(name="Returns notices", stage=delivery, by=None)
    other = create_task(name="Warranty claims", stage=delivery, by=None)
    with pytest.raises(ValidationError):
        update_task(task=other, by=None, name="returns notices")
    assert Task.objects.get(pk=other.pk).name == "Warranty claims"


def test_unknown_fields_are_a_programming_error(delivery):
    with pytest.raises(TypeError):
        create_task(name="X", stage=delivery, by=None, version=9)


def test_a_rename_racing_another_to_the_same_name_is_refused_at_the_name(monkeypatch):
    TaskFactory(name="Returns notices")
    task = TaskFactory(name="Refund letters")
    # The check before the save read the table before the other rename committed.
    monkeypatch.setattr("tasks_registry.changes._check_name_free", lambda *a, **k: None)
    with pytest.raises(ValidationError) as refused:
        update_task(task=task, by=None, name="returns NOTICES")
    assert refused.value.message_dict["name"] == [
        "There is already a task called “returns NOTICES”."
    ]
    task.refresh_from_db()
    assert task.name == "Refund letters"
