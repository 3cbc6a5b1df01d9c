"""The sweep makes what is due exist, once: quarterly and post-campaign sessions with their
items, and reminders — across quarter boundaries, business days and weeks of silence."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.gap_rules import NO_BACKUP, NO_OWNER, OVERDUE, gap_report
from reviews import notify, scheduling
from reviews.models import (
    GapBaseline,
    ItemReason,
    Notice,
    NoticeKind,
    ReviewItem,
    ReviewKind,
    ReviewSession,
)
from tasks_registry import due
from tasks_registry.completions import skip_occurrences
from tasks_registry.models import Campaign, Criticality, Stage
from tests.factories import CampaignFactory, PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


def sweep_json(now: str) -> dict:
    """What a sweep at `now` made, as the command prints it (the command itself refuses a
    moment later than the clock: tests/reviews/test_sweep_dry_run.py)."""
    return scheduling.sweep(at(now)).as_json()["created"]


@pytest.fixture
def tasks(db):
    stages = list(Stage.objects.order_by("order"))
    return [
        TaskFactory(name="Returns notices", stage=stages[-1]),
        TaskFactory(name="Promo code QA", stage=stages[0], criticality=Criticality.CRITICAL),
        TaskFactory(name="Stock sync", stage=stages[1], criticality=Criticality.HIGH),
        TaskFactory(name="Carrier review", stage=stages[0], criticality=Criticality.CRITICAL),
    ]


def test_the_first_sweep_of_a_quarter_makes_its_review_with_every_active_task(tasks, manager):
    TaskFactory(name="Old task", is_active=False)
    created = sweep_json("2026-10-01T06:00")
    assert [s["title"] for s in created["sessions"]] == ["Quarterly review 2026-Q4"]
    session = ReviewSession.objects.get()
    # Tuesday of the quarter's first week (the default weekday).
    assert session.scheduled_for == datetime.date(2026, 10, 6)
    assert session.facilitator.user == manager
    assert created["items"] == 4


def test_items_come_critical_first_then_along_the_customer_journey(tasks):
    scheduling.sweep(at("2026-10-01T06:00"))
    names = list(ReviewItem.objects.order_by("position").values_list("task__name", flat=True))
    assert names == ["Carrier review", "Promo code QA", "Stock sync", "Returns notices"]


def test_each_item_snapshots_the_tasks_gaps_when_the_session_was_made(tasks):
    owner, backup = PersonFactory(), PersonFactory()
    assign_owner(task=tasks[0], person=owner, by=None)
    assign_backup(task=tasks[0], person=backup, by=None)
    scheduling.sweep(at("2026-10-01T06:00"))
    owned = ReviewItem.objects.get(task=tasks[0])
    unowned = ReviewItem.objects.get(task=tasks[1])
    assert NO_OWNER.code not in owned.gaps_snapshot
    assert NO_OWNER.code in unowned.gaps_snapshot
    assert NO_BACKUP.code in unowned.gaps_snapshot


def test_a_second_sweep_makes_nothing_more(tasks, manager):
    first = sweep_json("2026-10-01T06:00")
    again = sweep_json("2026-10-01T06:05")
    later = sweep_json("2026-11-20T06:05")
    assert len(first["sessions"]) == 1
    assert again == {"sessions": [], "items": 0, "reminders": 0}
    assert later["sessions"] == []
    assert ReviewSession.objects.count() == 1


def test_crossing_into_a_new_quarter_makes_that_quarters_review(tasks):
    sweep_json("2026-12-31T23:55")
    created = sweep_json("2027-01-01T00:05")
    assert [s["title"] for s in created["sessions"]] == ["Quarterly review 2027-Q1"]
    assert list(ReviewSession.objects.values_list("period", flat=True).order_by("period")) == [
        "2026-Q4",
        "2027-Q1",
    ]
    q1 = ReviewSession.objects.get(period="2027-Q1")
    assert q1.scheduled_for == datetime.date(2027, 1, 5)  # Tuesday 5 Jan


def test_the_weekday_and_week_are_configurable(tasks, settings):
    settings.OWNERMAP_REVIEW_WEEKDAY = 3  # Thursday
    settings.OWNERMAP_REVIEW_WEEK = 2
    scheduling.sweep(at("2026-07-01T08:00"))
    assert ReviewSession.objects.get().scheduled_for == datetime.date(2026, 7, 9)


def test_a_review_day_on_a_holiday_moves_to_the_next_business_day(tasks, settings):
    settings.OWNERMAP_HOLIDAYS = ["2026-10-06"]
    scheduling.sweep(at("2026-10-01T08:00"))
    assert ReviewSession.objects.get().scheduled_for == datetime.date(2026, 10, 7)


def test_the_configured_facilitator_is_chosen_by_email(tasks, manager, settings):
    chosen = PersonFactory(name="Priya Shah", email="priya@example.com")
    settings.OWNERMAP_REVIEW_FACILITATOR = "PRIYA@example.com"
    scheduling.sweep(at("2026-10-01T08:00"))
    session = ReviewSession.objects.get()
    assert session.facilitator == chosen
    assert chosen in session.participants.all()
    assert manager.person in session.participants.all()


def test_a_campaign_ending_on_a_friday_is_reviewed_two_business_days_later(tasks, manager):
    campaign = CampaignFactory(
        name="Black Friday", starts_at=at("2026-11-23T00:00"), ends_at=at("2026-11-27T18:00")
    )
    sweep_json("2026-11-26T12:00")  # still running: no review yet
    assert not ReviewSession.objects.filter(kind=ReviewKind.POST_CAMPAIGN).exists()
    created = sweep_json("2026-11-27T18:05")
    post = ReviewSession.objects.get(kind=ReviewKind.POST_CAMPAIGN)
    assert [s["title"] for s in created["sessions"]] == [f"Post-campaign review: {campaign}"]
    assert post.scheduled_for == datetime.date(2026, 12, 1)  # Friday + 2 business days: Tuesday
    assert sweep_json("2026-11-28T09:00")["sessions"] == []


def test_a_post_campaign_review_walks_the_campaigns_tasks_and_the_ones_that_gained_a_gap(tasks):
    TaskFactory(name="Sale banner swap", rhythm="on the day each sale starts")
    TaskFactory(name="Drop teaser", rhythm="1 day before each product drop starts")
    steady = TaskFactory(name="Steady task")
    owner, backup = PersonFactory(), PersonFactory()
    for task in (steady, *tasks):
        assign_owner(task=task, person=owner, by=None)
        assign_backup(task=task, person=backup, by=None)
    CampaignFactory(
        name="Winter sale", starts_at=at("2026-12-01T00:00"), ends_at=at("2026-12-04T18:00")
    )
    scheduling.sweep(at("2026-12-02T09:00"))  # running: the baseline is taken
    assert GapBaseline.objects.count() == 1
    # During the sale the backup of "Steady task" leaves: it gains a gap.
    backup_of_steady = steady.assignments.get(role="backup")
    backup_of_steady.person = PersonFactory(departed_on=datetime.date(2026, 12, 3))
    backup_of_steady.save()
    scheduling.sweep(at("2026-12-04T19:00"))
    post = ReviewSession.objects.get(kind=ReviewKind.POST_CAMPAIGN)
    reasons = dict(post.items.values_list("task__name", "reason"))
    assert reasons["Sale banner swap"] == ItemReason.FELL_DUE
    assert reasons["Steady task"] == ItemReason.GAINED_GAP
    assert "Drop teaser" not in reasons


def test_several_weeks_without_a_sweep_are_caught_up_in_one(tasks, manager):
    sweep_json("2026-12-10T09:00")
    CampaignFactory(
        name="Boxing Day", starts_at=at("2026-12-26T00:00"), ends_at=at("2027-01-02T23:00")
    )
    # Nothing runs from 10 December to 20 January.
    created = sweep_json("2027-01-20T09:00")
    titles = sorted(s["title"] for s in created["sessions"])
    assert titles == ["Post-campaign review: Boxing Day", "Quarterly review 2027-Q1"]
    q1 = ReviewSession.objects.get(period="2027-Q1")
    post = ReviewSession.objects.get(kind=ReviewKind.POST_CAMPAIGN)
    # Made late, they are held on the next business day, not on days already gone.
    assert q1.scheduled_for == datetime.date(2027, 1, 20)
    assert post.scheduled_for == datetime.date(2027, 1, 20)
    assert sweep_json("2027-01-20T09:05")["sessions"] == []


def test_a_campaign_long_over_when_first_seen_gets_a_late_review(tasks, settings):
    settings.OWNERMAP_POST_CAMPAIGN_REVIEW_HORIZON_DAYS = 30
    CampaignFactory(starts_at=at("2026-01-01T00:00"), ends_at=at("2026-01-05T00:00"))
    scheduling.sweep(at("2026-10-01T08:00"))
    assert ReviewSession.objects.get(kind=ReviewKind.POST_CAMPAIGN).late is True


def test_a_campaign_known_in_time_whose_review_was_missed_long_ago_gets_none(tasks, settings):
    settings.OWNERMAP_POST_CAMPAIGN_REVIEW_HORIZON_DAYS = 30
    campaign = CampaignFactory(starts_at=at("2026-01-01T00:00"), ends_at=at("2026-01-05T00:00"))
    Campaign.objects.filter(pk=campaign.pk).update(created_at=at("2025-12-01T00:00"))
    scheduling.sweep(at("2026-10-01T08:00"))
    assert not ReviewSession.objects.filter(kind=ReviewKind.POST_CAMPAIGN).exists()


def test_a_review_in_time_is_not_late(tasks):
    CampaignFactory(starts_at=at("2026-01-01T00:00"), ends_at=at("2026-01-05T00:00"))
    Campaign.objects.update(created_at=at("2025-12-01T00:00"))
    scheduling.sweep(at("2026-01-06T08:00"))
    assert ReviewSession.objects.get(kind=ReviewKind.POST_CAMPAIGN).late is False


def test_a_failure_half_way_leaves_no_half_made_session_and_the_next_sweep_makes_it_whole(
    tasks, monkeypatch
):
    real = scheduling.bulk_create_with_history

    def fail(*args, **kwargs):
        real(*args, **kwargs)  # the items are written, then the connection drops
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(scheduling, "bulk_create_with_history", fail)
    with pytest.raises(OperationalError):
        scheduling.sweep(at("2026-10-01T08:00"))
    assert ReviewSession.objects.count() == 0
    assert ReviewItem.objects.count() == 0
    assert ReviewItem.history.count() == 0

    monkeypatch.setattr(scheduling, "bulk_create_with_history", real)
    scheduling.sweep(at("2026-10-01T08:05"))
    assert ReviewSession.objects.get().items.count() == 4


def test_items_are_made_with_history(tasks):
    scheduling.sweep(at("2026-10-01T08:00"))
    assert ReviewItem.history.filter(history_type="+").count() == 4


def test_facilitator_and_participants_are_reminded_once_before_the_session(tasks, manager):
    scheduling.sweep(at("2026-10-01T08:00"))  # session on Tue 6 Oct: not yet in the window
    assert not Notice.objects.filter(kind=NoticeKind.SESSION).exists()
    first = scheduling.sweep(at("2026-10-04T08:00"))
    again = scheduling.sweep(at("2026-10-05T08:00"))
    reminders = Notice.objects.filter(kind=NoticeKind.SESSION)
    assert reminders.count() == 1
    assert reminders.get().person == manager.person
    assert len(first.notices) == 1
    assert again.notices == []


def _daily_since(task, day: datetime.date):
    """Make `task` critical (no grace day) and due every day since `day`."""
    type(task).objects.filter(pk=task.pk).update(
        rhythm="daily", rhythm_set_on=day, criticality=Criticality.CRITICAL
    )
    task.refresh_from_db()
    due.refresh_next_due([task])
    return task


def test_an_overdue_task_gets_one_reminder_however_many_days_are_missed(tasks):
    owner = PersonFactory(name="Sam Lee")
    task = _daily_since(tasks[0], datetime.date(2026, 10, 5))
    assign_owner(task=task, person=owner, by=None)
    made = scheduling.sweep(at("2026-10-12T08:00"))  # 5 Oct to 11 Oct missed: seven days
    scheduling.sweep(at("2026-10-12T14:00"))
    overdue = Notice.objects.filter(kind=NoticeKind.OVERDUE)
    assert overdue.filter(pk__in=made.notices).count() == 1
    # The chain follows the oldest occurrence still open.
    assert list(overdue.values_list("person__name", "due_on")) == [
        ("Sam Lee", datetime.date(2026, 10, 5))
    ]
    [message] = [notify.compose(overdue.get(), today=datetime.date(2026, 10, 12))]
    assert message.subject == "Overdue: Returns notices (7 missed since 5 Oct)"
    # Catching up on most of the backlog sends nothing new that day.
    by = UserFactory()
    skip_occurrences(
        task=task,
        first=datetime.date(2026, 10, 5),
        last=datetime.date(2026, 10, 10),
        by=by,
        reason="Warehouse closed",
        today=datetime.date(2026, 10, 12),
    )
    assert not overdue.filter(pk__in=scheduling.sweep(at("2026-10-12T16:00")).notices)
    # The next day the occurrence left open starts its own chain: still one notice.
    scheduling.sweep(at("2026-10-13T08:00"))
    assert overdue.count() == 2
    assert overdue.order_by("-due_on").first().due_on == datetime.date(2026, 10, 11)


def test_an_owner_who_has_left_is_not_reminded_whoever_answers_for_the_task_is(tasks):
    gone = PersonFactory(name="Gone Gary")
    task = _daily_since(tasks[0], datetime.date(2026, 10, 5))
    assign_owner(task=task, person=gone, by=None)
    assign(task=task, person=PersonFactory(name="Esme Escalation"), role="escalation", by=None)
    gone.departed_on = datetime.date(2026, 10, 8)
    gone.save()
    scheduling.sweep(at("2026-10-12T08:00"))
    [notice] = Notice.objects.filter(kind=NoticeKind.OVERDUE)
    assert notice.person.name == "Esme Escalation"
    message = notify.compose(notice, today=datetime.date(2026, 10, 12))
    assert "Nobody acts for it, so you answer for it until someone does (escalation contact)." in (
        message.body
    )


def test_an_overdue_task_nobody_owns_reaches_the_ops_leads_default(tasks, ops_lead):
    task = _daily_since(tasks[0], datetime.date(2026, 10, 5))
    scheduling.sweep(at("2026-10-12T08:00"))
    [notice] = Notice.objects.filter(kind=NoticeKind.OVERDUE)
    assert (notice.task, notice.person.user) == (task, ops_lead)


def test_the_weekly_digest_goes_once_a_week_to_owners_with_something_due(tasks):
    owner, idle = PersonFactory(name="Sam Lee"), PersonFactory(name="Idle Ida")
    assign_owner(task=tasks[0], person=owner, by=None)
    assign_owner(task=tasks[1], person=idle, by=None)
    tasks[0].next_due_on = datetime.date(2026, 10, 8)
    tasks[0].save(update_fields=["next_due_on"])
    tasks[1].next_due_on = datetime.date(2026, 12, 1)
    tasks[1].save(update_fields=["next_due_on"])
    assert scheduling.weekly_digests(at("2026-10-05T06:55")) == []  # Monday, before 07:00
    assert len(scheduling.weekly_digests(at("2026-10-05T07:00"))) == 1
    assert scheduling.weekly_digests(at("2026-10-05T07:05")) == []
    assert list(Notice.objects.values_list("person__name", flat=True)) == ["Sam Lee"]


def test_a_monday_with_no_sweep_gets_its_digest_from_the_next_sweep_that_week(tasks):
    owner = PersonFactory(name="Sam Lee")
    assign_owner(task=tasks[0], person=owner, by=None)
    tasks[0].next_due_on = datetime.date(2026, 10, 8)
    tasks[0].save(update_fields=["next_due_on"])
    made = scheduling.sweep(at("2026-10-06T15:00"))  # Tuesday afternoon
    scheduling.sweep(at("2026-10-07T09:00"))
    digests = Notice.objects.filter(kind=NoticeKind.DIGEST)
    assert list(digests.values_list("key", flat=True)) == [f"digest:2026-W41:person:{owner.pk}"]
    assert digests.get().pk in made.notices


def test_the_command_refuses_a_moment_it_cannot_read(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not an ISO date"):
        call_command("sweep", "--now", "next tuesday")


def test_the_command_says_what_it_made_in_words(tasks):
    out = StringIO()
    call_command("sweep", "--now", "2026-10-01", "--no-send", stdout=out)
    assert "Made Quarterly review 2026-Q4 for Tue 6 Oct 2026: 4 task(s) to walk." in out.getvalue()


def test_participants_are_who_runs_reviews_or_edits_the_map_by_the_permissions_full_name(
    manager, ops_lead, member
):
    direct = UserFactory(username="direct")
    direct.user_permissions.add(
        Permission.objects.get(codename="change_task", content_type__app_label="tasks_registry")
    )
    PersonFactory(name="Dee Direct", user=direct)
    # Changing people is not editing the map.
    lookalike = UserFactory(username="lookalike")
    lookalike.user_permissions.add(Permission.objects.get(codename="change_person"))
    PersonFactory(name="Lu Lookalike", user=lookalike)
    today = datetime.date(2026, 10, 1)
    assert sorted(p.name for p in scheduling._participants(today)) == [
        "Dee Direct",
        "Mo Manager",
        "Olu Opslead",
    ]
    assert scheduling.facilitator(today).user == manager


def test_over_the_demo_store_no_overdue_task_is_left_without_a_notice(reference_data):
    call_command("seed_demo", stdout=StringIO())
    now = timezone.now()
    scheduling.sweep(now)
    overdue = set(gap_report(on=timezone.localdate(now)).by_rule[OVERDUE])
    noticed = set(Notice.objects.filter(kind=NoticeKind.OVERDUE).values_list("task_id", flat=True))
    assert overdue
    assert overdue <= noticed


def test_a_sessions_tasks_past_a_statements_size_are_ranked_the_same(monkeypatch):
    """A campaign touching more tasks than a statement may name (PostgreSQL takes 65,535
    values) has them picked out of the whole map's order: the same order."""
    stages = list(Stage.objects.order_by("order"))
    made = [
        TaskFactory(name=name, criticality=criticality, stage=stages[at_stage])
        for name, criticality, at_stage in [
            ("b normal late", Criticality.NORMAL, -1),
            ("A normal early", Criticality.NORMAL, 0),
            ("c high", Criticality.HIGH, -1),
            ("d critical", Criticality.CRITICAL, -1),
            ("left out", Criticality.CRITICAL, 0),
        ]
    ]
    wanted = [task.pk for task in made[:4]]
    named = scheduling._ranked(wanted)
    monkeypatch.setattr(scheduling, "RANKED_BY_NAME_MAX", 2)
    assert scheduling._ranked(wanted) == named
    assert named == [made[3].pk, made[2].pk, made[1].pk, made[0].pk]
