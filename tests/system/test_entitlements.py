"""Entitlements after enrolment: each month valued by the policy in force that month;
adjustments, suspensions and cessation take effect from the month after the event."""

import json
import shutil
from pathlib import Path
from typing import Any

import httpx

from reference.policy import POLICY_DIR
from tests.conftest import SystemFactory
from tests.support.api import Client, ok, token
from tests.support.cases import approved_in_june_2024
from tests.support.eventually import eventually
from tests.support.systems import READY_TIMEOUT


def months(client: Client, case_id: str, first: str, last: str) -> dict[str, tuple[str, int]]:
    rows = ok(
        client.http.get(
            client.url("payment", f"/entitlements/{case_id}/months"),
            params={"first": first, "last": last},
            headers=token("payment_officer"),
        )
    )
    return {r["month"]: (r["status"], r["amount"]) for r in rows}


def decide(client: Client, case_id: str, path: str, **payload: Any) -> httpx.Response:
    return client.http.post(
        client.url("payment", f"/entitlements/{case_id}/{path}"),
        json=payload,
        headers=token("approver"),
    )


def test_the_same_beneficiary_is_paid_360000_based_in_june_and_500000_based_from_july_2024(
    client: Client,
) -> None:
    case_id = approved_in_june_2024(client)
    assert months(client, case_id, "2024-05", "2024-08") == {
        "2024-05": ("not_started", 0),  # entitlement starts in the month of signing
        "2024-06": ("payable", 540_000),  # 360,000 x 1.5
        "2024-07": ("payable", 750_000),  # 500,000 x 1.5 from 01/07/2024 (Decree 76/2024)
        "2024-08": ("payable", 750_000),
    }


def test_suspension_lift_and_death_take_effect_from_the_month_after(client: Client) -> None:
    case_id = approved_in_june_2024(client)
    ok(
        decide(
            client,
            case_id,
            "suspension",
            ground="not_collected_3_months",
            decided_on="2024-08-05",
            decision_number="70/QĐ-UBND",
        )
    )
    again = decide(
        client,
        case_id,
        "suspension",
        ground="detention_1_month",
        decided_on="2024-08-20",
        decision_number="71/QĐ-UBND",
    )
    assert again.status_code == 422
    ok(
        decide(
            client,
            case_id,
            "suspension-lift",
            decided_on="2024-10-10",
            decision_number="80/QĐ-UBND",
        )
    )
    dead = ok(
        decide(
            client,
            case_id,
            "cessation",
            reason="death",
            event_date="2025-01-15",
            decision_number="90/QĐ-UBND",
            signed_on="2025-01-20",
        )
    )
    assert (dead["status"], dead["ceased_from"]) == ("ceased", "2025-02")
    eventually(lambda: (client.register_entry(case_id) or {}).get("status") == "ceased", timeout=60)
    assert months(client, case_id, "2024-08", "2025-02") == {
        "2024-08": ("payable", 750_000),
        "2024-09": ("suspended", 0),
        "2024-10": ("suspended", 0),
        "2024-11": ("payable", 750_000),
        "2024-12": ("payable", 750_000),
        "2025-01": ("payable", 750_000),  # the month of death is still owed
        "2025-02": ("ceased", 0),
    }
    after = decide(
        client,
        case_id,
        "adjustment",
        changed_on="2025-03-01",
        categories={"ELDERLY_POOR_NO_SUPPORTER_80P": 1},
        decision_number="95/QĐ-UBND",
        signed_on="2025-03-05",
        reason="đủ 80 tuổi",
    )
    assert after.status_code == 422
    assert "stopped from 2025-02" in after.json()["detail"]


def test_an_adjustment_applies_from_the_month_after_the_change(client: Client) -> None:
    case_id = approved_in_june_2024(client)
    ok(
        decide(
            client,
            case_id,
            "adjustment",
            changed_on="2024-07-20",
            categories={"ELDERLY_POOR_NO_SUPPORTER_80P": 1},
            decision_number="65/QĐ-UBND",
            signed_on="2024-07-25",
            reason="Đủ 80 tuổi",
        )
    )
    assert months(client, case_id, "2024-07", "2024-08") == {
        "2024-07": ("payable", 750_000),
        "2024-08": ("payable", 1_000_000),  # 500,000 x 2.0 from the month after
    }
    unknown = decide(
        client,
        case_id,
        "adjustment",
        changed_on="2024-08-20",
        categories={"NOT_A_CATEGORY": 1},
        decision_number="66/QĐ-UBND",
        signed_on="2024-08-25",
        reason="x",
    )
    assert unknown.status_code == 422
    refused = client.http.post(
        client.url("payment", f"/entitlements/{case_id}/cessation"),
        json={
            "reason": "moved",
            "event_date": "2024-09-01",
            "decision_number": "1",
            "signed_on": "2024-09-02",
        },
        headers=token("payment_officer"),
    )
    assert refused.status_code == 403


def test_a_level_raise_loaded_after_julys_payroll_is_paid_as_arrears_in_august(
    make_system: SystemFactory, tmp_path: Path
) -> None:
    # given a system whose policy tables do not know yet of the 1 July 2024 raise
    late = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, late)
    national = json.loads((late / "national.json").read_text(encoding="utf-8"))
    national["standard_levels"] = [
        level for level in national["standard_levels"] if level["effective_from"] < "2024-07-01"
    ]
    (late / "national.json").write_text(json.dumps(national, ensure_ascii=False), "utf-8")
    system = make_system(extra_env={"BTXH_POLICY_DIR": str(late)})
    client = Client(system)
    case_id = approved_in_june_2024(client)
    july = client.generate_payroll("02053", "2024-07")
    assert july["totals"]["total"] >= 1_080_000  # June as arrears and July, both at 360,000 x 1.5

    # when the raise is loaded (payment restarted with the full tables)
    system.kill("payment-api")
    system.start_process("payment-api", {"BTXH_POLICY_DIR": str(POLICY_DIR)})
    system.wait_ready(timeout=READY_TIMEOUT)

    # then August pays July's difference as arrears, and August at the new level
    client.generate_payroll("02053", "2024-08")
    payroll = ok(
        client.http.get(
            client.url("payment", "/payrolls/02053/post_office/2024-08"),
            headers=token("inspector"),
        )
    )
    assert [
        (x["month"], x["amount"], x["kind"]) for x in payroll["lines"] if x["case_id"] == case_id
    ] == [("2024-07", 210_000, "arrears"), ("2024-08", 750_000, "current")]
