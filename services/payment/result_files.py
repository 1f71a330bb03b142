"""Reading reconciliation files from the post office or the bank (CSV or Excel), row by row.

Layout (documented in the README): a header row naming at least the columns `line_id`,
`result` and `settled_on` (other columns, e.g. the beneficiary's name or the amount for the
people who fill it in, are ignored); one row per payroll line; `result` is one of
paid_at_point, paid_at_home, not_collected, failed; `settled_on` is YYYY-MM-DD or
DD/MM/YYYY. Rows that cannot be read are reported with their row number, never dropped.

A file is spooled to disk as it arrives and read from there row by row (CSV through the
csv module, Excel through openpyxl's read-only mode), never whole in memory; the answer
counts every row and lists only those an officer must look at, up to MAX_LISTED. A CSV
import's memory is flat (tests/bench/result_import.py). An Excel one still grows by about
80 bytes a row, as openpyxl's parser keeps an emptied element per row, plus the shared
strings it reads whole: the row cap and MAX_XLSX_PARTS_BYTES bound both.
"""

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

REQUIRED = ("line_id", "result", "settled_on")
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Largest results file: a CSV of 300,000 lines (100,000 beneficiaries owed three months) is
#: about 35 MB.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: openpyxl reads an Excel file's shared strings (every distinct text, such as each line id),
#: styles and workbook parts whole, only the sheet row by row: uncompressed, those parts may
#: take this much (300,000 line ids take about 31 MB).
MAX_XLSX_PARTS_BYTES = 64 * 1024 * 1024
#: Rows needing an officer's attention listed in an answer; the counts cover every row.
MAX_LISTED = 1000
#: Outcomes that need no one's attention: the row's result is recorded (now or before).
SETTLED = ("recorded", "repeated")
#: Texts of a listed row are cut to this length (a real line id has about 90 characters).
LISTED_TEXT = 300


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (type, encoding, header)."""


class TooManyRows(ValueError):
    """The file has more rows than one import takes (answered 413: split it)."""


def file_kind(content_type: str) -> str:
    """ "csv" or "xlsx", from the upload's Content-Type, checked before the body is read."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in CSV_TYPES:
        return "csv"
    if kind == XLSX_TYPE:
        return "xlsx"
    raise UnreadableFile(f"unsupported content type {content_type!r}: send text/csv or {XLSX_TYPE}")


class ResultFile:
    """An uploaded results file, spooled to a temporary file, read row by row as often as
    needed: once to check it (header, encoding, number of rows), once to settle it."""

    def __init__(self, file: IO[bytes], content_type: str) -> None:
        self.file = file
        self.kind = file_kind(content_type)
        self._workbook: Any = None

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def check(self, max_rows: int) -> int:
        """Read the file through: a wrong header or encoding raises UnreadableFile, more than
        `max_rows` rows TooManyRows; nothing is kept. The number of rows."""
        count = 0
        for _ in self.rows():
            count += 1
            if count > max_rows:
                raise TooManyRows(
                    f"the file has more than {max_rows:,} rows, the most one import takes: split"
                    " it into files of fewer rows and import them one after the other (a line"
                    " imported twice is recorded once)"
                )
        return count

    def rows(self) -> Iterator[dict[str, Any]]:
        """Rows as dicts of the required columns with their row number ("row", counting the
        header as row 1); blank rows (the end of a spreadsheet) are skipped."""
        table = self._csv_cells() if self.kind == "csv" else self._xlsx_cells()
        first = next(table, None)
        if first is None:
            raise UnreadableFile("the file is empty: a header row is needed")
        header = [str(cell or "").strip().lower() for cell in first]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise UnreadableFile(f"the header lacks the column(s) {', '.join(missing)}")
        columns = {name: header.index(name) for name in REQUIRED}
        for number, cells in enumerate(table, start=2):
            if not any(str(cell or "").strip() for cell in cells):
                continue
            yield {
                "row": number,
                **{
                    name: cells[index] if index < len(cells) else None
                    for name, index in columns.items()
                },
            }

    def _csv_cells(self) -> Iterator[list[Any]]:
        self.file.seek(0)
        text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            yield from reader
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                f"the CSV file must be UTF-8 (near line {reader.line_num + 1})"
            ) from error
        except csv.Error as error:
            raise UnreadableFile(
                f"the CSV file cannot be read at line {reader.line_num}: {error}"
            ) from error
        finally:
            text.detach()  # the spooled file stays open for the next reading

    def _xlsx_cells(self) -> Iterator[list[Any]]:
        if self._workbook is None:
            self._workbook = self._open_workbook()
        sheet = self._workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)

    def _open_workbook(self) -> Any:
        from openpyxl import load_workbook

        self.file.seek(0)
        try:
            with zipfile.ZipFile(self.file) as archive:
                whole = sum(
                    part.file_size
                    for part in archive.infolist()
                    if not part.filename.startswith("xl/worksheets/")
                )
        except zipfile.BadZipFile as error:
            raise UnreadableFile(f"the Excel file cannot be read: {error}") from error
        if whole > MAX_XLSX_PARTS_BYTES:
            raise UnreadableFile(
                f"the Excel file's texts and styles take {whole:,} bytes uncompressed, more than"
                f" the {MAX_XLSX_PARTS_BYTES:,} an import reads: save it as CSV (UTF-8) instead"
            )
        self.file.seek(0)
        try:
            return load_workbook(self.file, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises several kinds for a damaged file
            raise UnreadableFile(f"the Excel file cannot be read: {error}") from error


@dataclass
class ResultsReport:
    """What became of a file's rows: how many had each outcome, and the rows that need an
    officer's attention (refused, unknown line, another payroll), the first MAX_LISTED."""

    counts: Counter[str] = field(default_factory=Counter)
    listed: list[dict[str, Any]] = field(default_factory=list)
    not_listed: int = 0

    def add(self, outcome: dict[str, Any]) -> None:
        self.counts[outcome["outcome"]] += 1
        if outcome["outcome"] in SETTLED:
            return
        if len(self.listed) >= MAX_LISTED:
            self.not_listed += 1
            return
        self.listed.append(
            {
                name: _cut(value) if isinstance(value, str) else value
                for name, value in outcome.items()
            }
        )

    @property
    def rows_read(self) -> int:
        return sum(self.counts.values())


def _cut(text: str) -> str:
    return text if len(text) <= LISTED_TEXT else text[:LISTED_TEXT] + "…"


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
    raise ValueError(f"settled_on {text[:40]!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
