"""Payment after enrolment, through the public APIs and the bus: months not collected, moves,
channels, funeral support paid and overpayments recovered, health-insurance notices, and
approvals delivered twice or overlapping another entitlement of the same person."""

import json
import uuid
from typing import Any

import httpx

from backbone.system import System
from contracts.topics import ASSESSMENT_EVENTS, HEALTH_INSURANCE_NOTICES
from tests.support import kafka
from tests.support.api import Client, ok, token
from tests.support.cases import approved_in_june_2024
from tests.support.eventually import eventually
from tests.support.payrolls import approved_payroll, record_results
from tests.system.test_delivery import bootstrap

OLD = "02053"  # the commune of approved_in_june_2024 (2004 scheme)
NEW = "00004"  # a commune of another province in the same scheme
HA_NOI = "01"  # NEW's province in 2025


def entitlement(client: Client, case_id: str) -> Any:
    return ok(
        client.http.get(
            client.url("payment", f"/entitlements/{case_id}"), headers=token("inspector")
        )
    )


def post(
    client: Client, case_id: str, path: str, role: str, unit: str = "19", **body: Any
) -> httpx.Response:
    """A decision on the entitlement by an official of `unit` (Thái Nguyên, where OLD went)."""
    return client.http.post(
        client.url("payment", f"/entitlements/{case_id}/{path}"),
        json=body,
        headers=token(role, unit=unit),
    )


def lines_for(
    client: Client, commune: str, month: str, case_id: str, channel: str = "post_office"
) -> list[dict[str, Any]]:
    """Generate and approve the commune's payroll; the lines of one case."""
    lines = approved_payroll(client, commune, month, channel=channel)
    return [line for line in lines if line["case_id"] == case_id]


def settle(
    client: Client, commune: str, month: str, lines: list[dict[str, Any]], result: str
) -> None:
    record_results(client, commune, month, [(line, result) for line in lines])


def history_types(client: Client, case_id: str) -> list[str]:
    return [e["type"].rsplit(".", 1)[-1] for e in client.history(case_id)]


def test_three_months_not_collected_propose_a_suspension_the_commune_then_decides(
    client: Client,
) -> None:
    case_id = approved_in_june_2024(client)
    for month in ("2024-07", "2024-08"):
        settle(client, OLD, month, lines_for(client, OLD, month, case_id), "not_collected")
        assert entitlement(client, case_id)["suspension_proposed_for"] is None
    # the third month in a row: its payroll carries July and August again, and nothing is taken
    september = lines_for(client, OLD, "2024-09", case_id)
    assert [x["month"] for x in september] == ["2024-06", "2024-07", "2024-08", "2024-09"]
    settle(client, OLD, "2024-09", september, "not_collected")

    proposed = entitlement(client, case_id)
    assert proposed["suspension_proposed_for"] == ["2024-07", "2024-08", "2024-09"]
    assert proposed["status"] == "active"  # a proposal changes nothing by itself
    eventually(
        lambda: "suspension_proposed" in history_types(client, case_id),
        what="the proposal reaches the case history",
    )
    decided = ok(
        post(
            client,
            case_id,
            "suspension",
            "approver",
            ground="not_collected_3_months",
            decided_on="2024-10-01",
            decision_number="40/QĐ-UBND",
        )
    )
    assert decided["status"] == "suspended"
    assert decided["suspension_proposed_for"] is None


def test_a_move_stops_the_old_commune_and_the_new_one_pays_the_months_between_as_arrears(
    client: Client,
) -> None:
    case_id = approved_in_june_2024(client)
    paid = lines_for(client, OLD, "2024-10", case_id)
    settle(client, OLD, "2024-10", paid, "paid_at_point")
    out = ok(
        post(
            client,
            case_id,
            "move-out",
            "approver",
            moved_on="2024-10-15",
            to_scheme="DVHC_2004_3LEVEL",
            to_code=NEW,
            decision_number="50/QĐ-UBND",
            signed_on="2024-10-20",
        )
    )
    assert out["status"] == "relocating"
    assert out["moving_to"] == {"scheme": "DVHC_2004_3LEVEL", "code": NEW, "from_month": "2024-11"}
    assert lines_for(client, OLD, "2024-11", case_id) == []  # the old commune stopped

    moved_in = ok(
        post(
            client,
            case_id,
            "move-in",
            "approver",
            unit=HA_NOI,  # the new commune's side decides the move in
            decision_number="7/QĐ",
            signed_on="2024-12-03",
        )
    )
    assert moved_in["status"] == "active"
    assert moved_in["residence_code"] == NEW
    # the new commune pays November (the month between) and December: no gap, no overlap
    december = lines_for(client, NEW, "2024-12", case_id)
    assert [(x["month"], x["kind"], x["amount"]) for x in december] == [
        ("2024-11", "arrears", 750_000),
        ("2024-12", "current", 750_000),
    ]
    assert lines_for(client, OLD, "2024-12", case_id) == []
    eventually(
        lambda: (client.register_entry(case_id) or {}).get("residence_code") == NEW,
        what="the register lists the beneficiary in the new commune",
    )
    bad = post(
        client,
        case_id,
        "move-out",
        "approver",
        unit=HA_NOI,
        moved_on="2024-12-15",
        to_scheme="DVHC_2004_3LEVEL",
        to_code="99999",
        decision_number="x",
        signed_on="2024-12-16",
    )
    assert bad.status_code == 422
    assert "99999" in bad.text


def test_a_beneficiary_paid_at_home_is_on_the_home_delivery_payroll_only(client: Client) -> None:
    case_id = approved_in_june_2024(client)
    changed = ok(
        post(
            client,
            case_id,
            "channel",
            "payment_officer",
            channel="home_delivery",
            decided_on="2024-06-20",
            reason="Không tự đi nhận được",
        )
    )
    assert changed["channel"] == "home_delivery"
    assert lines_for(client, OLD, "2024-06", case_id) == []
    assert [x["month"] for x in lines_for(client, OLD, "2024-06", case_id, "home_delivery")] == [
        "2024-06"
    ]
    same = post(
        client,
        case_id,
        "channel",
        "payment_officer",
        channel="home_delivery",
        decided_on="2024-06-21",
        reason="again",
    )
    assert same.status_code == 422


def test_funeral_support_is_paid_on_the_next_payroll_and_an_overpayment_is_recovered(
    system: System, client: Client
) -> None:
    case_id = approved_in_june_2024(client)
    january = lines_for(client, OLD, "2025-01", case_id)
    settle(client, OLD, "2025-01", january, "paid_at_point")
    # died on 10/12/2024: January was paid after the month of death
    dead = ok(
        post(
            client,
            case_id,
            "cessation",
            "approver",
            reason="death",
            event_date="2024-12-10",
            decision_number="60/QĐ-UBND",
            signed_on="2025-01-25",
        )
    )
    assert dead["recovery"]["awaiting_decision"] == 750_000
    ok(
        post(
            client,
            case_id,
            "funeral-support",
            "approver",
            decision_number="61/QĐ-UBND",
            signed_on="2025-01-27",
            organiser="Con trai",
        )
    )
    funeral = lines_for(client, OLD, "2025-03", case_id)
    assert [(x["kind"], x["amount"]) for x in funeral] == [("funeral_support", 10_000_000)]
    settle(client, OLD, "2025-03", funeral, "paid_at_home")
    assert entitlement(client, case_id)["overpaid_amount"] == 750_000  # not the funeral line

    too_much = post(
        client,
        case_id,
        "recovery",
        "approver",
        decision="instalments",
        amount=750_001,
        instalments=3,
        basis="Quyết định thu hồi",
        decision_number="70/QĐ",
        signed_on="2025-03-01",
    )
    assert too_much.status_code == 422
    ok(
        post(
            client,
            case_id,
            "recovery",
            "approver",
            decision="instalments",
            amount=500_000,
            instalments=2,
            basis="Quyết định thu hồi",
            decision_number="70/QĐ",
            signed_on="2025-03-01",
        )
    )
    ok(
        post(
            client,
            case_id,
            "recovery",
            "approver",
            decision="waiver",
            amount=250_000,
            basis="Gia đình khó khăn",
            decision_number="71/QĐ",
            signed_on="2025-03-01",
        )
    )
    receipt = {"receipt_number": "BL-01", "amount": 250_000, "received_on": "2025-04-01"}
    first = ok(post(client, case_id, "recovery/repayments", "payment_officer", **receipt))
    again = ok(post(client, case_id, "recovery/repayments", "payment_officer", **receipt))
    assert (first["recorded"], again["recorded"]) == (True, False)
    assert again["entitlement"]["recovery"] == {
        "overpaid": 750_000,
        "awaiting_decision": 0,
        "decided": 500_000,
        "waived": 250_000,
        "received": 250_000,
        "outstanding": 250_000,
    }

    # the health-insurance service heard of the card's start and of its end
    def notices() -> list[dict[str, Any]]:
        found = [
            json.loads(r.value)["data"]
            for r in kafka.read_topic(bootstrap(system), system.prefix + HEALTH_INSURANCE_NOTICES)
            if r.key == case_id.encode()
        ]
        assert len(found) == 2, found
        return found

    increase, decrease = eventually(notices, what="both health-insurance notices")
    assert (increase["kind"], increase["card_valid_from"]) == ("increase", "2024-06-01")
    assert (decrease["kind"], decrease["card_valid_until"]) == ("decrease", "2024-12-31")
    assert "personal_id" not in json.dumps([increase, decrease])
    # nothing that reveals HIV or a disability: the insured group, never the category
    assert {n["insured_group"] for n in (increase, decrease)} == {"monthly_social_allowance"}
    assert "category" not in json.dumps([increase, decrease])


def test_approvals_delivered_twice_or_overlapping_the_same_person_never_enrol_twice(
    system: System, client: Client
) -> None:
    case_id = approved_in_june_2024(client)
    topic = system.prefix + ASSESSMENT_EVENTS
    [approval] = [
        r
        for r in kafka.read_topic(bootstrap(system), topic)
        if r.key == case_id.encode() and b"case_approved" in r.value
    ]
    before = entitlement(client, case_id)["version"]
    for _ in range(2):  # the same message re-published, at new offsets
        kafka.produce(bootstrap(system), topic, approval.key, approval.value)

    # another case of the same person approved later (e.g. decided twice by mistake)
    envelope = json.loads(approval.value)
    assert envelope["data"]["person_id"], "the approval names the person"
    other = str(uuid.uuid4())
    envelope.update(
        id=str(uuid.uuid4()), subject=other, originatorid=str(uuid.uuid4()), originatorversion=1
    )
    envelope["data"].update(case_id=other, decision_number="99/QĐ", effective_month="2024-09")
    kafka.produce(bootstrap(system), topic, other.encode(), json.dumps(envelope).encode())

    held = eventually(
        lambda: (
            client.http.get(
                client.url("payment", f"/entitlements/{other}"), headers=token("payment_officer")
            ).status_code
            == 409
        ),
        what="the second approval is held",
    )
    assert held
    assert entitlement(client, case_id)["version"] == before  # the copies changed nothing
    detail = client.http.get(
        client.url("payment", f"/entitlements/{other}"), headers=token("payment_officer")
    ).json()["detail"]
    assert case_id in detail

    # the first stops (the person moved away): the held one is enrolled from the month after
    ok(
        post(
            client,
            case_id,
            "cessation",
            "approver",
            reason="moved",
            event_date="2024-10-10",
            decision_number="80/QĐ",
            signed_on="2024-10-12",
        )
    )
    second = entitlement(client, other)
    assert (second["status"], second["from_month"]) == ("active", "2024-11")
    eventually(
        lambda: "enrolment_held" in history_types(client, other),
        what="the held enrolment reaches the history",
    )
