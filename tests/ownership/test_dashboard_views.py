import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.models import Assignment, Role
from tasks_registry.changes import update_task
from tasks_registry.models import Stage, Task
from tests.factories import PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("ownership:dashboard")


def _helped(name="Promo code setup and QA", **fields):
    """A task with helpers and nobody accountable: the headline gap."""
    task = TaskFactory(name=name, criticality="critical", **fields)
    assign(task=task, person=PersonFactory(name="Priya Nair"), role=Role.CONTRIBUTOR, by=None)
    return task


def _fix(kind, task):
    kind = {"confirm_owner": "keep-owner"}.get(kind, kind)
    return reverse("ownership:fix", kwargs={"slug": task.slug, "kind": kind})


# --- Who may see it ----------------------------------------------------------------------------


def test_the_dashboard_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_the_dashboard_is_forbidden_to_an_outsider(client, outsider):
    client.force_login(outsider)
    assert client.get(DASHBOARD).status_code == 403


def test_a_member_sees_the_flags_and_no_fix_controls(client, member):
    _helped()
    client.force_login(member)
    response = client.get(DASHBOARD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Promo code setup and QA" in html
    assert "1 person helps (Priya Nair); nobody is accountable." in html
    assert 'id="count-contributors_no_owner">1<' in html
    assert "<form" in html  # the filters and the search box, but no fix
    assert 'class="fix ' not in html
    assert "/dashboard/fix/" not in html


@pytest.mark.parametrize("cast", ["ops_lead", "manager"])
def test_editors_see_the_fix_in_place(client, cast, request):
    task = _helped()
    client.force_login(request.getfixturevalue(cast))
    html = client.get(DASHBOARD).content.decode()
    assert f'id="fix-{task.pk}-contributors_no_owner-owner"' in html
    assert f'data-hx-post="{_fix("owner", task)}"' in html
    assert f'action="{_fix("owner", task)}"' in html  # works without JavaScript too


def test_the_dashboard_is_the_home_page_after_sign_in(client, member):
    response = client.post(
        reverse("login"),
        {"username": "member", "password": "correct horse battery staple"},
    )
    assert response.url == DASHBOARD


def test_the_htmx_branch_returns_only_the_dashboard_fragment(member_client, htmx_headers):
    _helped()
    response = member_client.get(DASHBOARD, {"stage": ""}, **htmx_headers)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard"')
    assert "<html" not in html
    assert "Promo code setup and QA" in html
    assert response.headers["Vary"].count("HX-Request") == 1


def _map(size):
    team_a, team_b = TeamFactory(), TeamFactory()
    for n in range(size):
        task = TaskFactory(name=f"Task {n}", definition_of_done="ok", rhythm="")
        assign(task=task, person=PersonFactory(team=team_a), role=Role.CONTRIBUTOR, by=None)
        if n % 2:
            assign_owner(task=task, person=PersonFactory(team=team_b), by=None)


@pytest.mark.parametrize("size", [2, 25])
def test_the_dashboard_takes_the_same_queries_whatever_the_maps_size(
    client, ops_lead, size, django_assert_num_queries
):
    _map(size)
    client.force_login(ops_lead)
    # session, user with permissions, the user's person (header); stages, teams, metrics; the gap
    # report; the rows shown; the unanswered questions and the handovers pending (an ops
    # lead's cards: none pending here); and, as some tasks have nobody acting, who answers for
    # them: their people, the map's version and the stages' team leads (cached on it), the ops
    # leads' default (ownership/answerer.py)
    with django_assert_num_queries(14):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["board"].report.task_count == size


def test_the_dashboard_filters_by_stage_and_team(member_client):
    fulfilment = Stage.objects.get(slug="fulfilment")
    warehouse = TeamFactory(name="Warehouse", slug="warehouse")
    _helped(name="Inventory sync", stage=fulfilment)
    goods_in = _helped(name="Goods-in")
    assign(task=goods_in, person=PersonFactory(team=warehouse), role=Role.INFORMED, by=None)
    by_stage = member_client.get(DASHBOARD, {"stage": "fulfilment"}).content.decode()
    assert "Inventory sync" in by_stage
    assert "Goods-in" not in by_stage
    by_team = member_client.get(DASHBOARD, {"team": "warehouse"}).content.decode()
    assert "Goods-in" in by_team
    assert "Inventory sync" not in by_team


def test_unknown_filters_are_ignored(member_client):
    _helped()
    response = member_client.get(DASHBOARD, {"stage": "<x>", "team": "nope", "rule": "bad"})
    assert response.status_code == 200
    assert "Promo code setup and QA" in response.content.decode()


def test_a_rule_shows_the_first_ten_then_all_of_them_a_page_at_a_time(member_client):
    for n in range(12):
        TaskFactory(name=f"Unowned {n:02}")
    first = member_client.get(DASHBOARD).content.decode()
    assert "Unowned 09" in first
    assert "Unowned 10" not in first
    assert "Show all 12" in first
    all_of_them = member_client.get(DASHBOARD, {"rule": "no_owner"})
    section = all_of_them.context["board"].sections
    assert [s.rule.code for s in section] == ["no_owner"]
    assert len(section[0].rows) == 12


def test_an_empty_map_says_so(member_client):
    html = member_client.get(DASHBOARD).content.decode()
    assert "No gaps." in html
    assert "There are no active tasks yet." in html


# --- The fix in place --------------------------------------------------------------------------


def test_picking_an_owner_removes_the_row_and_updates_the_counts_in_one_response(
    client, ops_lead, htmx_headers
):
    task = _helped()
    still = _helped(name="Shipping promise consistency")
    irene = PersonFactory(name="Irene Costa", email="irene@example.com")
    client.force_login(ops_lead)
    response = client.post(
        _fix("owner", task),
        {
            "person": "Irene Costa <irene@example.com>",
            "fix_id": f"fix-{task.pk}-contributors_no_owner",
        },
        **htmx_headers,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="dashboard"')
    assert "Irene Costa now owns “Promo code setup and QA”." in html
    assert 'id="count-contributors_no_owner">1<' in html
    assert f'id="row-contributors_no_owner-{task.pk}"' not in html
    assert f'id="row-contributors_no_owner-{still.pk}"' in html
    owner = Assignment.objects.get(task=task, role=Role.OWNER)
    assert owner.person == irene
    assert owner.history.get().history_user == ops_lead


def test_without_javascript_a_fix_redirects_back_to_the_filtered_dashboard(client, manager):
    task = _helped()
    PersonFactory(name="Irene Costa")
    client.force_login(manager)
    response = client.post(
        _fix("owner", task),
        {
            "person": "irene costa",
            "fix_id": f"fix-{task.pk}-contributors_no_owner",
            "stage": "discover",
        },
    )
    assert response.status_code == 302
    assert response.url == f"{DASHBOARD}?stage=discover"
    assert Assignment.objects.get(task=task, role=Role.OWNER).person.name == "Irene Costa"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field is required."),
        ("Nobody Here", "Nobody in the map is called “Nobody Here”."),
        ("ghost@example.com", "Nobody in the map has the email address ghost@example.com."),
        ("Tom Reyes", "Tom Reyes left on"),
    ],
)
def test_a_person_who_cannot_own_it_is_refused_where_it_was_typed(
    client, ops_lead, htmx_headers, typed, message
):
    task = _helped()
    PersonFactory(name="Tom Reyes", departed_on=timezone.localdate() - datetime.timedelta(days=3))
    client.force_login(ops_lead)
    response = client.post(
        _fix("owner", task),
        {"person": typed, "fix_id": f"fix-{task.pk}-contributors_no_owner-owner"},
        **htmx_headers,
    )
    html = response.content.decode()
    form_id = f"fix-{task.pk}-contributors_no_owner-owner"
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == f"#{form_id}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert html.lstrip().startswith(f'<form id="{form_id}"')
    assert message in html
    assert f'value="{typed}"' in html if typed else 'name="person"' in html
    assert not Assignment.objects.filter(task=task, role=Role.OWNER).exists()


def test_two_people_with_one_name_need_the_email(client, ops_lead):
    task = _helped()
    PersonFactory(name="Sam Carter", email="sam.c@example.com")
    PersonFactory(name="Sam Carter", email="sam.k@example.com")
    client.force_login(ops_lead)
    response = client.post(
        _fix("owner", task), {"person": "Sam Carter", "fix_id": f"fix-{task.pk}-no_owner"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "More than one person is called Sam Carter" in html
    assert "sam.k@example.com" in html
    assert not Assignment.objects.filter(task=task, role=Role.OWNER).exists()


def test_the_owner_cannot_also_be_the_backup(client, ops_lead, htmx_headers):
    task = TaskFactory()
    owner = PersonFactory(name="Mark Jensen", email="mark@example.com")
    assign_owner(task=task, person=owner, by=None)
    client.force_login(ops_lead)
    response = client.post(
        _fix("backup", task),
        {"person": "mark@example.com", "fix_id": f"fix-{task.pk}-no_backup"},
        **htmx_headers,
    )
    assert "already the owner" in response.content.decode()
    assert not Assignment.objects.filter(task=task, role=Role.BACKUP).exists()


def test_setting_a_backup_clears_the_no_backup_flag(client, ops_lead, htmx_headers):
    task = TaskFactory(name="Inventory sync")
    assign_owner(task=task, person=PersonFactory(), by=None)
    PersonFactory(name="Kofi Mensah")
    client.force_login(ops_lead)
    response = client.post(
        _fix("backup", task),
        {"person": "Kofi Mensah", "fix_id": f"fix-{task.pk}-no_backup"},
        **htmx_headers,
    )
    html = response.content.decode()
    assert "Kofi Mensah is now the backup for “Inventory sync”." in html
    assert "No gaps." in html


def test_keeping_an_owner_who_changed_role_clears_the_flag(client, ops_lead, htmx_headers):
    task = TaskFactory(name="Catalog attributes")
    daniel = PersonFactory(name="Daniel Kim")
    assign_owner(task=task, person=daniel, by=None)
    assign_backup(task=task, person=PersonFactory(), by=None)
    Assignment.objects.filter(person=daniel).update(
        confirmed_at=timezone.now() - datetime.timedelta(days=30)
    )
    daniel.role_changed_at = timezone.now() - datetime.timedelta(days=1)
    daniel.save()
    client.force_login(ops_lead)
    page = client.get(DASHBOARD).content.decode()
    assert "Keep Daniel Kim as owner" in page
    response = client.post(
        _fix("confirm_owner", task), {"fix_id": f"fix-{task.pk}-owner_departed"}, **htmx_headers
    )
    assert "Daniel Kim stays the owner of “Catalog attributes”." in response.content.decode()
    assert 'id="count-owner_departed">0<' in response.content.decode()


def test_a_clear_definition_of_done_clears_the_vague_flag(client, ops_lead, htmx_headers):
    task = TaskFactory(name="Size guide", definition_of_done="check it")
    client.force_login(ops_lead)
    response = client.post(
        _fix("done", task),
        {
            "definition_of_done": "Size charts match the supplier spec sheet for every new style",
            "version": task.version,
            "fix_id": f"fix-{task.pk}-vague_done",
        },
        **htmx_headers,
    )
    assert 'id="count-vague_done">0<' in response.content.decode()
    task.refresh_from_db()
    assert task.definition_of_done.startswith("Size charts match")
    assert task.version == 2


def test_a_stale_definition_of_done_is_refused_with_what_changed_and_the_typing_kept(
    client, ops_lead, manager, htmx_headers
):
    task = TaskFactory(name="Size guide", definition_of_done="check it")
    opened_at = task.version
    update_task(
        task=task, by=manager, definition_of_done="Every size chart reviewed monthly\nLog kept"
    )
    client.force_login(ops_lead)
    typed = "Size charts match the supplier spec sheet"
    response = client.post(
        _fix("done", task),
        {"definition_of_done": typed, "version": opened_at, "fix_id": f"fix-{task.pk}-vague_done"},
        **htmx_headers,
    )
    html = response.content.decode()
    assert "Someone else changed this task while you were typing" in html
    # Their checklist's lines stay apart in the sentence.
    assert "“Every size chart reviewed monthly / Log kept”" in html
    assert typed in html
    assert 'name="version" value="2"' in html  # saving again replaces theirs, knowingly
    task.refresh_from_db()
    assert task.definition_of_done == "Every size chart reviewed monthly\nLog kept"


def test_setting_a_rhythm_clears_the_no_rhythm_flag(client, ops_lead, htmx_headers):
    task = TaskFactory(name="Budget", rhythm="")
    client.force_login(ops_lead)
    response = client.post(
        _fix("rhythm", task),
        {"rhythm": "quarterly", "version": task.version, "fix_id": f"fix-{task.pk}-no_rhythm"},
        **htmx_headers,
    )
    assert "“Budget” now falls due quarterly." in response.content.decode()
    assert Task.objects.get(pk=task.pk).rhythm == "quarterly"


@pytest.mark.parametrize("kind", ["owner", "backup", "confirm_owner", "done", "rhythm"])
def test_members_and_outsiders_cannot_fix_anything(client, member, outsider, kind):
    task = _helped()
    PersonFactory(name="Irene Costa")
    data = {"person": "Irene Costa", "definition_of_done": "x y z w", "rhythm": "daily"}
    for user in (member, outsider):
        client.force_login(user)
        assert client.post(_fix(kind, task), {**data, "version": 1}).status_code == 403
    client.logout()
    assert client.post(_fix(kind, task), data).status_code == 302
    task.refresh_from_db()
    assert task.version == 1
    assert not Assignment.objects.filter(task=task, role__in=[Role.OWNER, Role.BACKUP]).exists()


def test_a_fix_only_accepts_post(client, ops_lead):
    client.force_login(ops_lead)
    assert client.get(_fix("owner", _helped())).status_code == 405


def test_a_fix_on_a_retired_task_is_not_found(client, ops_lead):
    task = _helped()
    update_task(task=task, by=None, is_active=False)
    client.force_login(ops_lead)
    assert client.post(_fix("owner", task), {"person": "x"}).status_code == 404


# --- The people type-ahead ---------------------------------------------------------------------


def test_the_type_ahead_offers_people_still_here(member_client):
    PersonFactory(name="Irene Costa", email="irene@example.com", title="Analyst")
    PersonFactory(name="Irena Gone", departed_on=timezone.localdate())
    response = member_client.get(reverse("ownership:people_suggest"), {"person": "iren"})
    html = response.content.decode()
    assert '<option value="Irene Costa &lt;irene@example.com&gt;">Analyst' in html
    assert "Irena Gone" not in html


def test_the_type_ahead_needs_two_characters_and_a_group(client, member, outsider):
    PersonFactory(name="Irene Costa")
    client.force_login(member)
    assert client.get(reverse("ownership:people_suggest"), {"person": "i"}).content.strip() == b""
    client.force_login(outsider)
    assert client.get(reverse("ownership:people_suggest"), {"person": "ir"}).status_code == 403


def test_a_stale_fix_merges_with_an_edit_to_another_field(client, ops_lead, manager, htmx_headers):
    task = TaskFactory(name="Size guide", definition_of_done="check it", rhythm="")
    opened_at = task.version
    update_task(task=task, by=manager, rhythm="monthly on the 1st")
    client.force_login(ops_lead)
    typed = "Size charts match the supplier spec sheet for every new style"
    response = client.post(
        _fix("done", task), {"definition_of_done": typed, "version": opened_at}, **htmx_headers
    )
    assert "Someone else changed" not in response.content.decode()
    task.refresh_from_db()
    assert (task.definition_of_done, task.rhythm) == (typed, "monthly on the 1st")


def test_a_flagged_task_nobody_acts_for_says_who_answers_for_it(client, ops_lead):
    task = TaskFactory(name="Promo code setup and QA")
    assign(task=task, person=PersonFactory(name="Esme Escalation"), role=Role.ESCALATION, by=None)
    client.force_login(ops_lead)
    html = client.get(DASHBOARD).content.decode()
    row = html[html.index('id="row-no_owner-') :]
    row = row[: row.index("</tr>")]
    assert "Esme Escalation answers for it" in row
    assert "(escalation contact)" in row


def test_a_task_with_many_helpers_names_the_first_few(client, ops_lead):
    task = TaskFactory(name="Returns triage", criticality="critical")
    for letter in "ABCDEFG":
        assign(
            task=task, person=PersonFactory(name=f"{letter} Helper"), role=Role.CONTRIBUTOR, by=None
        )
    client.force_login(ops_lead)
    html = client.get(DASHBOARD).content.decode()
    assert (
        "7 people help (A Helper, B Helper, C Helper, D Helper, E Helper and 2 more); "
        "nobody is accountable."
    ) in html
