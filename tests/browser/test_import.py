"""Bringing a map in, in a real browser: a sheet with mistakes, fixed and imported; and a fresh
installation started from the starter map."""

import csv
import io

import pytest
from playwright.sync_api import expect

from ownership.gap_rules import active_tasks_filtered
from ownership.sheets.export import map_table
from ownership.sheets.files import write_csv
from ownership.starter_map import TASKS
from tasks_registry.models import Task
from tests.conftest import _member_of

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("import_jobs_run_now")]

HEADER = ["Task", "Stage", "Owner", "Backup", "Rhythm", "Definition of done"]


def _sheet(path, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def lead(reference_data):
    _member_of("Ops leads", "lead", "Lena Lead")


def test_an_ops_lead_fixes_two_bad_rows_then_imports_the_sheet(lead, sign_in, tmp_path):
    rows = [
        ["Gift wrap station", "Fulfilment", "Kai Berg <kai@shop.example>", "", "weekly on friday",
         "200 wraps stocked and the station photographed"],
        ["Parcel insurance claims", "Delivery", "Kai Berg", "Kai Berg", "", "Every claim filed"],
        ["Marketplace listings sync", "Marketplaces", "", "", "weekly on monday",
         "Every listing matches the storefront"],
    ]  # fmt: skip
    page = sign_in("lead")
    base = page.url.rstrip("/")
    page.goto(f"{base}/tasks/")
    page.get_by_role("button", name="Import a sheet").click()
    page.get_by_label("Spreadsheet").set_input_files(_sheet(tmp_path / "our-map.csv", rows))
    page.get_by_role("button", name="Preview the import").click()

    problems = page.locator("#import-problems tbody tr")
    expect(page.get_by_role("heading", name="2 problems to fix in the file")).to_be_visible()
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("3")
    expect(problems.nth(0)).to_contain_text("Kai Berg is both owner and backup")
    expect(problems.nth(1)).to_contain_text("4")
    expect(problems.nth(1)).to_contain_text("There is no stage “Marketplaces”")
    expect(page.get_by_role("button", name="Apply the import")).to_have_count(0)
    assert not Task.objects.exists()

    rows[1][3] = ""
    rows[2][1] = "Platform & integrations"
    page.get_by_label("Spreadsheet").set_input_files(_sheet(tmp_path / "our-map.csv", rows))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#count-created")).to_have_text("3")
    expect(page.locator("#count-people")).to_have_text("1")
    expect(page.locator("#import-problems")).to_have_count(0)
    page.get_by_role("button", name="Apply the import").click()
    expect(page.get_by_role("status")).to_contain_text("Imported our-map.csv: 3 new")

    page.get_by_role("button", name="See the dashboard").click()
    no_backup = page.locator("#gap-no_backup")
    for name in ["Gift wrap station", "Parcel insurance claims"]:
        expect(no_backup).to_contain_text(name)
    expect(page.locator("#gap-no_owner")).to_contain_text("Marketplace listings sync")
    assert Task.objects.count() == 3


def test_a_fresh_installation_starts_from_the_starter_map_for_three_stages(lead, sign_in):
    page = sign_in("lead")
    expect(page.locator("#empty-map")).to_contain_text("The map is empty.")
    page.get_by_role("button", name="Start from the starter map").click()
    for stage in ["Payment", "Delivery", "Returns & refunds"]:
        page.get_by_role("checkbox", name=stage).check()
    page.get_by_role("button", name="Add the tasks of the chosen stages").click()

    chosen = [t for t in TASKS if t.stage in {"payment", "delivery", "returns-refunds"}]
    expect(page.get_by_role("status")).to_contain_text(
        f"{len(chosen)} tasks from the starter map are on the map"
    )
    expect(page.locator("#count-no_owner")).to_have_text(str(len(chosen)))
    section = page.locator("#gap-no_owner")
    for task in chosen[:10]:  # the dashboard lists ten per rule
        expect(section).to_contain_text(task.name)
    assert Task.objects.count() == len(chosen)


def test_an_edit_made_after_the_preview_survives_applying_it(
    demo_store, live_server, sign_in, sign_in_elsewhere, assert_accessible, tmp_path
):
    header, rows = map_table(active_tasks_filtered())
    sheet = tmp_path / "ownermap.csv"
    sheet.write_bytes(write_csv(header, rows))
    lead = sign_in("opslead", "ownermap-demo")
    lead.goto(f"{live_server.url}/import/")
    lead.get_by_label("Spreadsheet").set_input_files(sheet)
    lead.get_by_role("button", name="Preview the import").click()
    expect(lead.locator("#count-updated")).to_have_text("0")

    manager = sign_in_elsewhere("manager", "ownermap-demo")
    manager.goto(f"{live_server.url}/tasks/returns-notices/edit")
    manager.get_by_label("Definition of done").fill("Every notice sent the same day")
    manager.get_by_role("button", name="Save").click()
    expect(manager.get_by_role("status")).to_contain_text("“Returns notices” is saved.")

    lead.get_by_role("button", name="Apply the import").click()
    expect(lead.get_by_role("heading", name="1 task changed since your preview")).to_be_visible()
    expect(lead.locator("#import-conflicts")).to_contain_text(
        "Returns notices: changed by Helen Marsh at"
    )
    assert_accessible(lead, "main")
    task = Task.objects.get(slug="returns-notices")
    assert task.definition_of_done == "Every notice sent the same day"

    lead.get_by_role("button", name="Preview it again").click()
    expect(lead.locator("#count-updated")).to_have_text("1")  # it would now undo theirs, visibly
