import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.map import MAP_COLUMN_SIZE, MAP_PAGE_SIZE, RACI_PAGE_SIZE
from ownership.models import Role
from ownership.people_changes import mark_departed
from tasks_registry.changes import update_task
from tasks_registry.models import Stage
from tests.factories import PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _store(size=3):
    warehouse, marketing = TeamFactory(name="Warehouse"), TeamFactory(name="Marketing")
    mark = PersonFactory(name="Mark Jensen", team=warehouse)
    priya = PersonFactory(name="Priya Nair", team=marketing)
    for n in range(size):
        task = TaskFactory(name=f"Stock task {n}", stage=Stage.objects.get(slug="fulfilment"))
        assign_owner(task=task, person=mark, by=None)
        assign(task=task, person=priya, role=Role.CONTRIBUTOR, by=None)
        assign(task=task, person=PersonFactory(team=marketing), role=Role.INFORMED, by=None)
    promo = TaskFactory(name="Promo code QA", stage=Stage.objects.get(slug="promotions-pricing"))
    assign(task=promo, person=priya, role=Role.CONTRIBUTOR, by=None)
    assign(task=promo, person=mark, role=Role.CONSULTED, by=None)
    return warehouse, marketing


def test_the_map_by_stage_puts_each_task_in_its_stages_column_with_its_gaps(member_client):
    _store(size=1)
    response = member_client.get(reverse("ownership:map_by_stage"))
    columns = {
        column.stage.slug: [row.task.name for row, gaps in column.cards]
        for column in response.context["columns"]
    }
    assert columns["fulfilment"] == ["Stock task 0"]
    assert columns["promotions-pricing"] == ["Promo code QA"]
    html = response.content.decode()
    assert "contributors, no owner" in html  # the promo task's gap mark
    assert "nobody owns this" in html


def test_a_card_on_the_map_marks_an_owner_who_left_or_is_away(member_client):
    today = timezone.localdate()
    left, leaver = TaskFactory(name="Left behind"), PersonFactory()
    assign_owner(task=left, person=leaver, by=None)
    mark_departed(person=leaver, on=today, by=None)
    away = TaskFactory(name="Waiting")
    assign_owner(task=away, person=PersonFactory(away_until=today), by=None)
    html = member_client.get(reverse("ownership:map_by_stage")).content.decode()
    assert html.count('">departed</span>') == 1
    assert html.count('">away</span>') == 1


@pytest.mark.parametrize("size", [2, 12])
def test_the_map_by_stage_takes_the_same_queries_whatever_its_size(
    member_client, size, django_assert_num_queries
):
    _store(size)
    # session, user, person; stages, teams, metrics; gap report; each stage's order; cards with
    # owners (2)
    with django_assert_num_queries(10):
        response = member_client.get(reverse("ownership:map_by_stage"))
    assert response.context["count"] == size + 1


def _stage_of(size, *, gaps_from=None):
    """`size` fulfilment tasks, each owned and backed up; from `gaps_from` on, unowned."""
    stage = Stage.objects.get(slug="fulfilment")
    owner, backup = PersonFactory(name="Mark Jensen"), PersonFactory(name="Ana Silva")
    for n in range(size):
        task = TaskFactory(name=f"Stock task {n:03}", stage=stage, criticality="normal")
        if gaps_from is None or n < gaps_from:
            assign_owner(task=task, person=owner, by=None)
            assign_backup(task=task, person=backup, by=None)
    return stage


def test_a_long_stage_shows_its_first_cards_most_wrong_first_and_links_to_the_rest(
    member_client, settings
):
    _stage_of(MAP_COLUMN_SIZE + 6, gaps_from=MAP_COLUMN_SIZE + 4)
    response = member_client.get(reverse("ownership:map_by_stage"))
    column = next(c for c in response.context["columns"] if c.stage.slug == "fulfilment")
    names = [row.task.name for row, gaps in column.cards]
    assert len(names) == MAP_COLUMN_SIZE
    # The two unowned tasks come first, then the rest by name; the last four wait.
    last = MAP_COLUMN_SIZE + 5
    assert names[:3] == [f"Stock task {last - 1:03}", f"Stock task {last:03}", "Stock task 000"]
    assert (column.count, column.more) == (MAP_COLUMN_SIZE + 6, 6)
    html = response.content.decode()
    assert f'<a href="?stage=fulfilment">All {MAP_COLUMN_SIZE + 6} in Fulfilment →</a>' in html
    assert "6 more in Fulfilment: the CSV or Excel download has every task." in html


def test_a_stages_own_page_shows_all_its_cards_a_page_at_a_time(
    member_client, django_assert_num_queries
):
    _stage_of(MAP_PAGE_SIZE + 3)
    TaskFactory(name="Elsewhere", stage=Stage.objects.get(slug="delivery"))
    url = reverse("ownership:map_by_stage")
    # session, user, person; stages, teams, metrics; gap report; the order; cards with owners (2)
    with django_assert_num_queries(10):
        first = member_client.get(url, {"stage": "fulfilment"})
    assert len(first.context["cards"]) == MAP_PAGE_SIZE
    html = first.content.decode()
    assert f"1\N{EN DASH}{MAP_PAGE_SIZE} of {MAP_PAGE_SIZE + 3} tasks" in html
    assert '<a href="?stage=fulfilment&amp;page=2">Next →</a>' in html
    assert "Elsewhere" not in html
    second = member_client.get(url, {"stage": "fulfilment", "page": "2"})
    assert [row.task.name for row, gaps in second.context["cards"]] == [
        f"Stock task {n:03}" for n in range(MAP_PAGE_SIZE, MAP_PAGE_SIZE + 3)
    ]
    # A page past the end, or not a number, shows the nearest page rather than an error.
    assert member_client.get(url, {"stage": "fulfilment", "page": "99"}).status_code == 200
    assert member_client.get(url, {"stage": "fulfilment", "page": "x"}).status_code == 200


def test_the_map_filters_by_team(member_client):
    warehouse, _ = _store(size=1)
    TaskFactory(name="Unrelated")
    response = member_client.get(reverse("ownership:map_by_stage"), {"team": warehouse.slug})
    assert response.context["count"] == 2
    assert "Unrelated" not in response.content.decode()


def test_the_team_page_splits_what_it_owns_from_where_it_helps(member_client):
    warehouse, marketing = _store(size=2)
    response = member_client.get(reverse("ownership:team_detail", kwargs={"slug": marketing.slug}))
    owned = [row.task.name for row, _ in response.context["owned"]]
    involved = [row.task.name for row, _ in response.context["involved"]]
    assert owned == []
    assert involved == ["Promo code QA", "Stock task 0", "Stock task 1"]
    response = member_client.get(reverse("ownership:team_detail", kwargs={"slug": warehouse.slug}))
    assert [row.task.name for row, _ in response.context["owned"]] == [
        "Stock task 0",
        "Stock task 1",
    ]


def test_an_unknown_team_is_not_found(member_client):
    assert (
        member_client.get(reverse("ownership:team_detail", kwargs={"slug": "nope"})).status_code
        == 404
    )


def test_the_raci_matrix_reads_the_assignments(member_client):
    _store(size=1)
    matrix = member_client.get(reverse("ownership:raci")).context["matrix"]
    names = [person.name for person in matrix.people]
    rows = {task.name: dict(zip(names, letters, strict=True)) for task, letters in matrix.rows}
    assert rows["Promo code QA"]["Priya Nair"] == "R"
    assert rows["Promo code QA"]["Mark Jensen"] == "C"
    assert rows["Stock task 0"]["Mark Jensen"] == "A"
    assert rows["Stock task 0"]["Priya Nair"] == "R"
    assert sorted(rows["Stock task 0"].values()).count("I") == 1


def test_the_raci_matrix_takes_the_same_queries_whatever_its_size(
    member_client, django_assert_num_queries
):
    _store(size=10)
    # session, user, person; stages, teams, metrics; count, tasks; assignments
    with django_assert_num_queries(9):
        assert member_client.get(reverse("ownership:raci")).status_code == 200


def test_the_raci_matrix_comes_a_page_of_tasks_at_a_time_with_only_their_people(member_client):
    _stage_of(RACI_PAGE_SIZE + 1)
    late = TaskFactory(name="Zoned returns", stage=Stage.objects.get(slug="returns-refunds"))
    assign_owner(task=late, person=PersonFactory(name="Rosa Late"), by=None)
    url = reverse("ownership:raci")
    first = member_client.get(url)
    assert len(first.context["matrix"].rows) == RACI_PAGE_SIZE
    assert "Rosa Late" not in first.content.decode()
    assert f"1\N{EN DASH}{RACI_PAGE_SIZE} of {RACI_PAGE_SIZE + 2} tasks" in first.content.decode()
    second = member_client.get(url, {"page": "2"}).context["matrix"]
    assert [task.name for task, _ in second.rows] == [
        f"Stock task {RACI_PAGE_SIZE:03}",
        "Zoned returns",
    ]
    assert [person.name for person in second.people] == ["Mark Jensen", "Rosa Late"]
    # The page links keep the filters.
    filtered = member_client.get(url, {"stage": "fulfilment"}).content.decode()
    assert f"1\N{EN DASH}{RACI_PAGE_SIZE} of {RACI_PAGE_SIZE + 1} tasks" in filtered
    assert '<a href="?stage=fulfilment&amp;page=2">Next →</a>' in filtered


def test_the_raci_csv_downloads_with_the_same_letters_and_escapes_formulas(member_client):
    _store(size=1)
    PersonFactory(name="=HYPERLINK(evil)")
    assign(
        task=TaskFactory(name="+Refunds", stage=Stage.objects.get(slug="returns-refunds")),
        person=PersonFactory(name="=SUM(A1)"),
        role=Role.OWNER,
        by=None,
    )
    response = member_client.get(reverse("ownership:raci_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ownermap-raci.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:2] == ["Task", "Stage"]
    assert "'=SUM(A1)" in header
    by_task = {row[0]: dict(zip(header, row, strict=False)) for row in rows[1:] if row}
    assert by_task["Stock task 0"]["Mark Jensen"] == "A"
    assert by_task["'+Refunds"]["'=SUM(A1)"] == "A"
    assert rows[-1][0] == "Legend"


def test_the_raci_csv_follows_the_filters(member_client):
    _store(size=1)
    response = member_client.get(reverse("ownership:raci_csv"), {"stage": "fulfilment"})
    rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    tasks = [row[0] for row in rows if row][1:]
    assert "Stock task 0" in tasks
    assert "Promo code QA" not in tasks


def test_recent_changes_say_who_changed_what_in_words(client, ops_lead, manager):
    task = TaskFactory(name="Returns notices", rhythm="weekly on monday")
    update_task(task=task, by=ops_lead, rhythm="daily")
    assign_backup(task=task, person=PersonFactory(name="Amira Khan"), by=manager)
    client.force_login(ops_lead)
    html = client.get(reverse("ownership:changes")).content.decode()
    assert "<strong>Olu Opslead</strong> edited deadline rhythm" in html
    assert "Deadline rhythm: weekly on monday → daily" in html
    assert "<strong>Mo Manager</strong> added Amira Khan as backup" in html
    assert f'href="{task.get_absolute_url()}">Returns notices</a>' in html


def test_recent_changes_take_the_same_queries_whatever_the_history(
    member_client, django_assert_num_queries
):
    for n in range(8):
        task = TaskFactory(name=f"Task {n}")
        update_task(task=task, by=None, rhythm=f"every {n + 2} days")
        assign_owner(task=task, person=PersonFactory(), by=None)
    # session, user, person; stages; task records; their earlier versions; assignment records;
    # people records, their earlier versions, teams; the teams to filter by
    with django_assert_num_queries(11):
        response = member_client.get(reverse("ownership:changes"))
    assert len(response.context["entries"]) > 20


def test_recent_changes_say_what_changed_about_a_person(client, ops_lead):
    from ownership.people_changes import update_person

    it = TeamFactory(name="IT")
    daniel = PersonFactory(name="Daniel Kim", title="Merchandiser")
    update_person(person=daniel, by=ops_lead, team=it, title="Integration Developer")
    client.force_login(ops_lead)
    html = client.get(reverse("ownership:changes")).content.decode()
    assert "<strong>Olu Opslead</strong> changed Daniel Kim: team, title" in html
    assert "Title: Merchandiser → Integration Developer" in html
    assert "→ IT</li>" in html


def test_the_raci_matrix_groups_its_people_by_team_under_a_team_header(member_client):
    _store(size=1)
    response = member_client.get(reverse("ownership:raci"))
    matrix = response.context["matrix"]
    teams = [person.team.name if person.team else "No team" for person in matrix.people]
    # Each team's people side by side, teams in order, as the header row groups them.
    assert [team for team, _ in matrix.teams] == list(dict.fromkeys(teams))
    assert sum(span for _, span in matrix.teams) == len(matrix.people)
    html = response.content.decode()
    for team, span in matrix.teams:
        assert f'<th scope="colgroup" colspan="{span}">{team}</th>' in html
    assert 'role="region" aria-label="RACI matrix: scrolls both ways' in html
