"""Payment rules without infrastructure: not collected three months, funeral support paid on
a line, recovery of overpayments, channels, moves, and one entitlement per person."""

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from backbone.actor import Actor
from reference.months import add_months
from services.payment.domain.entitlement import Entitlement, InvalidChange
from services.payment.domain.ledger import BenefitLedger
from tests.unit.test_entitlement_rules import ACTOR, TODAY, enrolled, names

POST_OFFICE = Actor("post-office", "post_office", "02020")


def pay_month(
    entitlement: Entitlement, month: str, result: str, amount: int = 500_000
) -> list[dict[str, Any]]:
    """Issue the month's payroll for `entitlement` and settle every line with `result`."""
    owed = {m: amount for m in [add_months(month, -k) for k in range(3)]}
    owed = {m: a for m, a in owed.items() if entitlement.held_in(m) is not None}
    lines = entitlement.issue_lines(
        payroll_id=f"p{month}",
        payroll_month=month,
        owed=owed,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    for line in lines:
        entitlement.settle_line(
            line_id=line["line_id"],
            result=result,
            settled_on=TODAY,
            source="api",
            today=TODAY,
            actor=POST_OFFICE,
            correlation_id=uuid4(),
        )
    return lines


def died_in(entitlement: Entitlement, day: date) -> None:
    entitlement.cease(
        reason="death",
        event_date=day,
        decision_number="9/QĐ",
        signed_on=day,
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )


# --- three months not collected --------------------------------------------------------------


def test_given_three_months_not_collected_then_a_suspension_is_proposed_once() -> None:
    entitlement = enrolled("2026-01")
    pay_month(entitlement, "2026-01", "paid_at_point")
    pay_month(entitlement, "2026-02", "not_collected")
    pay_month(entitlement, "2026-03", "not_collected")
    assert "SuspensionProposed" not in names(entitlement)

    pay_month(entitlement, "2026-04", "not_collected")  # the third month in a row

    events = [e for e in entitlement.collect_events() if type(e).__name__ == "SuspensionProposed"]
    assert len(events) == 1
    assert events[0].months == ["2026-02", "2026-03", "2026-04"]  # type: ignore[attr-defined]
    # the fourth month of the same streak proposes nothing new; nothing was suspended
    pay_month(entitlement, "2026-05", "not_collected")
    assert "SuspensionProposed" not in names(entitlement)
    assert entitlement.status == "active"


def test_a_month_collected_or_failed_by_the_bank_breaks_the_streak() -> None:
    entitlement = enrolled("2026-01")
    pay_month(entitlement, "2026-01", "not_collected")
    pay_month(entitlement, "2026-02", "failed")  # the bank failed: not the beneficiary
    pay_month(entitlement, "2026-03", "not_collected")
    pay_month(entitlement, "2026-04", "not_collected")
    assert "SuspensionProposed" not in names(entitlement)
    assert entitlement.not_collected_streak() == ["2026-03", "2026-04"]


# --- funeral support and overpayments ----------------------------------------------------------


def test_funeral_support_is_paid_once_on_its_own_line_and_is_not_an_overpayment() -> None:
    entitlement = enrolled("2026-01")
    died_in(entitlement, date(2026, 3, 10))
    entitlement.decide_funeral_support(
        amount=10_000_000,
        minimum=10_000_000,
        standard_level=500_000,
        policy_version="ND76-2024",
        decision_number="5/QĐ",
        signed_on=date(2026, 3, 20),
        organiser="Con gái",
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    lines = pay_month(entitlement, "2026-04", "paid_at_home")

    funeral = [line for line in lines if line["kind"] == "funeral_support"]
    assert [line["amount"] for line in funeral] == [10_000_000]
    assert entitlement.overpaid == {}  # the funeral line is owed after the death
    assert entitlement.funeral_support_owed() == 0
    assert pay_month(entitlement, "2026-05", "paid_at_home") == []  # nothing more


def test_a_funeral_line_not_collected_is_issued_again() -> None:
    entitlement = enrolled("2026-01")
    died_in(entitlement, date(2026, 3, 10))
    entitlement.decide_funeral_support(
        amount=10_000_000,
        minimum=10_000_000,
        standard_level=500_000,
        policy_version="v",
        decision_number="5/QĐ",
        signed_on=date(2026, 3, 20),
        organiser="Con gái",
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    pay_month(entitlement, "2026-04", "not_collected")
    again = pay_month(entitlement, "2026-05", "paid_at_point")
    # the funeral support comes again, with the month of death (owed, not collected either)
    assert [(x["kind"], x["month"], x["amount"]) for x in again] == [
        ("arrears", "2026-03", 500_000),
        ("funeral_support", "2026-05", 10_000_000),
    ]


def overpaid_entitlement() -> Entitlement:
    """Paid for April and May, then found to have died in March: 1,000,000 overpaid."""
    entitlement = enrolled("2026-01")
    pay_month(entitlement, "2026-04", "paid_at_point")
    pay_month(entitlement, "2026-05", "paid_at_point")
    died_in(entitlement, date(2026, 3, 31))
    assert entitlement.overpayment_awaiting_decision == 1_000_000
    return entitlement


def test_an_overpayment_is_recovered_in_instalments_and_a_receipt_counts_once() -> None:
    entitlement = overpaid_entitlement()
    entitlement.decide_recovery(
        decision="instalments",
        amount=1_000_000,
        instalments=3,
        basis="Quyết định thu hồi",
        decision_number="12/QĐ",
        signed_on=date(2026, 6, 1),
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    receipt = {
        "receipt_number": "BL-1",
        "amount": 334_000,
        "received_on": date(2026, 7, 1),
        "today": TODAY,
        "actor": ACTOR,
        "correlation_id": uuid4(),
    }
    assert entitlement.receive_repayment(**receipt)
    assert not entitlement.receive_repayment(**receipt)  # the same receipt again
    assert entitlement.recovery_outstanding == 666_000
    with pytest.raises(InvalidChange, match="outstanding"):
        entitlement.receive_repayment(**{**receipt, "receipt_number": "BL-2", "amount": 700_000})
    with pytest.raises(InvalidChange, match="awaits"):
        entitlement.decide_recovery(
            decision="waiver",
            amount=1,
            instalments=None,
            basis="x",
            decision_number="13",
            signed_on=date(2026, 6, 1),
            today=TODAY,
            actor=ACTOR,
            correlation_id=uuid4(),
        )


def test_an_overpayment_may_be_waived_in_part_never_beyond_what_was_overpaid() -> None:
    entitlement = overpaid_entitlement()
    decision: dict[str, Any] = {
        "decision": "waiver",
        "instalments": None,
        "basis": "Người hưởng đã chết",
        "decision_number": "13/QĐ",
        "signed_on": date(2026, 6, 1),
        "today": TODAY,
        "actor": ACTOR,
        "correlation_id": uuid4(),
    }
    with pytest.raises(InvalidChange, match="between 1 and the 1000000"):
        entitlement.decide_recovery(amount=1_000_001, **decision)
    entitlement.decide_recovery(amount=400_000, **decision)
    assert entitlement.overpayment_awaiting_decision == 600_000
    assert entitlement.recovery_outstanding == 0


# --- channel -----------------------------------------------------------------------------------


def test_the_channel_changes_once_and_never_after_cessation() -> None:
    entitlement = enrolled("2026-01")
    change: dict[str, Any] = {
        "channel": "home_delivery",
        "decided_on": date(2026, 2, 1),
        "reason": "Không tự đi nhận được",
        "today": TODAY,
        "actor": ACTOR,
        "correlation_id": uuid4(),
    }
    entitlement.change_channel(**change)
    assert entitlement.channel == "home_delivery"
    with pytest.raises(InvalidChange, match="already paid through home_delivery"):
        entitlement.change_channel(**change)
    died_in(entitlement, date(2026, 3, 1))
    with pytest.raises(InvalidChange, match="stopped"):
        entitlement.change_channel(**{**change, "channel": "bank_account"})


# --- moves ----------------------------------------------------------------------------------


def moved(entitlement: Entitlement, moved_on: date) -> None:
    entitlement.move_out(
        moved_on=moved_on,
        to_scheme="DVHC_2025_2LEVEL",
        to_code="00004",
        decision_number="20/QĐ",
        signed_on=moved_on,
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )


def test_a_move_stops_the_old_commune_and_the_new_one_continues_without_gap_or_overlap() -> None:
    entitlement = enrolled("2026-01")
    moved(entitlement, date(2026, 4, 15))
    # the old commune pays April; nothing is owed from May until the new commune decides
    assert entitlement.held_in("2026-04") is not None
    assert entitlement.held_in("2026-05") is None
    assert entitlement.status == "relocating"

    entitlement.move_in(
        decision_number="31/QĐ",
        signed_on=date(2026, 7, 2),
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    # the new commune owes from May (May and June become arrears of its next payroll)
    assert [entitlement.held_in(m) is not None for m in ("2026-05", "2026-06")] == [True, True]
    assert entitlement.residence_in("2026-04") == ("DVHC_2025_2LEVEL", "02020")
    assert entitlement.residence_in("2026-05") == ("DVHC_2025_2LEVEL", "00004")
    assert entitlement.residence_code == "00004"
    assert entitlement.status == "active"


def test_a_move_needs_another_commune_and_only_one_move_at_a_time() -> None:
    entitlement = enrolled("2026-01")
    with pytest.raises(InvalidChange, match="lives in"):
        entitlement.move_out(
            moved_on=date(2026, 4, 1),
            to_scheme="DVHC_2025_2LEVEL",
            to_code="02020",
            decision_number="x",
            signed_on=date(2026, 4, 2),
            today=TODAY,
            actor=ACTOR,
            correlation_id=uuid4(),
        )
    moved(entitlement, date(2026, 4, 15))
    with pytest.raises(InvalidChange, match="already pending"):
        moved(entitlement, date(2026, 4, 16))
    with pytest.raises(InvalidChange, match="no move"):
        enrolled().move_in(
            decision_number="x",
            signed_on=TODAY,
            today=TODAY,
            actor=ACTOR,
            correlation_id=uuid4(),
        )


# --- one entitlement per person and benefit -------------------------------------------------


def test_the_ledger_finds_an_overlap_and_a_move_is_continued_from_the_month_it_stopped() -> None:
    first, second = uuid4(), uuid4()
    ledger = BenefitLedger(id=uuid4(), person_key=uuid4(), benefit="monthly_allowance")
    ledger.start_period(case_id=first, from_month="2026-01")
    # while the first runs, any month from January on overlaps it
    assert ledger.overlapping("2026-06") == first
    with pytest.raises(ValueError, match="still owed"):
        ledger.start_period(case_id=second, from_month="2026-06")
    # stopped from May because the person moved: a decision of July continues from May
    ledger.end_period(case_id=first, until="2026-05", reason="moved")
    assert ledger.overlapping("2026-05") is None
    assert ledger.overlapping("2026-04") == first
    assert ledger.continuation_start("2026-07", earliest="2025-07") == "2026-05"
    # a stop for another reason is not continued
    other = BenefitLedger(id=uuid4(), person_key=uuid4(), benefit="monthly_allowance")
    other.start_period(case_id=first, from_month="2026-01")
    other.end_period(case_id=first, until="2026-05", reason="no_longer_eligible")
    assert other.continuation_start("2026-07", earliest="2025-07") == "2026-07"
