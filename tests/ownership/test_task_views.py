import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.models import Role
from tasks_registry.changes import update_task
from tasks_registry.metrics import metric_named
from tasks_registry.models import Stage, Task
from tests.factories import CompletionFactory, PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db

LIST = reverse("ownership:task_list")


def _map(size):
    """`size` tasks, each with an owner, a backup and a contributor."""
    for n in range(size):
        task = TaskFactory(name=f"Task {n}")
        assign_owner(task=task, person=PersonFactory(), by=None)
        assign_backup(task=task, person=PersonFactory(), by=None)
        assign(task=task, person=PersonFactory(), role=Role.CONTRIBUTOR, by=None)


def test_the_task_list_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={LIST}"


def test_the_task_list_is_forbidden_to_an_outsider(client, outsider):
    client.force_login(outsider)
    assert client.get(LIST).status_code == 403


@pytest.mark.parametrize("cast", ["member", "ops_lead", "manager"])
def test_the_task_list_shows_owner_and_backup_to_everyone_in_a_group(client, cast, request):
    client.force_login(request.getfixturevalue(cast))
    task = TaskFactory(name="Inventory sync")
    assign_owner(task=task, person=PersonFactory(name="Mark Jensen"), by=None)
    assign_backup(task=task, person=PersonFactory(name="Kofi Mensah"), by=None)
    TaskFactory(name="Search and discovery quality")
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Inventory sync" in html
    assert "Mark Jensen" in html
    assert "Kofi Mensah" in html
    assert "nobody owns this" in html
    assert "<html" in html


def test_the_task_list_filters_by_stage(member_client):
    TaskFactory(name="Inventory sync", stage=Stage.objects.get(slug="fulfilment"))
    TaskFactory(name="Returns notices", stage=Stage.objects.get(slug="returns-refunds"))
    response = member_client.get(LIST, {"stage": "fulfilment"})
    assert [row.task.name for row in response.context["rows"]] == ["Inventory sync"]


def test_an_unknown_stage_filter_shows_every_task(member_client):
    TaskFactory(name="Inventory sync")
    response = member_client.get(LIST, {"stage": "<script>"})
    assert response.status_code == 200
    assert [row.task.name for row in response.context["rows"]] == ["Inventory sync"]


def test_the_htmx_branch_returns_only_the_table_fragment(member_client, htmx_headers):
    TaskFactory(name="Inventory sync")
    response = member_client.get(LIST, {"stage": ""}, **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="task-table"')
    assert "<html" not in html
    assert "Inventory sync" in html
    assert response.headers["Vary"].count("HX-Request") == 1


def test_a_boosted_request_gets_the_whole_page(member_client):
    response = member_client.get(LIST, HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    assert "<html" in response.content.decode()


def test_retired_tasks_are_not_listed(member_client):
    TaskFactory(name="Old fax orders", is_active=False)
    assert member_client.get(LIST).context["rows"] == []


@pytest.mark.parametrize("size", [5, 40])
def test_the_task_list_query_count_does_not_grow_with_tasks(
    member_client, size, django_assert_num_queries
):
    _map(size)
    # session, user with permissions, stages, tasks, their owners and backups, those people
    with django_assert_num_queries(6):
        response = member_client.get(LIST)
    assert len(response.context["rows"]) == size


def test_the_task_page_shows_everything_about_the_task(member_client):
    task = TaskFactory(
        name="Holiday shipping cutoff sign-off",
        rhythm="yearly on 15 november",
        definition_of_done="Carrier cut-offs confirmed\nBanner live",
        aliases="holiday cutoff\nchristmas delivery",
        systems="storefront\nESP",
        metric=metric_named("contact rate per order"),
    )
    assign_owner(task=task, person=PersonFactory(name="Nina Alvarez"), by=None)
    assign(task=task, person=PersonFactory(name="Pete Novak"), role=Role.CONTRIBUTOR, by=None)
    response = member_client.get(task.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Holiday shipping cutoff sign-off",
        "yearly on 15 november",
        "<li>Carrier cut-offs confirmed</li>",
        "holiday cutoff",
        "ESP",
        "Contact rate per order",
        "Nina Alvarez",
        "Pete Novak",
        "no backup",
    ]:
        assert text in html


def test_the_task_page_says_loudly_when_nobody_owns_the_task(member_client):
    task = TaskFactory()
    assign(task=task, person=PersonFactory(name="Priya"), role=Role.CONTRIBUTOR, by=None)
    html = member_client.get(task.get_absolute_url()).content.decode()
    assert '<p class="loud">Nobody owns this.</p>' in html


def test_the_task_page_shows_the_backup_acting_while_the_owner_is_away(member_client):
    task = TaskFactory()
    away_until = timezone.localdate() + datetime.timedelta(days=3)
    assign_owner(task=task, person=PersonFactory(name="Nina", away_until=away_until), by=None)
    assign_backup(task=task, person=PersonFactory(name="Chris Osei"), by=None)
    response = member_client.get(task.get_absolute_url())
    assert response.context["acting"].person.name == "Chris Osei"
    assert (
        f"Acting as backup while Nina is away until {away_until:%-d %b %Y}."
        in response.content.decode()
    )


def test_the_task_page_shows_its_history_with_who_changed_what(member_client, ops_lead):
    task = TaskFactory(name="Returns notices", rhythm="weekly on monday")
    assign_owner(task=task, person=PersonFactory(name="Jess Moreau"), by=ops_lead)
    assign_owner(task=task, person=PersonFactory(name="Amira Khan"), by=ops_lead)
    update_task(task=task, by=ops_lead, rhythm="weekly on friday", definition_of_done="Sent")
    html = member_client.get(task.get_absolute_url()).content.decode()
    assert "<strong>Olu Opslead</strong> changed the owner from Jess Moreau to Amira Khan" in html
    assert "<strong>Olu Opslead</strong> added Jess Moreau as owner" in html
    assert "edited deadline rhythm, definition of done" in html
    assert "Deadline rhythm: weekly on monday → weekly on friday" in html


def test_the_history_says_a_task_was_retired_and_restored_not_that_is_active_was_edited(
    member_client, ops_lead
):
    task = TaskFactory(name="Returns notices", rhythm="weekly on monday")
    update_task(task=task, by=ops_lead, is_active=False)
    update_task(task=task, by=ops_lead, is_active=True, rhythm="weekly on friday")
    html = member_client.get(task.get_absolute_url()).content.decode()
    assert "<strong>Olu Opslead</strong> retired the task" in html
    assert (
        "<strong>Olu Opslead</strong> restored the task to the map and edited deadline rhythm"
        in html
    )
    assert "is active" not in html.lower()


def test_the_task_page_query_count_does_not_grow_with_people_or_history(
    member_client, django_assert_num_queries
):
    task = TaskFactory()
    for n in range(15):
        assign(task=task, person=PersonFactory(), role=Role.CONTRIBUTOR, by=None)
        update_task(task=task, by=None, rhythm=f"every {n + 2} weeks on friday")
    Task.objects.filter(pk=task.pk).update(rhythm_set_on=datetime.date(2026, 1, 2))
    for day in range(2, 30):
        CompletionFactory(task=task, due_on=datetime.date(2026, 1, day))
    # session, user with permissions, person, task, assignments, the task's gaps (one for the
    # rules, one for their details), stages, task history, assignment history, the completions
    # of its occurrences, its latest completions, whether the reader may confirm it done,
    # completion history, its attestations and its "I'm on it"s (the history's words), the words
    # people learned to call it, who held its owner and backup over time, the promises it owns
    # and the places where it repeats promises; and, as nobody owns
    # it and nobody's team is at work on it, who answers for it: the map's version and the
    # stage's team leads (cached on it), then the ops leads' default (ownership/answerer.py)
    with django_assert_num_queries(23):
        response = member_client.get(task.get_absolute_url())
    assert response.status_code == 200


def test_an_unknown_task_is_a_404_that_says_so_in_words(member_client, settings):
    assert member_client.get(reverse("ownership:task_detail", args=["nope"])).status_code == 404
    # Django's debug page (make run) shows the reason: words, not a model's name.
    settings.DEBUG = True
    html = member_client.get(reverse("ownership:task_detail", args=["nope"])).content.decode()
    assert "No task on the map is at “nope”: it may have been mistyped." in html
    assert "PreviousSlug" not in html


def test_the_task_page_is_forbidden_to_an_outsider(client, outsider):
    client.force_login(outsider)
    assert client.get(TaskFactory().get_absolute_url()).status_code == 403


def test_the_task_list_refuses_post(member_client):
    assert member_client.post(LIST).status_code == 405


def test_a_task_nobody_owns_names_who_answers_for_it_and_why(member_client):
    task = TaskFactory(name="Promo code setup and QA")
    assign(task=task, person=PersonFactory(name="Dana Kowalski"), role=Role.ESCALATION, by=None)
    html = member_client.get(task.get_absolute_url()).content.decode()
    assert '<p class="loud">Nobody owns this.</p>' in html
    assert "Dana Kowalski</a> answers for it until someone does" in html
    assert "(escalation contact)" in html


def test_a_departed_owner_with_no_backup_names_who_answers_for_it(member_client):
    team = TeamFactory(name="Operations", lead=PersonFactory(name="Olu Lead"))
    gone = PersonFactory(name="Gone Gary", team=team)
    task = TaskFactory(name="Carrier review")
    assign(task=task, person=gone, role=Role.OWNER, by=None)
    gone.departed_on = datetime.date(2026, 1, 5)
    gone.save()
    html = member_client.get(task.get_absolute_url()).content.decode()
    assert "Gone Gary left on 5 Jan 2026 and nobody has taken over." in html
    assert "Olu Lead</a> answers for it until someone does" in html
    assert "(lead of Operations, the team of its owner or backup)" in html
