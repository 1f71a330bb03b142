"""Inspection checks through reporting's API: each finding appears from real events (through
the public APIs, or messages put on the bus as a misbehaving or legacy producer would), names
the events that prove it, and a neighbouring case that breaks no rule stays out."""

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from backbone.system import System
from contracts.topics import ASSESSMENT_EVENTS, INTAKE_EVENTS, PAYMENT_EVENTS
from tests.support import kafka
from tests.support.api import NEW_COMMUNE, Client, dossier_body, officer_of, ok, token
from tests.support.cases import approved_in_june_2024
from tests.support.eventually import eventually
from tests.support.payrolls import approved_payroll, record_results
from tests.system.test_delivery import bootstrap

OLD = "02053"  # the commune of approved_in_june_2024 (2004 scheme)
CODES = {
    "payments_after_death",
    "overdue_dossiers",
    "redetermination_due",
    "active_twice",
    "amount_mismatch",
    "not_collected_3_months",
    "late_health_insurance_notices",
}


def check(client: Client, code: str, role: str = "inspector", **params: Any) -> httpx.Response:
    return client.http.get(
        client.url("reporting", f"/checks/{code}"), params=params, headers=token(role)
    )


def findings(client: Client, code: str, case_id: str, **params: Any) -> list[dict[str, Any]]:
    """The findings of one check about one case."""
    answer = ok(check(client, code, case_id=case_id, **params))
    assert all(f["case_id"] == case_id for f in answer["findings"]), answer
    return list(answer["findings"])


def found(client: Client, code: str, case_id: str, kinds: list[str], **params: Any) -> Any:
    """Poll until the case's findings are exactly `kinds` (reporting projects asynchronously)."""

    def probe() -> list[dict[str, Any]] | None:
        got = findings(client, code, case_id, **params)
        assert sorted(f["kind"] for f in got) == sorted(kinds), got
        return got or None

    return eventually(probe, timeout=60, what=f"{code} finds {kinds} for {case_id}")


def history_has(client: Client, case_id: str, *names: str) -> bool:
    kinds = {e["type"].rsplit(".", 1)[-1] for e in client.history(case_id, notices=True)}
    return set(names) <= kinds


def assert_proven_by_history(client: Client, finding: dict[str, Any]) -> None:
    """Every evidence item is an event of its case's history, as recorded."""
    for item in finding["evidence"]:
        history = client.history(item["case_id"], notices=True)
        recorded = {e["message_id"]: e for e in history}
        event = recorded[item["message_id"]]
        assert (event["source"], event["version"], event["type"]) == (
            item["source"],
            item["version"],
            item["type"],
        )


def payroll_lines(
    client: Client, month: str, case_ids: list[str], approve: bool = True
) -> dict[str, list[dict[str, Any]]]:
    """Generate (and approve) the old commune's post-office payroll; the lines of each case."""
    lines = approved_payroll(client, OLD, month, approve=approve)
    return {c: [x for x in lines if x["case_id"] == c] for c in case_ids}


def settle(client: Client, month: str, lines: list[dict[str, Any]], result: str) -> None:
    record_results(client, OLD, month, [(line, result) for line in lines])


def entitlement_post(client: Client, case_id: str, path: str, **body: Any) -> Any:
    return ok(
        client.http.post(
            client.url("payment", f"/entitlements/{case_id}/{path}"),
            json=body,
            headers=token("approver"),
        )
    )


def envelope_of(system: System, topic: str, case_id: str, name: str) -> dict[str, Any]:
    [record] = [
        r
        for r in kafka.read_topic(bootstrap(system), system.prefix + topic)
        if r.key == case_id.encode() and f".{name}".encode() in r.value
    ]
    found: dict[str, Any] = json.loads(record.value)
    return found


def publish(system: System, topic: str, envelope: dict[str, Any]) -> None:
    """Put an event on the bus as its producer would: a stream of its own, version 1."""
    envelope.update(
        id=str(uuid.uuid4()),
        originatorid=str(uuid.uuid4()),
        originatorversion=1,
        time=datetime.now(UTC).isoformat(),
        correlationid=str(uuid.uuid4()),
        causationid=None,
    )
    kafka.produce(
        bootstrap(system),
        system.prefix + topic,
        envelope["subject"].encode(),
        json.dumps(envelope).encode(),
    )


# --- the catalogue and the questions it answers ---------------------------------------------


def test_the_catalogue_lists_every_check_and_bad_questions_are_answered_clearly(
    client: Client,
) -> None:
    catalogue = ok(client.http.get(client.url("reporting", "/checks"), headers=token("operator")))
    assert {c["code"] for c in catalogue} == CODES
    assert all(c["title"] and c["description"] for c in catalogue)

    unknown = check(client, "payments_before_birth")
    assert unknown.status_code == 404
    assert "payments_before_birth" in unknown.json()["detail"]
    assert all(code in unknown.json()["detail"] for code in CODES)

    for bad in ({"on": "24/11/2026"}, {"commune": "2020"}, {"case_id": "x"}, {"limit": 0}):
        answer = check(client, "active_twice", **bad)
        assert answer.status_code == 422, (bad, answer.text)
        assert next(iter(bad)) in answer.text

    assert check(client, "active_twice", role="commune_officer").status_code == 403
    empty = ok(check(client, "active_twice", on="2020-01-01", commune="02020"))
    assert (empty["check"], empty["title"], empty["on"]) == (
        "active_twice",
        "Hưởng trùng",
        "2020-01-01",
    )
    assert (empty["total"], empty["findings"]) == (0, [])


# --- 6. not collected for three months ------------------------------------------------------


def test_three_payroll_months_not_collected_are_a_finding_until_suspended_two_are_not(
    client: Client,
) -> None:
    absent, back = approved_in_june_2024(client), approved_in_june_2024(client)
    for month in ("2024-07", "2024-08"):
        lines = payroll_lines(client, month, [absent, back])
        settle(client, month, lines[absent] + lines[back], "not_collected")
    september = payroll_lines(client, "2024-09", [absent, back])
    settle(client, "2024-09", september[absent], "not_collected")
    settle(client, "2024-09", september[back], "paid_at_point")

    [finding] = found(client, "not_collected_3_months", absent, ["suspension_proposed"])
    assert finding["details"]["payroll_months"] == ["2024-07", "2024-08", "2024-09"]
    assert finding["commune"] == OLD
    assert "3 tháng liên tiếp" in finding["summary"]
    types = [e["type"].rsplit(".", 1)[-1] for e in finding["evidence"]]
    assert "suspension_proposed" in types
    assert types.count("payroll_line_settled") >= 3
    assert_proven_by_history(client, finding)
    assert findings(client, "not_collected_3_months", back) == []

    entitlement_post(
        client,
        absent,
        "suspension",
        ground="not_collected_3_months",
        decided_on="2024-10-01",
        decision_number="40/QĐ-UBND",
    )
    [suspended] = found(client, "not_collected_3_months", absent, ["suspended"])
    assert "40/QĐ-UBND" in suspended["summary"]
    # the inspection date decides what had happened: on 25 September nothing was decided yet
    assert [
        f["kind"] for f in findings(client, "not_collected_3_months", absent, on="2024-09-25")
    ] == ["suspension_proposed"]


# --- 1. payments after death ----------------------------------------------------------------


def test_allowance_paid_after_the_month_of_death_and_funeral_support_on_top_are_findings(
    client: Client,
) -> None:
    died_in_december, died_in_january = approved_in_june_2024(client), approved_in_june_2024(client)
    january = payroll_lines(client, "2025-01", [died_in_december, died_in_january])
    settle(client, "2025-01", january[died_in_december] + january[died_in_january], "paid_at_point")
    for case_id, died_on, number in (
        (died_in_december, "2024-12-10", "60/QĐ-UBND"),
        (died_in_january, "2025-01-15", "62/QĐ-UBND"),
    ):
        entitlement_post(
            client,
            case_id,
            "cessation",
            reason="death",
            event_date=died_on,
            decision_number=number,
            signed_on="2025-01-25",
        )
    entitlement_post(
        client,
        died_in_december,
        "funeral-support",
        decision_number="61/QĐ-UBND",
        signed_on="2025-01-27",
        organiser="Con trai",
    )
    funeral = payroll_lines(client, "2025-03", [died_in_december])[died_in_december]
    assert [x["kind"] for x in funeral] == ["funeral_support"]
    settle(client, "2025-03", funeral, "paid_at_home")

    by_kind = {
        f["kind"]: f
        for f in found(
            client,
            "payments_after_death",
            died_in_december,
            ["paid_after_death", "funeral_support_while_allowance_paid"],
        )
    }
    after, both = by_kind["paid_after_death"], by_kind["funeral_support_while_allowance_paid"]
    assert (after["details"]["months"], after["details"]["amount"]) == (["2025-01"], 750_000)
    assert after["commune"] == OLD
    assert "10/12/2024" in after["summary"]
    assert "750.000 đồng" in after["summary"]
    assert {e["type"].rsplit(".", 1)[-1] for e in after["evidence"]} == {
        "entitlement_ceased",
        "payroll_lines_issued",
        "payroll_line_settled",
    }
    assert_proven_by_history(client, after)
    assert both["details"]["funeral_support_amount"] == 10_000_000
    assert "funeral_support_decided" in {e["type"].rsplit(".", 1)[-1] for e in both["evidence"]}
    # January was the month of death of the other: paying it was right
    assert findings(client, "payments_after_death", died_in_january) == []
    in_commune = ok(check(client, "payments_after_death", commune=OLD, limit=1000))
    assert died_in_december in {f["case_id"] for f in in_commune["findings"]}
    assert died_in_january not in {f["case_id"] for f in in_commune["findings"]}


# --- 5. wrong amounts -----------------------------------------------------------------------


def test_a_line_below_the_level_in_force_for_its_month_is_a_finding_a_right_one_is_not(
    system: System, client: Client
) -> None:
    case_id = approved_in_june_2024(client)
    june = payroll_lines(client, "2024-06", [case_id], approve=False)[case_id]
    assert [(x["month"], x["amount"]) for x in june] == [("2024-06", 540_000)]  # 360,000 x 1.5
    # a payroll produced elsewhere (a legacy system) kept July at June's level: the standard
    # level rose to 500,000 on 1 July 2024 (Decree 76/2024), so July owes 750,000
    lines = [
        {
            "line_id": f"legacy:{case_id}:2024-07",
            "month": "2024-07",
            "amount": 540_000,
            "kind": "arrears",
        },
        {
            "line_id": f"legacy:{case_id}:2024-08",
            "month": "2024-08",
            "amount": 750_000,
            "kind": "current",
        },
    ]
    envelope = envelope_of(system, ASSESSMENT_EVENTS, case_id, "case_approved")
    envelope.update(
        source="btxh/payment",
        type="vn.btxh.payment.payroll_lines_issued",
        schemaversion=2,
        dataschema=None,
        actorid="legacy-payroll",
        actorrole="payment_officer",
        data={
            "case_id": case_id,
            "payroll_id": f"legacy:{OLD}:2024-08",
            "payroll_month": "2024-08",
            "commune": OLD,
            "channel": "post_office",
            "lines": lines,
        },
    )
    publish(system, PAYMENT_EVENTS, envelope)

    [finding] = found(client, "amount_mismatch", case_id, ["too_low"])
    details = finding["details"]
    assert details["line_id"] == f"legacy:{case_id}:2024-07"
    assert (details["amount"], details["expected"], details["difference"]) == (
        540_000,
        750_000,
        -210_000,
    )
    assert (details["standard_level"], details["coefficient"]) == (500_000, "1.5")
    assert "thiếu 210.000 đồng" in finding["summary"]
    assert [e["message_id"] for e in finding["evidence"]] == [envelope["id"]]
    assert_proven_by_history(client, finding)


# --- 7. health-insurance notices --------------------------------------------------------------


def test_a_notice_sent_long_after_the_decision_is_late_and_missing_before_it_was_sent(
    client: Client,
) -> None:
    late = approved_in_june_2024(client)  # decided 3 June 2024, recorded (and notified) today
    [finding] = found(client, "late_health_insurance_notices", late, ["increase_late"])
    assert finding["details"]["required_on"] == "2024-06-03"
    assert finding["details"]["due_on"] == "2024-06-10"  # 5 working days
    assert finding["details"]["threshold"] == {"days": 5, "unit": "working"}
    assert {e["type"].rsplit(".", 1)[-1] for e in finding["evidence"]} == {
        "case_approved",
        "beneficiary_enrolled",
        "health_insurance_notice",
    }
    assert_proven_by_history(client, finding)
    # on 20 June 2024 the notice had not been sent: it was missing then
    [missing] = findings(client, "late_health_insurance_notices", late, on="2024-06-20")
    assert missing["kind"] == "increase_missing"
    assert findings(client, "late_health_insurance_notices", late, on="2024-06-10") == []

    on_time = client.receive(commune="02020")
    eventually(lambda: client.assessment_case(on_time), what="assessment learns the dossier")
    assert client.approve(on_time).status_code == 201
    eventually(
        lambda: history_has(client, on_time, "beneficiary_enrolled", "health_insurance_notice"),
        timeout=60,
        what="the notice of a decision signed today reaches reporting",
    )
    assert findings(client, "late_health_insurance_notices", on_time) == []


# --- 4. the same person paid twice ------------------------------------------------------------


def test_one_id_number_paid_in_two_communes_is_a_finding_an_approval_held_is_not(
    system: System, client: Client
) -> None:
    first = client.receive(commune="02020")
    eventually(lambda: client.assessment_case(first), what="assessment learns the dossier")
    assert client.approve(first).status_code == 201
    eventually(lambda: history_has(client, first, "beneficiary_enrolled"), timeout=60)
    dossier = envelope_of(system, INTAKE_EVENTS, first, "dossier_received")
    approval = envelope_of(system, ASSESSMENT_EVENTS, first, "case_approved")
    digest = dossier["data"]["personal_id_digest"]  # on intake's topic; kept by no read model

    # A dossier of the same ID number (intake gives it the same person id) received in another
    # commune, approved without naming the person: payment cannot see the overlap.
    second = str(uuid.uuid4())
    elsewhere = {"scheme": "DVHC_2025_2LEVEL", "code": "00004"}
    dossier.update(subject=second)
    dossier["data"].update(case_id=second, residence=elsewhere)
    publish(system, INTAKE_EVENTS, dossier)
    twin = json.loads(json.dumps(approval))
    twin.update(subject=second)
    twin["data"].update(
        case_id=second, person_id=None, residence=elsewhere, decision_number="8/QĐ-UBND"
    )
    publish(system, ASSESSMENT_EVENTS, twin)

    # The same person approved again, naming the person: payment holds it, nothing is paid.
    held = str(uuid.uuid4())
    again = json.loads(json.dumps(approval))
    again.update(subject=held)
    again["data"].update(case_id=held, decision_number="9/QĐ-UBND")
    publish(system, ASSESSMENT_EVENTS, again)
    eventually(lambda: history_has(client, held, "enrolment_held"), timeout=60)

    [finding] = found(client, "active_twice", first, ["active_twice"])
    [other] = finding["details"]["other_cases"]
    assert (other["case_id"], other["commune"]) == (second, "00004")
    assert other["matched_by"] == "person_id"
    assert second in finding["summary"]
    assert {(e["case_id"], e["type"].rsplit(".", 1)[-1]) for e in finding["evidence"]} == {
        (first, "case_approved"),
        (first, "beneficiary_enrolled"),
        (second, "case_approved"),
        (second, "beneficiary_enrolled"),
    }
    assert_proven_by_history(client, finding)
    [mirror] = found(client, "active_twice", second, ["active_twice"])
    assert mirror["details"]["other_cases"][0]["case_id"] == first
    assert findings(client, "active_twice", held) == []
    everything = check(client, "active_twice", limit=1000)
    assert digest not in everything.text
    assert held not in everything.text


# --- 2. overdue dossiers ----------------------------------------------------------------------


def receive_on(client: Client, received_on: date) -> str:
    body = dossier_body(received_on=received_on)
    body["residence"] = NEW_COMMUNE
    case_id = str(
        ok(
            client.http.post(
                client.url("intake", "/dossiers"), json=body, headers=officer_of(body["residence"])
            ),
            201,
        )["case_id"]
    )
    eventually(lambda: client.assessment_case(case_id), what="assessment learns the dossier")
    return case_id


def reject(client: Client, case_id: str, signed_on: str) -> None:
    ok(
        client.http.post(
            client.url("assessment", f"/cases/{case_id}/rejection"),
            json={
                "decision_number": f"{case_id[:6]}/TB-UBND",
                "signed_on": signed_on,
                "signer": "Chủ tịch UBND xã",
                "authority": "COMMUNE_CHAIRMAN",
                "reasons": ["Hộ gia đình không thuộc hộ nghèo tại thời điểm xét duyệt"],
            },
            headers=token("approver"),
        ),
        201,
    )


def test_a_dossier_past_its_step_due_date_is_overdue_and_a_late_decision_is_a_finding(
    client: Client,
) -> None:
    waiting = receive_on(client, date(2026, 2, 10))  # review due 03/03/2026
    decided_late = receive_on(client, date(2026, 2, 10))
    decided_in_time = receive_on(client, date(2026, 2, 10))
    reject(client, decided_late, "2026-03-10")
    reject(client, decided_in_time, "2026-02-12")
    eventually(
        lambda: all(
            history_has(client, c, "case_rejected") for c in (decided_late, decided_in_time)
        ),
        timeout=60,
    )

    [overdue] = found(client, "overdue_dossiers", waiting, ["overdue"], on="2026-03-04")
    case = client.assessment_case(waiting)
    assert case is not None
    assert (overdue["details"]["step"], overdue["details"]["due_on"]) == (
        case["current_step"],
        "2026-03-03",
    )
    assert overdue["commune"] == "02020"
    assert [e["type"].rsplit(".", 1)[-1] for e in overdue["evidence"]] == ["case_opened"]
    assert findings(client, "overdue_dossiers", waiting, on="2026-03-03") == []

    ok(
        client.http.post(
            client.url("assessment", "/ops/deadlines/run"),
            params={"on": "2026-03-04"},
            headers=token("operator"),
        )
    )
    recorded = eventually(
        lambda: [
            f
            for f in findings(client, "overdue_dossiers", waiting, on="2026-03-05")
            if "case_became_overdue" in {e["type"].rsplit(".", 1)[-1] for e in f["evidence"]}
        ],
        timeout=60,
        what="the overdue record joins the evidence",
    )
    assert recorded[0]["details"]["recorded_overdue"][0]["due_on"] == "2026-03-03"
    assert_proven_by_history(client, recorded[0])

    # before its late rejection the dossier was simply overdue; after, it was decided late
    assert [
        f["kind"] for f in findings(client, "overdue_dossiers", decided_late, on="2026-03-09")
    ] == ["overdue"]
    [late] = findings(client, "overdue_dossiers", decided_late, on="2026-03-11")
    assert late["kind"] == "decided_late"
    assert late["details"]["due_on"] == "2026-03-03"
    assert late["details"]["signed_on"] == "2026-03-10"
    assert findings(client, "overdue_dossiers", decided_in_time, on="2026-03-11") == []


# --- 3. disability re-determination -----------------------------------------------------------


def determine(client: Client, case_id: str, on: str, **extra: Any) -> None:
    ok(
        client.http.post(
            client.url("assessment", f"/cases/{case_id}/disability-determinations"),
            json={
                "determined_on": on,
                "types": ["MOBILITY"],
                "level": "SEVERE",
                "method": "observation_questionnaire",
                "council": "Hội đồng xác định mức độ khuyết tật xã",
                **extra,
            },
            headers=token("assessor"),
        ),
        201,
    )


def test_a_child_determined_before_6_is_due_again_at_6_until_determined_again(
    client: Client,
) -> None:
    child = client.receive(
        category="PWD_SEVERE_CHILD_OR_ELDERLY",
        born=date(2020, 6, 1),
        received_on=date(2026, 1, 5),
        commune="02020",
    )
    eventually(lambda: client.assessment_case(child), what="assessment learns the dossier")
    determine(client, child, "2026-01-10")  # aged 5: determine again at 6, on 01/06/2026
    eventually(lambda: history_has(client, child, "disability_level_determined"), timeout=60)

    assert findings(client, "redetermination_due", child, on="2026-05-31") == []
    [due] = findings(client, "redetermination_due", child, on="2026-06-01")
    assert due["kind"] == "redetermination_due"
    assert due["details"]["redetermination_due_on"] == "2026-06-01"
    assert "SEVERE" not in json.dumps(due)
    assert_proven_by_history(client, due)

    determine(client, child, "2026-06-10", reason="Xác định lại khi trẻ đủ 6 tuổi")
    eventually(
        lambda: findings(client, "redetermination_due", child) == [],
        timeout=60,
        what="the re-determination settles the finding",
    )
    assert len(findings(client, "redetermination_due", child, on="2026-06-05")) == 1
