"""Entitlements enrolled before approvals carried units held each category at one unit: a
poor single parent raising three children was paid for one. The operator's restoration gives
them the units their approval decided, and the next payroll pays what was short.

Given an entitlement as payment stored it before units travelled, when the operator restores
units and a payroll is generated, then these units, events and lines."""

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from contracts.ids import derived_id
from services.payment.application import PaymentApplication
from services.payment.domain.entitlement import Entitlement
from tests.support.use_cases import PAYMENT_OFFICER, Recorded, service_actor

COMMUNE = "02020"
SCHEME = "DVHC_2025_2LEVEL"


def stored_before_units(
    payment: PaymentApplication, *, monthly_amount: int, from_month: str = "2026-01"
) -> UUID:
    """An entitlement as payment enrolled it from a v1-v3 approval: codes held, no units,
    and the monthly amount the approval decided (3 children: 3.0 x 500,000)."""
    case_id = uuid.uuid4()
    payment.save(
        Entitlement(
            id=derived_id("entitlement", case_id),
            case_id=case_id,
            benefit="monthly_allowance",
            category="SINGLE_PARENT_POOR",
            residence_scheme=SCHEME,
            residence_code=COMMUNE,
            monthly_amount=monthly_amount,
            from_month=from_month,
            decision_number="118/QĐ-UBND",
            actor=service_actor("payment"),
            correlation_id=uuid.uuid4(),
            causation_id=None,
            categories_held=["SINGLE_PARENT_POOR"],
            channel="post_office",
            categories=None,  # what a v1-v3 approval gave
            dependants=None,
            person_id=uuid.uuid4(),
            granted_on=date(2025, 12, 20),
        )
    )
    return case_id


def restore(payment: PaymentApplication) -> dict[str, Any]:
    return payment.restore_units_from_enrolments(
        actor=service_actor("operator"), correlation_id=uuid.uuid4()
    )


def generate(payment: PaymentApplication, month: str) -> Any:
    return payment.generate_payroll(
        commune=COMMUNE,
        channel="post_office",
        month=month,
        register=payment.open_payroll_register(),
        actor=PAYMENT_OFFICER,
        correlation_id=uuid.uuid4(),
    )


def paid(payment: PaymentApplication, case_id: UUID) -> dict[str, int]:
    by_month: dict[str, int] = {}
    for line in payment.get_entitlement(case_id).lines.values():
        by_month[line["month"]] = by_month.get(line["month"], 0) + line["amount"]
    return by_month


def test_a_single_parent_of_three_stored_at_one_unit_gets_three_and_the_shortfall_is_paid(
    payment: PaymentApplication,
) -> None:
    case_id = stored_before_units(payment, monthly_amount=1_500_000)
    generate(payment, "2026-01")
    assert paid(payment, case_id) == {"2026-01": 500_000}  # one child of three: the defect
    recorded = Recorded(payment)

    found = restore(payment)

    assert found["restored_count"] == 1
    assert found["restored"] == [
        {"case_id": str(case_id), "categories": {"SINGLE_PARENT_POOR": 3}, "coefficient": "3.0"}
    ]
    [event] = recorded.events
    assert type(event).__name__ == "UnitsRestored"
    assert (event.from_month, event.categories) == ("2026-01", {"SINGLE_PARENT_POOR": 3})
    generate(payment, "2026-02")
    assert paid(payment, case_id) == {"2026-01": 1_500_000, "2026-02": 1_500_000}


def test_restoring_again_changes_nothing(payment: PaymentApplication) -> None:
    stored_before_units(payment, monthly_amount=1_500_000)
    restore(payment)
    recorded = Recorded(payment)

    again = restore(payment)

    assert again["restored_count"] == 0
    assert recorded.events == []


def test_one_unit_decided_stays_one_and_an_adjusted_entitlement_is_left_for_an_official(
    payment: PaymentApplication,
) -> None:
    one_child = stored_before_units(payment, monthly_amount=500_000)
    adjusted = stored_before_units(payment, monthly_amount=1_000_000)
    entitlement = payment.get_entitlement(adjusted)
    entitlement.adjust(
        changed_on=date(2026, 2, 10),
        categories={"SINGLE_PARENT_POOR": 1},
        decision_number="201/QĐ-UBND",
        signed_on=date(2026, 2, 20),
        reason="one child turned 16 and left school",
        today=date(2026, 3, 1),
        actor=PAYMENT_OFFICER,
        correlation_id=uuid.uuid4(),
    )
    payment.save(entitlement)

    found = restore(payment)

    assert found["restored_count"] == 0
    assert found["to_review"] == [{"case_id": str(adjusted), "why": "adjusted since its enrolment"}]
    assert payment.get_entitlement(one_child).plan == [("2026-01", {"SINGLE_PARENT_POOR": 1})]


def test_an_amount_that_is_no_coefficient_of_the_level_is_left_for_an_official(
    payment: PaymentApplication,
) -> None:
    odd = stored_before_units(payment, monthly_amount=1_234_567)

    found = restore(payment)

    [review] = found["to_review"]
    assert review["case_id"] == str(odd)
    assert "not a coefficient times the standard level 500000" in review["why"]
