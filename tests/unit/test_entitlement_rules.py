"""Entitlement rules without infrastructure: months owed, changes from the month after."""

from datetime import date
from uuid import uuid4

import pytest

from backbone.actor import Actor
from reference.months import add_months, month_after, months_between, next_month
from services.payment.domain.entitlement import Entitlement, InvalidChange

ACTOR = Actor("chairman", "approver", "02020")
TODAY = date(2026, 11, 24)


def enrolled(from_month: str = "2024-06", granted_on: date | None = None) -> Entitlement:
    return Entitlement(
        id=uuid4(),
        case_id=uuid4(),
        benefit="monthly_allowance",
        category="ELDERLY_POOR_NO_SUPPORTER_60_80",
        residence_scheme="DVHC_2025_2LEVEL",
        residence_code="02020",
        monthly_amount=540_000,
        from_month=from_month,
        decision_number="1/QĐ",
        actor=ACTOR,
        correlation_id=uuid4(),
        causation_id=None,
        categories_held=["ELDERLY_POOR_NO_SUPPORTER_60_80"],
        channel="post_office",
        person_id=uuid4(),
        granted_on=granted_on,
        categories=None,
    )


def names(entitlement: Entitlement) -> list[str]:
    return [type(e).__name__ for e in entitlement.collect_events()]


def test_months_roll_over_the_year() -> None:
    assert next_month("2024-12") == "2025-01"
    assert month_after(date(2024, 12, 31)) == "2025-01"
    assert months_between("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert months_between("2025-02", "2025-01") == []


def test_given_an_enrolment_then_nothing_is_owed_before_its_month() -> None:
    entitlement = enrolled("2024-06")
    assert entitlement.held_in("2024-05") is None
    assert entitlement.held_in("2024-06") == {"ELDERLY_POOR_NO_SUPPORTER_60_80": 1}


def test_when_the_person_dies_then_the_month_of_death_is_owed_and_the_next_is_not() -> None:
    entitlement = enrolled()
    entitlement.collect_events()
    entitlement.cease(
        reason="death",
        event_date=date(2025, 1, 31),
        decision_number="9",
        signed_on=date(2025, 2, 3),
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    assert names(entitlement) == ["Ceased"]
    assert entitlement.held_in("2025-01") is not None
    assert entitlement.held_in("2025-02") is None
    assert entitlement.status == "ceased"


def test_a_change_after_cessation_is_refused_and_records_nothing() -> None:
    entitlement = enrolled()
    entitlement.cease(
        reason="moved",
        event_date=date(2025, 1, 5),
        decision_number="9",
        signed_on=date(2025, 1, 6),
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    entitlement.collect_events()
    with pytest.raises(InvalidChange, match="stopped from 2025-02"):
        entitlement.suspend(
            ground="detention_1_month",
            decided_on=date(2025, 3, 1),
            decision_number="10",
            today=TODAY,
            actor=ACTOR,
            correlation_id=uuid4(),
        )
    assert names(entitlement) == []


def test_an_unknown_cessation_reason_is_refused() -> None:
    entitlement = enrolled()
    entitlement.collect_events()
    with pytest.raises(InvalidChange, match="must be one of"):
        entitlement.cease(
            reason="bad",
            event_date=date(2025, 1, 5),
            decision_number="9",
            signed_on=date(2025, 1, 6),
            today=TODAY,
            actor=ACTOR,
            correlation_id=uuid4(),
        )
    assert names(entitlement) == []


def test_an_unknown_suspension_ground_is_refused() -> None:
    entitlement = enrolled()
    entitlement.collect_events()
    with pytest.raises(InvalidChange, match="must be one of"):
        entitlement.suspend(
            ground="on_holiday",
            decided_on=date(2025, 1, 5),
            decision_number="9",
            today=TODAY,
            actor=ACTOR,
            correlation_id=uuid4(),
        )
    assert names(entitlement) == []


def test_a_suspension_pauses_the_months_between_its_decision_and_its_lifting() -> None:
    entitlement = enrolled()
    entitlement.suspend(
        ground="not_collected_3_months",
        decided_on=date(2024, 8, 5),
        decision_number="7",
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    entitlement.lift_suspension(
        decided_on=date(2024, 10, 10),
        decision_number="8",
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    assert names(entitlement) == ["Enrolled", "Suspended", "SuspensionLifted"]
    owed = [m for m in months_between("2024-08", "2024-11") if entitlement.held_in(m)]
    assert owed == ["2024-08", "2024-11"]


def test_an_adjustment_holds_new_categories_from_the_month_after_the_change() -> None:
    entitlement = enrolled()
    entitlement.adjust(
        changed_on=date(2024, 7, 20),
        categories={"SINGLE_PARENT_POOR": 2},
        decision_number="5",
        signed_on=date(2024, 7, 25),
        reason="con thứ hai",
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    assert entitlement.held_in("2024-07") == {"ELDERLY_POOR_NO_SUPPORTER_60_80": 1}
    assert entitlement.held_in("2024-08") == {"SINGLE_PARENT_POOR": 2}


def test_a_decision_in_the_future_or_before_its_event_is_refused() -> None:
    entitlement = enrolled()
    entitlement.collect_events()
    with pytest.raises(InvalidChange, match="precede the decision"):
        entitlement.cease(
            reason="death",
            event_date=date(2025, 2, 1),
            decision_number="9",
            signed_on=date(2025, 1, 6),
            today=TODAY,
            actor=ACTOR,
            correlation_id=uuid4(),
        )
    assert names(entitlement) == []


def test_a_month_paid_at_the_old_level_gets_the_difference_as_arrears_next_month() -> None:
    # given July 2024's payroll issued before the 500,000 level was loaded (360,000 x 1.5)
    entitlement = enrolled("2024-06")
    entitlement.issue_lines(
        payroll_id="p7",
        payroll_month="2024-07",
        owed={"2024-06": 540_000, "2024-07": 540_000},
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    entitlement.collect_events()
    # when August's payroll values July at the level in force (500,000 x 1.5)
    lines = entitlement.issue_lines(
        payroll_id="p8",
        payroll_month="2024-08",
        owed={"2024-06": 540_000, "2024-07": 750_000, "2024-08": 750_000},
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    # then only the difference for July and August itself are issued
    assert [(x["month"], x["amount"], x["kind"]) for x in lines] == [
        ("2024-07", 210_000, "arrears"),
        ("2024-08", 750_000, "current"),
    ]
    assert names(entitlement) == ["LinesIssued"]


def test_issuing_the_same_payroll_again_adds_nothing() -> None:
    entitlement = enrolled("2024-06")
    owed = {"2024-06": 540_000}
    entitlement.issue_lines(
        payroll_id="p6", payroll_month="2024-06", owed=owed, actor=ACTOR, correlation_id=uuid4()
    )
    entitlement.collect_events()
    assert (
        entitlement.issue_lines(
            payroll_id="p6", payroll_month="2024-06", owed=owed, actor=ACTOR, correlation_id=uuid4()
        )
        == []
    )
    assert names(entitlement) == []


def test_a_line_not_collected_is_owed_again_and_a_settled_line_is_not_changed() -> None:
    entitlement = enrolled("2024-06")
    [line] = entitlement.issue_lines(
        payroll_id="p6",
        payroll_month="2024-06",
        owed={"2024-06": 540_000},
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    assert entitlement.settle_line(
        line_id=line["line_id"],
        result="not_collected",
        settled_on=date(2024, 6, 28),
        source="api",
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    assert entitlement.issued_for("2024-06") == 0
    assert not entitlement.settle_line(
        line_id=line["line_id"],
        result="not_collected",
        settled_on=date(2024, 6, 28),
        source="api",
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    with pytest.raises(InvalidChange, match="already settled"):
        entitlement.settle_line(
            line_id=line["line_id"],
            result="paid_at_home",
            settled_on=date(2024, 6, 29),
            source="api",
            today=TODAY,
            actor=ACTOR,
            correlation_id=uuid4(),
        )
    assert names(entitlement) == ["Enrolled", "LinesIssued", "LineSettled"]


def test_a_line_reported_paid_after_the_death_is_recorded_as_an_overpayment_once() -> None:
    # given a line issued for February, then a death in January recorded before its result
    entitlement = enrolled("2024-06")
    [line] = entitlement.issue_lines(
        payroll_id="p",
        payroll_month="2025-02",
        owed={"2025-02": 750_000},
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    entitlement.cease(
        reason="death",
        event_date=date(2025, 1, 20),
        decision_number="9",
        signed_on=date(2025, 1, 25),
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    entitlement.collect_events()
    # when the post office reports it paid
    entitlement.settle_line(
        line_id=line["line_id"],
        result="paid_at_point",
        settled_on=date(2025, 2, 10),
        source="api",
        today=TODAY,
        actor=ACTOR,
        correlation_id=uuid4(),
    )
    # then the payment is an overpayment of its amount
    events = entitlement.collect_events()
    assert [type(e).__name__ for e in events] == ["LineSettled", "OverpaymentDetected"]
    assert events[1].amount == 750_000  # type: ignore[attr-defined]
    assert entitlement.overpaid == {line["line_id"]: 750_000}


def test_months_can_be_counted_back_across_years() -> None:
    assert add_months("2025-01", -1) == "2024-12"
    assert add_months("2024-08", -35) == "2021-09"
    assert add_months("2024-12", 1) == "2025-01"
