"""Memory of a results-file import: N rows against 10 N, streamed against the file read whole.

An import spools the file to disk, reads it row by row and settles a thousand rows at a
time (services/payment/result_files.py), so its memory should not grow with the file. This
measures it on the real PostgreSQL (embedded, under .data/bench-import), through
PaymentApplication.import_results as the API calls it: M beneficiaries enrolled, a payroll of
three lines each (the month and two months of arrears) generated and approved, every line
recorded once by a first import; then files of N and 10 N rows of those lines (each line
repeated, so every chunk of 1,000 rows loads and settles the M entitlements; nothing new is
recorded, so the store does not grow between runs) are imported as CSV and as Excel. M is
small because loading an entitlement under tracemalloc is slow, not because memory needs it.

Peak memory is Python's traced memory (tracemalloc) during one import. The raw baseline,
measured in the same run on the same file, is what the import did before it streamed: the
file read whole, decoded, split into a list of rows and dicts. Figures are printed as ratios:
10 N against N (1.0 = flat), import against the raw baseline, and against the file size.

Excel files name each distinct text once in a shared-strings table that openpyxl reads
whole: a last pair of Excel files of unique line ids (unknown lines) shows that growth, which
MAX_XLSX_PARTS_BYTES bounds.

`python -m tests.bench.result_import` (N=5,000, M=50) or `--rows N --beneficiaries M`.
"""

import argparse
import csv
import gc
import io
import tempfile
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import IO, Any
from xml.sax.saxutils import escape

from eventsourcing.persistence import Tracking

from backbone.actor import Actor
from backbone.embedded import EmbeddedPostgres
from services.payment.application import PaymentApplication
from services.payment.result_files import XLSX_TYPE, ResultFile
from services.payment.settings import PaymentSettings
from tests.support.approvals import CATEGORY
from tests.support.infra import ROOT

RUN_DIR = ROOT / ".data" / "bench-import"
COMMUNE = "02020"
CHANNEL = "post_office"
MONTH = "2025-09"
#: Beneficiaries enrolled from two months before the payroll: three lines each.
FROM_MONTH = "2025-07"
OFFICER = Actor(user_id="bench-officer", role="payment_officer", admin_unit=COMMUNE)
TODAY = date(2025, 9, 30)
MIB = 1024 * 1024


@dataclass
class Measure:
    label: str
    rows: int
    file_bytes: int
    whole_peak: int
    import_peak: int
    seconds: float


def enrolled_payroll(app: PaymentApplication, beneficiaries: int) -> list[str]:
    """Enrol `beneficiaries`, generate and approve the month's payroll; its line ids."""
    policy = app.policy.in_force("19", date(2025, 7, 1))
    amount = policy.amount({CATEGORY: 1})
    cases = []
    for number in range(beneficiaries):
        case_id = uuid.uuid4()
        cases.append(case_id)
        app.enrol(
            approval={
                "case_id": case_id,
                "person_id": uuid.uuid4(),
                "benefit": amount.benefit,
                "category": CATEGORY,
                "categories_held": [CATEGORY],
                "residence_scheme": "DVHC_2025_2LEVEL",
                "residence_code": COMMUNE,
                "monthly_amount": amount.monthly_amount,
                "from_month": FROM_MONTH,
                "decision_number": f"{number + 1}/QĐ-UBND",
                "signed_on": date(2025, 7, 1),
            },
            actor=OFFICER,
            correlation_id=uuid.uuid4(),
            causation_id=uuid.uuid4(),
            tracking=Tracking(notification_id=number + 1, application_name="bench-approvals"),
        )
    app.generate_payroll(
        commune=COMMUNE,
        channel=CHANNEL,
        month=MONTH,
        register=app.open_payroll_register(),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
    )
    app.approve_payroll(
        commune=COMMUNE, channel=CHANNEL, month=MONTH, approved_on=TODAY, actor=OFFICER, today=TODAY
    )
    return [
        line_id
        for case_id in cases
        for line_id, line in app.get_entitlement(case_id).lines.items()
        if line["payroll_id"] == str(app.get_payroll(COMMUNE, CHANNEL, MONTH).id)
    ]


def csv_file(line_ids: list[str], rows: int) -> IO[bytes]:
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(["line_id", "full_name", "result", "settled_on"])
    for number in range(rows):
        writer.writerow(
            [line_ids[number % len(line_ids)], "Người Thử", "paid_at_point", "2025-09-20"]
        )
    text.flush()
    text.detach()
    return spool


#: The parts of an .xlsx besides its sheet and shared strings, as Excel writes them.
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC}/officeDocument"'
        ' Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
        '<sheet name="Kết quả" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC}/worksheet"'
        ' Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{_DOC}/sharedStrings"'
        ' Target="sharedStrings.xml"/></Relationships>'
    ),
}


def xlsx_file(line_id: Callable[[int], str], rows: int) -> IO[bytes]:
    """An Excel file as Excel and LibreOffice write one: every text in the shared-strings
    table (openpyxl writes texts inline, which would hide that table: it is what openpyxl
    reads whole)."""
    strings: dict[str, int] = {}

    def cells(number: int, values: list[str]) -> str:
        refs = [strings.setdefault(value, len(strings)) for value in values]
        return (
            f'<row r="{number}">'
            + "".join(
                f'<c r="{column}{number}" t="s"><v>{ref}</v></c>'
                for column, ref in zip("ABCD", refs, strict=True)
            )
            + "</row>"
        )

    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in _XLSX_PARTS.items():
            archive.writestr(name, xml)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            sheet.write(cells(1, ["line_id", "full_name", "result", "settled_on"]).encode())
            for number in range(rows):
                values = [line_id(number), "Người Thử", "paid_at_point", "2025-09-20"]
                sheet.write(cells(number + 2, values).encode())
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w") as table:
            table.write(f'<sst xmlns="{_MAIN}" uniqueCount="{len(strings)}">'.encode())
            for text in strings:
                table.write(f"<si><t>{escape(text)}</t></si>".encode())
            table.write(b"</sst>")
    return spool


def whole_read(file: IO[bytes], kind: str) -> int:
    """The raw baseline: peak traced bytes of reading the file as the import did before it
    streamed (bytes, text, rows, dicts, all at once)."""
    file.seek(0)
    gc.collect()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    content = file.read()
    if kind == "csv":
        table = [list(row) for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))]
    else:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        table = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    header = [str(cell).lower() for cell in table[0]]
    rows = [dict(zip(header, cells, strict=False)) for cells in table[1:]]
    peak = tracemalloc.get_traced_memory()[1] - start
    del content, table, rows
    return peak


def streamed_import(app: PaymentApplication, file: IO[bytes], kind: str) -> tuple[int, float, Any]:
    """Peak traced bytes and seconds of one import through the use case the API calls."""
    gc.collect()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    began = time.perf_counter()
    upload = ResultFile(file, "text/csv" if kind == "csv" else XLSX_TYPE)
    try:
        report = app.import_results(
            commune=COMMUNE,
            channel=CHANNEL,
            month=MONTH,
            filename=f"bench.{kind}",
            upload=upload,
            actor=OFFICER,
            correlation_id=uuid.uuid4(),
            today=TODAY,
        )
    finally:
        upload.close()
    seconds = time.perf_counter() - began
    return tracemalloc.get_traced_memory()[1] - start, seconds, report


def measure(app: PaymentApplication, label: str, file: IO[bytes], kind: str, rows: int) -> Measure:
    size = file.seek(0, io.SEEK_END)
    whole = whole_read(file, kind)
    peak, seconds, report = streamed_import(app, file, kind)
    if report.rows_read != rows:
        raise RuntimeError(f"{label}: read {report.rows_read} rows of {rows}")
    print(f"  {label}: {dict(report.counts)} in {seconds:.1f}s", flush=True)
    return Measure(label, rows, size, whole, peak, seconds)


def table(pairs: list[tuple[Measure, Measure]]) -> None:
    print()
    print(
        f"{'file':<34}{'rows':>9}{'file MiB':>10}{'whole MiB':>11}{'import MiB':>12}"
        f"{'import/whole':>14}{'import/file':>13}"
    )
    for pair in pairs:
        for m in pair:
            print(
                f"{m.label:<34}{m.rows:>9,}{m.file_bytes / MIB:>10.2f}{m.whole_peak / MIB:>11.2f}"
                f"{m.import_peak / MIB:>12.2f}{m.import_peak / m.whole_peak:>14.3f}"
                f"{m.import_peak / m.file_bytes:>13.3f}"
            )
    print()
    print(f"{'10 N against N':<34}{'file':>9}{'whole':>10}{'import':>11}")
    for small, large in pairs:
        print(
            f"{small.label.split(',')[0]:<34}{large.file_bytes / small.file_bytes:>9.2f}"
            f"{large.whole_peak / small.whole_peak:>10.2f}"
            f"{large.import_peak / small.import_peak:>11.2f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=5000, help="N: rows of the smaller file")
    parser.add_argument("--beneficiaries", type=int, default=50, help="M: beneficiaries")
    args = parser.parse_args(argv)
    n = args.rows
    postgres = EmbeddedPostgres(RUN_DIR / "postgres")
    url = postgres.start()
    prefix = f"b{uuid.uuid4().hex[:8]}_"
    app = PaymentApplication(PaymentSettings(database_url=url, prefix=prefix))
    try:
        print(f"enrolling {args.beneficiaries:,} beneficiaries, payroll {MONTH} ...", flush=True)
        line_ids = enrolled_payroll(app, args.beneficiaries)
        first = csv_file(line_ids, len(line_ids))
        _, seconds, report = streamed_import(app, first, "csv")
        print(f"  first import, {len(line_ids):,} lines: {dict(report.counts)} in {seconds:.1f}s")
        with xlsx_file(lambda i: line_ids[i % len(line_ids)], 10) as warm:
            whole_read(warm, "xlsx")  # openpyxl's modules load once, before anything is traced
            streamed_import(app, warm, "xlsx")
        tracemalloc.start()
        pairs = []
        for kind in ("csv", "xlsx"):
            made = []
            for rows in (n, 10 * n):
                if kind == "csv":
                    file = csv_file(line_ids, rows)
                else:
                    file = xlsx_file(lambda i: line_ids[i % len(line_ids)], rows)
                with file:
                    made.append(measure(app, f"{kind}, lines repeated", file, kind, rows))
            pairs.append((made[0], made[1]))
        unique = []
        for rows in (n, 10 * n):
            with xlsx_file(lambda i: f"unknown:{uuid.uuid4()}:{i}", rows) as file:
                unique.append(measure(app, "xlsx, unique unknown lines", file, "xlsx", rows))
        pairs.append((unique[0], unique[1]))
        tracemalloc.stop()
        print(
            f"\nPeak traced Python memory (tracemalloc) of one import; M={args.beneficiaries:,}"
            f" beneficiaries, {len(line_ids):,} lines, N={n:,} rows, chunks of 1,000 rows."
        )
        table(pairs)
    finally:
        app.close()
        postgres.stop()


if __name__ == "__main__":
    main()
