"""Metrics through their pages: a value recorded with a confirmation or from the task's page,
refused at the field when it cannot be one; the task's trend; the dashboard's rule; the map's
filter; the metrics' own pages and the import of a sheet of values."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.models import Person
from tasks_registry.metrics import record_value, update_metric
from tasks_registry.models import Completion, Metric, MetricValue
from tests.conftest import _member_of
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def refund_delay():
    return Metric.objects.get(name="Refund delay")


@pytest.fixture
def refunds(member, refund_delay):
    """A task the member owns, due daily, protecting the refund delay."""
    task = TaskFactory(
        name="Refund processing", rhythm="daily", definition_of_done="", metric=refund_delay
    )
    assign_owner(task=task, person=Person.objects.get(user=member), by=None)
    assign_backup(task=task, person=PersonFactory(), by=None)
    return task


def _days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def _points(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-day="([\d-]+)" data-value="([\d.]+)"', html)


def test_a_value_recorded_with_a_confirmation_is_kept_and_off_target_raises_the_gap(
    client, member, refunds, refund_delay
):
    client.force_login(member)
    response = client.post(
        reverse("ownership:completion_create", args=[refunds.slug]),
        {"due_on": TODAY.isoformat(), "metric_value": "4.5", "next": "task"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Refund delay: 4.5 days recorded." in response.content.decode()
    value = MetricValue.objects.get()
    assert (value.value, value.via, value.task, value.recorded_by) == (
        Decimal("4.5"),
        MetricValue.Via.CONFIRMATION,
        refunds,
        member,
    )
    assert Completion.objects.filter(task=refunds, due_on=TODAY).exists()
    dashboard = client.get(reverse("ownership:dashboard")).content.decode()
    assert 'id="count-metric_off_target">1<' in dashboard
    assert "Refund delay was 4.5 days on" in dashboard


def test_a_confirmation_with_a_value_that_cannot_be_one_is_refused_whole_at_the_field(
    client, member, refunds, htmx_headers
):
    client.force_login(member)
    response = client.post(
        reverse("ownership:completion_create", args=[refunds.slug]),
        {"due_on": TODAY.isoformat(), "metric_value": "-2", "next": "task"},
        **htmx_headers,
    )
    html = response.content.decode()
    assert re.search(
        r'name="metric_value"[^>]*value="-2"[^>]*aria-invalid="true"[^>]*>\s*'
        r'<small class="error"[^>]*>A time cannot be negative.</small>',
        html,
    )
    assert not Completion.objects.exists()
    assert not MetricValue.objects.exists()


def test_the_task_page_draws_the_values_against_the_target_and_the_owner_records_one(
    client, member, refunds, refund_delay, htmx_headers
):
    for days, value in [(20, "2"), (13, "2.5"), (6, "3.5")]:
        record_value(
            metric=refund_delay, value=Decimal(value), on=_days_ago(days), by=member, via="page"
        )
    client.force_login(member)
    html = client.get(refunds.get_absolute_url()).content.decode()
    assert _points(html) == [
        (_days_ago(20).isoformat(), "2"),
        (_days_ago(13).isoformat(), "2.5"),
        (_days_ago(6).isoformat(), "3.5"),
    ]
    assert 'data-target="3.000"' in html
    assert 'class="target-line"' in html
    assert "Latest: <strong>3.5 days</strong>" in html
    url = reverse("ownership:metric_value_record", args=[refunds.slug])
    assert f'action="{url}"' in html

    response = client.post(url, {"value": "2", "on": ""}, **htmx_headers)
    answer = response.content.decode()
    assert answer.lstrip().startswith('<div id="task-metric"')
    assert "Refund delay: 2 days recorded for" in answer
    assert len(_points(answer)) == 4
    # The gaps, swapped out of band, no longer say it is off target.
    assert 'id="task-gaps" data-hx-swap-oob="true"' in answer
    assert "Metric off target" not in answer
    assert MetricValue.objects.latest("recorded_at").via == MetricValue.Via.PAGE


def test_a_value_typed_wrong_on_the_task_page_is_refused_at_its_field(
    client, member, refunds, htmx_headers
):
    client.force_login(member)
    url = reverse("ownership:metric_value_record", args=[refunds.slug])
    html = client.post(url, {"value": "two days"}, **htmx_headers).content.decode()
    assert 'aria-invalid="true"' in html
    assert "Enter a number, like 98.5." in html
    assert 'value="two days"' in html
    html = client.post(
        url, {"value": "2", "on": _days_ago(-2).isoformat()}, **htmx_headers
    ).content.decode()
    assert "A value is recorded for a day that has come." in html
    assert not MetricValue.objects.exists()


def test_only_the_owner_backup_or_an_ops_lead_records_a_tasks_value(client, refunds, ops_lead):
    url = reverse("ownership:metric_value_record", args=[refunds.slug])
    client.force_login(_member_of("Members", "other", "Omar Other"))
    assert client.post(url, {"value": "2"}).status_code == 403
    assert "metric-record" not in client.get(refunds.get_absolute_url()).content.decode()
    client.force_login(ops_lead)
    assert client.post(url, {"value": "2"}).status_code == 302
    no_metric = TaskFactory(name="Size guide")
    url = reverse("ownership:metric_value_record", args=[no_metric.slug])
    assert client.post(url, {"value": "2"}).status_code == 404


def test_the_map_is_filtered_by_metric(member_client, refunds, refund_delay):
    TaskFactory(name="Size guide")
    html = member_client.get(
        reverse("ownership:map_by_stage"), {"metric": refund_delay.pk}
    ).content.decode()
    assert "Refund processing" in html
    assert "Size guide" not in html
    assert "protecting Refund delay" in html
    assert f'<option value="{refund_delay.pk}" selected>Refund delay</option>' in html
    # Only the stage with its tasks: the others' empty columns would push it out of sight.
    assert re.findall(r'<h2 id="stage-([\w-]+)"', html) == [refunds.stage.slug]
    # A stale bookmark's unknown metric shows the whole map.
    html = member_client.get(reverse("ownership:map_by_stage"), {"metric": "999"}).content.decode()
    assert "Size guide" in html


def test_the_metrics_page_lists_each_with_its_latest_value_in_the_same_queries(
    member_client, refunds, refund_delay, member, django_assert_num_queries
):
    record_value(metric=refund_delay, value=Decimal(5), by=member, via="page")
    url = reverse("tasks_registry:metric_list")
    # session, user with permissions, person (header); the metrics with their task counts
    with django_assert_num_queries(4):
        html = member_client.get(url).content.decode()
    assert re.search(
        r"Refund delay</a>.*?At most 3 days.*?5 days.*?off target.*?1 task", html, re.S
    )
    for n in range(5):
        Metric.objects.create(name=f"Extra {n}", unit="count", direction="lower")
    with django_assert_num_queries(4):
        html = member_client.get(url).content.decode()
    assert "Extra 4" in html


def test_an_ops_lead_adds_a_metric_and_a_target_out_of_range_is_refused_at_the_field(
    client, ops_lead
):
    client.force_login(ops_lead)
    url = reverse("tasks_registry:metric_create")
    data = {"name": "Uptime", "unit": "percent", "direction": "higher", "target": "100.5"}
    html = client.post(url, data).content.decode()
    assert re.search(r'id="id_target_error">A percentage is at most 100.<', html)
    assert not Metric.objects.filter(name="Uptime").exists()
    response = client.post(url, {**data, "target": "99.9"})
    uptime = Metric.objects.get(name="Uptime")
    assert response.url == uptime.get_absolute_url()
    assert uptime.target == Decimal("99.9")


def test_a_metric_saved_by_someone_else_meanwhile_is_not_overwritten_silently(
    client, ops_lead, manager, refund_delay
):
    client.force_login(ops_lead)
    url = reverse("tasks_registry:metric_edit", args=[refund_delay.pk])
    form = {"name": "Refund delay", "unit": "days", "direction": "lower", "target": "2"}
    update_metric(metric=refund_delay, by=manager, target=Decimal(4))
    response = client.post(url, {**form, "version": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this metric while you were editing it." in html
    assert 'name="target" value="2"' in html
    refund_delay.refresh_from_db()
    assert refund_delay.target == Decimal(4)
    # Saved again, knowingly.
    assert client.post(url, {**form, "version": "2"}).status_code == 302
    refund_delay.refresh_from_db()
    assert refund_delay.target == Decimal(2)


def _upload(text: str, name: str = "values.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_a_sheet_of_values_is_imported_and_one_with_problems_records_nothing(
    client, ops_lead, refund_delay
):
    client.force_login(ops_lead)
    url = reverse("tasks_registry:metric_values_import")
    bad = f"date,metric,value\n{_days_ago(1)},Refund delay,3\n{_days_ago(2)},Refund delay,-1\n"
    response = client.post(url, {"file": _upload(bad)})
    assert response.status_code == 422
    assert "Row 3: Refund delay: A time cannot be negative." in response.content.decode()
    assert not MetricValue.objects.exists()
    good = f"date,metric,value\n{_days_ago(1)},Refund delay,3\n{_days_ago(2)},Refund delay,1\n"
    response = client.post(url, {"file": _upload(good)}, follow=True)
    assert "2 values recorded." in response.content.decode()
    response = client.post(url, {"file": _upload(good)}, follow=True)
    assert "0 values recorded; 2 were recorded already" in response.content.decode()
    assert MetricValue.objects.count() == 2


def test_a_file_that_is_not_text_is_refused_at_the_field(client, ops_lead):
    client.force_login(ops_lead)
    url = reverse("tasks_registry:metric_values_import")
    upload = SimpleUploadedFile(
        "values.xlsx", b"PK\x03\x04\x00\x00binary", content_type="application/zip"
    )
    html = client.post(url, {"file": upload}).content.decode()
    assert "This file is not text: save the sheet as CSV and try again." in html


def test_the_task_form_names_a_metric_from_the_list(client, ops_lead, refund_delay):
    task = TaskFactory(name="Refund processing")
    client.force_login(ops_lead)
    url = reverse("ownership:task_edit", args=[task.slug])
    html = client.get(url).content.decode()
    assert f'<option value="{refund_delay.pk}">Refund delay</option>' in html
