"""An entitlement refuses dates its own history rules out, and records nothing: an event before
it started, a decision before the grant, a lifting before its suspension, a funeral decision
before the death, a recovery before the cessation, a receipt before the recovery."""

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from services.payment.domain.entitlement import Entitlement, InvalidChange
from tests.unit.test_entitlement_rules import ACTOR, TODAY, enrolled, names

GRANTED = date(2024, 6, 3)


def granted() -> Entitlement:
    """Granted by a decision signed on 3 June 2024, owed from June 2024; no events pending."""
    entitlement = enrolled("2024-06", granted_on=GRANTED)
    entitlement.collect_events()
    return entitlement


def common(**fields: Any) -> dict[str, Any]:
    return {"today": TODAY, "actor": ACTOR, "correlation_id": uuid4(), **fields}


def cease(entitlement: Entitlement, event_date: date, signed_on: date) -> None:
    entitlement.cease(
        **common(reason="death", event_date=event_date, decision_number="9/QĐ", signed_on=signed_on)
    )


def test_a_death_years_before_the_entitlement_started_is_refused_and_nothing_recorded() -> None:
    entitlement = granted()
    with pytest.raises(
        InvalidChange,
        match=r"event_date 2019-03-01 is before the entitlement started \(2024-06-01\)",
    ):
        cease(entitlement, date(2019, 3, 1), date(2024, 10, 1))
    assert names(entitlement) == []
    assert entitlement.status == "active"


def test_a_death_in_the_month_the_entitlement_started_is_recorded() -> None:
    entitlement = granted()
    cease(entitlement, date(2024, 6, 1), date(2024, 10, 1))
    assert entitlement.ceased_from == "2024-07"


def test_a_cessation_signed_before_the_grant_is_refused() -> None:
    with pytest.raises(
        InvalidChange,
        match=r"signed_on 2024-06-02 is before the decision granting the allowance was signed",
    ):
        cease(granted(), date(2024, 6, 1), date(2024, 6, 2))


def test_without_a_known_grant_date_decisions_are_bounded_by_the_entitlement_start() -> None:
    entitlement = enrolled("2024-06")  # enrolled before the grant's date was recorded
    with pytest.raises(InvalidChange, match="decided_on 2024-05-31 is before the entitlement"):
        entitlement.suspend(
            **common(ground="detention_1_month", decided_on=date(2024, 5, 31), decision_number="1")
        )


@pytest.mark.parametrize(
    ("command", "fields", "says"),
    [
        (
            Entitlement.adjust,
            {
                "changed_on": date(2024, 5, 1),
                "categories": {"ELDERLY_POOR_NO_SUPPORTER_80P": 1},
                "decision_number": "2",
                "signed_on": date(2024, 7, 1),
                "reason": "Đủ 80 tuổi",
            },
            "changed_on 2024-05-01 is before the entitlement started",
        ),
        (
            Entitlement.suspend,
            {"ground": "detention_1_month", "decided_on": date(2024, 6, 2), "decision_number": "3"},
            "decided_on 2024-06-02 is before the decision granting",
        ),
        (
            Entitlement.change_channel,
            {"channel": "bank_account", "decided_on": date(2023, 1, 1), "reason": "Mở tài khoản"},
            "decided_on 2023-01-01 is before the decision granting",
        ),
        (
            Entitlement.move_out,
            {
                "moved_on": date(2024, 5, 20),
                "to_scheme": "DVHC_2025_2LEVEL",
                "to_code": "00004",
                "decision_number": "4",
                "signed_on": date(2024, 8, 1),
            },
            "moved_on 2024-05-20 is before the entitlement started",
        ),
    ],
)
def test_a_change_dated_before_the_entitlement_is_refused_and_nothing_recorded(
    command: Any, fields: dict[str, Any], says: str
) -> None:
    entitlement = granted()
    with pytest.raises(InvalidChange, match=says):
        command(entitlement, **common(**fields))
    assert names(entitlement) == []


def test_a_suspension_is_lifted_no_earlier_than_it_was_decided() -> None:
    entitlement = granted()
    entitlement.suspend(
        **common(ground="detention_1_month", decided_on=date(2024, 9, 10), decision_number="5")
    )
    with pytest.raises(InvalidChange, match=r"before the suspension was decided \(2024-09-10\)"):
        entitlement.lift_suspension(**common(decided_on=date(2024, 9, 9), decision_number="6"))
    entitlement.lift_suspension(**common(decided_on=date(2024, 9, 10), decision_number="6"))
    assert entitlement.status == "active"


def test_the_new_commune_decides_no_earlier_than_the_old_one_decided_the_move() -> None:
    entitlement = granted()
    entitlement.move_out(
        **common(
            moved_on=date(2024, 9, 1),
            to_scheme="DVHC_2025_2LEVEL",
            to_code="00004",
            decision_number="7",
            signed_on=date(2024, 9, 5),
        )
    )
    with pytest.raises(InvalidChange, match=r"before the old commune decided the move"):
        entitlement.move_in(**common(decision_number="8", signed_on=date(2024, 9, 4)))


def test_funeral_support_is_decided_no_earlier_than_the_death() -> None:
    entitlement = granted()
    cease(entitlement, date(2024, 9, 20), date(2024, 9, 25))
    entitlement.collect_events()
    decision = common(
        amount=10_000_000,
        minimum=10_000_000,
        standard_level=500_000,
        policy_version="ND76-2024/C-ND20-2021",
        decision_number="10",
        organiser="Gia đình",
    )
    with pytest.raises(InvalidChange, match=r"signed_on 2024-09-19 is before the death"):
        entitlement.decide_funeral_support(**decision, signed_on=date(2024, 9, 19))
    assert names(entitlement) == []
    entitlement.decide_funeral_support(**decision, signed_on=date(2024, 9, 20))


def test_a_recovery_follows_the_cessation_and_a_receipt_follows_the_recovery() -> None:
    entitlement = granted()
    entitlement.issue_lines(
        payroll_id="p",
        payroll_month="2024-10",
        owed={"2024-10": 500_000},
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    [line_id] = entitlement.lines
    entitlement.settle_line(
        **common(line_id=line_id, result="paid_at_point", settled_on=date(2024, 10, 10)),
        source="api",
    )
    cease(entitlement, date(2024, 9, 20), date(2024, 10, 15))  # October was overpaid
    recovery = common(
        decision="instalments",
        amount=500_000,
        instalments=2,
        basis="Thu hồi",
        decision_number="11",
    )
    with pytest.raises(InvalidChange, match=r"before the cessation was signed \(2024-10-15\)"):
        entitlement.decide_recovery(**recovery, signed_on=date(2024, 10, 14))
    entitlement.decide_recovery(**recovery, signed_on=date(2024, 11, 1))
    receipt = common(receipt_number="BL-1", amount=250_000)
    with pytest.raises(InvalidChange, match=r"before the recovery was decided \(2024-11-01\)"):
        entitlement.receive_repayment(**receipt, received_on=date(2024, 10, 31))
    assert entitlement.receive_repayment(**receipt, received_on=date(2024, 11, 2))


def test_an_enrolment_stored_before_the_grant_date_was_recorded_still_replays() -> None:
    [enrolment] = enrolled("2024-06", granted_on=GRANTED).collect_events()
    stored = {k: v for k, v in enrolment.__dict__.items() if k != "granted_on"}
    old = object.__new__(type(enrolment))
    old.__dict__.update(stored)
    entitlement = old.mutate(None)
    assert entitlement is not None
    assert (entitlement.granted_on, entitlement.started_on) == (None, date(2024, 6, 1))
