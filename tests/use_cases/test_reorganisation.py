"""The 2025 reorganisation in payment: every beneficiary recorded under a pre-2025 commune is
paid from July 2025 by the 2025 commune that took it over, once, with the months owed; a
split old commune's beneficiaries are held up on the payroll until an official decides.

Given approvals of cases recorded under old communes (as assessment publishes them), when a
payroll of a 2025 commune is generated, then these lines, transfers and held-up cases."""

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from contracts.envelope import Envelope
from contracts.ids import message_id
from contracts.intake import JurisdictionResolvedV1
from reference.policy import load_policy_book
from services.payment.application import CommuneNotPaying, PaymentApplication
from services.payment.messaging import inbound
from services.payment.settings import PaymentSettings
from tests.support.use_cases import (
    PAYMENT_OFFICER,
    approval,
    event_of,
    policy_with_provincial_level,
)
from tests.support.use_cases import enrol as enrol_approval

OLD = "DVHC_2004_3LEVEL"
NEW = "DVHC_2025_2LEVEL"
CHO_DON = "02020"  # Xã Chợ Đồn (2025): old 02020, 02050, 02053 and 02065 went whole into it


def enrol(payment: PaymentApplication, commune: str, signed_on: date = date(2020, 8, 14)) -> UUID:
    return enrol_approval(payment, approval(commune=commune, signed_on=signed_on))


def generate(payment: PaymentApplication, commune: str, month: str) -> Any:
    return payment.generate_payroll(
        commune=commune,
        channel="post_office",
        month=month,
        register=payment.open_payroll_register(),
        actor=PAYMENT_OFFICER,
        correlation_id=uuid.uuid4(),
    )


def lines(payment: PaymentApplication, commune: str, month: str) -> list[dict[str, Any]]:
    run = str(payment.get_payroll(commune, "post_office", month).id)
    return payment.open_payroll_register().payroll_lines(run, 10_000, 0)


def test_a_2025_communes_payroll_pays_everyone_of_the_old_communes_it_took_over_once(
    payment: PaymentApplication,
) -> None:
    cases = {old: enrol(payment, old) for old in ("02020", "02050", "02053", "02065")}

    generate(payment, CHO_DON, "2026-01")
    generate(payment, CHO_DON, "2026-01")  # again: adds nothing

    current = [x for x in lines(payment, CHO_DON, "2026-01") if x["kind"] == "current"]
    assert sorted(x["case_id"] for x in current) == sorted(cases.values())
    assert {x["amount"] for x in current} == {750_000}  # 500,000 x 1.5
    for case_id in cases.values():
        entitlement = payment.get_entitlement(case_id)
        assert entitlement.residence_in("2025-06")[0] == OLD
        assert entitlement.residence_in("2025-07") == (NEW, CHO_DON)


def test_a_payroll_for_an_old_commune_after_june_2025_is_refused_naming_its_successor(
    payment: PaymentApplication,
) -> None:
    with pytest.raises(CommuneNotPaying, match="02020"):
        generate(payment, "02053", "2025-08")

    generate(payment, "02053", "2025-06")  # the months it still paid are accepted


def test_the_old_commune_pays_its_months_and_the_new_one_the_months_from_july_2025(
    payment: PaymentApplication,
) -> None:
    """Decided in June 2025 and on no payroll since: the new commune pays June as arrears."""
    case_id = enrol(payment, "02053", signed_on=date(2025, 6, 10))

    generate(payment, CHO_DON, "2025-08")

    paid = {(x["month"], x["kind"], x["amount"]) for x in lines(payment, CHO_DON, "2025-08")}
    assert paid == {
        ("2025-06", "arrears", 750_000),
        ("2025-07", "arrears", 750_000),
        ("2025-08", "current", 750_000),
    }
    assert payment.get_entitlement(case_id).residence_code == CHO_DON


def test_a_split_old_communes_beneficiary_is_held_up_then_paid_from_july_2025_once_decided(
    payment: PaymentApplication,
) -> None:
    """Phường Cống Vị (00007, Hà Nội) was split between Ngọc Hà (00008) and Giảng Võ (00025)."""
    case_id = enrol(payment, "00007", signed_on=date(2025, 3, 5))

    run = generate(payment, "00008", "2025-09")

    assert run.held_up == [
        {"case_id": str(case_id), "old_commune": "00007", "candidates": ["00008", "00025"]}
    ]
    assert lines(payment, "00008", "2025-09") == []

    resolved = JurisdictionResolvedV1(
        case_id=case_id,
        from_residence={"scheme": OLD, "code": "00007"},
        to_residence={"scheme": NEW, "code": "00025"},
        method="manual",
        basis="Tổ dân phố 5, phố Kim Mã: thuộc phường Giảng Võ",
        decided_on=date(2025, 9, 20),
        mapping_version="vietnamadminunits 1.0.4",
    )
    handler = inbound.handlers(payment)[JurisdictionResolvedV1]
    handler(resolved, _envelope(case_id), event_of("btxh/intake", case_id, 3))

    assert generate(payment, "00008", "2025-10").held_up == []
    generate(payment, "00025", "2025-10")
    months = sorted(x["month"] for x in lines(payment, "00025", "2025-10"))
    assert (months[0], months[-1]) == ("2025-03", "2025-10")
    assert "2025-07" in months
    assert payment.get_entitlement(case_id).residence_in("2025-07") == (NEW, "00025")


def test_each_month_is_valued_by_the_province_of_the_commune_that_pays_it(
    tmp_path: Path,
) -> None:
    """Hà Nam (35) merged into Ninh Bình (37); a level Ninh Bình set from 2026 applies to a
    beneficiary of old Phường Lê Hồng Phong (13291, now Phường Phù Vân) from 2026 only."""
    policy_dir = policy_with_provincial_level(
        tmp_path / "policy",
        province="37",
        name="Tỉnh Ninh Bình",
        amount=600_000,
        effective_from="2026-01-01",
    )
    payment = PaymentApplication(
        PaymentSettings(event_store="memory"), policy=load_policy_book(policy_dir)
    )
    try:
        case_id = enrol(payment, "13291")
        owed = {m.month: m.amount for m in payment.months_owed(case_id, "2025-12", "2026-01")}
    finally:
        payment.close()

    assert owed == {"2025-12": 750_000, "2026-01": 900_000}  # 1.5 x 500,000, then x 600,000


def _envelope(case_id: UUID) -> Envelope:
    """The envelope of intake's jurisdiction_resolved (version 3 of the case's stream)."""
    return Envelope(
        id=message_id(case_id, 3),
        source="btxh/intake",
        type="vn.btxh.intake.jurisdiction_resolved",
        subject=case_id,
        time=datetime.now(UTC),
        originatorid=case_id,
        originatorversion=3,
        actorid="officer-1",
        actorrole="commune_officer",
        actorunit="00025",
        correlationid=uuid.uuid4(),
        schemaversion=1,
        data={},
    )


def test_the_operators_run_lists_split_communes_beneficiaries_and_transfers_nothing_twice(
    payment: PaymentApplication,
) -> None:
    whole = enrol(payment, "02053")  # transferred when enrolled
    split = enrol(payment, "00007")

    first = payment.reorganise_all(actor=PAYMENT_OFFICER, correlation_id=uuid.uuid4())
    again = payment.reorganise_all(actor=PAYMENT_OFFICER, correlation_id=uuid.uuid4())

    assert (
        first
        == again
        == {
            "transferred": 0,
            "awaiting_decision": [
                {"case_id": str(split), "old_commune": "00007", "candidates": ["00008", "00025"]}
            ],
        }
    )
    assert payment.get_entitlement(whole).residence_code == CHO_DON
