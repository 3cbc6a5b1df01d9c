import datetime

import pytest
from django.db import IntegrityError, transaction

from tasks_registry.models import Completion, Stage, Task
from tests.factories import CampaignFactory, CompletionFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_the_default_customer_journey_stages_exist_in_order():
    assert list(Stage.objects.values_list("name", flat=True)) == [
        "Discover",
        "Product page",
        "Promotions & pricing",
        "Cart & checkout",
        "Payment",
        "Fulfilment",
        "Delivery",
        "Returns & refunds",
        "Customer service",
        "Catalog & data",
        "Platform & integrations",
        "Finance & vendors",
    ]


def test_a_campaign_cannot_end_before_it_starts():
    campaign = CampaignFactory()
    campaign.ends_at = campaign.starts_at - datetime.timedelta(hours=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        campaign.save()


def test_one_completion_closes_one_due_date():
    completion = CompletionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CompletionFactory(task=completion.task, due_on=completion.due_on)
    assert Completion.objects.count() == 1


def test_task_names_are_unique_ignoring_case_in_the_database():
    TaskFactory(name="Inventory sync", slug="inventory-sync")
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskFactory(name="INVENTORY SYNC", slug="inventory-sync-2")
    assert Task.objects.count() == 1


def test_line_fields_read_as_lists():
    task = TaskFactory.build(
        aliases="discount code\n\n  voucher  \n", systems="ERP\nPIM", definition_of_done="a\nb"
    )
    assert (task.alias_list, task.system_list, task.done_checklist) == (
        ["discount code", "voucher"],
        ["ERP", "PIM"],
        ["a", "b"],
    )
