"""Campaigns: the list, the run sheet, and creating, editing and removing them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from tasks_registry.campaigns import update_campaign
from tasks_registry.models import Campaign, Task
from tests.factories import CampaignFactory, CompletionFactory, PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), timezone.get_current_timezone())


@pytest.fixture
def sale():
    start = timezone.localdate() + datetime.timedelta(days=14)
    return CampaignFactory(
        name="Winter sale",
        slug="winter-sale",
        kind="sale",
        starts_at=_at(start),
        ends_at=_at(start + datetime.timedelta(days=3), 23),
    )


def _campaign_task(name, rhythm, **values):
    task = TaskFactory(name=name, rhythm=rhythm, **values)
    Task.objects.filter(pk=task.pk).update(rhythm_set_on=datetime.date(2026, 1, 1))
    task.refresh_from_db()
    return task


def test_the_run_sheet_lists_every_task_due_around_the_campaign_by_date(member_client, sale):
    start = timezone.localdate(sale.starts_at)
    promo = _campaign_task("Promo code setup and QA", "2 days before each campaign")
    stock = _campaign_task("Campaign stock reconciliation", "1 day after each sale ends")
    _campaign_task("Boot launch page", "5 days before each product drop")  # not a sale
    _campaign_task("Weekly stocktake", "weekly on monday")
    assign_owner(task=promo, person=PersonFactory(name="Priya Nair"), by=None)
    assign_backup(task=promo, person=PersonFactory(name="Sam Carter"), by=None)
    html = member_client.get(sale.get_absolute_url()).content.decode()
    assert html.index("Promo code setup and QA") < html.index("Campaign stock reconciliation")
    assert "Boot launch page" not in html
    assert "Weekly stocktake" not in html
    assert (
        f"{start - datetime.timedelta(days=2):%a} {(start - datetime.timedelta(days=2)).day}"
        in html
    )
    assert "Priya Nair" in html
    assert "Sam Carter" in html
    assert ">nobody<" in html  # the stock reconciliation has no owner
    assert stock.name in html


def test_the_run_sheet_says_which_tasks_are_done(member_client, sale):
    promo = _campaign_task("Promo code setup and QA", "2 days before each campaign")
    day = timezone.localdate(sale.starts_at) - datetime.timedelta(days=2)
    CompletionFactory(task=promo, due_on=day)
    html = member_client.get(sale.get_absolute_url()).content.decode()
    assert 'class="state-done">done, by' in html


def test_the_run_sheet_takes_the_same_queries_whatever_the_number_of_tasks(
    member_client, sale, django_assert_num_queries
):
    for n in range(10):
        task = _campaign_task(f"Campaign task {n}", f"{n} days before each campaign")
        assign_owner(task=task, person=PersonFactory(), by=None)
    # session, user, the campaign, the tasks, their completions, their owners and backups,
    # the header's person
    with django_assert_num_queries(7):
        response = member_client.get(sale.get_absolute_url())
    assert response.status_code == 200


def test_the_list_puts_coming_campaigns_apart_from_past_ones_with_their_task_counts(
    member_client, sale
):
    past = timezone.localdate() - datetime.timedelta(days=40)
    CampaignFactory(
        name="Spring drop", kind="product_drop", starts_at=_at(past), ends_at=_at(past, 18)
    )
    _campaign_task("Promo code setup and QA", "2 days before each campaign")
    _campaign_task("Campaign stock reconciliation", "1 day after each sale ends")
    html = member_client.get(reverse("tasks_registry:campaign_list")).content.decode()
    assert html.index("Winter sale") < html.index("Past") < html.index("Spring drop")
    assert "<td>2</td>" in html  # the sale
    assert "<td>1</td>" in html  # the drop


def test_an_ops_lead_creates_a_campaign_and_the_tasks_around_it_get_due_dates(client, ops_lead):
    promo = _campaign_task("Promo code setup and QA", "2 business days before each campaign")
    client.force_login(ops_lead)
    response = client.post(
        reverse("tasks_registry:campaign_create"),
        {
            "name": "Black Friday",
            "kind": "sale",
            "starts_at": "2026-11-27T00:00",
            "ends_at": "2026-11-30T23:59",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response.url == campaign.get_absolute_url()
    assert campaign.slug == "black-friday"
    assert campaign.history.get().history_user == ops_lead
    promo.refresh_from_db()
    assert promo.next_due_on == datetime.date(2026, 11, 25)


def test_a_campaign_ending_before_it_starts_is_refused_at_its_end(client, ops_lead):
    client.force_login(ops_lead)
    response = client.post(
        reverse("tasks_registry:campaign_create"),
        {
            "name": "Backwards",
            "kind": "sale",
            "starts_at": "2026-12-02T09:00",
            "ends_at": "2026-12-01T09:00",
        },
    )
    assert response.status_code == 200
    assert "A campaign cannot end before it starts." in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_malformed_date_is_refused_with_a_message(client, ops_lead):
    client.force_login(ops_lead)
    response = client.post(
        reverse("tasks_registry:campaign_create"),
        {"name": "Odd", "kind": "sale", "starts_at": "next tuesday", "ends_at": "2026-12-01T09:00"},
    )
    assert "Enter a valid date/time." in response.content.decode()
    assert not Campaign.objects.exists()


def test_moving_a_campaign_moves_the_due_dates_around_it(client, ops_lead, sale):
    stock = _campaign_task("Campaign stock reconciliation", "1 day after each sale ends")
    client.force_login(ops_lead)
    response = client.post(
        reverse("tasks_registry:campaign_edit", kwargs={"slug": sale.slug}),
        {
            "name": "Winter sale",
            "kind": "sale",
            "starts_at": "2027-01-04T09:00",
            "ends_at": "2027-01-10T23:00",
            "version": sale.version,
        },
    )
    assert response.status_code == 302
    stock.refresh_from_db()
    assert stock.next_due_on == datetime.date(2027, 1, 11)


def test_a_stale_campaign_edit_gets_a_conflict_and_keeps_the_typed_input(
    client, ops_lead, manager, sale
):
    update_campaign(campaign=sale, by=manager, name="Winter sale (extended)")
    client.force_login(ops_lead)
    response = client.post(
        reverse("tasks_registry:campaign_edit", kwargs={"slug": sale.slug}),
        {
            "name": "Winter clearance",
            "kind": "sale",
            "starts_at": "2027-01-04T09:00",
            "ends_at": "2027-01-10T23:00",
            "version": 1,
        },
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this campaign while you were editing it." in html
    assert "It now reads: Winter sale (extended)" in html
    assert 'value="Winter clearance"' in html
    assert Campaign.objects.get().name == "Winter sale (extended)"


def test_removing_a_campaign_takes_its_due_dates_away(client, ops_lead, sale):
    stock = _campaign_task("Campaign stock reconciliation", "1 day after each sale ends")
    client.force_login(ops_lead)
    response = client.post(reverse("tasks_registry:campaign_delete", kwargs={"slug": sale.slug}))
    assert response.status_code == 302
    assert not Campaign.objects.exists()
    stock.refresh_from_db()
    assert stock.next_due_on is None


@pytest.mark.parametrize(("cast", "sees_controls"), [("member", False), ("ops_lead", True)])
def test_only_editors_see_the_run_sheets_edit_controls(client, sale, request, cast, sees_controls):
    client.force_login(request.getfixturevalue(cast))
    html = client.get(sale.get_absolute_url()).content.decode()
    edit = reverse("tasks_registry:campaign_edit", kwargs={"slug": sale.slug})
    assert (edit in html) is sees_controls
    assert ("Remove the campaign" in html) is sees_controls


def _stale_form(sale, **changes):
    local = timezone.localtime
    data = {
        "name": sale.name,
        "kind": sale.kind,
        "starts_at": f"{local(sale.starts_at):%Y-%m-%dT%H:%M}",
        "ends_at": f"{local(sale.ends_at):%Y-%m-%dT%H:%M}",
        "description": sale.description,
        "version": sale.version,
    }
    return data | changes


def test_a_stale_campaign_edit_of_other_fields_is_merged(client, ops_lead, manager, sale):
    stale = _stale_form(sale, ends_at=f"{timezone.localtime(sale.ends_at):%Y-%m-%d}T20:00")
    update_campaign(campaign=sale, by=manager, description="Members get early access")
    client.force_login(ops_lead)
    url = reverse("tasks_registry:campaign_edit", kwargs={"slug": sale.slug})
    assert client.post(url, stale).status_code == 302
    saved = Campaign.objects.get()
    assert saved.description == "Members get early access"
    assert timezone.localtime(saved.ends_at).hour == 20
    latest = saved.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"merged with {manager.get_username()}'s edit"


@pytest.mark.parametrize(
    ("choice", "name"), [("yours", "Winter clearance"), ("theirs", "Winter sale (extended)")]
)
def test_a_clashing_campaign_edit_asks_whose_name_stays(
    client, ops_lead, manager, sale, choice, name
):
    stale = _stale_form(sale, name="Winter clearance", description="Last units")
    update_campaign(campaign=sale, by=manager, name="Winter sale (extended)")
    client.force_login(ops_lead)
    url = reverse("tasks_registry:campaign_edit", kwargs={"slug": sale.slug})
    response = client.post(url, stale)
    assert response.status_code == 409
    assert 'id="clash-name"' in response.content.decode()
    assert client.post(url, {**stale, "keep_name": choice}).status_code == 302
    saved = Campaign.objects.get()
    assert (saved.name, saved.description) == (name, "Last units")
