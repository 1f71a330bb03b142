"""HTTP routes of the register (sổ theo dõi đối tượng): now or as of any date, counts, exports.

Communes and provinces are filtered by their 2025 codes; cases recorded under pre-2025 codes
are rolled up through the versioned old -> new table, and a case of a split old commune is
never guessed into one of its successors (`unresolved=true` lists them).
"""

import csv
import io
from collections.abc import Iterator
from datetime import date
from itertools import chain
from typing import IO, Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from pydantic import BaseModel

from backbone.actor import Actor
from backbone.auth import authenticated, jurisdiction_of
from backbone.database import connection
from contracts.categories import CODE_PATTERN
from contracts.categories import label as category_label
from reference.admin_units import DVHC_2025_2LEVEL, AdminUnits
from reference.jurisdiction import RESTRICTED_LABEL, shown_category
from reference.valuation import Valuation
from reference.working_days import today_in_vietnam
from services.reporting import excel, labels
from services.reporting.api.deps import Bounds, Reader, Store, Viewer
from services.reporting.api.downloads import CSV_TYPE, streamed, xlsx_download
from services.reporting.api.scope import units_within
from services.reporting.projections import register
from services.reporting.projections.case_state import Residence, amount_in_force

router = APIRouter(tags=["register"])


class InvalidRegisterQuery(ValueError):
    """A register query that cannot be answered as asked (answered 422, saying what to do)."""


Status = Literal["received", "approved", "rejected", "withdrawn", "active", "suspended", "ceased"]
Commune = Annotated[
    str | None,
    Query(
        pattern=r"^\d{5}$",
        description="Commune code (2025 scheme; with recorded_scheme, the code as recorded)",
    ),
]
Province = Annotated[str | None, Query(pattern=r"^\d{2}$", description="Province, 2025 code")]
Category = Annotated[str | None, Query(pattern=CODE_PATTERN, description="Category code")]
RecordedScheme = Annotated[
    Literal["DVHC_2004_3LEVEL", "DVHC_2025_2LEVEL"] | None,
    Query(description="Match `commune` as recorded in this scheme (the units as they were)"),
]
On = Annotated[
    date | None, Query(description="The register as it stood on this date (default: now)")
]


class RegisterEntry(BaseModel):
    case_id: UUID
    full_name: str | None
    date_of_birth: date | None
    benefit: str | None
    category: str | None
    category_label: str | None
    coefficient: str | None
    residence_scheme: str | None
    residence_code: str | None
    commune_code: str | None
    province_code: str | None
    commune_candidates: list[str]
    status: str
    status_label: str
    received_on: date | None
    decision_number: str | None
    signed_on: date | None
    monthly_amount: int | None
    effective_month: str | None
    enrolled_from: str | None


class RegisterPage(BaseModel):
    on: date | None
    mapping_version: str
    total: int
    limit: int
    offset: int
    items: list[RegisterEntry]


class RegisterCount(BaseModel):
    key: str | None
    label: str | None
    count: int


class RegisterCounts(BaseModel):
    on: date | None
    by: str
    total: int
    counts: list[RegisterCount]


def register_filter(
    actor: Annotated[Actor, Depends(authenticated)],
    status: Status | None = None,
    commune: Commune = None,
    province: Province = None,
    category: Category = None,
    recorded_scheme: RecordedScheme = None,
    unresolved: Annotated[
        bool, Query(description="Only cases of split old communes not yet resolved")
    ] = False,
) -> register.RegisterFilter:
    """The query parameters every register route filters by, within the reader's unit."""
    within = units_within(jurisdiction_of(actor))
    return register.RegisterFilter(
        within=None if within is None else tuple(within),
        status=status,
        commune=commune,
        province=province,
        category=category,
        recorded_scheme=recorded_scheme,
        unresolved=unresolved,
    )


Filter = Annotated[register.RegisterFilter, Depends(register_filter)]


def _entries(
    rows: list[dict[str, Any]], on: date | None, valuation: Valuation, role: str
) -> list[RegisterEntry]:
    """Register rows as the reader sees them: a category that reveals HIV or a disability is
    shown only to the roles that need it (reference/jurisdiction.py)."""
    entries = []
    for row in rows:
        payable = row["status"] in ("active", "suspended")
        amount = row.get("monthly_amount") if payable else None  # as decided, while paid
        if on is not None:
            residence = (
                Residence(row["residence_scheme"], row["residence_code"])
                if row.get("residence_code")
                else None
            )
            amount = (
                amount_in_force(row.get("categories_held") or {}, residence, on, valuation)
                if payable
                else None
            )
        recorded = row.get("category")
        category = shown_category(role, recorded)
        label = category_label(category) if category else None
        entries.append(
            RegisterEntry(
                case_id=row["case_id"],
                full_name=row.get("full_name"),
                date_of_birth=row.get("date_of_birth"),
                benefit=row.get("benefit"),
                category=category,
                category_label=RESTRICTED_LABEL if category != recorded else label,
                coefficient=row.get("coefficient"),
                residence_scheme=row.get("residence_scheme"),
                residence_code=row.get("residence_code"),
                commune_code=row.get("commune_code"),
                province_code=row.get("province_code"),
                commune_candidates=list(row.get("commune_candidates") or []),
                status=row["status"],
                status_label=labels.STATUSES.get(row["status"], row["status"]),
                received_on=row.get("received_on"),
                decision_number=row.get("decision_number"),
                signed_on=row.get("signed_on"),
                monthly_amount=amount,
                effective_month=row.get("effective_month"),
                enrolled_from=row.get("enrolled_from"),
            )
        )
    return entries


def _read(
    store: Store,
    on: date | None,
    where: register.RegisterFilter,
    limit: int,
    offset: int,
    role: str,
) -> tuple[int, list[RegisterEntry]]:
    with connection(store.url) as conn:
        if on is None:
            total, rows = register.query(
                conn, store.schema, where=where, limit=limit, offset=offset
            )
        else:
            total, rows = register.query_as_of(
                conn, store.schema, on=on, where=where, limit=limit, offset=offset
            )
    return total, _entries(rows, on, store.valuation, role)


@router.get(
    "/register", summary="The register (sổ đối tượng), now or as of a date, filtered, paged"
)
def get_register(
    reader: Reader,
    store: Store,
    bounds: Bounds,
    where: Filter,
    on: On = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RegisterPage:
    if on is not None:
        bounds.query("on", on)
    total, items = _read(store, on, where, limit, offset, reader.actor.role)
    reader.record("register", [item.case_id for item in items])
    return RegisterPage(
        on=on,
        mapping_version=store.valuation.units.source,
        total=total,
        limit=limit,
        offset=offset,
        items=items,
    )


COUNTABLE = {
    "status": "status",
    "category": "category",
    "commune": "commune_code",
    "province": "province_code",
    "benefit": "benefit",
}


@router.get("/register/counts", summary="How many cases, by status, category, commune or province")
def get_register_counts(
    _: Viewer,
    store: Store,
    where: Filter,
    bounds: Bounds,
    by: Literal["status", "category", "commune", "province", "benefit"] = "status",
    on: On = None,
) -> RegisterCounts:
    """Counts only, no person: not an access-log read."""
    if on is not None:
        bounds.query("on", on)
    with connection(store.url) as conn:
        rows = register.counts(conn, store.schema, on=on, where=where, by=COUNTABLE[by])
    units = store.valuation.units

    def label(key: str | None) -> str | None:
        if key is None:
            return "Chưa xác định (xã cũ bị chia tách)" if by in ("commune", "province") else None
        if by == "status":
            return labels.STATUSES.get(key, key)
        if by == "category":
            return category_label(key)
        if by == "benefit":
            return labels.CASE_BENEFITS.get(key, key)
        unit = units.get(DVHC_2025_2LEVEL, key)
        return unit.name if unit else key

    counted = [RegisterCount(key=r["key"], label=label(r["key"]), count=r["n"]) for r in rows]
    return RegisterCounts(on=on, by=by, total=sum(c.count for c in counted), counts=counted)


#: Columns of the exported register, with the Vietnamese headers officials read.
EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("index", "STT"),
    ("case_id", "Mã hồ sơ"),
    ("full_name", "Họ và tên"),
    ("date_of_birth", "Ngày sinh"),
    ("category_label", "Đối tượng"),
    ("coefficient", "Hệ số"),
    ("commune_code", "Mã xã (2025)"),
    ("commune_name", "Tên xã (2025)"),
    ("province_code", "Mã tỉnh (2025)"),
    ("residence_code", "Mã đơn vị ghi nhận"),
    ("residence_scheme", "Danh mục ghi nhận"),
    ("status_label", "Trạng thái"),
    ("decision_number", "Số quyết định"),
    ("signed_on", "Ngày ký quyết định"),
    ("monthly_amount", "Mức trợ cấp (đồng/tháng)"),
    ("enrolled_from", "Hưởng từ tháng"),
]


#: Cases per batch of an export: each batch is written to the access log, then sent.
EXPORT_BATCH = 1000
#: Cases one export holds, CSV or Excel: the rows an Excel sheet holds (1,048,576) less the
#: title, source, header and total rows. A larger register is exported by province or commune.
EXPORT_MAX_CASES = 1_048_576 - 4


def _export_rows(items: list[RegisterEntry], first: int, units: AdminUnits) -> list[list[Any]]:
    rows = []
    for index, item in enumerate(items, start=first):
        values = item.model_dump()
        unit = units.get(DVHC_2025_2LEVEL, item.commune_code) if item.commune_code else None
        values.update(
            index=index, case_id=str(item.case_id), commune_name=unit.name if unit else ""
        )
        rows.append([excel.inert(values.get(column)) for column, _ in EXPORT_COLUMNS])
    return rows


def _exported(
    reader: Reader, store: Store, on: date | None, where: register.RegisterFilter
) -> Iterator[list[list[Any]]]:
    """The export's rows, a batch at a time; each batch's cases are written to the access log
    before the batch is handed on, so nothing leaves without a trace."""
    first = 1
    for rows in register.export(store.url, store.schema, on=on, where=where, batch=EXPORT_BATCH):
        items = _entries(rows, on, store.valuation, reader.actor.role)
        reader.record("register export", [item.case_id for item in items])
        yield _export_rows(items, first, store.valuation.units)
        first += len(items)


def _csv(batches: Iterator[list[list[Any]]]) -> Iterator[bytes]:
    """The header, then each batch as CSV; a BOM first, so Excel opens it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for _, header in EXPORT_COLUMNS])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue().encode("utf-8")


def _xlsx(
    into: IO[bytes], batches: Iterator[list[list[Any]]], stamp: str, units_source: str
) -> None:
    """The register sheet, written row by row (openpyxl write-only: rows go to disk)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sổ đối tượng")

    def bold(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = Font(bold=True)
        return cell

    sheet.append([bold(f"SỔ THEO DÕI ĐỐI TƯỢNG HƯỞNG TRỢ GIÚP XÃ HỘI — tại ngày {stamp}")])
    sheet.append([f"Danh mục đơn vị hành chính: {units_source}"])
    sheet.append([bold(header) for _, header in EXPORT_COLUMNS])
    cases = 0
    for rows in batches:
        for row in rows:
            sheet.append(row)
        cases += len(rows)
    sheet.append(["Tổng cộng", cases])
    book.save(into)


@router.get(
    "/register/export",
    summary="The register as a CSV or Excel file with Vietnamese headers",
    description="Streamed: CSV rows are sent as they are read, a thousand cases at a time; an"
    " Excel file is written to disk row by row, then sent. Each thousand cases are written to"
    " the personal-data access log before they are sent. One export holds at most"
    f" {EXPORT_MAX_CASES:,} cases (the rows of an Excel sheet), CSV or Excel: for more, filter"
    " by province or commune (422 says so). Text a spreadsheet would run as a formula (starting"
    " with = + - @, a tab or a carriage return) is exported with an apostrophe first.",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}, excel.CONTENT_TYPE: {}}, "description": "The file"},
        422: {"description": "More cases than one export holds"},
    },
)
def export_register(
    reader: Reader,
    store: Store,
    where: Filter,
    bounds: Bounds,
    format: Literal["csv", "xlsx"] = "xlsx",
    on: On = None,
) -> StreamingResponse:
    if on is not None:
        bounds.query("on", on)
    stamp = (on or today_in_vietnam()).isoformat()
    with connection(store.url) as conn:
        cases = register.count(conn, store.schema, on=on, where=where)
    if cases > EXPORT_MAX_CASES:
        raise InvalidRegisterQuery(
            f"the export holds {cases:,} cases, more than the {EXPORT_MAX_CASES:,} one export "
            "holds (the rows of an Excel sheet): filter by province or commune"
        )
    if format == "csv":
        batches = _exported(reader, store, on, where)
        # The first batch is read (and logged) before answering: a failure then is an error
        # answer, not a cut download.
        first = next(batches, [])
        return streamed(
            _csv(chain([first], batches)),
            media_type=CSV_TYPE,
            filename=f"so-doi-tuong-{stamp}.csv",
        )
    return xlsx_download(
        f"so-doi-tuong-{stamp}.xlsx",
        lambda into: _xlsx(
            into, _exported(reader, store, on, where), stamp, store.valuation.units.source
        ),
    )
