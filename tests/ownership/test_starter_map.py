"""The starter map: what it holds, applying it stage by stage, and its page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ownership.gap_rules import NO_OWNER, gap_report
from ownership.models import Assignment
from ownership.starter_map import PROMISES, ROLES, TASKS, apply_starter_map
from ownership.vagueness import judge_definition_of_done
from tasks_registry import rhythms
from tasks_registry.models import Promise, Stage, Task
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

CAPABILITIES = {
    "Product strategy and roadmap",
    "User experience design",
    "Product content and merchandising",
    "Search and discovery quality",
    "Technical architecture",
    "Data and analytics insights",
}


def test_every_starter_task_is_ready_to_own():
    assert len({task.name.lower() for task in TASKS}) == len(TASKS)
    for task in TASKS:
        assert rhythms.normalise(task.rhythm) == task.rhythm, task.name
        assert judge_definition_of_done(task.done) is None, task.name
        assert task.role in ROLES, task.name
        assert task.aliases, task.name
        assert task.metric, task.name
    assert {task.name for task in TASKS if task.capability} == CAPABILITIES
    assert {task.role for task in TASKS} == set(ROLES)


def test_every_stage_of_the_journey_has_starter_tasks():
    assert {task.stage for task in TASKS} == set(Stage.objects.values_list("slug", flat=True))


def test_applying_three_stages_makes_their_tasks_without_people(ops_lead):
    stages = list(Stage.objects.filter(slug__in=["discover", "payment", "delivery"]))
    made = apply_starter_map(stages=stages, by=ops_lead)
    expected = {task.name for task in TASKS if task.stage in {"discover", "payment", "delivery"}}
    assert {task.name for task in made} == expected
    assert set(Task.objects.values_list("name", flat=True)) == expected
    assert not Assignment.objects.exists()
    promise = Task.objects.get(name="Shipping promise consistency")
    assert promise.stage.slug == "delivery"
    assert promise.rhythm == "monthly on the 15th"
    assert promise.metric.name == "Contact rate per order"
    assert "delivery promise" in promise.alias_list
    assert promise.description.endswith("Usually owned by the logistics manager.")
    assert promise.next_due_on is not None
    record = promise.history.get()
    assert (record.history_user, record.history_change_reason) == (
        ops_lead,
        "from the starter map",
    )
    report = gap_report(on=timezone.localdate())
    assert set(report.by_rule[NO_OWNER]) == {task.pk for task in made}


def test_a_capability_says_it_needs_an_internal_owner(ops_lead):
    apply_starter_map(stages=list(Stage.objects.filter(slug="platform-integrations")), by=None)
    architecture = Task.objects.get(name="Technical architecture")
    assert "a capability that needs an internal owner, not a partner who moves on" in (
        architecture.description
    )


def test_applying_again_adds_only_what_is_missing(ops_lead):
    TaskFactory(name="campaign email send")
    stages = list(Stage.objects.filter(slug="discover"))
    made = apply_starter_map(stages=stages, by=ops_lead)
    assert "Campaign email send" not in {task.name for task in made}
    assert apply_starter_map(stages=stages, by=ops_lead) == []


def test_the_starter_tasks_are_found_by_the_lookup():
    from ownership.lookup import lookup

    apply_starter_map(stages=list(Stage.objects.filter(slug="delivery")), by=None)
    assert lookup("holiday cutoff").answers[0].task.name == "Holiday shipping cutoff sign-off"


def test_an_empty_map_offers_the_starter_map_to_editors(client, ops_lead, member):
    client.force_login(ops_lead)
    html = client.get(reverse("ownership:dashboard")).content.decode()
    assert 'href="/starter/"' in html
    assert 'href="/import/"' in html
    client.force_login(member)
    html = client.get(reverse("ownership:dashboard")).content.decode()
    assert "The map is empty." in html
    assert 'href="/starter/"' not in html
    TaskFactory()
    client.force_login(ops_lead)
    assert "The map is empty." not in client.get(reverse("ownership:dashboard")).content.decode()


def test_the_page_lists_each_stages_tasks_and_applies_the_chosen_ones(client, ops_lead):
    client.force_login(ops_lead)
    html = client.get(reverse("ownership:starter_map")).content.decode()
    assert html.count('name="stages"') == Stage.objects.count()
    assert "Holiday shipping cutoff sign-off" in html
    response = client.post(reverse("ownership:starter_map"), {"stages": ["delivery"]}, follow=True)
    assert response.redirect_chain == [(reverse("ownership:dashboard"), 302)]
    count = sum(task.stage == "delivery" for task in TASKS)
    assert f"{count} tasks from the starter map are on the map" in response.content.decode()
    assert Task.objects.count() == count


def test_choosing_no_stage_is_refused_where_it_was_asked(client, ops_lead):
    client.force_login(ops_lead)
    response = client.post(reverse("ownership:starter_map"), {})
    assert response.status_code == 400
    assert "Pick at least one stage to start from." in response.content.decode()
    response = client.post(reverse("ownership:starter_map"), {"stages": ["nowhere"]})
    assert response.status_code == 400
    assert not Task.objects.exists()


def test_members_cannot_apply_it(client, member):
    client.force_login(member)
    assert client.get(reverse("ownership:starter_map")).status_code == 403
    assert (
        client.post(reverse("ownership:starter_map"), {"stages": ["delivery"]}).status_code == 403
    )
    assert not Task.objects.exists()


def test_the_starter_map_brings_the_common_promises_with_the_places_it_has():
    names = {task.name for task in TASKS}
    for spec in PROMISES:
        assert spec.owner in names, spec.name
        assert {task for task, _ in spec.places} <= names, spec.name
    returns = Stage.objects.get(slug="returns-refunds")
    apply_starter_map(stages=[returns], by=None)
    # Only what the returns stage holds: its promises, with their places in it.
    made = {
        promise.name: sorted(promise.links.values_list("task__name", flat=True))
        for promise in Promise.objects.all()
    }
    assert made == {
        "Returns within 30 days": ["Refund policy to support scripts"],
        "Refunds within 5 business days": ["Refund policy to support scripts", "Returns notices"],
    }
    # The rest of the journey later: the places on its tasks join the promises made before.
    apply_starter_map(stages=list(Stage.objects.all()), by=None)
    assert Promise.objects.count() == len(PROMISES)
    returns_places = Promise.objects.get(name="Returns within 30 days").links.count()
    assert returns_places == 3
