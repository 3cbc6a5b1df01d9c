"""Who owned a task when: the owner and backup on a past day, and over which dates, read from
the assignments' history; `whoowns --as-of` answers for a past day."""

import datetime
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.models import Assignment, Role
from ownership.time_travel import check_as_of, holders_on, ownership_timeline
from tasks_registry.changes import update_task
from tasks_registry.models import Task
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db
TZ = datetime.UTC


def _on(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=9, tzinfo=TZ)


def _dated(day: str, since: int) -> None:
    """The history rows written since `since` happened on `day`."""
    Assignment.history.filter(history_id__gt=since).update(history_date=_on(day))


def _last() -> int:
    last = Assignment.history.order_by("-history_id").first()
    return last.history_id if last else 0


@pytest.fixture
def handed_over():
    """Nina owned the shipping promise from March, Sam took it over in August; Bo backs up."""
    task = TaskFactory(name="Shipping promise consistency", aliases="delivery promise")
    Task.history.filter(id=task.pk).update(history_date=_on("2026-02-01"))
    nina = PersonFactory(name="Nina Alvarez", email="nina@example.com")
    sam = PersonFactory(name="Sam Okafor", email="sam@example.com")
    before = _last()
    assign_owner(task=task, person=nina, by=None)
    assign_backup(task=task, person=PersonFactory(name="Bo Backup"), by=None)
    _dated("2026-03-02", before)
    before = _last()
    Assignment.objects.get(task=task, role=Role.OWNER).delete()
    assign_owner(task=task, person=sam, by=None)
    _dated("2026-08-12", before)
    return task


def test_the_owner_on_a_day_is_who_held_it_at_its_end(handed_over):
    assert holders_on([handed_over.pk], datetime.date(2026, 3, 1))[handed_over.pk].owner is None
    on = holders_on([handed_over.pk], datetime.date(2026, 8, 11))[handed_over.pk]
    assert (on.owner.name, on.backup.name) == ("Nina Alvarez", "Bo Backup")
    # What changed during a day counts for that day.
    assert holders_on([handed_over.pk], datetime.date(2026, 8, 12))[handed_over.pk].owner.name == (
        "Sam Okafor"
    )


def test_the_timeline_says_who_held_each_role_over_which_dates(handed_over):
    spans = [
        (span.role, span.person_name, f"{span.start:%Y-%m-%d}", span.end and f"{span.end:%Y-%m-%d}")
        for span in ownership_timeline(handed_over)
    ]
    assert spans == [
        (Role.OWNER, "Sam Okafor", "2026-08-12", None),
        (Role.OWNER, "Nina Alvarez", "2026-03-02", "2026-08-12"),
        (Role.BACKUP, "Bo Backup", "2026-03-02", None),
    ]


def test_a_backup_made_owner_ends_one_span_and_starts_the_other():
    task = TaskFactory(name="Returns notices")
    bo = PersonFactory(name="Bo Backup")
    backup = assign_backup(task=task, person=bo, by=None)
    backup.role = Role.OWNER
    backup.save()
    assert [(s.role, s.person_name, s.end is None) for s in ownership_timeline(task)] == [
        (Role.OWNER, "Bo Backup", True),
        (Role.BACKUP, "Bo Backup", False),
    ]


def test_the_task_page_shows_the_timeline(member_client, handed_over):
    html = member_client.get(handed_over.get_absolute_url()).content.decode()
    assert "Owner and backup over time" in html
    assert "<td>Nina Alvarez</td>" not in html  # linked to their page
    assert ">Nina Alvarez</a></td><td>2 Mar 2026</td><td>12 Aug 2026</td>" in html
    assert ">Sam Okafor</a></td><td>12 Aug 2026</td><td>now</td>" in html


def test_whoowns_as_of_a_day_before_the_handover_answers_with_the_old_owner(handed_over):
    out = StringIO()
    call_command("whoowns", "shipping", "promise", "--as-of", "2026-07-01", stdout=out)
    said = out.getvalue()
    assert said.startswith("As it was on 1 Jul 2026:\n1. Shipping promise consistency")
    assert "Owner: Nina Alvarez <nina@example.com>" in said
    out = StringIO()
    call_command("whoowns", "shipping promise", "--as-of", "2026-09-01", "--json", stdout=out)
    [answer] = json.loads(out.getvalue())
    assert (answer["as_of"], answer["owner"]["name"], answer["backup"]["name"]) == (
        "2026-09-01",
        "Sam Okafor",
        "Bo Backup",
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1 July", "--as-of takes a date as 2026-10-01, not “1 July”."),
        (
            "2026-01-15",
            "The map did not exist on 15 Jan 2026: its first task was added on 1 Feb 2026.",
        ),
    ],
)
def test_whoowns_as_of_a_day_it_cannot_read_says_why(handed_over, typed, message):
    with pytest.raises(CommandError) as refused:
        call_command("whoowns", "shipping promise", "--as-of", typed, stdout=StringIO())
    assert str(refused.value) == message


def test_a_day_to_come_is_refused(handed_over):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        check_as_of(tomorrow)
    assert refused.value.message_dict == {
        "as_of": [f"{tomorrow:%-d %b %Y} has not come yet: the map is read as it was."]
    }


def test_the_api_answers_as_it_was_on_a_day(member_client, handed_over):
    url = reverse("ownership:api_whoowns")
    data = member_client.get(url, {"q": "shipping promise", "as_of": "2026-07-01"}).json()
    assert data["as_of"] == "2026-07-01"
    [answer] = data["results"]
    assert (answer["task"], answer["owner"]["name"], answer["backup"]["name"]) == (
        "Shipping promise consistency",
        "Nina Alvarez",
        "Bo Backup",
    )
    assert "acting_owner" not in answer  # who acts today says nothing of then


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("July", "as_of must be a date: 2026-10-01."),
        ("2026-01-15", "The map did not exist on 15 Jan 2026"),
        ("2099-01-01", "1 Jan 2099 has not come yet"),
    ],
)
def test_the_api_refuses_a_day_it_cannot_read(member_client, handed_over, as_of, message):
    response = member_client.get(
        reverse("ownership:api_whoowns"), {"q": "shipping promise", "as_of": as_of}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_the_task_page_as_it_was_on_a_day_is_read_only_and_from_the_history(
    client, ops_lead, handed_over
):
    update_task(task=handed_over, by=ops_lead, name="Delivery promise check", rhythm="daily")
    client.force_login(ops_lead)
    # The old address, as pasted in the incident's thread: the rename keeps the day asked for.
    response = client.get(handed_over.get_absolute_url(), {"as_of": "2026-07-01"}, follow=True)
    assert response.redirect_chain == [("/tasks/delivery-promise-check/?as_of=2026-07-01", 301)]
    html = response.content.decode()
    assert response.status_code == 200
    assert "As it was on 1 Jul 2026</strong>" in html
    assert "<h1>Shipping promise consistency</h1>" in html
    assert "<dt>Owner</dt><dd>Nina Alvarez</dd>" in html
    assert "<dt>Backup</dt><dd>Bo Backup</dd>" in html
    assert "weekly on monday" in html
    # Nothing to edit in the past: the one form that posts is the header's "Sign out".
    assert html.count('method="post"') == 1
    assert 'action="/accounts/logout/"' in html
    assert "/edit" not in html


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("soon", "“soon” is not a date: write it as 2026-10-01."),
        ("2099-01-01", "1 Jan 2099 has not come yet"),
        ("2026-01-20", "The map did not exist on 20 Jan 2026"),
    ],
)
def test_the_task_page_refuses_a_day_it_cannot_show_at_the_date(
    member_client, handed_over, as_of, message
):
    response = member_client.get(handed_over.get_absolute_url(), {"as_of": as_of})
    assert response.status_code == 400
    html = response.content.decode().replace("&#x27;", "'")
    assert 'aria-invalid="true"' in html
    assert message in html


def test_a_task_added_after_the_day_says_when_it_was_added(member_client, handed_over):
    later = TaskFactory(name="Carrier claims")
    Task.history.filter(id=later.pk).update(history_date=_on("2026-05-10"))
    response = member_client.get(later.get_absolute_url(), {"as_of": "2026-04-01"})
    assert response.status_code == 400
    assert "“Carrier claims” was not on the map on 1 Apr 2026; it was added on 10 May 2026." in (
        response.content.decode().replace("&#x27;", "'")
    )


MAP = "/map/"


def test_the_map_as_it_was_lists_the_tasks_of_that_day_with_their_people_then(
    member_client, handed_over
):
    later = TaskFactory(name="Carrier claims")
    Task.history.filter(id=later.pk).update(history_date=_on("2026-09-10"))
    response = member_client.get(MAP, {"as_of": "2026-07-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "As it was on 1 Jul 2026</strong>" in html
    assert (
        f'href="/tasks/{handed_over.slug}/?as_of=2026-07-01">Shipping promise consistency</a>'
        "</td><td>Normal</td><td>Nina Alvarez</td><td>Bo Backup</td>"
    ) in html
    assert "Carrier claims" not in html
    html = member_client.get(MAP, {"as_of": "2026-09-15"}).content.decode()
    assert "<td>Sam Okafor</td>" in html
    assert "Carrier claims" in html
    assert 'method="post"' not in html.replace('method="post" action="/accounts/logout/"', "")


def test_the_map_as_it_was_takes_the_same_statements_whatever_its_size(
    member_client, handed_over, django_assert_num_queries
):
    # session, user, person; the tasks' history, the assignments' history, the people, the
    # tasks' slugs today, the stages; and the map's first day, for the date's check
    with django_assert_num_queries(9):
        member_client.get(MAP, {"as_of": "2026-09-01"})
    for n in range(6):
        assign_owner(task=TaskFactory(name=f"More {n}"), person=PersonFactory(), by=None)
    with django_assert_num_queries(9):
        member_client.get(MAP, {"as_of": timezone.localdate().isoformat()})


def test_the_map_refuses_a_day_it_cannot_show_at_the_date(member_client, handed_over):
    response = member_client.get(MAP, {"as_of": "2026-01-31"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="map-as-of" name="as_of" value="2026-01-31" aria-invalid="true"' in html
    assert "The map did not exist on 31 Jan 2026" in html


def test_the_map_as_it_was_shows_each_stages_first_tasks_and_pages_the_rest(
    member_client, handed_over
):
    stage = handed_over.stage
    for n in range(30):
        TaskFactory(name=f"Listing check {n:02}", stage=stage)
    today = timezone.localdate().isoformat()
    html = member_client.get(MAP, {"as_of": today}).content.decode()
    assert html.count("/?as_of=" + today + '">') == 24
    assert f'stage={stage.slug}">All 31 in {stage.name} →</a>' in html
    page = member_client.get(MAP, {"as_of": today, "stage": stage.slug})
    html = page.content.decode()
    assert page.context["page"].paginator.count == 31
    assert html.count("/?as_of=" + today + '">') == 31
    assert "← Every stage" in html
    # A stage that had no task that day, or none at all, shows every stage.
    html = member_client.get(MAP, {"as_of": today, "stage": "no-such-stage"}).content.decode()
    assert "All 31 in" in html


def test_the_raci_matrix_as_it_was_shows_everyones_part_then(
    member_client, handed_over, django_assert_num_queries
):
    url = reverse("ownership:raci")
    # session, user with permissions, stages, teams, metrics (the filters), the day the map
    # began, the tasks' history, their slugs now, the assignments' history, the people it names,
    # and the reader's person (the header)
    with django_assert_num_queries(11):
        response = member_client.get(url, {"as_of": "2026-08-11"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "As it was on 11 Aug 2026" in html
    assert "Nina Alvarez" in html
    assert "Sam Okafor" not in html
    assert f"/tasks/{handed_over.slug}/?as_of=2026-08-11" in html
    assert "as_of=2026-08-11" in html.split("Download CSV")[0].rsplit("href=", 1)[1]
    now = member_client.get(url).content.decode()
    assert "Sam Okafor" in now
    assert "Nina Alvarez" not in now


def test_the_raci_export_as_it_was_is_the_matrix_of_that_day(member_client, handed_over):
    response = member_client.get(reverse("ownership:raci_csv"), {"as_of": "2026-08-11"})
    assert response.status_code == 200
    assert "ownermap-raci-as-of-2026-08-11.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert "Nina Alvarez" in header
    assert "Sam Okafor" not in header
    assert text.splitlines()[1].startswith("Shipping promise consistency,")
    bad = member_client.get(reverse("ownership:raci_xlsx"), {"as_of": "2026-01-15"})
    assert bad.status_code == 400
    assert "The map did not exist on 15 Jan 2026" in bad.content.decode()


def test_the_raci_matrix_refuses_a_day_it_cannot_show_at_the_date(member_client, handed_over):
    response = member_client.get(reverse("ownership:raci"), {"as_of": "soon"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="raci-as-of-error"' in html
    assert "“soon” is not a date" in html
    assert "Download CSV" not in html
