"""Sheets made in tests: CSV text or an XLSX workbook from rows of cells."""

import csv
import io

from openpyxl import Workbook

from ownership.sheets.files import read_table

HEADER = ["task", "stage", "owner", "backup", "rhythm", "definition_of_done"]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table(rows: list[list[str]], header: list[str] = HEADER):
    return read_table(csv_bytes(rows, header), "map.csv")
