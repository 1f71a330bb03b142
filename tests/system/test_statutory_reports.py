"""Statutory reports on a running system: the monthly payment summary, the six-month and annual
report and the budget estimate, checked against the payment events on the bus (read straight
from the topic, not from the tables the reports read), and their Excel files."""

import io
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from backbone.system import System
from contracts.topics import CASE_EVENT_TOPICS, PAYMENT_EVENTS
from tests.support import kafka
from tests.support.api import Client, dossier_body, officer_of, ok, token
from tests.support.cases import approved_in_june_2024
from tests.support.eventually import eventually
from tests.support.payrolls import approved_payroll, record_results
from tests.system.test_delivery import bootstrap
from tests.system.test_payment_lifecycle import entitlement, post

OLD = "02053"  # Xã Ngọc Phái (2004 scheme), the commune of approved_in_june_2024 ...
NEW = "02020"  # ... rolled up into Xã Chợ Đồn (2025 scheme) ...
PROVINCE = "19"  # ... of Thái Nguyên
HANOI_COMMUNE = "00004"  # Phường Ba Đình (2025 scheme), Hà Nội: a provincial standard level
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report(client: Client, path: str, role: str = "inspector", **params: Any) -> httpx.Response:
    return client.http.get(
        client.url("reporting", f"/reports/{path}"), params=params, headers=token(role)
    )


def payroll_lines(client: Client, commune: str, month: str, approved_on: str) -> list[Any]:
    return approved_payroll(client, commune, month, approved_on=approved_on)


def settle(
    client: Client, commune: str, month: str, results: list[tuple[dict[str, Any], str]], on: str
) -> None:
    record_results(client, commune, month, results, settled_on=on)


def payment_events(system: System, case_ids: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """The payment topic's events of these cases, each once (a relay may publish twice)."""
    seen: set[tuple[str, int]] = set()
    found = []
    for envelope in kafka.envelopes(
        kafka.read_topic(bootstrap(system), system.prefix + PAYMENT_EVENTS)
    ):
        key = (envelope["originatorid"], envelope["originatorversion"])
        if envelope["subject"] in case_ids and key not in seen:
            seen.add(key)
            found.append((envelope["type"].rsplit(".", 1)[1], envelope["data"]))
    return found


class Expected:
    """Sums computed from the payment events alone."""

    def __init__(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        self.lines: dict[str, dict[str, Any]] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.money: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        for kind, data in events:
            if kind == "payroll_lines_issued":
                for line in data["lines"]:
                    self.lines[line["line_id"]] = {
                        **line,
                        "payroll_month": data["payroll_month"],
                        "commune": data["commune"],
                        "case_id": data["case_id"],
                    }
            elif kind == "payroll_line_settled":
                self.results[data["line_id"]] = data
            elif "amount" in data:
                self.money[kind] += data["amount"]
                self.counts[kind] += 1

    def issued(self, payroll_month: str) -> list[dict[str, Any]]:
        return [x for x in self.lines.values() if x["payroll_month"] == payroll_month]

    def settled(self, start: str, end: str, paid: bool) -> list[dict[str, Any]]:
        """Lines whose result, reported in [start, end], is paid (or not)."""
        return [
            self.lines[line_id]
            for line_id, result in self.results.items()
            if start <= result["settled_on"] <= end and result["result"].startswith("paid_") == paid
        ]


def total(lines: list[dict[str, Any]], kind: str | None = None) -> int:
    return sum(x["amount"] for x in lines if kind is None or x["kind"] == kind)


def sheet_rows(content: bytes, sheet: str) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(content))[sheet]
    assert isinstance(ws, Worksheet)
    return [list(row) for row in ws.iter_rows(values_only=True)]


def row_of(rows: list[list[Any]], label: str, after: int = 0) -> list[Any]:
    """The first row from `after` with a cell equal to `label`."""
    return next(row for row in rows[after:] if label in row)


def column(rows: list[list[Any]], header: str) -> int:
    return row_of(rows, header).index(header)


def test_report_totals_equal_the_sum_of_the_payment_events_they_cover(
    system: System, client: Client
) -> None:
    alive, dying, mover = (approved_in_june_2024(client) for _ in range(3))
    # January 2025 pays June 2024 to January 2025 for each, the months before as arrears
    january = payroll_lines(client, OLD, "2025-01", "2025-01-05")
    assert {x["case_id"] for x in january} == {alive, dying, mover}
    settle(
        client,
        OLD,
        "2025-01",
        [
            (
                x,
                "not_collected"
                if x["case_id"] == alive and x["kind"] == "current"
                else "paid_at_point",
            )
            for x in january
        ],
        "2025-01-20",
    )
    # died on 10/12/2024: January was paid after the month of death (an overpayment)
    ok(
        post(
            client,
            dying,
            "cessation",
            "approver",
            reason="death",
            event_date="2024-12-10",
            decision_number="60/QĐ-UBND",
            signed_on="2025-01-25",
        )
    )
    ok(
        post(
            client,
            dying,
            "funeral-support",
            "approver",
            decision_number="61/QĐ-UBND",
            signed_on="2025-01-27",
            organiser="Con trai",
        )
    )
    february = payroll_lines(client, OLD, "2025-02", "2025-02-05")
    settle(
        client,
        OLD,
        "2025-02",
        [(x, "failed" if x["kind"] == "current" else "paid_at_home") for x in february],
        "2025-02-20",
    )
    for body in (
        {"decision": "instalments", "amount": 500_000, "instalments": 2},
        {"decision": "waiver", "amount": 250_000},
    ):
        ok(
            post(
                client,
                dying,
                "recovery",
                "approver",
                basis="Quyết định thu hồi",
                decision_number="70/QĐ",
                signed_on="2025-03-01",
                **body,
            )
        )
    receipt = {"receipt_number": "BL-01", "amount": 250_000, "received_on": "2025-04-01"}
    ok(post(client, dying, "recovery/repayments", "payment_officer", **receipt))
    ok(
        post(
            client,
            alive,
            "suspension",
            "approver",
            ground="detention_1_month",
            decided_on="2025-05-02",
            decision_number="80/QĐ",
        )
    )
    ok(
        post(
            client,
            alive,
            "suspension-lift",
            "approver",
            decided_on="2025-06-10",
            decision_number="81/QĐ",
        )
    )

    # moves on 15/06/2025 to Phường Phúc Xá (Hà Nội, 2004 scheme), now part of Phường Hồng Hà;
    # the new commune continues from July
    ok(
        post(
            client,
            mover,
            "move-out",
            "approver",
            moved_on="2025-06-15",
            to_scheme="DVHC_2004_3LEVEL",
            to_code="00001",
            decision_number="90/QĐ-UBND",
            signed_on="2025-06-20",
        )
    )
    ok(post(client, mover, "move-in", "approver", decision_number="9/QĐ", signed_on="2025-06-25"))

    def caught_up() -> Expected:
        expected = Expected(payment_events(system, {alive, dying, mover}))
        assert expected.counts["repayment_received"] == 1
        assert len(expected.results) == len(january) + len(february)
        return expected

    expected = eventually(caught_up, timeout=60, what="every payment event is on the topic")
    eventually(
        lambda: kafka.consumed_everything(
            bootstrap(system),
            system.prefix,
            "reporting",
            [system.prefix + topic for topic in CASE_EVENT_TOPICS],
        ),
        timeout=60,
        what="reporting projected every case event",
    )
    assert expected.money["funeral_support_decided"] == 10_000_000

    # --- the monthly summary: one row, Xã Chợ Đồn by post office, equal to the events ---------
    issued = expected.issued("2025-01")
    assert {x["commune"] for x in issued} == {OLD}

    def monthly() -> Any:
        found = ok(report(client, "monthly-payments", month="2025-01", province=PROVINCE))
        assert found["total"]["pending"]["lines"] == 0, found["total"]
        assert found["total"]["lines"] == len(issued), found["total"]
        return found

    summary = eventually(monthly, timeout=60, what="reporting projected the January results")
    paid = expected.settled("2025-01-01", "2025-01-31", paid=True)
    unpaid = expected.settled("2025-01-01", "2025-01-31", paid=False)
    assert summary["total"]["amount"] == total(issued)
    assert summary["total"]["paid"]["amount"] == total(paid)
    assert summary["total"]["unpaid"]["amount"] == total(unpaid)
    assert summary["total"]["paid"]["amount"] + summary["total"]["unpaid"]["amount"] == total(
        issued
    )
    for kind in ("current", "arrears", "funeral_support"):
        assert summary["total"]["by_kind"][kind]["amount"] == total(issued, kind)
    assert summary["total"]["beneficiaries"] == len({x["case_id"] for x in issued}) == 3
    [row] = summary["rows"]
    assert (row["commune_code"], row["commune_name"], row["province_code"], row["channel"]) == (
        NEW,
        "Xã Chợ Đồn",
        PROVINCE,
        "post_office",
    )
    assert row["amount"] == total(issued)
    assert (
        ok(report(client, "monthly-payments", month="2025-01", commune=NEW))["total"]
        == (summary["total"])
    )
    assert ok(report(client, "monthly-payments", month="2025-01", province="01"))["rows"] == []
    assert alive not in json.dumps(summary)  # sums only: no case, no person

    xlsx = report(client, "monthly-payments", month="2025-01", province=PROVINCE, format="xlsx")
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"] == XLSX
    assert "attachment" in xlsx.headers["content-disposition"]
    rows = sheet_rows(xlsx.content, "Chi trả tháng 01-2025")
    assert "THÁNG 01/2025" in rows[3][0]
    assert row_of(rows, "(1)")[:3] == ["(1)", "(2)", "(3)"]
    totals = row_of(rows, "Tổng cộng")
    assert totals[column(rows, "Tổng số tiền lập danh sách")] == total(issued)
    assert totals[column(rows, "Đã chi trả")] == total(paid)
    assert totals[column(rows, "Số đối tượng")] == 3
    assert row_of(rows, "Xã Chợ Đồn")[column(rows, "Hình thức chi trả")] == (
        "Bưu điện (chi tại điểm)"
    )

    # --- the six-month report: money paid in the half-year, flows, beneficiaries --------------
    half = ok(report(client, "period", period="2025-H1", province=PROVINCE))
    paid = expected.settled("2025-01-01", "2025-06-30", paid=True)
    unpaid = expected.settled("2025-01-01", "2025-06-30", paid=False)
    money = half["money"]
    assert money["total"]["paid"] == total(paid)
    assert money["total"]["arrears_paid"] == total(paid, "arrears")
    assert money["total"]["current_paid"] == total(paid, "current")
    assert money["total"]["funeral_support_paid"] == total(paid, "funeral_support") == 10_000_000
    assert money["total"]["unpaid"] == total(unpaid)
    issued_h1 = [x for x in expected.lines.values() if "2025-01" <= x["payroll_month"] <= "2025-06"]
    assert money["total"]["issued"] == total(issued_h1)
    assert money["care_support_paid"] == 0
    for field, kind in (
        ("overpayments_detected", "overpayment_detected"),
        ("recovery_decided", "recovery_decided"),
        ("waived", "recovery_waived"),
        ("recovered", "repayment_received"),
        ("funeral_support_decided", "funeral_support_decided"),
    ):
        assert money[field] == {"count": expected.counts[kind], "amount": expected.money[kind]}
    assert money["overpayments_detected"]["amount"] == 750_000  # January, after the death

    flows = half["flows_total"]
    assert (flows["new_grants"], flows["ceased"], flows["ceased_by_reason"]["death"]) == (0, 1, 1)
    assert (flows["suspended"], flows["resumed"]) == (1, 1)
    assert (flows["moved_out"], flows["moved_in"]) == (1, 0)  # the move out counts here ...
    counts = half["beneficiaries"]
    assert (counts["opening_on"], counts["closing_on"]) == ("2024-12-31", "2025-06-30")
    # ... and the mover is still on Chợ Đồn's rolls on 30 June (Hồng Hà pays from July)
    assert (counts["total"]["opening"], counts["total"]["closing"]) == (3, 2)
    assert (counts["total"]["active"], counts["total"]["suspended"]) == (1, 1)
    [category] = counts["rows"]
    assert (category["category"], category["coefficient"], category["closing"]) == (
        "ELDERLY_POOR_NO_SUPPORTER_60_80",
        "1.5",
        2,
    )
    assert category["category_label"].startswith("Người cao tuổi hộ nghèo")
    assert half["timeliness"]["decisions"]["total"] == 0
    assert half["unit_name"] == "Tỉnh Thái Nguyên"

    arrived = ok(report(client, "period", period="2025-H1", commune="00097"))
    assert (arrived["flows_total"]["moved_in"], arrived["flows_total"]["moved_out"]) == (1, 0)
    assert arrived["beneficiaries"]["total"]["closing"] == 0
    later = ok(report(client, "period", period="2025-H2", commune="00097"))
    assert later["beneficiaries"]["total"]["closing"] == 1
    assert later["flows_total"]["moved_in"] == 0

    granted = ok(report(client, "period", period="2024-H1", commune=NEW))
    assert granted["flows_total"]["new_grants"] == 3
    decisions = granted["timeliness"]["decisions"]
    assert (
        decisions["total"] == 3 == decisions["on_time"] + decisions["late"] + decisions["unknown"]
    )
    year = ok(report(client, "period", period="2025", province=PROVINCE))
    assert year["money"]["total"]["paid"] == total(
        expected.settled("2025-01-01", "2025-12-31", True)
    )

    xlsx = report(client, "period", period="2025-H1", province=PROVINCE, format="xlsx")
    assert xlsx.status_code == 200, xlsx.text
    sheets = load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert sheets == [
        "Biểu 1 - Đối tượng",
        "Biểu 2 - Biến động",
        "Biểu 3 - Kinh phí",
        "Biểu 4 - Giải quyết hồ sơ",
    ]
    rows = sheet_rows(xlsx.content, "Biểu 3 - Kinh phí")
    assert rows[3][0] == (
        "BÁO CÁO KẾT QUẢ THỰC HIỆN CHÍNH SÁCH TRỢ GIÚP XÃ HỘI 6 THÁNG ĐẦU NĂM 2025"
    )
    assert rows[4][0] == "Kỳ báo cáo: từ ngày 01/01/2025 đến ngày 30/06/2025"
    totals = row_of(rows, "Tổng cộng")
    assert totals[column(rows, "Tổng số đã chi")] == total(paid)
    assert totals[column(rows, "Truy lĩnh đã chi")] == total(paid, "arrears")
    recovered = row_of(rows, "Đã thu hồi (nộp lại)")
    assert recovered[2:4] == [1, 250_000]
    rows = sheet_rows(xlsx.content, "Biểu 1 - Đối tượng")
    totals = row_of(rows, "Tổng cộng")
    assert totals[column(rows, "Số đối tượng cuối kỳ")] == 2
    assert totals[column(rows, "Số đối tượng đầu kỳ")] == 3
    assert row_of(rows, "II")[1].startswith("Hỗ trợ kinh phí chăm sóc")  # shown, with none
    rows = sheet_rows(xlsx.content, "Biểu 2 - Biến động")
    assert row_of(rows, "Tổng cộng")[column(rows, "Thôi hưởng: chết")] == 1


def receive_and_approve(client: Client, body: dict[str, Any]) -> str:
    case_id = ok(
        client.http.post(
            client.url("intake", "/dossiers"), json=body, headers=officer_of(body["residence"])
        ),
        201,
    )["case_id"]
    eventually(lambda: client.assessment_case(case_id), what="assessment opened the case")
    ok(client.approve(case_id), 201)
    eventually(
        lambda: (client.register_entry(case_id) or {}).get("status") == "active",
        timeout=60,
        what="the register shows the beneficiary active",
    )
    return str(case_id)


def test_caregiver_households_count_as_beneficiaries_and_the_budget_values_next_year(
    system: System, client: Client
) -> None:
    today = date.today()
    elderly_body = dossier_body(commune=HANOI_COMMUNE)
    household_body = {
        **dossier_body(
            commune=HANOI_COMMUNE,
            category="CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE",
            born=date(1970, 2, 3),
        ),
        "benefit": "care_support",
        "cared_for": {
            "full_name": "Người Được Chăm Sóc",
            "date_of_birth": "2001-09-09",
            "relationship": "son",
        },
    }
    elderly = receive_and_approve(client, elderly_body)
    household = receive_and_approve(client, household_body)
    month = f"{today:%Y-%m}"
    lines = payroll_lines(client, HANOI_COMMUNE, month, today.isoformat())
    mine = {x["case_id"]: x for x in lines if x["case_id"] in (elderly, household)}
    assert sorted(x["kind"] for x in mine.values()) == ["current", "current"]
    settle(
        client,
        HANOI_COMMUNE,
        month,
        [(x, "paid_at_point") for x in mine.values()],
        today.isoformat(),
    )
    amounts = {case: entitlement(client, case)["monthly_amount"] for case in (elderly, household)}

    period = f"{today.year}-H{1 if today.month <= 6 else 2}"
    starts = date(today.year, 1 if today.month <= 6 else 7, 1).isoformat()
    received = [b["received_on"] for b in (elderly_body, household_body)]

    def reported() -> Any:
        found = ok(report(client, "period", period=period, commune=HANOI_COMMUNE))
        assert found["money"]["total"]["paid_lines"] == 2, found["money"]["total"]
        return found

    half = eventually(reported, timeout=60, what="reporting projected the results")
    counts = half["beneficiaries"]
    assert counts["total"]["closing"] == 2
    assert counts["by_benefit"]["care_support"]["closing"] == 1  # the household is counted
    assert counts["by_benefit"]["monthly_allowance"]["closing"] == 1
    care = next(r for r in counts["rows"] if r["benefit"] == "care_support")
    assert (care["category"], care["coefficient"], care["category_label"]) == (
        "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE",
        "1.0",
        "Hộ gia đình chăm sóc NKT đặc biệt nặng",
    )
    assert half["flows_total"]["new_grants"] == 2
    assert half["timeliness"]["approvals"]["total"] == 2
    assert half["timeliness"]["dossiers_received"] == sum(r >= starts for r in received)
    assert half["money"]["care_support_paid"] == mine[household]["amount"] == amounts[household]
    assert half["money"]["by_benefit"]["monthly_allowance"]["paid"] == amounts[elderly]

    # next year's budget: both on the rolls for 12 months, and as many new grants again
    budget = ok(report(client, "budget-estimate", year=str(today.year + 1), commune=HANOI_COMMUNE))
    monthly = sum(amounts.values())
    in_vietnam = (datetime.now(UTC) + timedelta(hours=7)).date()  # the reporting unit's day
    assert budget["as_of"] == min(in_vietnam, date(today.year, 12, 31)).isoformat()
    assert budget["existing_beneficiaries"] == 2
    assert budget["existing_total"] == 12 * monthly
    assert budget["new_grants_counted"] == 2
    assert budget["new_grants_total"] == monthly * 13 // 2  # 6.5 months on average
    assert (budget["deaths_counted"], budget["funeral_total"], budget["arrears_total"]) == (0, 0, 0)
    assert budget["total"] == 12 * monthly + monthly * 13 // 2
    assumptions = {a["key"]: a for a in budget["assumptions"]}
    assert assumptions["new_grant_months"]["confidence"] == "U"
    assert assumptions["new_grant_months"]["parameter"] == "new_grant_months"
    assert assumptions["funeral_support"]["value"].endswith("× 20")
    tuned = ok(
        report(
            client,
            "budget-estimate",
            year=str(today.year + 1),
            commune=HANOI_COMMUNE,
            new_grant_months="12",
            new_grant_growth="2",
        )
    )
    assert tuned["new_grants_total"] == monthly * 12 * 2

    xlsx = report(
        client, "budget-estimate", year=str(today.year + 1), commune=HANOI_COMMUNE, format="xlsx"
    )
    assert xlsx.status_code == 200, xlsx.text
    rows = sheet_rows(xlsx.content, f"Dự toán {today.year + 1}")
    assert (
        rows[3][0] == f"DỰ TOÁN KINH PHÍ THỰC HIỆN CHÍNH SÁCH TRỢ GIÚP XÃ HỘI NĂM {today.year + 1}"
    )
    summary_at = next(i for i, row in enumerate(rows) if str(row[0]).startswith("C. Tổng hợp"))
    assert row_of(rows, "Tổng cộng", after=summary_at)[3] == budget["total"]
    assert any(row[1] == assumptions["new_grants"]["label"] for row in rows)


def test_reports_refuse_malformed_periods_months_and_codes_saying_what_to_send(
    client: Client,
) -> None:
    def refused(path: str, expected: str, **params: Any) -> None:
        response = report(client, path, **params)
        assert response.status_code == 422, response.text
        assert expected in response.json()["detail"], response.json()

    refused("monthly-payments", "YYYY-MM", month="2025-13", province=PROVINCE)
    refused("monthly-payments", "5-digit", month="2025-01", commune="2053")
    refused("monthly-payments", "communes of 2025", month="2025-01", commune="99999")
    refused("monthly-payments", "not both", month="2025-01", commune=NEW, province=PROVINCE)
    refused("period", "YYYY-H1", period="2025-H3")
    refused("period", "YYYY-H1", period="2025-06")
    refused("period", "2-digit", period="2025", province="019")
    refused("period", "34 provinces", period="2025", province="06")  # Bắc Kạn, merged in 2025
    refused("budget-estimate", "YYYY", year="26")
    refused("budget-estimate", "YYYY-MM-DD", year="2026", as_of="31/12/2025")
    refused("budget-estimate", "before the budget year", year="2026", as_of="2026-03-01")
    refused("budget-estimate", "at least 20", year="2026", funeral_multiple="10")
    refused("budget-estimate", "from 0 to 12", year="2026", new_grant_months="13")
    assert report(client, "period", role="commune_officer", period="2025").status_code == 403
    everywhere = ok(report(client, "period", period="2019"))  # the whole country, nothing then
    assert everywhere["unit_name"] == "Toàn quốc"
    assert everywhere["beneficiaries"]["total"]["closing"] == 0
