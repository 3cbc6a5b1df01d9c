"""The change log: every change once across its pages, however many share a moment; filtered
by person, task, team, kind and dates, each refused at its field when it cannot be read; and
the same as a CSV."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ownership.assignments import assign_owner
from ownership.map_changes import ChangeFilters, Cursor, Kind, all_changes, changes_page
from ownership.models import Assignment, Person
from ownership.people_changes import update_person
from tasks_registry.changes import update_task
from tasks_registry.models import Task
from tests.factories import PersonFactory, TaskFactory, TeamFactory, first_stage

pytestmark = pytest.mark.django_db
URL = reverse("ownership:changes")


@pytest.fixture
def log(ops_lead, manager):
    """Twelve tasks added by one import (one moment), each given an owner, and edits."""
    stage = first_stage()
    tasks = bulk_create_with_history(
        [Task(name=f"Imported {n:02}", slug=f"imported-{n:02}", stage=stage) for n in range(12)],
        Task,
        default_user=ops_lead,
    )
    people = [PersonFactory(name=f"Person {n:02}") for n in range(4)]
    for n, task in enumerate(tasks):
        assign_owner(task=task, person=people[n % 4], by=manager)
    update_task(task=tasks[0], by=manager, rhythm="daily")
    update_person(person=people[0], by=ops_lead, title="Lead")
    return tasks, people


def _keys(items) -> list[tuple[str, int]]:
    return [(item.kind, item.history_id) for item in items]


@pytest.mark.parametrize("size", [1, 5, 7, 50])
def test_the_pages_hold_every_change_once_in_order_however_many_share_a_moment(log, size):
    whole = changes_page(ChangeFilters(), size=1000)
    assert whole.following is None
    walked, cursor = [], None
    for _ in range(100):
        page = changes_page(ChangeFilters(), cursor, size=size)
        walked += page.entries
        if page.following is None:
            break
        cursor = page.following
    assert _keys(walked) == _keys(whole.entries)
    assert len(set(_keys(walked))) == len(walked)
    # 12 tasks added, one edited; 12 owners; 6 people added (the ops lead and the manager
    # among them), one changed.
    kinds = [item.kind for item in whole.entries]
    assert (kinds.count(Kind.TASKS), kinds.count(Kind.ROLES), kinds.count(Kind.PEOPLE)) == (
        13,
        12,
        7,
    )


def test_a_cursor_survives_its_link_and_nonsense_starts_at_the_newest():
    when = timezone.now()
    cursor = Cursor(when, Kind.ROLES, 42)
    assert Cursor.parse(str(cursor)) == cursor
    for typed in ["", "yesterday", "2026-01-01~roles~x", "2026-01-01T00:00~roles~1", "a~b~c"]:
        assert Cursor.parse(typed) is None


def test_the_log_is_read_a_page_at_a_time_in_the_same_statements(
    member_client, log, django_assert_num_queries
):
    first = member_client.get(URL)
    following = first.context["following"]
    assert following is not None or len(first.context["entries"]) < 100
    # session, user, person; stages; task records, their earlier versions; assignment
    # records; people records, their earlier versions, teams; the teams to filter by
    with django_assert_num_queries(11):
        member_client.get(URL, {"before": str(Cursor(timezone.now(), Kind.TASKS, 10**9))})


def test_filters_narrow_the_log_to_a_person_a_task_a_team_a_kind_and_days(
    member_client, log, ops_lead
):
    tasks, people = log
    it = TeamFactory(name="IT", slug="it")
    Person.objects.filter(pk=people[1].pk).update(team=it)

    def summaries(**query) -> list[str]:
        response = member_client.get(URL, query)
        assert response.status_code == 200, response.content
        return [entry.summary for entry in response.context["entries"]]

    assert summaries(task=tasks[0].slug) == [
        "edited deadline rhythm",
        f"added {people[0].name} as owner",
        "created the task",
    ]
    # About them (their part in tasks, their record), or made by them.
    assert summaries(person=people[1].email).count(f"added {people[1].name} as owner") == 3
    lead = Person.objects.get(user=ops_lead)
    made = summaries(person=f"{lead.name} <{lead.email}>", kind=Kind.TASKS)
    assert made == ["created the task"] * 12
    assert set(summaries(team="it", kind=Kind.ROLES)) == {f"added {people[1].name} as owner"}
    assert summaries(kind=Kind.PEOPLE)[0] == f"changed {people[0].name}: title"
    today = timezone.localdate()
    assert summaries(since=f"{today + datetime.timedelta(days=1)}") == []
    assert len(summaries(since=f"{today}", until=f"{today}")) == 33  # and the member


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"until": "2026-01-01", "since": "2026-02-01"}, "until", "The last day comes before"),
        ({"person": "nobody@nowhere.example"}, "person", "nobody@nowhere.example"),
        ({"since": "next week"}, "since", "Enter a valid date."),
        ({"task": "no-such-task"}, "task", "No task has that address"),
        ({"kind": "everything"}, "kind", "Select a valid choice."),
    ],
)
def test_a_filter_that_cannot_be_read_is_refused_at_its_field(
    member_client, log, query, field, message
):
    response = member_client.get(URL, query)
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert message.split("“")[0] in response.content.decode().replace("&#x27;", "'")
    assert response.context["entries"] == []
    assert member_client.get(reverse("ownership:changes_csv"), query).status_code == 400


def test_the_csv_has_what_the_page_has_with_formulas_made_harmless(member_client, log, manager):
    task = TaskFactory(name="=HYPERLINK(1)")
    update_task(task=task, by=manager, rhythm="daily")
    response = member_client.get(reverse("ownership:changes_csv"), {"task": task.slug})
    assert response["Content-Disposition"].startswith('attachment; filename="changes-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["When", "Who", "Kind", "About", "What", "Changes", "Why"]
    [edited, created] = rows[1:]
    assert edited[1:5] == [
        "Mo Manager",
        "Tasks' fields",
        "'=HYPERLINK(1)",
        "edited deadline rhythm",
    ]
    assert edited[5] == "deadline rhythm: weekly on monday → daily"
    assert created[4] == "created the task"


def test_every_change_is_in_the_download_up_to_its_limit(log):
    everything = all_changes(ChangeFilters())
    assert len(everything) == 32
    assert len(all_changes(ChangeFilters(), limit=7)) == 7
    assert Assignment.objects.count() == 12


@pytest.mark.parametrize(
    "query",
    [
        {"since": "0001-01-01"},
        {"until": "9999-12-31"},
        {"since": "0001-01-01", "until": "9999-12-31"},
        {"before": "0001-01-01T00:00:00+05:00~tasks~1"},
        {"before": "9999-12-31T23:59:59-05:00~people~1"},
    ],
)
def test_days_at_the_calendars_ends_read_the_whole_log(member_client, log, query):
    response = member_client.get(URL, query)
    assert response.status_code == 200
    assert len(response.context["entries"]) == 33
    assert member_client.get(reverse("ownership:changes_csv"), query).status_code == 200
