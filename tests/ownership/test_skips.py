"""Missed occurrences grouped per task in My tasks, and skipped with a reason by the owner,
the backup or an ops lead: from My tasks and from the task's page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_owner
from ownership.gap_rules import OVERDUE, gap_report
from ownership.history_in_words import task_history
from ownership.models import Person
from tasks_registry import due
from tasks_registry.models import Completion, Task
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
MY = reverse("ownership:my_tasks")


def _daily(person, *, missed: int, name="Parcel scan check"):
    """A critical daily task (no grace day) whose last `missed` days went unconfirmed."""
    task = TaskFactory(name=name, rhythm="daily", criticality="critical")
    assign_owner(task=task, person=person, by=None)
    Task.objects.filter(pk=task.pk).update(rhythm_set_on=timezone.localdate() - missed * DAY)
    task.refresh_from_db()
    due.refresh_next_due([task])
    task.refresh_from_db()
    return task


def _skip(client, task, first, last, reason="Warehouse closed for stocktake", **headers):
    url = reverse("ownership:completion_skip", kwargs={"slug": task.slug})
    data = {"first": first.isoformat(), "last": last.isoformat(), "reason": reason, "next": "my"}
    return client.post(url, data, **headers)


@pytest.fixture
def mia(member):
    return Person.objects.get(user=member)


def test_a_week_missed_is_one_row_with_its_count_and_one_form_each(member_client, mia):
    today = timezone.localdate()
    task = _daily(mia, missed=31)
    html = member_client.get(MY).content.decode()
    first = today - 31 * DAY
    assert html.count(f'id="missed-{task.pk}"') == 1
    assert f"31 missed since {first.day} {first:%b}" in html
    assert html.count("Skip all 31 with a reason") == 1
    overdue = html[html.index('id="overdue-title"') : html.index('id="due-now-title"')]
    assert (
        overdue.count(f'action="{reverse("ownership:completion_create", args=[task.slug])}"') == 1
    )
    assert overdue.count("<option ") == 31


def test_the_owner_skips_the_backlog_with_a_reason_and_it_is_one_history_entry(
    member_client, mia, htmx_headers
):
    today = timezone.localdate()
    task = _daily(mia, missed=6)
    response = _skip(member_client, task, today - 6 * DAY, today - DAY, **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="my-due">')
    assert "6 occurrences of “Parcel scan check” skipped." in html
    assert "skipped by member: Warehouse closed for stocktake" in html
    assert Completion.objects.filter(task=task).exclude(skip_reason="").count() == 6
    assert gap_report(on=today).by_rule[OVERDUE] == []
    assert Task.objects.get(pk=task.pk).next_due_on == today
    [entry] = [e for e in task_history(task) if "skipped" in e.summary]
    assert entry.summary.startswith("skipped 6 occurrences due ")
    assert entry.reason == "Warehouse closed for stocktake"
    assert entry.user.username == "member"


def test_a_skip_without_a_reason_is_refused_at_its_field(member_client, mia, htmx_headers):
    today = timezone.localdate()
    task = _daily(mia, missed=3)
    response = _skip(member_client, task, today - 3 * DAY, today - DAY, "   ", **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Say why these will not be done" in html
    assert f'id="skip-error-{task.pk}"' in html
    assert '<details class="confirm skip" open>' in html
    assert not Completion.objects.exists()


def test_only_the_days_shown_are_skipped(member_client, mia):
    today = timezone.localdate()
    task = _daily(mia, missed=4)
    _skip(member_client, task, today - 4 * DAY, today - 3 * DAY)
    assert sorted(Completion.objects.values_list("due_on", flat=True)) == [
        today - 4 * DAY,
        today - 3 * DAY,
    ]
    assert [o.due_on for o in due.schedule(task).overdue] == [today - 2 * DAY, today - DAY]


def test_nothing_open_in_the_range_says_so(member_client, mia):
    today = timezone.localdate()
    task = _daily(mia, missed=2)
    response = _skip(member_client, task, today + 3 * DAY, today + 5 * DAY)
    assert "is open between" in response.content.decode()
    assert not Completion.objects.exists()


def test_an_ops_lead_may_skip_a_task_they_do_not_hold_and_a_member_may_not(
    client, ops_lead, member
):
    today = timezone.localdate()
    task = _daily(PersonFactory(name="Sam Lee"), missed=2)
    client.force_login(member)
    assert _skip(client, task, today - 2 * DAY, today - DAY).status_code == 403
    assert not Completion.objects.exists()
    client.force_login(ops_lead)
    page = client.get(task.get_absolute_url()).content.decode()
    assert "Skip all 2 with a reason" in page
    response = client.post(
        reverse("ownership:completion_skip", kwargs={"slug": task.slug}),
        {
            "first": (today - 2 * DAY).isoformat(),
            "last": (today - DAY).isoformat(),
            "reason": "Carrier strike",
            "next": "task",
        },
    )
    assert response.status_code == 302
    assert response.url == task.get_absolute_url()
    assert Completion.objects.filter(skip_reason="Carrier strike").count() == 2


def test_a_skip_can_be_undone_by_its_author_within_a_day(member_client, mia):
    today = timezone.localdate()
    task = _daily(mia, missed=1)
    _skip(member_client, task, today - DAY, today - DAY)
    skip = Completion.objects.get()
    response = member_client.post(
        reverse("ownership:completion_undo", args=[skip.pk]), {"next": "my"}
    )
    assert response.status_code == 302
    assert not Completion.objects.exists()
    assert Task.objects.get(pk=task.pk).next_due_on == today - DAY
    assert any("took back the skip" in e.summary for e in task_history(task))


def test_my_tasks_is_paged_whatever_someone_holds(member_client, mia, django_assert_num_queries):
    for n in range(45):
        _daily(mia, missed=30, name=f"Daily check {n:02d}")
    # As tests/ownership/test_my_tasks_views.py counts them, the attestation periods included.
    with django_assert_num_queries(8):
        first = member_client.get(MY)
    html = first.content.decode()
    assert html.count('id="missed-') == 20
    assert "1\N{EN DASH}20 of 45" in html
    assert "1\N{EN DASH}40 of " in html  # what is coming up, too
    # Ninety-odd daily tasks a month behind made a 3.9 MB page before.
    assert len(first.content) < 400_000  # 222 KB when written
    last = member_client.get(MY, {"missed": 3}, HTTP_HX_REQUEST="true").content.decode()
    assert last.lstrip().startswith('<div id="my-due">')
    assert last.count('id="missed-') == 5
    assert "41\N{EN DASH}45 of 45" in last
    assert "Daily check 44" in last
