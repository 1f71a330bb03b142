"""Reading reconciliation files from the post office or the bank (CSV or Excel).

Layout (documented in the README): a header row naming at least the columns `line_id`,
`result` and `settled_on` (other columns, e.g. the beneficiary's name or the amount for the
people who fill it in, are ignored); one row per payroll line; `result` is one of
paid_at_point, paid_at_home, not_collected, failed; `settled_on` is YYYY-MM-DD or
DD/MM/YYYY. Rows that cannot be read are reported with their row number, never dropped.
"""

import csv
import io
from datetime import date, datetime
from typing import Any

REQUIRED = ("line_id", "result", "settled_on")
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (type, encoding, header)."""


def read_rows(content: bytes, content_type: str) -> list[dict[str, Any]]:
    """Rows as dicts with the row number ("row", counting the header as row 1)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in CSV_TYPES:
        table = _csv_table(content)
    elif kind == XLSX_TYPE:
        table = _xlsx_table(content)
    else:
        raise UnreadableFile(
            f"unsupported content type {content_type!r}: send text/csv or {XLSX_TYPE}"
        )
    if not table:
        raise UnreadableFile("the file is empty: a header row is needed")
    header = [str(cell or "").strip().lower() for cell in table[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise UnreadableFile(f"the header lacks the column(s) {', '.join(missing)}")
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(str(cell or "").strip() for cell in cells):
            continue  # blank lines at the end of a spreadsheet
        values = dict(zip(header, cells, strict=False))
        rows.append({"row": number, **{name: values.get(name) for name in REQUIRED}})
    return rows


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"settled_on {text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


def _csv_table(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile("the CSV file must be UTF-8") from error
    return [list(row) for row in csv.reader(io.StringIO(text))]


def _xlsx_table(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several kinds for a damaged file
        raise UnreadableFile(f"the Excel file cannot be read: {error}") from error
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]
