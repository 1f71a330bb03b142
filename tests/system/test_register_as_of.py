"""The register as of any date, each case's timeline and state for inspectors, lookups by an
exact ID number, and the access log, on a running system: events from every topic, in any
order, delivered more than once."""

import csv
import io
import uuid
from datetime import date, datetime
from typing import Any

import psycopg
from openpyxl import load_workbook
from psycopg import sql
from psycopg.rows import dict_row

from backbone.system import System
from contracts.topics import ASSESSMENT_EVENTS, INTAKE_EVENTS, PAYMENT_EVENTS
from reference.admin_units import load_admin_units
from reference.valuation import Valuation
from services.reporting.api.register import EXPORT_COLUMNS
from services.reporting.projections import register_periods
from services.reporting.projections.case_state import periods
from tests.support import kafka
from tests.support.api import Client, dossier_body, officer_of, ok, token
from tests.support.cases import approved_in_june_2024
from tests.support.eventually import eventually
from tests.system.test_delivery import all_consumed, bootstrap
from tests.system.test_payment_lifecycle import post
from tests.system.test_payment_reporting import from_example

#: ELDERLY_POOR_NO_SUPPORTER_60_80 (coefficient 1.5) before and from 1 July 2024.
JUNE_2024_AMOUNT, JULY_2024_AMOUNT = 540_000, 750_000


def get(client: Client, path: str, role: str = "inspector", **params: Any) -> Any:
    return client.http.get(
        client.url("reporting", path), params=params, headers=token(role, user="insp-1")
    )


def register_ids(client: Client, **params: Any) -> dict[str, dict[str, Any]]:
    page = ok(get(client, "/register", limit=1000, **params))
    return {item["case_id"]: item for item in page["items"]}


def active(client: Client, case_id: str) -> None:
    eventually(
        lambda: (client.register_entry(case_id) or {}).get("status") == "active",
        what="the register shows the case active",
    )


def test_the_register_as_of_dates_around_the_1_july_2024_change(client: Client) -> None:
    case_id = approved_in_june_2024(client)
    active(client, case_id)

    assert case_id not in register_ids(client, on="2024-05-01", commune="02020")
    assert register_ids(client, on="2024-05-20", commune="02020")[case_id]["status"] == "received"
    june = register_ids(client, on="2024-06-30", commune="02020")[case_id]
    july = register_ids(client, on="2024-07-01", commune="02020")[case_id]
    assert (june["status"], june["monthly_amount"]) == ("active", JUNE_2024_AMOUNT)
    assert (july["status"], july["monthly_amount"]) == ("active", JULY_2024_AMOUNT)
    assert july["status_label"] == "Đang hưởng"
    # recorded under the old commune 02053, rolled up into the 2025 commune 02020 (Thái Nguyên)
    assert (july["residence_code"], july["commune_code"], july["province_code"]) == (
        "02053",
        "02020",
        "19",
    )
    assert case_id in register_ids(
        client, on="2024-07-01", commune="02053", recorded_scheme="DVHC_2004_3LEVEL"
    )
    assert case_id in register_ids(client, on="2024-07-01", province="19", status="active")
    assert case_id not in register_ids(client, on="2024-07-01", province="01")
    assert case_id in register_ids(client, commune="02020")  # now, too

    counts = ok(get(client, "/register/counts", by="status", on="2024-07-01", commune="02020"))
    assert {c["key"]: c["count"] for c in counts["counts"]}["active"] >= 1
    assert case_id not in str(counts)

    state = ok(get(client, f"/cases/{case_id}/state", on="2024-06-30"))
    assert (state["status"], state["monthly_amount"], state["standard_level"]) == (
        "active",
        JUNE_2024_AMOUNT,
        360_000,
    )
    diff = ok(get(client, f"/cases/{case_id}/diff", **{"from": "2024-06-30", "to": "2024-07-01"}))
    changed = {c["field"]: (c["before"], c["after"]) for c in diff["changes"]}
    assert changed == {
        "monthly_amount": (JUNE_2024_AMOUNT, JULY_2024_AMOUNT),
        "standard_level": (360_000, 500_000),
    }
    backwards = get(client, f"/cases/{case_id}/diff", **{"from": "2024-07-01", "to": "2024-06-01"})
    assert backwards.status_code == 422
    assert "earlier" in backwards.json()["detail"]


def test_the_timeline_says_who_decided_when_on_what_authority_and_basis(client: Client) -> None:
    case_id = approved_in_june_2024(client)
    active(client, case_id)

    def whole_timeline() -> list[dict[str, Any]]:
        """Each service's events reach the timeline on their own topic, in no set order."""
        timeline: list[dict[str, Any]] = ok(get(client, f"/cases/{case_id}/timeline"))
        assert {"intake", "assessment", "payment"} <= {entry["source"] for entry in timeline}
        assert any(e["type"].endswith(".case_approved") for e in timeline)
        return timeline

    timeline = eventually(whole_timeline, what="the timeline holds every service's events")
    decision = next(e for e in timeline if e["type"].endswith(".case_approved"))
    assert decision["label"] == "Quyết định trợ cấp"
    assert decision["effective_on"] == "2024-06-03"
    assert decision["recorded_at"][:10] >= "2026-01-01"  # recorded now, in effect in 2024
    assert decision["decision_number"] == "61/QĐ-UBND"
    assert (decision["authority"], decision["authority_label"]) == (
        "DISTRICT_CHAIRMAN",
        "Chủ tịch UBND cấp huyện",
    )
    assert decision["legal_basis"] == ["NĐ 20/2021/NĐ-CP Đ5 K5"]
    assert decision["actor_role"] == "approver"
    received = next(e for e in timeline if e["type"].endswith(".dossier_received"))
    assert received["effective_on"] == "2024-05-06"
    assert get(client, f"/cases/{uuid.uuid4()}/timeline").status_code == 404


def test_a_relocated_case_is_in_the_right_commune_on_each_date(client: Client) -> None:
    case_id = approved_in_june_2024(client)
    active(client, case_id)
    ok(
        post(
            client,
            case_id,
            "move-out",
            "approver",
            moved_on="2024-10-15",
            to_scheme="DVHC_2004_3LEVEL",
            to_code="00004",
            decision_number="50/QĐ-UBND",
            signed_on="2024-10-20",
        )
    )
    ok(post(client, case_id, "move-in", "approver", decision_number="7/QĐ", signed_on="2024-12-03"))
    eventually(
        lambda: case_id in register_ids(client, on="2024-11-01", commune="00004"),
        what="the move reached the register periods",
    )
    october = register_ids(client, on="2024-10-31", commune="02020")
    assert october[case_id]["residence_code"] == "02053"
    assert case_id not in register_ids(client, on="2024-10-31", commune="00004")
    assert case_id not in register_ids(client, on="2024-11-01", commune="02020")
    november = register_ids(client, on="2024-11-01", province="01")[case_id]
    assert (november["residence_code"], november["status"]) == ("00004", "active")


def test_events_out_of_order_across_topics_and_delivered_twice_end_in_the_same_state(
    system: System, client: Client
) -> None:
    """A payment event before its approval, the approval before its dossier: the end state
    is the same as in order, and a second delivery of everything changes nothing."""
    case_id = uuid.uuid4()
    residence = {"scheme": "DVHC_2025_2LEVEL", "code": "00004", "name": None}
    enrolled = from_example(
        "vn.btxh.payment.beneficiary_enrolled.v1.json",
        case_id,
        residence=residence,
        from_month="2025-09",
        category="ELDERLY_POOR_NO_SUPPORTER_80P",
    )
    approved = from_example(
        "vn.btxh.assessment.case_approved.v3.json",
        case_id,
        residence=residence,
        signed_on="2025-09-10",
        effective_month="2025-09",
        category="ELDERLY_POOR_NO_SUPPORTER_80P",
        categories_held=["ELDERLY_POOR_NO_SUPPORTER_80P"],
        person_id=None,
    )
    received = from_example(
        "vn.btxh.intake.dossier_received.v2.json",
        case_id,
        residence=residence,
        received_on="2025-08-25",
        category="ELDERLY_POOR_NO_SUPPORTER_80P",
    )
    messages = [
        (PAYMENT_EVENTS, "beneficiary_enrolled", enrolled),
        (ASSESSMENT_EVENTS, "case_approved", approved),
        (INTAKE_EVENTS, "dossier_received", received),
    ]
    for topic, kind, message in messages:
        kafka.produce(bootstrap(system), system.prefix + topic, str(case_id).encode(), message)
        eventually(
            lambda k=kind: (
                k in [e["type"].rsplit(".", 1)[-1] for e in client.history(str(case_id))]
            ),
            timeout=60,
            what=f"reporting has the {kind} event",
        )
    # payment enrols the crafted approval too: wait until every consumer has settled
    eventually(lambda: all_consumed(system), timeout=60, what="every consumer caught up")

    def snapshot() -> tuple[Any, ...]:
        return (
            ok(get(client, f"/cases/{case_id}/state", on="2025-10-01")),
            register_ids(client, on="2025-09-05", commune="00004").get(str(case_id)),
            register_ids(client, on="2025-10-01", commune="00004").get(str(case_id)),
            client.register_entry(str(case_id)),
            client.history(str(case_id)),
        )

    before = snapshot()
    state, early, late, now, _ = before
    assert (state["status"], state["category"], state["commune_code"]) == (
        "active",
        "ELDERLY_POOR_NO_SUPPORTER_80P",
        "00004",
    )
    assert state["full_name"]  # the dossier, read last, filled the name in
    assert early is not None
    assert early["status"] == "received"
    assert late is not None
    assert late["status"] == "active"
    assert now is not None
    assert now["status"] == "active"

    for topic, _, message in reversed(messages):  # the same messages again, in another order
        kafka.produce(bootstrap(system), system.prefix + topic, str(case_id).encode(), message)
    topics = [system.prefix + topic for topic, _, _ in messages]
    eventually(
        lambda: kafka.consumed_everything(bootstrap(system), system.prefix, "reporting", topics),
        timeout=60,
        what="reporting read the second deliveries",
    )
    assert snapshot() == before


def test_a_case_is_found_by_its_exact_id_number_and_every_read_is_logged(client: Client) -> None:
    body = dossier_body(received_on=date(2024, 5, 6))
    number = body["applicant"]["personal_id"]
    case_id = approved_in_june_2024(client, body)
    active(client, case_id)
    lookup = client.http.post(
        client.url("reporting", "/cases/lookup"),
        json={"personal_id": number},
        headers=token("inspector", user="insp-lookup"),
    )
    assert ok(lookup)["case_ids"] == [case_id]
    assert number not in str(lookup.request.url)
    unknown = client.http.post(
        client.url("reporting", "/cases/lookup"),
        json={"personal_id": "001150999999"},
        headers=token("inspector"),
    )
    assert unknown.status_code == 404
    malformed = client.http.post(
        client.url("reporting", "/cases/lookup"),
        json={"personal_id": "12ab"},
        headers=token("inspector"),
    )
    assert malformed.status_code == 422
    assert "12-digit" in malformed.json()["detail"]

    ok(get(client, f"/cases/{case_id}/timeline"))
    log = ok(get(client, "/access-log", case_id=case_id))
    reads = {(entry["service"], entry["actor_id"], entry["resource"]) for entry in log}
    assert ("reporting", "insp-lookup", "case lookup by personal ID") in reads
    assert ("reporting", "insp-1", "case timeline") in reads
    assert all(number not in entry["request"] for entry in log)
    assert get(client, "/access-log", role="commune_officer").status_code == 403


def test_a_split_old_commune_is_listed_unresolved_never_guessed(
    system: System, client: Client
) -> None:
    case_id = uuid.uuid4()
    approved = from_example(
        "vn.btxh.assessment.case_approved.v3.json",
        case_id,
        residence={"scheme": "DVHC_2004_3LEVEL", "code": "00007", "name": None},  # split
        signed_on="2025-03-10",
        effective_month="2025-03",
        person_id=None,
    )
    kafka.produce(
        bootstrap(system), system.prefix + ASSESSMENT_EVENTS, str(case_id).encode(), approved
    )
    eventually(lambda: client.history(str(case_id)), timeout=60, what="reporting has the case")
    unresolved = register_ids(client, unresolved="true")
    entry = unresolved[str(case_id)]
    assert entry["commune_code"] is None
    assert len(entry["commune_candidates"]) >= 2
    for candidate in entry["commune_candidates"]:
        assert str(case_id) not in register_ids(client, commune=candidate)


def test_the_register_exports_with_vietnamese_headers(client: Client) -> None:
    case_id = approved_in_june_2024(client)
    active(client, case_id)
    exported = get(client, "/register/export", format="csv", on="2024-07-01", commune="02020")
    assert exported.status_code == 200, exported.text
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["STT", "Mã hồ sơ", "Họ và tên", "Ngày sinh"]
    mine = next(row for row in rows if row[1] == case_id)
    assert mine[rows[0].index("Mức trợ cấp (đồng/tháng)")] == str(JULY_2024_AMOUNT)
    assert mine[rows[0].index("Trạng thái")] == "Đang hưởng"
    workbook = get(client, "/register/export", format="xlsx", commune="02020")
    assert workbook.status_code == 200
    assert workbook.content[:2] == b"PK"  # a zip: an .xlsx


def expected_export(client: Client, **params: Any) -> list[list[Any]]:
    """The export's rows as the register's pages give them (what the export wrote before it
    streamed: every entry of the register, numbered, in the pages' order)."""
    units = load_admin_units()
    entries: list[dict[str, Any]] = []
    while True:
        page = ok(get(client, "/register", limit=1000, offset=len(entries), **params))
        entries.extend(page["items"])
        if len(entries) >= page["total"]:
            break
    rows = []
    for index, entry in enumerate(entries, start=1):
        unit = (
            units.get("DVHC_2025_2LEVEL", entry["commune_code"]) if entry["commune_code"] else None
        )
        values = {**entry, "index": index, "commune_name": unit.name if unit else ""}
        rows.append([values.get(column) for column, _ in EXPORT_COLUMNS])
    return rows


def as_cell(value: Any) -> Any:
    """A value as read back from the workbook (dates come back as datetimes)."""
    return value.date().isoformat() if isinstance(value, datetime) else value


def test_the_register_export_streams_the_rows_of_the_register_in_csv_and_excel(
    client: Client,
) -> None:
    cases = [approved_in_june_2024(client) for _ in range(2)]
    for case_id in cases:
        active(client, case_id)
    params = {"on": "2024-07-01", "commune": "02020"}
    headers = [header for _, header in EXPORT_COLUMNS]

    def csv_matches() -> bool:
        expected = expected_export(client, **params)
        exported = get(client, "/register/export", format="csv", **params)
        assert exported.status_code == 200, exported.text
        # streamed: sent in chunks as rows are read, with no Content-Length
        assert "content-length" not in exported.headers
        assert exported.headers["transfer-encoding"] == "chunked"
        assert exported.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[0] == headers
        assert rows[1:] == [["" if v is None else str(v) for v in row] for row in expected]
        return True

    def xlsx_matches() -> bool:
        expected = expected_export(client, **params)
        exported = get(client, "/register/export", format="xlsx", **params)
        assert exported.status_code == 200, exported.text
        assert "content-length" not in exported.headers
        assert exported.headers["transfer-encoding"] == "chunked"
        assert "so-doi-tuong-2024-07-01.xlsx" in exported.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(exported.content))["Sổ đối tượng"]
        rows = [[as_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        width = len(EXPORT_COLUMNS)
        assert rows[0][0] == "SỔ THEO DÕI ĐỐI TƯỢNG HƯỞNG TRỢ GIÚP XÃ HỘI — tại ngày 2024-07-01"
        assert sheet["A1"].font.bold
        assert sheet["A3"].font.bold
        assert str(rows[1][0]).startswith("Danh mục đơn vị hành chính: ")
        assert rows[2][:width] == headers
        assert [row[:width] for row in rows[3:-1]] == expected
        assert rows[-1][:2] == ["Tổng cộng", len(expected)]
        return True

    # other tests' cases may still be arriving: the export and the pages agree once settled
    eventually(csv_matches, timeout=60, what="the CSV export holds the register's rows")
    eventually(xlsx_matches, timeout=60, what="the Excel export holds the register's rows")
    log = ok(get(client, "/access-log", case_id=cases[0]))
    assert any(entry["resource"] == "register export" for entry in log)


def test_an_official_resolves_a_split_commune_for_one_case(client: Client) -> None:
    body = dossier_body(received_on=date(2025, 3, 3))
    body["residence"] = {"scheme": "DVHC_2004_3LEVEL", "code": "00007"}  # split in 2025
    case_id = ok(
        client.http.post(
            client.url("intake", "/dossiers"), json=body, headers=officer_of(body["residence"])
        ),
        201,
    )["case_id"]
    eventually(lambda: case_id in register_ids(client, unresolved="true"), what="unresolved")

    def resolve(commune: str, officer_of: str = "00008") -> Any:
        """Decided by a commune officer of `officer_of` (one of the communes it went into)."""
        return client.http.post(
            client.url("intake", f"/dossiers/{case_id}/jurisdiction"),
            json={
                "commune": commune,
                "basis": "Thôn Đông (xác nhận trưởng thôn)",
                "decided_on": "2025-08-11",
            },
            headers=token("commune_officer", unit=officer_of),
        )

    wrong = resolve("00004")
    assert wrong.status_code == 422
    assert "00008" in wrong.json()["detail"]
    assert "00025" in wrong.json()["detail"]
    ok(resolve("00025"))
    # the case is 00025's now: 00008's officers no longer see it, and 00025's cannot move it
    assert resolve("00008").status_code == 404
    again = resolve("00008", officer_of="00025")
    assert again.status_code == 422
    assert "already" in again.json()["detail"]
    eventually(
        lambda: case_id in register_ids(client, commune="00025"), what="the case is in 00025"
    )
    # in today's units on every date, the recorded residence unchanged
    earlier = register_ids(client, on="2025-03-10", commune="00025")[case_id]
    assert (earlier["residence_code"], earlier["commune_candidates"]) == ("00007", [])
    assert case_id not in register_ids(client, commune="00008")
    assert case_id not in register_ids(client, unresolved="true")


def test_events_of_many_cases_applied_at_once_leave_periods_equal_to_a_refold(
    system: System, client: Client
) -> None:
    """Reporting applies the three topics concurrently: the periods stored for each case must
    be what folding its whole history gives, whatever the interleaving."""
    cases = [uuid.uuid4() for _ in range(80)]
    residence = {"scheme": "DVHC_2025_2LEVEL", "code": "00004", "name": None}
    messages: list[tuple[str, bytes, bytes]] = []
    for case_id in cases:  # each case's three events on three topics, sent together
        key = str(case_id).encode()
        approved = from_example(
            "vn.btxh.assessment.case_approved.v3.json",
            case_id,
            residence=residence,
            person_id=None,
        )
        messages += [
            (
                system.prefix + PAYMENT_EVENTS,
                key,
                from_example("vn.btxh.payment.beneficiary_enrolled.v1.json", case_id),
            ),
            (system.prefix + ASSESSMENT_EVENTS, key, approved),
            (
                system.prefix + INTAKE_EVENTS,
                key,
                from_example("vn.btxh.intake.dossier_received.v2.json", case_id),
            ),
        ]
    kafka.produce_all(bootstrap(system), messages)
    eventually(lambda: all_consumed(system), timeout=120, what="every consumer caught up")

    url = system.processes["reporting-api"].env["BTXH_DATABASE_URL"]
    schema = f"{system.prefix}reporting"
    with psycopg.connect(url, row_factory=dict_row) as conn:
        for case_id in cases:
            stored = conn.execute(
                sql.SQL(
                    "SELECT valid_from, valid_to, status FROM {} WHERE case_id = %s"
                    " ORDER BY valid_from"
                ).format(sql.Identifier(schema, "register_period")),
                (case_id,),
            ).fetchall()
            refolded = periods(
                case_id, register_periods.facts_of(conn, schema, case_id), Valuation.of()
            )
            assert [(r["valid_from"], r["valid_to"], r["status"]) for r in stored] == [
                (p.valid_from, p.valid_to, p.state.status) for p in refolded
            ]
            assert refolded[-1].state.status == "active"
