"""An ops lead reads a metric off target on a task's page and records this week's value there:
refused at its field when it is not a number, then the chart, the gaps and the latest value
change in place, without a page load. A sheet of values with a bad row is refused row by row."""

import re

import pytest
from playwright.sync_api import expect

from reviews import scheduling
from reviews.models import ReviewItem, ReviewKind
from tasks_registry.models import Metric, MetricValue, Task

pytestmark = pytest.mark.browser


def test_a_value_recorded_on_the_task_page_takes_it_back_on_target(
    demo_store, sign_in, live_server, assert_accessible
):
    task = Task.objects.get(slug="refund-processing")
    page = sign_in("opslead", "ownermap-demo")
    page.goto(f"{live_server.url}{task.get_absolute_url()}")
    page.evaluate("window.__same_page = true")
    part = page.locator("#task-metric")
    expect(part.locator("circle")).to_have_count(8)
    expect(part).to_contain_text("Latest: 5 days")
    expect(page.locator("#task-gaps")).to_contain_text("Metric off target.")
    assert_accessible(page, "main")

    box = part.get_by_role("textbox", name="Value")
    box.fill("soon")
    part.get_by_role("button", name="Record").click()
    expect(part.get_by_role("textbox", name="Value")).to_have_attribute("aria-invalid", "true")
    expect(part).to_contain_text("Enter a number, like 98.5.")
    assert not MetricValue.objects.filter(via=MetricValue.Via.PAGE).exists()

    part.get_by_role("textbox", name="Value").fill("2.5")
    part.get_by_role("button", name="Record").click()
    expect(part.get_by_role("status")).to_contain_text("Refund delay: 2.5 days recorded")
    expect(part.locator("circle")).to_have_count(9)
    expect(page.locator("#task-gaps")).not_to_contain_text("Metric off target.")
    assert page.evaluate("window.__same_page") is True
    assert Metric.objects.get(name="Refund delay").off_by is None
    assert_accessible(page, "main")


def test_a_sheet_of_values_with_a_bad_row_is_refused_row_by_row(
    demo_store, sign_in, live_server, assert_accessible, tmp_path
):
    sheet = tmp_path / "values.csv"
    sheet.write_text("date,metric,value\n2026-11-30,Refund delay,2\n2026-11-30,Refund delay,-2\n")
    page = sign_in("opslead", "ownermap-demo")
    page.goto(f"{live_server.url}/metrics/")
    page.get_by_role("button", name="Import values").click()
    page.get_by_label("CSV file").set_input_files(str(sheet))
    page.get_by_role("button", name="Check and import").click()
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("Row 3: Refund delay: A time cannot be negative.")
    assert not MetricValue.objects.filter(via=MetricValue.Via.IMPORT, on="2026-11-30").exists()
    assert_accessible(page, "main")
    expect(page.locator("h1")).to_have_text(re.compile("Import metric values"))


def test_the_review_item_shows_the_metric_since_the_last_review_and_takes_a_value(
    demo_store, sign_in, live_server, assert_accessible
):
    scheduling.sweep()
    task = Task.objects.get(slug="refund-processing")
    item = ReviewItem.objects.get(task=task, session__kind=ReviewKind.QUARTERLY)
    page = sign_in("manager", "ownermap-demo")
    page.goto(f"{live_server.url}/reviews/{item.session_id}/items/{item.pk}/")
    panel = page.locator("#item-panel")
    expect(panel.get_by_role("heading", name="Refund delay over the last quarter")).to_be_visible()
    expect(panel.locator("svg.metric-chart circle")).to_have_count(8)
    assert_accessible(page, "#item-panel")
    panel.get_by_role("textbox", name="Refund delay now").fill("2")
    panel.get_by_role("button", name="Confirmed").click()
    expect(page.locator("#session-progress")).to_contain_text("1 of")
    recorded = MetricValue.objects.get(via=MetricValue.Via.REVIEW)
    assert (recorded.task, str(recorded.value)) == (task, "2.000")
