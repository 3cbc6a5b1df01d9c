"""Reading sheets: CSV in the encodings people's spreadsheets save, XLSX, and a clear message
for every file that cannot be read."""

import pytest

from ownership.sheets.files import SheetError, read_table, write_csv, write_xlsx
from tests.ownership.sheets.helpers import HEADER, csv_bytes, xlsx_bytes

ROW = ["Gift wrap station", "Fulfilment", "", "", "weekly on monday", "Wraps restocked to 200"]


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes([ROW]),
        b"\xef\xbb\xbf" + csv_bytes([ROW]),  # UTF-8 with a byte-order mark, as Excel saves it
        csv_bytes([ROW]).replace(b",", b";"),  # Excel in much of Europe
    ],
    ids=["utf-8", "utf-8-bom", "semicolons"],
)
def test_a_csv_is_read_with_its_row_numbers(data):
    table = read_table(data, "map.csv")
    assert table.headers == HEADER
    assert table.rows == [(2, ROW)]


def test_windows_1252_text_keeps_its_accents():
    data = csv_bytes([["Café menu", "Discover", "Zoë Adams", "", "", "Menu printed"]], "cp1252")
    assert data.decode("cp1252").encode("cp1252") == data
    assert read_table(data, "map.csv").rows[0][1][:3] == ["Café menu", "Discover", "Zoë Adams"]


def test_an_xlsx_is_read_numbers_and_dates_as_text():
    import datetime

    data = xlsx_bytes([["Stocktake", "Fulfilment", None, None, 42, datetime.date(2026, 1, 5)]])
    assert read_table(data, "map.xlsx").rows == [
        (2, ["Stocktake", "Fulfilment", "", "", "42", "2026-01-05"])
    ]


def test_blank_rows_are_skipped_and_keep_their_numbers():
    data = csv_bytes([ROW, ["", "", ""], ["Second task", "Delivery"]])
    assert [number for number, _ in read_table(data, "map.csv").rows] == [2, 4]


def test_a_cell_with_line_breaks_is_one_row():
    data = csv_bytes([["Stocktake", "Fulfilment", "", "", "", "Counted\nPosted"], ROW])
    assert [number for number, _ in read_table(data, "map.csv").rows] == [2, 3]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "map.csv", "map.csv is empty"),
        (b"  \r\n", "map.csv", "map.csv is empty"),
        (b"task,stage\r\n", "map.csv", "map.csv has column names but no rows under them."),
        (b"Ask Dana about the returns\n", "notes.txt", "notes.txt holds a line of text, not a"),
        (b"\r\ntask\r\nx\r\n", "map.csv", "Row 1 of map.csv is empty"),
        (b"%PDF-1.7 ...", "map.pdf", "map.pdf is not a file Ownermap reads"),
        (b"\xd0\xcf\x11\xe0rest", "map.xls", "old-style Excel workbook (.xls)"),
        (b"PK\x03\x04rest", "map.zip", "it is a zip archive of another kind"),
        (b"PK\x03\x04broken", "map.xlsx", "could not be read as an Excel workbook"),
        ("task\r\nCafé\r\n".encode("utf-16"), "map.csv", "saved as UTF-16"),
        (b"task\r\n\x81\x8d\x8f\x90\r\n", "map.csv", "neither UTF-8 nor Windows-1252"),
    ],
    ids=[
        "empty",
        "blank",
        "header-only",
        "a-line-of-text",
        "no-header",
        "pdf",
        "xls",
        "zip",
        "damaged-xlsx",
        "utf-16",
        "undecodable",
    ],
)
def test_a_file_that_cannot_be_read_says_why(data, name, message):
    with pytest.raises(SheetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(data, name)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings):
    settings.OWNERMAP_IMPORT_MAX_BYTES = 1000
    with pytest.raises(SheetError, match=r"map.csv is 0.0 MB; files up to 0.0 MB are read"):
        read_table(csv_bytes([ROW] * 20), "map.csv")


def test_a_file_over_the_row_limit_is_refused(settings):
    settings.OWNERMAP_IMPORT_MAX_ROWS = 3
    with pytest.raises(SheetError, match="more than 3 rows"):
        read_table(csv_bytes([ROW] * 4), "map.csv")


@pytest.mark.parametrize("write", [write_csv, lambda h, r: write_xlsx(h, r, "Map")])
def test_cells_that_would_run_as_formulas_are_written_as_text(write):
    rows = [['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "plain", "\tTab"]]
    data = write(["a", "b", "c", "d", "e", "f"], rows)
    name = "out.csv" if data.startswith(b"\xef\xbb\xbf") else "out.xlsx"
    assert read_table(data, name).rows[0][1] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "plain",
        "'\tTab",
    ]
