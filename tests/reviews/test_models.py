import datetime

import pytest
from django.db import IntegrityError, transaction

from reviews.models import ReviewKind, ReviewSession
from tests.factories import (
    CampaignFactory,
    ReviewItemFactory,
    ReviewSessionFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def test_one_quarterly_review_per_quarter():
    ReviewSessionFactory(period="2026-Q4")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewSessionFactory(period="2026-Q4")
    assert ReviewSession.objects.count() == 1


def test_one_post_campaign_review_per_campaign():
    campaign = CampaignFactory()
    ReviewSessionFactory(kind=ReviewKind.POST_CAMPAIGN, period="", campaign=campaign)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewSessionFactory(kind=ReviewKind.POST_CAMPAIGN, period="", campaign=campaign)
    assert ReviewSession.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "period", "with_campaign"),
    [
        (ReviewKind.QUARTERLY, "2026-Q5", False),
        (ReviewKind.QUARTERLY, "", False),
        (ReviewKind.QUARTERLY, "2026-Q4", True),
        (ReviewKind.POST_CAMPAIGN, "", False),
        (ReviewKind.POST_CAMPAIGN, "2026-Q4", True),
    ],
)
def test_a_session_covers_a_quarter_or_a_campaign(kind, period, with_campaign):
    campaign = CampaignFactory() if with_campaign else None
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewSession.objects.create(
            kind=kind, period=period, campaign=campaign, scheduled_for=datetime.date(2026, 10, 6)
        )
    assert ReviewSession.objects.count() == 0


def test_a_task_appears_once_per_session():
    item = ReviewItemFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewItemFactory(session=item.session, task=item.task)


def test_review_items_are_kept_in_history():
    item = ReviewItemFactory(task=TaskFactory(name="Inventory sync"))
    item.outcome = "confirmed"
    item.save()
    assert list(item.history.order_by("history_id").values_list("outcome", flat=True)) == [
        "pending",
        "confirmed",
    ]
