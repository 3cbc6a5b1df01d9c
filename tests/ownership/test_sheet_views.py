"""Import in the browser (upload, preview, apply) and the exports, through their pages."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from ownership.models import MapImport, Role
from tasks_registry.models import Stage, Task
from tests.factories import AssignmentFactory, PersonFactory, TaskFactory
from tests.ownership.sheets.helpers import HEADER, csv_bytes, xlsx_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_jobs_run_now")]

GOOD = [
    ["Gift wrap station", "Fulfilment", "Sam Carter", "", "weekly on monday", "200 wraps stocked"],
    ["Parcel insurance claims", "Delivery", "lena@shop.example", "Sam Carter", "", "Claim filed"],
]


@pytest.fixture
def sam(db):
    return PersonFactory(name="Sam Carter", email="sam@shop.example")


def _upload(client, data: bytes, name: str = "map.csv"):
    return client.post(reverse("ownership:import_upload"), {"file": SimpleUploadedFile(name, data)})


def test_a_good_sheet_is_previewed_then_applied(client, ops_lead, sam):
    client.force_login(ops_lead)
    response = _upload(client, csv_bytes(GOOD))
    upload = MapImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ownership:import_preview", args=[upload.pk])
    assert not Task.objects.exists()

    html = client.get(response["Location"]).content.decode()
    assert '<strong id="count-created">2</strong>' in html
    assert '<strong id="count-people">1</strong>' in html
    assert "lena@shop.example" in html
    assert "Apply the import" in html

    response = client.post(reverse("ownership:import_apply", args=[upload.pk]), follow=True)
    assert "Imported map.csv: 2 new and 0 updated tasks, 1 new person." in response.content.decode()
    assert sorted(Task.objects.values_list("name", flat=True)) == [
        "Gift wrap station",
        "Parcel insurance claims",
    ]
    record = Task.objects.get(name="Gift wrap station").history.get()
    assert (record.history_user, record.history_change_reason) == (
        ops_lead,
        "imported from map.csv",
    )
    upload.refresh_from_db()
    assert upload.applied_at is not None


def test_a_sheet_with_problems_shows_each_with_its_row_and_offers_no_apply(client, ops_lead, sam):
    client.force_login(ops_lead)
    rows = [GOOD[0], ["Bad stage", "Fulfillment", "", "", "", ""], ["", "Delivery", "", "", "", ""]]
    response = _upload(client, xlsx_bytes(rows), "map.xlsx")
    html = client.get(response["Location"]).content.decode()
    assert "2 problems to fix in the file" in html
    assert "<tr><td>3</td><td><code>stage</code></td><td>There is no stage “Fulfillment”; " in html
    assert "<tr><td>4</td><td><code>task</code></td><td>The task&#x27;s name is empty" in html
    assert "Apply the import" not in html
    assert 'enctype="multipart/form-data"' in html  # upload the fixed file from here
    url = reverse("ownership:import_apply", args=[MapImport.objects.get().pk])
    response = client.post(url, follow=True)
    assert "Nothing can be imported until every row is right: fix the problems" in (
        response.content.decode()
    )
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "map.csv", "The submitted file is empty."),
        (b"%PDF-1.4", "map.pdf", "map.pdf is not a file Ownermap reads"),
        ("task\r\nx\r\n".encode("utf-16"), "map.csv", "saved as UTF-16"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_at_the_field(client, ops_lead, data, name, message):
    client.force_login(ops_lead)
    response = _upload(client, data, name)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_file_error"' in html
    assert message in html
    assert not MapImport.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(client, ops_lead, settings):
    settings.OWNERMAP_IMPORT_MAX_BYTES = 1000
    client.force_login(ops_lead)
    response = _upload(client, csv_bytes(GOOD * 20))
    assert response.status_code == 400
    assert "map.csv is 0.0 MB; files up to 0.0 MB are read." in response.content.decode()
    assert not MapImport.objects.exists()


def test_a_post_without_a_file_asks_for_one(client, ops_lead):
    client.force_login(ops_lead)
    response = client.post(reverse("ownership:import_upload"), {})
    assert response.status_code == 400
    assert "Choose the spreadsheet to import." in response.content.decode()


def test_an_import_is_applied_once(client, ops_lead, sam):
    client.force_login(ops_lead)
    _upload(client, csv_bytes(GOOD))
    url = reverse("ownership:import_apply", args=[MapImport.objects.get().pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "map.csv was imported on" in response.content.decode()
    assert Task.objects.count() == 2
    assert Task.history.count() == 2


def test_a_row_that_stops_fitting_after_the_preview_is_refused_on_apply(client, ops_lead, sam):
    client.force_login(ops_lead)
    _upload(client, csv_bytes(GOOD))
    sam.departed_on = "2026-01-01"
    sam.save()
    url = reverse("ownership:import_apply", args=[MapImport.objects.get().pk])
    html = client.post(url, follow=True).content.decode()
    assert "The map changed since the preview" in html
    assert "Sam Carter left on 1 Jan 2026 and cannot be the owner" in html
    assert not Task.objects.exists()


def test_another_persons_upload_is_not_found(client, ops_lead, manager, sam):
    client.force_login(ops_lead)
    _upload(client, csv_bytes(GOOD))
    pk = MapImport.objects.get().pk
    client.force_login(manager)
    assert client.get(reverse("ownership:import_preview", args=[pk])).status_code == 404
    assert client.post(reverse("ownership:import_apply", args=[pk])).status_code == 404
    assert not Task.objects.exists()


def test_members_cannot_import(client, member, sam):
    client.force_login(member)
    assert _upload(client, csv_bytes(GOOD)).status_code == 403
    assert not MapImport.objects.exists()


@pytest.fixture
def small_map(sam):
    first = TaskFactory(name="=Refund letters", stage=Stage.objects.get(slug="returns-refunds"))
    AssignmentFactory(task=first, person=sam, role=Role.OWNER)
    TaskFactory(name="Stocktake", stage=Stage.objects.get(slug="fulfilment"))
    return first


def test_the_map_downloads_as_csv_in_the_import_format(member_client, small_map):
    response = member_client.get(reverse("ownership:map_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ownermap.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Task", "Stage", "Criticality", "Owner"]
    by_task = {row[0]: row for row in rows[1:]}
    assert set(by_task) == {"'=Refund letters", "Stocktake"}
    assert by_task["'=Refund letters"][3] == "Sam Carter <sam@shop.example>"


def test_a_filtered_view_downloads_as_xlsx(member_client, small_map):
    response = member_client.get(reverse("ownership:map_xlsx"), {"stage": "fulfilment"})
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="ownermap-fulfilment.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["Task", "Stocktake"]


def test_the_raci_matrix_downloads_as_xlsx(member_client, small_map):
    response = member_client.get(reverse("ownership:raci_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Task", "Stage", "Sam Carter")
    assert rows[1:3] == [
        ("Stocktake", "Fulfilment", None),
        ("'=Refund letters", "Returns & refunds", "A"),
    ]
    # A manager can read it: the header bold and frozen with task and stage, widths that fit,
    # and a filter over the rows, not the legend under them.
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == "A1:C3"
    assert sheet.column_dimensions["B"].width == len("Returns & refunds") + 2
    assert rows[-1][0] == "Legend"


def test_the_export_queries_do_not_grow_with_the_map(member_client, sam, django_assert_num_queries):
    for n in range(30):
        task = TaskFactory(name=f"Task {n}")
        AssignmentFactory(task=task, person=sam, role=Role.OWNER if n % 2 else Role.CONTRIBUTOR)
    # Session, user with permissions, stages, teams, metrics, the tasks with their stages, their
    # people and the promises they repeat: the same for 30 tasks as for 3.
    with django_assert_num_queries(8):
        response = member_client.get(reverse("ownership:map_csv"))
    assert response.content.decode("utf-8-sig").count("\r\n") == 31


def test_the_import_page_lists_the_columns(client, ops_lead):
    client.force_login(ops_lead)
    html = client.get(reverse("ownership:import_upload")).content.decode()
    assert "<code>definition_of_done</code>" in html
    assert HEADER[0] == "task"
