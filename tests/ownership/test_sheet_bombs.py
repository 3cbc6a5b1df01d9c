"""Hostile spreadsheets, generated here, are refused at the upload field with a message, never
with a 500 and never by unpacking them: a small .xlsx that unpacks to hundreds of MB, XML
entity bombs and external entities, malformed XML, too many columns, a cell of a book's
length, and a picture renamed .csv."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ownership.models import MapImport
from tests.ownership.sheets.helpers import HEADER, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
GOOD = [["Gift wrap station", "Fulfilment", "", "", "weekly on monday", "200 wraps stocked"]]
BIG = 200 * 1024 * 1024  # twice the default limit on what a workbook may unpack to


def _with_sheet(write) -> bytes:
    """A real workbook whose first sheet's XML is replaced by what `write` writes to it."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(GOOD)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            if part.filename == SHEET:
                with target.open(SHEET, "w", force_zip64=True) as sheet:
                    write(sheet)
            else:
                target.writestr(part, source.read(part.filename))
    return out.getvalue()


def _padded(sheet) -> None:
    sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/')
    sheet.write(b'spreadsheetml/2006/main"><sheetData>')
    chunk = b" " * (1024 * 1024)
    for _ in range(BIG // len(chunk)):
        sheet.write(chunk)
    sheet.write(b"</sheetData></worksheet>")


def _entities(declaration: bytes, use: bytes):
    def write(sheet) -> None:
        sheet.write(b'<?xml version="1.0"?><!DOCTYPE worksheet [' + declaration + b"]>")
        sheet.write(
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        )
        sheet.write(b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
        sheet.write(use + b"</t></is></c></row></sheetData></worksheet>")

    return write


LAUGHS = b"".join(
    [b'<!ENTITY lol0 "lol">']
    + [b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, 10)]
)


def _upload(client, data: bytes, name: str):
    return client.post(reverse("ownership:import_upload"), {"file": SimpleUploadedFile(name, data)})


def _refused(client, ops_lead, data: bytes, name: str) -> str:
    client.force_login(ops_lead)
    response = _upload(client, data, name)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_file_error"' in html  # at the field
    assert not MapImport.objects.exists()
    return html


def test_a_small_workbook_that_unpacks_to_hundreds_of_megabytes_is_refused_unread(client, ops_lead):
    bomb = _with_sheet(_padded)
    assert len(bomb) < 1_000_000
    html = _refused(client, ops_lead, bomb, "map.xlsx")
    assert "map.xlsx unpacks to 209.7 MB in" in html
    assert "workbooks up to 100.0 MB unpacked are read" in html


@pytest.mark.parametrize(
    "write",
    [
        _entities(LAUGHS, b"&lol9;"),  # a billion laughs
        _entities(b'<!ENTITY secret SYSTEM "file:///etc/passwd">', b"&secret;"),
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_xml_entities_are_refused_with_a_message(client, ops_lead, write):
    html = _refused(client, ops_lead, _with_sheet(write), "map.xlsx")
    assert "holds XML entities or references to other files" in html
    assert "root:" not in html


def test_malformed_xml_is_a_damaged_workbook(client, ops_lead):
    broken = _with_sheet(lambda sheet: sheet.write(b"<worksheet><sheetData>"))
    html = _refused(client, ops_lead, broken, "m.xlsx")
    assert "m.xlsx could not be read as an Excel workbook" in html


def test_too_many_columns_are_refused_naming_the_row(client, ops_lead):
    wide = [*HEADER, *[f"extra {n}" for n in range(80)]]
    html = _refused(client, ops_lead, csv_bytes(GOOD, header=wide), "map.csv")
    assert "Row 1 of map.csv has 86 columns; up to 60 are read." in html


def test_a_cell_longer_than_the_limit_is_refused_naming_its_place(client, ops_lead):
    rows = [[*GOOD[0][:5], "x" * 20_000]]
    html = _refused(client, ops_lead, xlsx_bytes(rows), "map.xlsx")
    assert "Row 2, column 6 of map.xlsx holds 20,000 characters; cells of up to 10,000" in html


def test_a_cell_past_the_csv_readers_own_limit_is_refused_with_the_same_words(client, ops_lead):
    html = _refused(client, ops_lead, csv_bytes([[*GOOD[0][:5], "x" * 200_000]]), "map.csv")
    assert "holds a cell of more than 131,072 characters" in html


def test_a_picture_renamed_csv_is_not_called_utf16(client, ops_lead):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    html = _refused(client, ops_lead, png, "map.csv")
    assert "map.csv is not a text file: it looks like an image" in html
    assert "UTF-16" not in html
