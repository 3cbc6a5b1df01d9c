"""Private calendar feeds: made, shown once, valid iCalendar, refused when wrong or revoked."""

import datetime
import re

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from ownership import calendar_feeds
from ownership.assignments import assign_backup, assign_owner
from ownership.calendar_feeds import issue_feed
from ownership.models import CalendarFeed, Person
from tasks_registry.changes import update_task
from tasks_registry.models import Task
from tests.factories import CompletionFactory, PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db

FEEDS = reverse("ownership:calendar_feeds")


def _feed_url(token: str) -> str:
    return reverse("ownership:calendar_feed", kwargs={"token": token})


@pytest.fixture
def mia_tasks(member):
    mia = Person.objects.get(user=member)
    today = timezone.localdate()
    weekly = TaskFactory(name="Weekly stocktake", rhythm=f"weekly on {today:%A}".lower())
    monthly = TaskFactory(name="Month-end close", rhythm="monthly on the last business day")
    other = TaskFactory(name="Someone else's", rhythm="daily")
    assign_owner(task=weekly, person=mia, by=None)
    assign_backup(task=monthly, person=mia, by=None)
    assign_owner(task=other, person=PersonFactory(), by=None)
    Task.objects.update(rhythm_set_on=today - datetime.timedelta(days=14))
    CompletionFactory(task=weekly, due_on=today - datetime.timedelta(days=7))
    return weekly, monthly


def test_a_member_makes_a_feed_and_sees_its_address_once(member_client, member):
    response = member_client.post(FEEDS, {"team": ""})
    html = response.content.decode()
    feed = CalendarFeed.objects.get()
    assert (feed.user, feed.person.user, feed.team) == (member, member, None)
    assert "copy it now, it is not shown again" in html
    [address] = re.findall(r"http://testserver/calendar/cal_[\w-]+\.ics", html)
    again = member_client.get(FEEDS).content.decode()
    assert "http://testserver/calendar/cal_" not in again
    # The end of the address, as a calendar app shows it.
    assert f"<code>…{address[-10:]}</code>" in again


def test_the_feed_is_valid_icalendar_with_one_event_per_occurrence(client, member, mia_tasks):
    weekly, _monthly = mia_tasks
    _feed, token = issue_feed(user=member)
    response = client.get(_feed_url(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    events = calendar.walk("VEVENT")
    summaries = {str(event["SUMMARY"]) for event in events}
    assert summaries >= {"Weekly stocktake", "Done: Weekly stocktake", "Month-end close"}
    assert "Someone else's" not in {s.removeprefix("Done: ") for s in summaries}
    today = timezone.localdate()
    todays = next(
        e for e in events if e.decoded("DTSTART") == today and "stocktake" in str(e["SUMMARY"])
    )
    assert str(todays["UID"]) == f"task-{weekly.pk}-{today:%Y%m%d}@testserver"
    assert todays.decoded("DTEND") == today + datetime.timedelta(days=1)
    assert str(todays["URL"]) == f"http://testserver{weekly.get_absolute_url()}"
    assert all("DTSTAMP" in event for event in events)
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids))


def test_the_same_occurrence_keeps_its_uid_from_one_fetch_to_the_next(client, member, mia_tasks):
    _feed, token = issue_feed(user=member)
    first = {
        str(e["UID"])
        for e in icalendar.Calendar.from_ical(client.get(_feed_url(token)).content).walk("VEVENT")
    }
    second = {
        str(e["UID"])
        for e in icalendar.Calendar.from_ical(client.get(_feed_url(token)).content).walk("VEVENT")
    }
    assert first == second


def test_a_team_feed_carries_what_its_people_own_or_back_up(client, member, mia_tasks):
    team = Person.objects.get(user=member).team
    outsider_team = TeamFactory(name="Elsewhere")
    task = TaskFactory(name="Elsewhere's task", rhythm="daily")
    assign_owner(task=task, person=PersonFactory(team=outsider_team), by=None)
    _feed, token = issue_feed(user=member, team=team)
    events = icalendar.Calendar.from_ical(client.get(_feed_url(token)).content).walk("VEVENT")
    names = {str(e["SUMMARY"]).removeprefix("Done: ") for e in events}
    assert names == {"Weekly stocktake", "Month-end close"}


@pytest.mark.parametrize("token", ["cal_wrong", "nonsense", "cal_" + "x" * 200])
def test_a_wrong_token_is_not_found(client, member, token):
    issue_feed(user=member)
    assert client.get(_feed_url(token)).status_code == 404


def test_a_revoked_feed_stops_working_at_once(member_client, client, member):
    feed, token = issue_feed(user=member)
    assert client.get(_feed_url(token)).status_code == 200
    response = member_client.post(reverse("ownership:calendar_feed_revoke", kwargs={"pk": feed.pk}))
    assert response.status_code == 302
    assert client.get(_feed_url(token)).status_code == 404
    assert "revoked" in member_client.get(FEEDS).content.decode()


def test_a_feed_of_a_deactivated_user_stops_working(client, member):
    _feed, token = issue_feed(user=member)
    member.is_active = False
    member.save()
    assert client.get(_feed_url(token)).status_code == 404


def test_only_its_maker_revokes_a_feed(client, ops_lead, member):
    feed, _token = issue_feed(user=member)
    client.force_login(ops_lead)
    assert (
        client.post(reverse("ownership:calendar_feed_revoke", kwargs={"pk": feed.pk})).status_code
        == 403
    )
    assert CalendarFeed.objects.get().revoked_at is None


def test_a_sign_in_with_no_person_is_told_to_pick_a_team(client):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(username="loose")
    user.groups.add(Group.objects.get(name="Members"))
    client.force_login(user)
    html = client.post(FEEDS, {"team": ""}).content.decode()
    assert "not linked to a person on the map" in html
    assert not CalendarFeed.objects.exists()


def test_the_feed_records_when_it_was_last_read(client, member):
    feed, token = issue_feed(user=member)
    client.get(_feed_url(token))
    feed.refresh_from_db()
    assert feed.last_fetched_at is not None


def test_a_feed_stops_working_when_its_maker_loses_access_to_the_map(client, member, mia_tasks):
    _feed, token = issue_feed(user=member)
    assert client.get(_feed_url(token)).status_code == 200
    member.groups.clear()
    assert client.get(_feed_url(token)).status_code == 404


def test_a_feed_is_built_once_and_again_only_when_the_map_changes(
    client, member, mia_tasks, monkeypatch, django_assert_max_num_queries
):
    _feed, token = issue_feed(user=member)
    built = []
    real = calendar_feeds.calendar
    monkeypatch.setattr(
        calendar_feeds, "calendar", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    first = client.get(_feed_url(token)).content
    with django_assert_max_num_queries(6):  # the feed, its maker's rights, the map's version
        again = client.get(_feed_url(token)).content
    assert (len(built), first == again) == (1, True)
    weekly, _monthly = mia_tasks
    update_task(task=weekly, by=None, name="Weekly stocktake and variances")
    changed = client.get(_feed_url(token)).content.decode()
    assert len(built) == 2
    assert "Weekly stocktake and variances" in changed


def test_a_feed_carries_the_events_nearest_today_and_no_more(client, member):
    mia = Person.objects.get(user=member)
    today = timezone.localdate()
    for n in range(4):
        task = TaskFactory(name=f"Daily check {n}", rhythm="daily")
        assign_owner(task=task, person=mia, by=None)
    Task.objects.update(rhythm_set_on=today - datetime.timedelta(days=60))
    _feed, token = issue_feed(user=member)
    events = icalendar.Calendar.from_ical(client.get(_feed_url(token)).content).walk("VEVENT")
    days = sorted({event.decoded("dtstart") for event in events})
    assert len(events) == calendar_feeds.MAX_EVENTS
    assert days[0] >= today - datetime.timedelta(days=50)  # the nearest past, not the oldest
    assert days[-1] <= today + datetime.timedelta(days=50)
