"""A campaign's new dates reach its review: one not started moves and is made again (or waits
for the campaign's new end); one under way keeps its items and says the dates changed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import scheduling, session_runner
from reviews.models import Outcome, ReviewKind, ReviewSession
from tasks_registry.campaigns import update_campaign
from tests.factories import CampaignFactory, TaskFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def reviewed_campaign(db):
    TaskFactory(name="Sale banner swap", rhythm="on the day each sale starts")
    now = timezone.now()
    campaign = CampaignFactory(starts_at=now - 10 * DAY, ends_at=now - 5 * DAY)
    scheduling.sweep(now)
    return campaign, ReviewSession.objects.get(kind=ReviewKind.POST_CAMPAIGN)


def test_new_dates_move_a_review_not_started_and_make_its_items_again(reviewed_campaign):
    campaign, session = reviewed_campaign
    item_ids = set(session.items.values_list("pk", flat=True))
    assert item_ids
    update_campaign(campaign=campaign, by=None, ends_at=campaign.ends_at + 2 * DAY)
    session.refresh_from_db()
    assert session.scheduled_for == scheduling._not_before(
        scheduling.post_campaign_review_day(campaign), timezone.localdate()
    )
    remade = set(session.items.values_list("pk", flat=True))
    assert remade
    assert not remade & item_ids
    assert session.history.first().history_change_reason == scheduling.DATES_CHANGED


def test_a_campaign_extended_past_today_takes_its_review_off_until_it_ends(reviewed_campaign):
    campaign, session = reviewed_campaign
    update_campaign(campaign=campaign, by=None, ends_at=timezone.now() + 3 * DAY)
    assert not ReviewSession.objects.filter(pk=session.pk).exists()
    scheduling.sweep(timezone.now() + 4 * DAY)
    remade = ReviewSession.objects.get(kind=ReviewKind.POST_CAMPAIGN, campaign=campaign)
    assert remade.pk != session.pk


def test_a_started_review_keeps_its_items_and_says_the_dates_changed(
    client, manager, reviewed_campaign
):
    campaign, session = reviewed_campaign
    session_runner.start_session(session=session, by=None)
    items = list(session.items.values_list("pk", "outcome"))
    update_campaign(campaign=campaign, by=None, starts_at=campaign.starts_at - DAY)
    session.refresh_from_db()
    assert list(session.items.values_list("pk", "outcome")) == items
    assert session.campaign_changed_at is not None
    client.force_login(manager)
    page = client.get(reverse("reviews:session", args=[session.pk])).content.decode()
    assert (
        "The campaign&#x27;s dates changed on" in page or "The campaign's dates changed on" in page
    )


def test_a_decided_item_counts_as_started(reviewed_campaign):
    campaign, session = reviewed_campaign
    item = session.items.first()
    session_runner.record_outcome(item=item, outcome=Outcome.CONFIRMED, note="", by=None)
    session_runner.pause_session(session=session, by=None)
    update_campaign(campaign=campaign, by=None, ends_at=campaign.ends_at + DAY)
    item.refresh_from_db()
    assert item.outcome == Outcome.CONFIRMED


def test_a_name_change_leaves_the_review_alone(reviewed_campaign):
    campaign, session = reviewed_campaign
    update_campaign(campaign=campaign, by=None, name="Renamed sale")
    session.refresh_from_db()
    assert session.campaign_changed_at is None
    assert session.history.count() == 1


def test_a_late_review_says_so(client, manager):
    TaskFactory(name="Sale banner swap", rhythm="on the day each sale starts")
    now = timezone.now()
    CampaignFactory(starts_at=now - 60 * DAY, ends_at=now - 50 * DAY)
    scheduling.sweep(now)
    session = ReviewSession.objects.get(kind=ReviewKind.POST_CAMPAIGN)
    client.force_login(manager)
    page = client.get(reverse("reviews:session", args=[session.pk])).content.decode()
    assert '<span class="badge badge-warn">late</span>' in page
    assert "came onto the calendar long after it ended" in page
