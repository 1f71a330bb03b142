"""HTTP routes of the statutory reports: monthly payments, six-month and annual, budget estimate.

Sums and counts only, never a person, so reading them leaves no personal-data access-log entry.
Each answers JSON by default and, with `format=xlsx`, the Excel file officials file.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from openpyxl import Workbook

from backbone.database import connection
from reference.admin_units import AdminUnits
from reference.months import last_day
from reference.policy import policy_book
from reference.working_days import today_in_vietnam
from services.reporting import excel
from services.reporting.api.deps import Bounds, Store, Viewer
from services.reporting.api.downloads import xlsx_download
from services.reporting.api.payments import InvalidQuery
from services.reporting.api.scope import report_scope
from services.reporting.projections import reports
from services.reporting.settings import ReportingSettings

router = APIRouter(prefix="/reports", tags=["reports"])


class InvalidReportQuery(InvalidQuery):
    """A report parameter is not in the form the report expects (answered 422)."""


def report_settings(request: Request) -> ReportingSettings:
    """The settings the budget's default assumptions come from, read once per app."""
    settings: ReportingSettings | None = getattr(request.app.state, "settings", None)
    if settings is None:
        settings = getattr(request.app.state, "report_settings", None)
    if settings is None:
        settings = request.app.state.report_settings = ReportingSettings()
    return settings


Settings = Annotated[ReportingSettings, Depends(report_settings)]
Format = Annotated[
    Literal["json", "xlsx"],
    Query(description="json (default), or xlsx: the Excel file with Vietnamese labels"),
]
#: Codes, months and numbers are checked by the report, which says what to send; the maximum
#: only keeps a long string out.
Province = Annotated[
    str | None,
    Query(
        max_length=10,
        description="Province, 2-digit 2025 code (or give commune)",
        examples=["19"],
    ),
]
Commune = Annotated[
    str | None,
    Query(
        max_length=10,
        description="Commune, 5-digit 2025 code (or give province)",
        examples=["02020"],
    ),
]
District = Annotated[
    str | None,
    Query(
        max_length=10,
        description="With recorded_scheme=DVHC_2004_3LEVEL: an old district, 3-digit code",
        examples=["063"],
    ),
]
RecordedScheme = Annotated[
    Literal["DVHC_2025_2LEVEL", "DVHC_2004_3LEVEL"],
    Query(
        description="DVHC_2004_3LEVEL: commune, district or province are the units as they were"
        " up to 30/06/2025 (for months before July 2025); default: the 2025 units"
    ),
]


def _scope(
    scheme: str,
    *,
    commune: str | None,
    district: str | None,
    province: str | None,
    units: AdminUnits,
) -> reports.Scope:
    """The 2025 units (old records rolled up), or one unit as it was before July 2025."""
    if scheme == "DVHC_2004_3LEVEL":
        return reports.Scope.as_was(
            commune=commune, district=district, province=province, units=units
        )
    if district is not None:
        raise reports.InvalidReportQuery(
            "districts ended on 30/06/2025: give recorded_scheme=DVHC_2004_3LEVEL with district"
            " for a period before July 2025, or a 2025 commune or province"
        )
    return reports.Scope.of(commune=commune, province=province, units=units)


XLSX: dict[int | str, dict[str, Any]] = {
    200: {"content": {excel.CONTENT_TYPE: {}}, "description": "JSON, or the Excel file"}
}


@contextmanager
def _refused() -> Iterator[None]:
    """A parameter the report refuses becomes the API's 422, with the report's reason."""
    try:
        yield
    except reports.InvalidReportQuery as error:
        raise InvalidReportQuery(str(error)) from error


def _xlsx(filename: str, book: Workbook) -> StreamingResponse:
    return xlsx_download(filename, book.save)


@router.get(
    "/monthly-payments",
    summary="Monthly payment summary per commune and channel (VND)",
    response_model=reports.MonthlyPayments,
    responses=XLSX,
)
def get_monthly_payments(
    viewer: Viewer,
    store: Store,
    bounds: Bounds,
    month: Annotated[
        str, Query(max_length=10, description="Payroll month, YYYY-MM", examples=["2025-09"])
    ],
    province: Province = None,
    commune: Commune = None,
    district: District = None,
    recorded_scheme: RecordedScheme = "DVHC_2025_2LEVEL",
    format: Format = "json",
) -> Any:
    """Every line the payrolls of `month` issued in a commune, a province or the country (arrears
    of earlier months included, under the payroll month that carried them), per 2025 commune and
    channel: lines, beneficiaries, amount issued by kind, paid, not collected or failed, pending.
    Payrolls of old communes count for the 2025 commune their beneficiaries were rolled up into.
    """
    with _refused():
        month = reports.parse_month(month, bounds)
        scope = _scope(
            recorded_scheme,
            commune=commune,
            district=district,
            province=province,
            units=store.valuation.units,
        )
        scope = report_scope(viewer, scope)
        scope.check_period(last_day(month))
    with connection(store.url) as conn:
        found = reports.monthly_payments(conn, store.schema, month=month, scope=scope)
    if format == "xlsx":
        return _xlsx(*excel.monthly_payments(found, today_in_vietnam()))
    return found


@router.get(
    "/period",
    summary="Six-month or annual report (báo cáo 6 tháng, năm)",
    response_model=reports.PeriodReport,
    responses=XLSX,
)
def get_period_report(
    viewer: Viewer,
    store: Store,
    bounds: Bounds,
    period: Annotated[
        str,
        Query(max_length=10, description="YYYY-H1, YYYY-H2 or YYYY", examples=["2025-H1", "2025"]),
    ],
    province: Province = None,
    commune: Commune = None,
    district: District = None,
    recorded_scheme: RecordedScheme = "DVHC_2025_2LEVEL",
    format: Format = "json",
) -> Any:
    """Beneficiaries at the period's end by category and coefficient (caregiver households
    counted as beneficiaries), flows (decisions signed in the period: new grants, cessations by
    reason, adjustments, suspensions, moves), money (lines reported paid in the period, by kind;
    overpayments, recoveries, waivers, funeral and care support) and timeliness (decisions on
    time or late, rejections with reasons, complaints)."""
    with _refused():
        parsed = reports.ReportPeriod.parse(period, bounds)
        scope = _scope(
            recorded_scheme,
            commune=commune,
            district=district,
            province=province,
            units=store.valuation.units,
        )
        scope = report_scope(viewer, scope)
        scope.check_period(parsed.end)
    with connection(store.url) as conn:
        found = reports.period_report(conn, store.schema, period=parsed, scope=scope)
    if format == "xlsx":
        return _xlsx(*excel.period_report(found, today_in_vietnam()))
    return found


def _decimal(name: str, raw: str | None, default: Decimal, low: Decimal, high: Decimal) -> Decimal:
    if raw is None:
        return default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not low <= value <= high:
        raise InvalidReportQuery(f"{name} {raw!r}: give a number from {low} to {high}")
    return value


@router.get(
    "/budget-estimate",
    summary="Budget estimate (dự toán kinh phí) for a year, with its assumptions",
    response_model=reports.BudgetEstimate,
    responses=XLSX,
)
def get_budget_estimate(
    viewer: Viewer,
    store: Store,
    settings: Settings,
    bounds: Bounds,
    year: Annotated[
        str, Query(max_length=10, description="The budget year, YYYY", examples=["2026"])
    ],
    province: Province = None,
    commune: Commune = None,
    as_of: Annotated[
        str | None,
        Query(
            max_length=32,
            description="Reference date of the beneficiaries counted, YYYY-MM-DD (default: the"
            " 31 December before the budget year, or today if earlier)",
        ),
    ] = None,
    new_grant_months: Annotated[
        str | None,
        Query(max_length=32, description="[U] Months a new beneficiary is paid on average, 0-12"),
    ] = None,
    new_grant_growth: Annotated[
        str | None,
        Query(max_length=32, description="[U] New grants as a multiple of the last 12 months'"),
    ] = None,
    funeral_multiple: Annotated[
        int | None, Query(description="Funeral support in standard levels (at least 20)")
    ] = None,
    include_suspended: Annotated[
        bool | None, Query(description="[U] Count beneficiaries suspended at the reference date")
    ] = None,
    format: Format = "json",
) -> Any:
    """Next year's need (DOMAIN §7.1): Σ(beneficiaries on the rolls at the reference date ×
    standard level in force in each month of the year × coefficient) + expected new grants
    (approvals of the last 12 months) + funeral support (deaths of the last 12 months × 20 ×
    standard level) + arrears (as the last 12 months' payrolls carried). Every assumption is
    listed with its source; those that are not law are parameters with defaults in settings."""
    if not (len(year) == 4 and year.isdigit()):
        raise InvalidReportQuery(f"year {year!r}: give the budget year as YYYY, e.g. 2026")
    with _refused():
        budget_year = reports.check_year(int(year), "year", bounds)
        scope = report_scope(
            viewer,
            reports.Scope.of(commune=commune, province=province, units=store.valuation.units),
        )
    if as_of is None:
        reference = min(today_in_vietnam(), date(budget_year - 1, 12, 31))
    else:
        try:
            reference = date.fromisoformat(as_of)
        except ValueError:
            raise InvalidReportQuery(
                f"as_of {as_of!r} is not a date: give YYYY-MM-DD, e.g. {budget_year - 1}-12-31"
            ) from None
        if reference.year >= budget_year:
            raise InvalidReportQuery(
                f"as_of {as_of} must be before the budget year {budget_year}: the estimate"
                " starts from the beneficiaries known before it"
            )
    bounds.query("as_of" if as_of else "as_of (by default 31 December before the year)", reference)
    multiple = settings.budget_funeral_multiple if funeral_multiple is None else funeral_multiple
    if multiple < 20:
        raise InvalidReportQuery(
            f"funeral_multiple {multiple}: funeral support is at least 20 x the standard level"
            " (Decree 20/2021 Art. 11)"
        )
    parameters = reports.BudgetParameters(
        new_grant_months=_decimal(
            "new_grant_months",
            new_grant_months,
            settings.budget_new_grant_months,
            Decimal(0),
            Decimal(12),
        ),
        new_grant_growth=_decimal(
            "new_grant_growth",
            new_grant_growth,
            settings.budget_new_grant_growth,
            Decimal(0),
            Decimal(10),
        ),
        funeral_multiple=multiple,
        include_suspended=(
            settings.budget_include_suspended if include_suspended is None else include_suspended
        ),
    )
    with connection(store.url) as conn:
        found = reports.budget_estimate(
            conn,
            store.schema,
            year=budget_year,
            as_of=reference,
            scope=scope,
            parameters=parameters,
            policy=policy_book(settings.policy_dir),
        )
    if format == "xlsx":
        return _xlsx(*excel.budget_estimate(found, today_in_vietnam()))
    return found
