"""Excel workbooks of the statutory reports, laid out like the tables officials file.

Each sheet: the reporting unit and the national motto, a title in capitals, the period, the unit
of measure, Vietnamese column headers, a row numbering the columns "(1) (2) …", the rows, and a
"Tổng cộng" row where the rows add up. Money is integer VND shown with thousands separators.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.reporting import labels
from services.reporting.projections.reports import (
    CESSATION_REASONS,
    BudgetEstimate,
    MonthlyPayments,
    PaymentTotals,
    PeriodReport,
)

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: What a spreadsheet reads as the start of a formula (or, tab and carriage return, of a cell
#: that hides one): text starting so is exported with an apostrophe first (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A cell value no spreadsheet runs: text that would start a formula (a name typed as
    `=HYPERLINK(...)` at intake) gets a leading apostrophe; numbers, dates, None unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


PERIOD_TITLE = "BÁO CÁO KẾT QUẢ THỰC HIỆN CHÍNH SÁCH TRỢ GIÚP XÃ HỘI"
MONTHLY_TITLE = "BÁO CÁO TỔNG HỢP KẾT QUẢ CHI TRẢ TRỢ CẤP, HỖ TRỢ XÃ HỘI HẰNG THÁNG"
BUDGET_TITLE = "DỰ TOÁN KINH PHÍ THỰC HIỆN CHÍNH SÁCH TRỢ GIÚP XÃ HỘI"
TOTAL = "Tổng cộng"

CHANNELS: dict[str | None, str] = {
    "post_office": "Bưu điện (chi tại điểm)",
    "home_delivery": "Chi trả tại nhà",
    "bank_account": "Tài khoản ngân hàng",
    None: "Chưa xác định",
}
BENEFIT_SECTIONS: dict[str | None, tuple[str, str]] = {
    "monthly_allowance": ("I", "Trợ cấp xã hội hằng tháng"),
    "care_support": (
        "II",
        "Hỗ trợ kinh phí chăm sóc, nuôi dưỡng (hộ gia đình, cá nhân nhận chăm sóc)",
    ),
    None: ("III", "Chưa xác định đối tượng"),
}

_MONEY = "#,##0"
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass
class Block:
    """One table of a sheet. `money` holds the 0-based columns that are VND; a row whose first
    cell is a Roman numeral is a section subtotal, shown in bold."""

    caption: str
    headers: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    money: frozenset[int] = frozenset()
    widths: dict[int, int] = field(default_factory=dict)


@dataclass
class Sheet:
    name: str
    blocks: list[Block]
    notes: list[str] = field(default_factory=list)


def workbook(
    *, title: str, unit_name: str, period: str, sheets: Sequence[Sheet], made_on: date
) -> Workbook:
    """The workbook, in memory until saved: its rows are communes and categories, never
    cases (a national monthly report is about 10,000 rows), and its merged title cells need
    openpyxl's normal mode. The API saves it to a temporary file and streams that."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for sheet in sheets:
        _write(book.create_sheet(sheet.name[:31]), title, unit_name, period, sheet, made_on)
    return book


def _write(
    ws: Worksheet, title: str, unit_name: str, period: str, sheet: Sheet, made_on: date
) -> None:
    width = max(len(block.headers) for block in sheet.blocks)
    right = max(width - 3, 3)
    ws.cell(1, 1, f"Đơn vị báo cáo: {unit_name}").font = Font(bold=True)
    ws.cell(1, right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").font = Font(bold=True)
    ws.cell(2, right, "Độc lập - Tự do - Hạnh phúc").font = Font(bold=True, underline="single")
    ws.cell(4, 1, title).font = Font(bold=True, size=13)
    ws.cell(5, 1, period).font = Font(italic=True)
    ws.cell(6, width, "Đơn vị tính: người, lượt; đồng").font = Font(italic=True)
    for row in (4, 5):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        ws.cell(row, 1).alignment = Alignment(horizontal="center")
    ws.cell(6, width).alignment = Alignment(horizontal="right")
    at = 7
    for block in sheet.blocks:
        at = _block(ws, block, at) + 1
    for note in sheet.notes:
        ws.cell(at, 1, note).font = Font(italic=True)
        at += 1
    ws.cell(at + 1, width, f"Ngày lập: {made_on:%d/%m/%Y}").font = Font(italic=True)
    ws.column_dimensions["A"].width = 6
    for index in range(2, width + 1):
        ws.column_dimensions[get_column_letter(index)].width = 16
    for block in sheet.blocks:
        for column, size in block.widths.items():
            ws.column_dimensions[get_column_letter(column + 1)].width = size


def _block(ws: Worksheet, block: Block, at: int) -> int:
    """Write the block from row `at`; the next free row."""
    ws.cell(at, 1, block.caption).font = Font(bold=True)
    at += 1
    for column, header in enumerate(block.headers, start=1):
        cell = ws.cell(at, column, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        number = ws.cell(at + 1, column, f"({column})")
        number.font = Font(italic=True)
        number.alignment = Alignment(horizontal="center")
        number.border = _BORDER
    at += 2
    rows = [*block.rows, *([block.total] if block.total is not None else [])]
    for index, values in enumerate(rows):
        is_total = block.total is not None and index == len(rows) - 1
        bold = is_total or (bool(values) and str(values[0]) in ("I", "II", "III"))
        for column, value in enumerate(values, start=1):
            cell = ws.cell(at, column, inert(value))
            cell.border = _BORDER
            if bold:
                cell.font = Font(bold=True)
            if column - 1 in block.money and isinstance(value, int):
                cell.number_format = _MONEY
        at += 1
    return at


def _filename_part(code: str | None) -> str:
    return code or "toan-quoc"


# --- monthly payments ------------------------------------------------------------------------

MONTHLY_HEADERS = [
    "STT",
    "Mã xã",
    "Tên xã",
    "Tỉnh, thành phố",
    "Hình thức chi trả",
    "Số đối tượng",
    "Số dòng chi trả",
    "Tổng số tiền lập danh sách",
    "Trợ cấp tháng",
    "Truy lĩnh",
    "Hỗ trợ mai táng",
    "Đã chi trả",
    "Không nhận / chi không thành công",
    "Chưa có kết quả",
]


def _payment_values(totals: PaymentTotals) -> list[Any]:
    return [
        totals.beneficiaries,
        totals.lines,
        totals.amount,
        totals.by_kind["current"].amount,
        totals.by_kind["arrears"].amount,
        totals.by_kind["funeral_support"].amount,
        totals.paid.amount,
        totals.unpaid.amount,
        totals.pending.amount,
    ]


def monthly_payments(report: MonthlyPayments, made_on: date) -> tuple[str, Workbook]:
    """The month's summary: one row per 2025 commune and channel, then the total."""
    year, month = report.month.split("-")
    rows = [
        [
            index,
            row.commune_code or "",
            row.commune_name or "Chưa xác định xã (xã cũ bị chia tách)",
            row.province_name or "",
            CHANNELS.get(row.channel, row.channel),
            *_payment_values(row),
        ]
        for index, row in enumerate(report.rows, start=1)
    ]
    block = Block(
        caption=f"Biểu: Kết quả chi trả theo xã và hình thức chi trả, tháng {month}/{year}",
        headers=MONTHLY_HEADERS,
        rows=rows,
        total=["", "", TOTAL, "", "", *_payment_values(report.total)],
        money=frozenset(range(7, 14)),
        widths={2: 28, 3: 22, 4: 22},
    )
    content = workbook(
        title=f"{MONTHLY_TITLE} - THÁNG {month}/{year}",
        unit_name=report.unit_name,
        period=f"Danh sách chi trả tháng {month}/{year} (gồm truy lĩnh các tháng trước)",
        sheets=[
            Sheet(
                f"Chi trả tháng {month}-{year}",
                [block],
                notes=[
                    "Số đối tượng: số người có dòng chi trả trong tháng; dòng không nhận hoặc"
                    " chi không thành công được lập lại thành truy lĩnh ở tháng sau.",
                ],
            )
        ],
        made_on=made_on,
    )
    return f"chi-tra-{report.month}-{_filename_part(report.unit_code)}.xlsx", content


# --- six-month and annual report -------------------------------------------------------------


def _sections(rows: Iterable[Any]) -> dict[str | None, list[Any]]:
    """Rows by benefit section: both benefits always (an official table shows the caregiver
    households even when there are none), rows of no known benefit only when there are."""
    found: dict[str | None, list[Any]] = {"monthly_allowance": [], "care_support": []}
    for row in rows:
        key = row.benefit if row.benefit in BENEFIT_SECTIONS else None
        found.setdefault(key, []).append(row)
    return {key: found[key] for key in BENEFIT_SECTIONS if key in found}


def _beneficiary_block(report: PeriodReport) -> Block:
    counts = report.beneficiaries

    def values(row: Any) -> list[Any]:
        return [row.opening, row.closing, row.active, row.suspended, row.units]

    rows: list[list[Any]] = []
    for benefit, members in _sections(counts.rows).items():
        numeral, name = BENEFIT_SECTIONS[benefit]
        subtotal = counts.by_benefit.get(benefit or "")
        sums = values(subtotal) if subtotal else _column_sums(values(r) for r in members)
        rows.append([numeral, name, "", "", *sums])
        for index, row in enumerate(members, start=1):
            rows.append(
                [
                    index,
                    row.category_label or "",
                    row.category or "",
                    row.coefficient or "",
                    *values(row),
                ]
            )
    return Block(
        caption=(
            "Biểu 1. Số đối tượng hưởng trợ giúp xã hội hằng tháng theo đối tượng và hệ số"
            f" (đầu kỳ: ngày {counts.opening_on:%d/%m/%Y}; cuối kỳ: ngày {counts.closing_on:%d/%m/%Y})"
        ),
        headers=[
            "STT",
            "Đối tượng",
            "Mã đối tượng",
            "Hệ số",
            "Số đối tượng đầu kỳ",
            "Số đối tượng cuối kỳ",
            "Trong đó: đang hưởng",
            "Trong đó: tạm dừng",
            "Số suất hưởng",
        ],
        rows=rows,
        total=["", TOTAL, "", "", *values(counts.total)],
        widths={1: 60, 2: 34},
    )


def _column_sums(rows: Iterable[list[int]]) -> list[int]:
    return [sum(column) for column in zip(*rows, strict=True)]


def _flow_values(row: Any) -> list[Any]:
    return [
        row.new_grants,
        row.moved_in,
        row.ceased,
        *(row.ceased_by_reason.get(reason, 0) for reason in CESSATION_REASONS),
        row.moved_out,
        row.adjusted,
        row.suspended,
        row.resumed,
    ]


def _flow_block(report: PeriodReport) -> Block:
    rows = [
        [index, row.category_label or "Chưa xác định", row.category or "", *_flow_values(row)]
        for index, row in enumerate(report.flows, start=1)
    ]
    return Block(
        caption="Biểu 2. Biến động đối tượng trong kỳ (số quyết định ký trong kỳ)",
        headers=[
            "STT",
            "Đối tượng",
            "Mã đối tượng",
            "Hưởng mới",
            "Chuyển đến",
            "Thôi hưởng",
            *(f"Thôi hưởng: {labels.CESSATION_REASONS[r].lower()}" for r in CESSATION_REASONS),
            "Chuyển đi",
            "Điều chỉnh mức",
            "Tạm dừng",
            "Tiếp tục chi trả",
        ],
        rows=rows,
        total=["", TOTAL, "", *_flow_values(report.flows_total)],
        widths={1: 60, 2: 34},
    )


def _money_values(row: Any) -> list[Any]:
    return [
        row.current_paid,
        row.arrears_paid,
        row.funeral_support_paid,
        row.paid,
        row.unpaid,
        row.issued,
    ]


def _money_blocks(report: PeriodReport) -> list[Block]:
    money = report.money
    rows: list[list[Any]] = []
    for benefit, members in _sections(money.rows).items():
        numeral, name = BENEFIT_SECTIONS[benefit]
        subtotal = money.by_benefit.get(benefit or "")
        values = (
            _money_values(subtotal)
            if subtotal is not None
            else _column_sums(_money_values(r) for r in members)
        )
        rows.append([numeral, name, "", *values])
        for index, row in enumerate(members, start=1):
            rows.append([index, row.category_label or "", row.category or "", *_money_values(row)])
    by_category = Block(
        caption="Biểu 3. Kinh phí chi trả trong kỳ theo đối tượng (theo ngày chi trả được báo)",
        headers=[
            "STT",
            "Đối tượng",
            "Mã đối tượng",
            "Trợ cấp tháng đã chi",
            "Truy lĩnh đã chi",
            "Hỗ trợ mai táng đã chi",
            "Tổng số đã chi",
            "Không nhận / chi không thành công",
            "Số tiền lập danh sách các tháng trong kỳ",
        ],
        rows=rows,
        total=["", TOTAL, "", *_money_values(money.total)],
        money=frozenset(range(3, 9)),
        widths={1: 60, 2: 34},
    )
    indicators = Block(
        caption="Biểu 3b. Chi sai, thu hồi, hỗ trợ mai táng và hỗ trợ chăm sóc, nuôi dưỡng",
        headers=["STT", "Chỉ tiêu", "Số trường hợp / lượt", "Số tiền"],
        rows=[
            [1, "Chi sai (chi thừa) phát hiện", *_amount(money.overpayments_detected)],
            [2, "Quyết định thu hồi", *_amount(money.recovery_decided)],
            [3, "Đã thu hồi (nộp lại)", *_amount(money.recovered)],
            [4, "Miễn thu hồi", *_amount(money.waived)],
            [5, "Quyết định hỗ trợ chi phí mai táng", *_amount(money.funeral_support_decided)],
            [6, "Hỗ trợ chi phí mai táng đã chi", "", money.total.funeral_support_paid],
            [7, "Hỗ trợ kinh phí chăm sóc, nuôi dưỡng đã chi", "", money.care_support_paid],
            [8, "Truy lĩnh đã chi", "", money.total.arrears_paid],
        ],
        money=frozenset({3}),
    )
    return [by_category, indicators]


def _amount(found: Any) -> list[int]:
    return [found.count, found.amount]


def _timeliness_blocks(report: PeriodReport) -> list[Block]:
    t = report.timeliness

    def values(found: Any) -> list[int]:
        return [found.total, found.on_time, found.late, found.unknown]

    decisions = Block(
        caption="Biểu 4. Giải quyết hồ sơ: quyết định ký trong kỳ so với thời hạn",
        headers=["STT", "Chỉ tiêu", "Tổng số", "Đúng hạn", "Quá hạn", "Chưa xác định"],
        rows=[
            [1, "Quyết định hưởng trợ cấp", *values(t.approvals)],
            [2, "Quyết định không hưởng (có lý do)", *values(t.rejections)],
        ],
        total=["", TOTAL, *values(t.decisions)],
        widths={1: 60},
    )
    reasons = Block(
        caption="Biểu 4b. Lý do không hưởng",
        headers=["STT", "Lý do", "Số hồ sơ"],
        rows=[[i, reason, n] for i, (reason, n) in enumerate(t.rejection_reasons.items(), 1)],
        total=["", TOTAL, sum(t.rejection_reasons.values())],
    )
    others = Block(
        caption="Biểu 4c. Hồ sơ, khiếu nại",
        headers=["STT", "Chỉ tiêu", "Số lượng"],
        rows=[
            [1, "Hồ sơ tiếp nhận trong kỳ", t.dossiers_received],
            [2, "Hồ sơ rút", t.withdrawals],
            [3, "Bước giải quyết quá hạn được phát hiện", t.overdue_steps],
            [4, "Khiếu nại tiếp nhận", t.complaints_received],
            [5, "Khiếu nại đã giải quyết", t.complaints_concluded.total],
            [6, "Trong đó: đúng hạn", t.complaints_concluded.on_time],
            [7, "Trong đó: quá hạn", t.complaints_concluded.late],
            [8, "Khiếu nại đúng (chấp nhận)", t.complaints_upheld],
        ],
    )
    return [decisions, reasons, others]


def period_report(report: PeriodReport, made_on: date) -> tuple[str, Workbook]:
    """One sheet per table of the six-month or annual report."""
    period = f"Kỳ báo cáo: từ ngày {report.start:%d/%m/%Y} đến ngày {report.end:%d/%m/%Y}"
    content = workbook(
        title=f"{PERIOD_TITLE} {report.title}",
        unit_name=report.unit_name,
        period=period,
        sheets=[
            Sheet(
                "Biểu 1 - Đối tượng",
                [_beneficiary_block(report)],
                notes=[
                    "Hộ gia đình, cá nhân nhận chăm sóc, nuôi dưỡng được tính là đối tượng"
                    " (mục II). Số suất: trợ cấp tính theo số con đang nuôi hoặc số người"
                    " được chăm sóc tính mỗi suất.",
                ],
            ),
            Sheet("Biểu 2 - Biến động", [_flow_block(report)]),
            Sheet("Biểu 3 - Kinh phí", _money_blocks(report)),
            Sheet("Biểu 4 - Giải quyết hồ sơ", _timeliness_blocks(report)),
        ],
        made_on=made_on,
    )
    return (
        f"bao-cao-tro-giup-xa-hoi-{report.period}-{_filename_part(report.unit_code)}.xlsx",
        content,
    )


# --- budget estimate -------------------------------------------------------------------------


def budget_estimate(report: BudgetEstimate, made_on: date) -> tuple[str, Workbook]:
    def rows_of(found: list[Any]) -> list[list[Any]]:
        return [
            [
                index,
                row.category_label or "Chưa xác định",
                row.category or "",
                row.coefficient or "",
                row.beneficiaries,
                row.monthly_amount,
                row.annual_amount,
            ]
            for index, row in enumerate(found, start=1)
        ]

    headers = [
        "STT",
        "Đối tượng",
        "Mã đối tượng",
        "Hệ số",
        "Số đối tượng",
        "Mức trợ cấp tháng",
        "Kinh phí cả năm",
    ]
    existing = Block(
        caption=f"A. Đối tượng đang hưởng tại ngày {report.as_of:%d/%m/%Y}, tính đủ 12 tháng",
        headers=headers,
        rows=rows_of(report.existing),
        total=["", TOTAL, "", "", report.existing_beneficiaries, "", report.existing_total],
        money=frozenset({5, 6}),
        widths={1: 60, 2: 34},
    )
    grants = Block(
        caption=(
            "B. Đối tượng mới dự kiến (theo quyết định hưởng từ ngày"
            f" {report.window_start:%d/%m/%Y} đến ngày {report.as_of:%d/%m/%Y})"
        ),
        headers=headers,
        rows=rows_of(report.new_grants),
        total=["", TOTAL, "", "", report.new_grants_counted, "", report.new_grants_total],
        money=frozenset({5, 6}),
    )
    summary = Block(
        caption=f"C. Tổng hợp dự toán kinh phí năm {report.year}",
        headers=["STT", "Nội dung", "Số lượng", "Kinh phí"],
        rows=[
            [
                1,
                "Trợ cấp, hỗ trợ cho đối tượng đang hưởng",
                report.existing_beneficiaries,
                report.existing_total,
            ],
            [2, "Đối tượng mới dự kiến", report.new_grants_counted, report.new_grants_total],
            [3, "Hỗ trợ chi phí mai táng", report.deaths_counted, report.funeral_total],
            [4, "Truy lĩnh", report.arrears_lines, report.arrears_total],
        ],
        total=["", TOTAL, "", report.total],
        money=frozenset({3}),
    )
    assumptions = Block(
        caption="D. Giả định và nguồn số liệu ([U]: chưa có căn cứ pháp lý, là tham số)",
        headers=["STT", "Giả định", "Giá trị", "Nguồn", "Mức tin cậy", "Tham số"],
        rows=[
            [i, a.label, a.value, a.source, a.confidence, a.parameter or ""]
            for i, a in enumerate(report.assumptions, start=1)
        ],
        widths={2: 30, 3: 50},
    )
    notes = [f"Chưa tính được: {item}" for item in report.not_valued]
    if report.suspended_not_counted:
        notes.append(f"Đối tượng đang tạm dừng không tính: {report.suspended_not_counted}")
    content = workbook(
        title=f"{BUDGET_TITLE} NĂM {report.year}",
        unit_name=report.unit_name,
        period=f"Năm dự toán: {report.year}; ngày tham chiếu: {report.as_of:%d/%m/%Y}",
        sheets=[Sheet(f"Dự toán {report.year}", [existing, grants, summary, assumptions], notes)],
        made_on=made_on,
    )
    return f"du-toan-{report.year}-{_filename_part(report.unit_code)}.xlsx", content
