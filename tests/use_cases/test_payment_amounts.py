"""What payment pays each beneficiary: every category held with its units, labelled by the
category paid; care support apart from the health-insurance card of the person cared for.

Given an approval message (as assessment publishes it), when payment values a month or
records a decision, then these amounts and events."""

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from contracts.assessment import CaseApprovedV4
from services.payment.application import PaymentApplication
from services.payment.messaging import inbound
from tests.support.use_cases import (
    APPROVER,
    PAYMENT_OFFICER,
    Recorded,
    approval,
    approval_message,
    tracking_of,
)

TODAY = date(2026, 12, 1)


def owed(payment: PaymentApplication, case_id: UUID, first: str, last: str) -> dict[str, int]:
    return {m.month: m.amount for m in payment.months_owed(case_id, first, last)}


def deliver(payment: PaymentApplication, decided: dict[str, Any], *, units: bool = True) -> UUID:
    """Payment's subscriber applies the approval; without `units`, as a v3 message upcast."""
    event, envelope = approval_message(decided)
    if not units:
        event = CaseApprovedV4.model_validate(
            {
                **event.model_dump(),
                "categories": [{"code": c, "units": None} for c in event.categories_held],
            }
        )
    inbound.handlers(payment)[CaseApprovedV4](event, envelope, tracking_of(envelope))
    case_id: UUID = decided["case_id"]
    return case_id


def single_parent(children: int) -> dict[str, Any]:
    """A poor single parent raising `children` children, decided in August 2020."""
    return approval(
        signed_on=date(2020, 8, 14),
        category="SINGLE_PARENT_POOR",
        categories={"SINGLE_PARENT_POOR": children},
    )


def test_a_single_parent_raising_three_children_is_paid_for_each_child(
    payment: PaymentApplication,
) -> None:
    case_id = deliver(payment, single_parent(3))

    assert owed(payment, case_id, "2020-08", "2020-08") == {"2020-08": 810_000}  # 3 x 270,000
    assert owed(payment, case_id, "2026-01", "2026-01") == {"2026-01": 1_500_000}  # 3 x 500,000


def test_single_parents_with_one_two_and_three_children_are_paid_per_child(
    payment: PaymentApplication,
) -> None:
    paid = {
        children: owed(payment, deliver(payment, single_parent(children)), "2020-09", "2020-09")
        for children in (1, 2, 3)
    }

    assert paid == {1: {"2020-09": 270_000}, 2: {"2020-09": 540_000}, 3: {"2020-09": 810_000}}


def test_an_approval_published_before_units_travelled_gets_them_from_its_coefficient(
    payment: PaymentApplication,
) -> None:
    """A v3 message carried only the codes held and the coefficient paid (3.0 = 1.0 x 3)."""
    case_id = deliver(payment, single_parent(3), units=False)

    assert owed(payment, case_id, "2020-08", "2020-08") == {"2020-08": 810_000}


def test_an_adjustment_labels_the_entitlement_with_the_category_paid(
    payment: PaymentApplication,
) -> None:
    """A severe PWD who is also an elderly poor person with no supporter: 2.0 is paid, not the
    category listed with most units."""
    case_id = deliver(payment, approval(signed_on=date(2024, 6, 3)))

    payment.adjust(
        case_id,
        changed_on=date(2024, 9, 2),
        categories={"ELDERLY_POOR_NO_SUPPORTER_60_80": 1, "PWD_SEVERE_CHILD_OR_ELDERLY": 1},
        decision_number="77/QĐ-UBND",
        signed_on=date(2024, 9, 10),
        reason="Xác định mức độ khuyết tật nặng",
        today=TODAY,
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
    )

    entitlement = payment.get_entitlement(case_id)
    assert entitlement.category == "PWD_SEVERE_CHILD_OR_ELDERLY"
    assert owed(payment, case_id, "2024-10", "2024-10") == {"2024-10": 1_000_000}


def test_care_support_sends_no_health_insurance_notice_for_the_caregiver(
    payment: PaymentApplication,
) -> None:
    recorded = Recorded(payment)

    deliver(
        payment,
        approval(
            signed_on=date(2024, 8, 5),
            benefit="care_support",
            category="CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE",
        ),
    )

    assert "Entitlement.Enrolled" in recorded.names
    assert not [name for name in recorded.names if name.startswith("HealthInsurance")]


# --- no month owed is ever dropped ------------------------------------------------------------


def generate(payment: PaymentApplication, commune: str, month: str) -> Any:
    return payment.generate_payroll(
        commune=commune,
        channel="post_office",
        month=month,
        register=payment.open_payroll_register(),
        actor=PAYMENT_OFFICER,
        correlation_id=uuid.uuid4(),
    )


def months_paid(payment: PaymentApplication, commune: str, month: str) -> list[str]:
    run = str(payment.get_payroll(commune, "post_office", month).id)
    lines = payment.open_payroll_register().payroll_lines(run, 10_000, 0)
    return sorted(line["month"] for line in lines)


def test_months_owed_beyond_the_look_back_wait_for_an_arrears_decision_then_are_paid(
    payment: PaymentApplication,
) -> None:
    """Decided in August 2020 under old Xã Ngọc Phái and never paid: the first payroll of Xã
    Chợ Đồn in December 2026 pays the 36 months from January 2024 by itself and shows the 41
    months before as owed; once decided, the next payroll pays them."""
    case_id = deliver(payment, approval(signed_on=date(2020, 8, 14)))

    run = generate(payment, "02020", "2026-12")

    assert months_paid(payment, "02020", "2026-12")[0] == "2024-01"
    assert len(months_paid(payment, "02020", "2026-12")) == 36
    [awaiting] = run.arrears_awaiting_decision
    assert awaiting["case_id"] == str(case_id)
    assert (awaiting["months"][0], awaiting["months"][-1]) == ("2020-08", "2023-12")
    assert len(awaiting["months"]) == 41
    # 2020-08..2021-06: 11 x 405,000; 2021-07..2023-12: 30 x 540,000
    assert awaiting["amount"] == 11 * 405_000 + 30 * 540_000

    payment.decide_arrears(
        case_id,
        months=awaiting["months"],
        decision_number="210/QĐ-UBND",
        signed_on=date(2026, 12, 1),
        basis="NĐ 20/2021/NĐ-CP Đ8",
        today=TODAY,
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
    )
    generate(payment, "02020", "2027-01")

    paid_then = months_paid(payment, "02020", "2027-01")
    assert paid_then[:41] == awaiting["months"]
    assert paid_then[41:] == ["2027-01"]
    assert payment.get_entitlement(case_id).arrears_awaiting == {}


def test_a_late_downward_adjustment_flags_the_months_already_paid_at_the_old_amount(
    payment: PaymentApplication,
) -> None:
    """Paid 750,000 (1.5) for September and October 2024; a decision signed in November says
    the person was 1.0 (ELDERLY_80P_NO_PENSION) from September: 2 x 250,000 overpaid."""
    case_id = deliver(payment, approval(signed_on=date(2024, 6, 3), commune="02053"))
    for month in ("2024-09", "2024-10"):
        run = generate(payment, "02053", month)
        payment.approve_payroll(
            commune="02053",
            channel="post_office",
            month=month,
            approved_on=date.fromisoformat(f"{month}-05"),
            actor=APPROVER,
            today=TODAY,
        )
        lines = payment.open_payroll_register().payroll_lines(str(run.id), 100, 0)
        payment.record_results(
            commune="02053",
            channel="post_office",
            month=month,
            results=[
                {
                    "line_id": x["line_id"],
                    "result": "paid_at_point",
                    "settled_on": date(2024, 11, 1),
                }
                for x in lines
            ],
            source="api",
            actor=APPROVER,
            correlation_id=uuid.uuid4(),
            today=TODAY,
        )
    recorded = Recorded(payment)

    payment.adjust(
        case_id,
        changed_on=date(2024, 8, 20),
        categories={"ELDERLY_80P_NO_PENSION": 1},
        decision_number="88/QĐ-UBND",
        signed_on=date(2024, 11, 12),
        reason="Đủ điều kiện nhóm khác, hệ số thấp hơn",
        today=TODAY,
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
    )

    [detected] = [e for e in recorded.events if type(e).__name__ == "OverpaymentDetected"]
    assert (detected.months, detected.amount) == (["2024-09", "2024-10"], 500_000)
    assert payment.get_entitlement(case_id).overpayment_awaiting_decision == 500_000
