import pytest
from django.urls import reverse

from ownership.assignments import assign_owner
from ownership.models import Assignment, Role
from tasks_registry.changes import update_task
from tasks_registry.metrics import metric_named
from tasks_registry.models import Stage, Task
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _form(task=None, **changes):
    data = {
        "name": "Holiday shipping cutoff sign-off",
        "stage": Stage.objects.get(slug="delivery").pk,
        "criticality": "critical",
        "rhythm": "yearly on 15 november",
        "definition_of_done": "Carrier cut-off dates confirmed in writing",
        "description": "",
        "aliases": "christmas delivery\nholiday cutoff",
        "systems": "storefront",
        "metric": "",
    }
    if task is not None:
        fields = ("name", "rhythm", "metric", "systems", "aliases", "description")
        data.update({name: getattr(task, name) for name in fields})
        data["metric"] = task.metric_id or ""
        data["stage"] = task.stage_id
        data["criticality"] = task.criticality
        data["definition_of_done"] = task.definition_of_done
        data["version"] = task.version
    data.update(changes)
    # The rhythm goes through the picker's "in words" mode, as a person typing it would.
    rhythm = data.pop("rhythm")
    data["rhythm_mode"], data["rhythm_text"] = ("text" if rhythm else ""), rhythm
    return data


def test_an_ops_lead_creates_a_task_and_lands_on_its_page(client, ops_lead):
    client.force_login(ops_lead)
    response = client.post(reverse("ownership:task_create"), _form())
    task = Task.objects.get()
    assert response.status_code == 302
    assert response.url == task.get_absolute_url()
    assert (task.name, task.criticality, task.alias_list) == (
        "Holiday shipping cutoff sign-off",
        "critical",
        ["christmas delivery", "holiday cutoff"],
    )
    assert task.history.get().history_user == ops_lead


def test_a_task_with_a_taken_name_is_refused_at_the_name(client, ops_lead):
    TaskFactory(name="Holiday shipping cutoff sign-off")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_create"), _form(name="holiday SHIPPING cutoff sign-off")
    )
    assert response.status_code == 200
    assert (
        "There is already a task called “Holiday shipping cutoff sign-off”."
        in response.content.decode()
    )
    assert Task.objects.count() == 1


def test_an_empty_name_is_refused_and_the_rest_is_kept(client, ops_lead):
    client.force_login(ops_lead)
    response = client.post(reverse("ownership:task_create"), _form(name=""))
    html = response.content.decode()
    assert "This field is required." in html
    assert "yearly on 15 november" in html
    assert not Task.objects.exists()


def test_editing_a_task_saves_and_bumps_the_version(client, manager):
    task = TaskFactory(name="Returns notices")
    client.force_login(manager)
    response = client.post(
        reverse("ownership:task_edit", kwargs={"slug": task.slug}),
        _form(task, rhythm="weekly on tuesday"),
    )
    task.refresh_from_db()
    assert response.status_code == 302
    assert (task.rhythm, task.version) == ("weekly on tuesday", 2)
    assert task.history.first().history_user == manager


def test_a_stale_form_that_changed_the_same_fields_asks_whose_stays_and_keeps_the_typing(
    client, ops_lead, manager
):
    task = TaskFactory(name="Returns notices", rhythm="weekly on monday")
    stale = _form(task, rhythm="weekly on friday", definition_of_done="Mine, typed carefully")
    update_task(task=task, by=manager, rhythm="daily", definition_of_done="Theirs, saved first")
    client.force_login(ops_lead)
    response = client.post(reverse("ownership:task_edit", kwargs={"slug": task.slug}), stale)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this task while you were editing it." in html
    assert "weekly on monday → daily" in html
    assert "Theirs, saved first" in html  # what the long field now says
    assert 'value="weekly on friday"' in html
    assert "Mine, typed carefully" in html
    assert 'id="clash-rhythm"' in html
    assert 'id="clash-definition_of_done"' in html
    assert 'name="keep_definition_of_done" value="theirs" required' in html
    # Still the version it was filled from: the next save merges again, with the choices.
    assert 'name="version" value="1"' in html
    task.refresh_from_db()
    assert (task.rhythm, task.definition_of_done, task.version) == (
        "daily",
        "Theirs, saved first",
        2,
    )


@pytest.mark.parametrize(("choice", "kept"), [("yours", "Mine"), ("theirs", "Theirs")])
def test_choosing_whose_value_stays_saves_the_rest_merged(client, ops_lead, manager, choice, kept):
    task = TaskFactory(name="Returns notices", rhythm="weekly on monday", criticality="normal")
    stale = _form(task, definition_of_done="Mine", criticality="high")
    refund_time = metric_named("refund time")
    update_task(task=task, by=manager, definition_of_done="Theirs", metric=refund_time)
    client.force_login(ops_lead)
    url = reverse("ownership:task_edit", kwargs={"slug": task.slug})
    assert client.post(url, stale).status_code == 409
    response = client.post(url, {**stale, "keep_definition_of_done": choice})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.definition_of_done, task.criticality, task.metric) == (kept, "high", refund_time)


def test_a_stale_form_that_changed_other_fields_is_merged_and_never_writes_the_rest(
    client, ops_lead, manager
):
    """The issue's case: the first person changes the definition of done; the second, from a
    form opened before, changes description and criticality, and must not restore the old
    definition of done."""
    task = TaskFactory(name="Returns notices", definition_of_done="Old", criticality="normal")
    stale = _form(task, description="Covers the EU store too", criticality="high")
    update_task(task=task, by=manager, definition_of_done="Every notice answered in a day")
    client.force_login(ops_lead)
    response = client.post(reverse("ownership:task_edit", kwargs={"slug": task.slug}), stale)
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.definition_of_done, task.description, task.criticality, task.version) == (
        "Every notice answered in a day",
        "Covers the EU store too",
        "high",
        3,
    )
    latest = task.history.order_by("-history_id").first()
    assert latest.history_user == ops_lead
    assert latest.history_change_reason == f"merged with {manager.get_username()}'s edit"
    page = client.get(task.get_absolute_url()).content.decode()
    assert f"merged with {manager.get_username()}&#x27;s edit" in page


def test_saving_again_after_the_conflict_replaces_theirs_knowingly(client, ops_lead, manager):
    task = TaskFactory(name="Returns notices")
    update_task(task=task, by=manager, rhythm="daily")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_edit", kwargs={"slug": task.slug}),
        _form(task, rhythm="weekly on friday", version=2),
    )
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).rhythm == "weekly on friday"


def test_retiring_and_restoring_a_task(client, ops_lead):
    task = TaskFactory(name="Returns notices")
    client.force_login(ops_lead)
    client.post(reverse("ownership:task_retire", kwargs={"slug": task.slug}))
    assert Task.objects.get(pk=task.pk).is_active is False
    page = client.get(task.get_absolute_url()).content.decode()
    assert "retired" in page
    assert "Restore to the map" in page
    client.post(reverse("ownership:task_restore", kwargs={"slug": task.slug}))
    assert Task.objects.get(pk=task.pk).is_active is True


def test_an_earlier_version_of_the_fields_can_be_restored(client, ops_lead):
    task = TaskFactory(name="Returns notices", rhythm="weekly on monday")
    first = task.history.get()
    update_task(task=task, by=None, rhythm="daily", is_active=False)
    client.force_login(ops_lead)
    response = client.post(
        reverse(
            "ownership:task_restore_version",
            kwargs={"slug": task.slug, "record_id": first.history_id},
        )
    )
    task.refresh_from_db()
    assert response.status_code == 302
    assert task.rhythm == "weekly on monday"
    assert task.is_active is False  # retiring is its own action
    latest = task.history.first()
    assert (latest.history_user, latest.history_change_reason.startswith("restored")) == (
        ops_lead,
        True,
    )


def test_restoring_a_version_of_another_task_is_refused(client, ops_lead):
    task, other = TaskFactory(), TaskFactory()
    client.force_login(ops_lead)
    response = client.post(
        reverse(
            "ownership:task_restore_version",
            kwargs={"slug": task.slug, "record_id": other.history.get().history_id},
        ),
        follow=True,
    )
    assert "That version is not in the history of this task." in response.content.decode()


def test_adding_a_contributor_swaps_the_people_section(client, ops_lead, htmx_headers):
    task = TaskFactory(name="Returns notices")
    PersonFactory(name="Amira Khan")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_assign", kwargs={"slug": task.slug}),
        {"role": "contributor", "person": "Amira Khan"},
        **htmx_headers,
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="people"')
    assert "Amira Khan" in html
    added = Assignment.objects.get(task=task, role=Role.CONTRIBUTOR)
    assert (added.person.name, added.history.get().history_user) == ("Amira Khan", ops_lead)


def test_a_person_nobody_knows_is_refused_in_the_people_section(client, ops_lead, htmx_headers):
    task = TaskFactory(name="Returns notices")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_assign", kwargs={"slug": task.slug}),
        {"role": "checker", "person": "Nobody"},
        **htmx_headers,
    )
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Nobody in the map is called “Nobody”." in html
    assert 'value="Nobody"' in html
    assert not Assignment.objects.filter(task=task).exists()


def test_removing_someone_from_a_task(client, ops_lead):
    task = TaskFactory(name="Returns notices")
    owner = assign_owner(task=task, person=PersonFactory(name="Jess Moreau"), by=None)
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_unassign", kwargs={"slug": task.slug, "assignment_id": owner.pk})
    )
    assert response.status_code == 302
    assert not Assignment.objects.filter(task=task).exists()
    history = client.get(task.get_absolute_url()).content.decode()
    assert "removed Jess Moreau as owner" in history


def test_the_task_page_lists_its_gaps_in_words(member_client):
    task = TaskFactory(name="Returns notices", rhythm="")
    html = member_client.get(task.get_absolute_url()).content.decode()
    assert "What is wrong with it" in html
    assert "Nobody is assigned to it at all." in html
    assert "No deadline rhythm: nobody knows when it is due." in html


def test_a_browsers_line_breaks_in_a_textarea_are_not_a_change(client, ops_lead):
    task = TaskFactory(name="Returns notices", aliases="return label\nreturns notice")
    client.force_login(ops_lead)
    data = _form(task, aliases="return label\r\nreturns notice", rhythm="daily")
    client.post(reverse("ownership:task_edit", kwargs={"slug": task.slug}), data)
    task.refresh_from_db()
    assert task.aliases == "return label\nreturns notice"
    changed = task.history.first().diff_against(task.history.last()).changed_fields
    assert "aliases" not in changed
    assert "rhythm" in changed
