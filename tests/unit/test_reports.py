"""The statutory reports' rules that need no database: periods, months, units, assumptions,
and the layout of the Excel tables."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from reference.admin_units import load_admin_units
from reference.policy import policy_book
from services.reporting import excel
from services.reporting.projections import reports
from services.reporting.projections.payments import Tally

UNITS = load_admin_units()


@pytest.mark.parametrize(
    ("text", "start", "end", "title"),
    [
        ("2025-H1", date(2025, 1, 1), date(2025, 6, 30), "6 THÁNG ĐẦU NĂM 2025"),
        ("2025-H2", date(2025, 7, 1), date(2025, 12, 31), "6 THÁNG CUỐI NĂM 2025"),
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "NĂM 2024"),
    ],
)
def test_a_period_is_a_half_year_or_a_year_with_its_official_title(
    text: str, start: date, end: date, title: str
) -> None:
    period = reports.ReportPeriod.parse(text)
    assert (period.start, period.end, period.title) == (start, end, title)


@pytest.mark.parametrize("text", ["2025-H3", "2025-06", "25-H1", "2025H1", "1999", ""])
def test_a_malformed_period_is_refused_with_the_forms_expected(text: str) -> None:
    with pytest.raises(
        reports.InvalidReportQuery, match=r"YYYY-H1|first day the policy tables cover"
    ):
        reports.ReportPeriod.parse(text)


@pytest.mark.parametrize("text", ["2025-13", "2025-1", "2025/01", "202501"])
def test_a_malformed_month_is_refused(text: str) -> None:
    with pytest.raises(reports.InvalidReportQuery, match="YYYY-MM"):
        reports.parse_month(text)


def test_months_and_years_are_counted_back_across_year_ends_and_leap_days() -> None:
    assert reports.add_months("2026-11", -11) == "2025-12"
    assert reports.add_months("2025-01", -1) == "2024-12"
    assert reports.a_year_before(date(2024, 2, 29)) == date(2023, 2, 28)


def test_a_scope_takes_2025_codes_only_and_reads_the_old_communes_rolled_into_them() -> None:
    scope = reports.Scope.of(commune="02020", province=None, units=UNITS)
    assert scope.name == "Xã Chợ Đồn, Tỉnh Thái Nguyên"
    assert "02053" in (scope.recorded_codes() or [])  # Xã Ngọc Phái went into Xã Chợ Đồn
    province = reports.Scope.of(commune=None, province="19", units=UNITS)
    assert {"02020", "02053"} <= set(province.recorded_codes() or [])
    assert reports.Scope.of(commune=None, province=None, units=UNITS).recorded_codes() is None
    with pytest.raises(reports.InvalidReportQuery, match="34 provinces"):
        reports.Scope.of(commune=None, province="06", units=UNITS)  # Bắc Kạn, merged in 2025
    with pytest.raises(reports.InvalidReportQuery, match="not both"):
        reports.Scope.of(commune="02020", province="19", units=UNITS)


def test_the_budget_names_the_levels_it_used_and_the_least_certain_confidence() -> None:
    levels = {"01": {(date(2027, m, 1), 650_000, "ND76-2024+HN-NQ63-2025") for m in (1, 2)}}
    used = reports._standard_level(2027, levels, policy_book())
    assert used.value == "tỉnh 01: 650000 đồng (ND76-2024+HN-NQ63-2025) từ 01/2027"
    assert used.confidence == "U"  # Hà Nội's effective date is unconfirmed
    national = reports._standard_level(2027, {}, policy_book())
    assert (national.value, national.confidence) == (
        "toàn quốc: 500000 đồng (ND76-2024) từ 01/2027",
        "S",
    )


def test_the_monthly_workbook_has_numbered_columns_and_a_total_row() -> None:
    row = reports.PaymentRow(
        province_code="19",
        province_name="Tỉnh Thái Nguyên",
        commune_code="02020",
        commune_name="Xã Chợ Đồn",
        channel="home_delivery",
    )
    row.add("current", "paid_at_home", 2, 1_500_000)
    row.add("arrears", None, 1, 750_000)
    row.beneficiaries = 2
    total = reports.PaymentTotals()
    total.add("current", "paid_at_home", 2, 1_500_000)
    total.add("arrears", None, 1, 750_000)
    total.beneficiaries = 2
    found = reports.MonthlyPayments("2025-09", "19", "Tỉnh Thái Nguyên", [row], total)
    assert (total.paid, total.pending, total.unpaid) == (
        Tally(2, 1_500_000),
        Tally(1, 750_000),
        Tally(),
    )

    name, book = excel.monthly_payments(found, date(2025, 10, 1))
    assert name == "chi-tra-2025-09-19.xlsx"
    saved = io.BytesIO()
    book.save(saved)
    ws = load_workbook(io.BytesIO(saved.getvalue()))["Chi trả tháng 09-2025"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    headers = next(r for r in rows if r[0] == "STT")
    numbers = rows[rows.index(headers) + 1]
    assert numbers == [f"({i})" for i in range(1, len(headers) + 1)]
    data = rows[rows.index(headers) + 2]
    assert data[2:5] == ["Xã Chợ Đồn", "Tỉnh Thái Nguyên", "Chi trả tại nhà"]
    totals = next(r for r in rows if "Tổng cộng" in r)
    assert totals[headers.index("Tổng số tiền lập danh sách")] == 2_250_000
    assert totals[headers.index("Chưa có kết quả")] == 750_000
    assert rows[0][0] == "Đơn vị báo cáo: Tỉnh Thái Nguyên"
