"""Reading a sheet from an uploaded CSV or XLSX file, and writing one."""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ownership.sheets.columns import escape

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) container
_MAX_COLUMNS = 60
_MAX_ZIP_PARTS = 2000  # a workbook has tens; thousands of parts is something else


class SheetError(Exception):
    """The file as a whole cannot be read; the message says why, in words."""


@dataclass
class Table:
    """A sheet's header and its rows, each with its row number as a spreadsheet shows it (the
    header is row 1). Rows with nothing in them are left out; their numbers are not reused."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def too_large(size: int, file_name: str) -> str | None:
    """Why a file of this size is refused, or None; asked before an upload is read."""
    limit = settings.OWNERMAP_IMPORT_MAX_BYTES
    if size <= limit:
        return None
    return (
        f"{file_name} is {_megabytes(size)}; files up to {_megabytes(limit)} are read. "
        "Split it into several files, or leave out columns Ownermap does not use."
    )


def read_table(data: bytes, file_name: str) -> Table:
    refused = too_large(len(data), file_name)
    if refused:
        raise SheetError(refused)
    if not data.strip():
        raise SheetError(f"{file_name} is empty: there is no header and no row to read.")
    if data.startswith(_OLE):
        raise SheetError(
            f"{file_name} is an old-style Excel workbook (.xls). "
            "Save it as .xlsx, or as CSV UTF-8, and upload that."
        )
    lower = file_name.lower()
    if data.startswith(_ZIP):
        if not lower.endswith((".xlsx", ".xlsm")):
            raise SheetError(
                f"{file_name} is not a CSV or XLSX file (it is a zip archive of another kind)."
            )
        records = _xlsx_records(data, file_name)
    elif lower.endswith((".csv", ".txt")):
        records = _csv_records(_decode(data, file_name))
    else:
        raise SheetError(
            f"{file_name} is not a file Ownermap reads: upload a CSV (.csv) or an Excel "
            "workbook (.xlsx)."
        )
    return _table(records, file_name)


def _looks_utf16(start: bytes) -> bool:
    """A byte-order mark, or ASCII text with every other byte zero."""
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    pairs = len(start) // 2
    if pairs < 8:
        return False
    zeros = max(start[0::2].count(0), start[1::2].count(0))
    return zeros > 0.9 * pairs


def _decode(data: bytes, file_name: str) -> str:
    start = data[:4096]
    if _looks_utf16(start):
        raise SheetError(
            f"{file_name} is saved as UTF-16 (“Unicode text”). "
            "Save it as “CSV UTF-8” and upload that."
        )
    if b"\x00" in start:
        raise SheetError(
            f"{file_name} is not a text file: it looks like an image, a PDF or another kind "
            "of file renamed .csv. Export the sheet as “CSV UTF-8” and upload that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise SheetError(
            f"{file_name} is neither UTF-8 nor Windows-1252 text, so its accents would come "
            "out wrong. Save it as “CSV UTF-8” and upload that."
        ) from None


def _csv_records(text: str):
    # The header names no commas or semicolons of its own: whichever of them separates it
    # separates the file (Excel in much of Europe writes semicolons).
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _check_unpacked_size(data: bytes, file_name: str) -> None:
    """Refuse a workbook whose parts unpack to more than the limit, from the sizes the zip's
    directory declares: nothing is unpacked to find out (and zipfile never unpacks a part
    past its declared size)."""
    limit = settings.OWNERMAP_IMPORT_MAX_EXPANDED_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise SheetError(
            f"{file_name} could not be read as an Excel workbook: it may be damaged. Open it, "
            "save it again as .xlsx, and upload that."
        ) from None
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > _MAX_ZIP_PARTS or unpacked > limit:
        raise SheetError(
            f"{file_name} unpacks to {_megabytes(unpacked)} in {len(parts):,} parts; workbooks "
            f"up to {_megabytes(limit)} unpacked are read. Save only the map's sheet, without "
            "images or other sheets, or export it as CSV UTF-8."
        )


def _xlsx_records(data: bytes, file_name: str):
    _check_unpacked_size(data, file_name)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    except (
        DefusedXmlException,
        zipfile.BadZipFile,
        InvalidFileException,
        ParseError,
        KeyError,
        ValueError,
        IndexError,
        OSError,
    ) as error:
        if _caused_by(error, DefusedXmlException):
            raise SheetError(
                f"{file_name} holds XML entities or references to other files, which a "
                "workbook saved by Excel, Numbers or Google Sheets never has, so it is not "
                "read. Save it again from your spreadsheet program, or export it as CSV UTF-8."
            ) from None
        raise SheetError(
            f"{file_name} could not be read as an Excel workbook: it may be damaged, or "
            "protected with a password. Open it, save it again as .xlsx, and upload that."
        ) from None


def _caused_by(error: BaseException | None, kind: type[BaseException]) -> bool:
    """Whether `error` or one it was raised from is a `kind`: openpyxl wraps what its XML
    parser raised in a ValueError."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, kind):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _table(records, file_name: str) -> Table:
    max_rows = settings.OWNERMAP_IMPORT_MAX_ROWS
    max_chars = settings.OWNERMAP_IMPORT_MAX_CELL_CHARS
    headers: list[str] | None = None
    rows = []
    # One string for each value the sheet repeats (stages, criticalities, people, rhythms): a
    # 100,000-row sheet held 1.7 million cells, most of them copies.
    values: dict[str, str] = {}
    try:
        for number, record in enumerate(records, start=1):
            cells = [cell.strip() if cell else "" for cell in record]
            cells = [values.setdefault(cell, cell) for cell in cells]
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) > _MAX_COLUMNS:
                raise SheetError(
                    f"Row {number} of {file_name} has {len(cells)} columns; up to "
                    f"{_MAX_COLUMNS} are read. Delete the columns Ownermap does not use."
                )
            longest = max(range(len(cells)), key=lambda n: len(cells[n]), default=None)
            if longest is not None and len(cells[longest]) > max_chars:
                raise SheetError(
                    f"Row {number}, column {longest + 1} of {file_name} holds "
                    f"{len(cells[longest]):,} characters; cells of up to {max_chars:,} are "
                    "read. Shorten it, or link to a document instead."
                )
            if headers is None:
                if not cells:
                    raise SheetError(
                        f"Row 1 of {file_name} is empty: it should hold the column names "
                        "(task, stage, owner…)."
                    )
                headers = cells
                continue
            if cells:
                rows.append((number, cells))
                if len(rows) > max_rows:
                    raise SheetError(
                        f"{file_name} has more than {max_rows:,} rows; split it into several files."
                    )
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise SheetError(
                f"{file_name} holds a cell of more than {csv.field_size_limit():,} characters; "
                f"cells of up to {max_chars:,} are read."
            ) from None
        raise SheetError(f"{file_name} is not well-formed CSV: {error}.") from None
    if headers is None:
        raise SheetError(f"{file_name} is empty: there is no header and no row to read.")
    if not rows and len(headers) == 1:
        # One line, one cell: a note or a list pasted into a text file, not a table.
        raise SheetError(
            f"{file_name} holds a line of text, not a table: a map's first row names its "
            "columns (task, stage, owner…), with one task per row under it."
        )
    if not rows:
        raise SheetError(f"{file_name} has column names but no rows under them.")
    return Table(headers, rows)


def write_csv(header: list[str], rows) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to show accents right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape(cell) for cell in header])
    for row in rows:
        writer.writerow([escape(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode()


def write_xlsx(
    header: list[str],
    rows: list[list[str]],
    title: str,
    *,
    frozen_columns: int = 0,
    data_rows: int | None = None,
) -> bytes:
    """A sheet a manager can read: the header bold and frozen (with the first `frozen_columns`
    columns), each column as wide as what it holds (within reason), and a filter over the header
    and the first `data_rows` rows (all of them by default: a legend below stays out of it)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = f"{get_column_letter(frozen_columns + 1)}2"
    measured = rows[: len(rows) if data_rows is None else data_rows][:500]
    for index, name in enumerate(header, start=1):
        cells = (str(row[index - 1]) for row in measured if len(row) >= index)
        longest = max([len(name), *(len(cell) for cell in cells)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 4), 60)
    last_row = 1 + (len(rows) if data_rows is None else data_rows)
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{last_row}"
    bold = Font(bold=True)
    sheet.append([_bold_cell(sheet, escape(cell), bold) for cell in header])
    for row in rows:
        sheet.append([escape(cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _bold_cell(sheet, value: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell
