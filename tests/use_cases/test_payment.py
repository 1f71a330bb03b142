"""Payment's use cases on the in-memory store: enrolment from assessment's approval message
(through payment's own subscriber), months owed at the policy in force each month, decisions
from the month after, the payroll on the in-memory payroll register, results, cessation,
funeral support.

Given earlier messages and commands, when one command, then exactly these new events (or
this error and no event at all). Cases are decided on 3 June 2024 in Xã Ngọc Phái (2004
scheme), at 360,000 x 1.5 in June and 500,000 x 1.5 from July 2024 (Decree 76/2024)."""

import csv
import io
import uuid
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from contracts.assessment import CaseApprovedV4
from services.payment.application import (
    EnrolmentHeld,
    EntitlementNotFound,
    InvalidChange,
    PaymentApplication,
    PayrollError,
)
from services.payment.messaging import inbound
from services.payment.result_files import ResultFile, ResultsReport
from tests.support.use_cases import (
    APPROVER,
    OLD_COMMUNE,
    PAYMENT_OFFICER,
    POST_OFFICE,
    Recorded,
    approval,
    approval_message,
    tracking_of,
)

TODAY = date(2025, 3, 3)


def delivered(payment: PaymentApplication, decided: dict[str, Any]) -> None:
    """Payment's subscriber applies the case_approved message of `decided`."""
    event, envelope = approval_message(decided)
    inbound.handlers(payment)[CaseApprovedV4](event, envelope, tracking_of(envelope))


def enrolled(payment: PaymentApplication, **approval_fields: Any) -> UUID:
    decided = approval(**approval_fields)
    delivered(payment, decided)
    case_id: UUID = decided["case_id"]
    return case_id


def decided(**fields: Any) -> dict[str, Any]:
    return {"actor": APPROVER, "correlation_id": uuid.uuid4(), "today": TODAY, **fields}


def owed(payment: PaymentApplication, case_id: UUID, first: str, last: str) -> dict[str, Any]:
    return {m.month: (m.status, m.amount) for m in payment.months_owed(case_id, first, last)}


def generate(payment: PaymentApplication, month: str, channel: str = "post_office") -> Any:
    return payment.generate_payroll(
        commune=OLD_COMMUNE,
        channel=channel,
        month=month,
        register=payment.open_payroll_register(),
        actor=PAYMENT_OFFICER,
        correlation_id=uuid.uuid4(),
    )


def lines_of(payment: PaymentApplication, month: str, case_id: UUID) -> list[dict[str, Any]]:
    register = payment.open_payroll_register()
    run = str(payment.get_payroll(OLD_COMMUNE, "post_office", month).id)
    return [x for x in register.payroll_lines(run, 5000, 0) if x["case_id"] == case_id]


def approve_payroll(payment: PaymentApplication, month: str) -> None:
    payment.approve_payroll(
        commune=OLD_COMMUNE,
        channel="post_office",
        month=month,
        approved_on=date.fromisoformat(f"{month}-05"),
        actor=APPROVER,
        today=TODAY,
    )


def results(
    payment: PaymentApplication, month: str, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    return payment.record_results(
        commune=OLD_COMMUNE,
        channel="post_office",
        month=month,
        results=rows,
        source="api",
        actor=POST_OFFICE,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )


# --- enrolment from the approval message -------------------------------------------------------


def test_an_approval_message_enrols_the_beneficiary_from_the_month_of_signing(
    payment: PaymentApplication,
) -> None:
    decision = approval()
    recorded = Recorded(payment)

    delivered(payment, decision)

    assert sorted(recorded.names) == [
        "BenefitLedger.Opened",
        "BenefitLedger.PeriodStarted",
        "Entitlement.Enrolled",
        # Still owed after June 2025: Xã Ngọc Phái went whole into Xã Chợ Đồn (02020).
        "Entitlement.TransferredByReorganisation",
        "HealthInsuranceNotices.FirstNoticeIssued",  # báo tăng: the card from 01/06/2024
    ]
    entitlement = payment.get_entitlement(decision["case_id"])
    assert (entitlement.status, entitlement.from_month) == ("active", "2024-06")
    assert entitlement.residence_in("2025-06") == ("DVHC_2004_3LEVEL", "02053")
    assert entitlement.residence_in("2025-07") == ("DVHC_2025_2LEVEL", "02020")
    [notice] = [e for e in recorded.events if type(e).__name__ == "FirstNoticeIssued"]
    assert (notice.kind, notice.card_valid_from) == ("increase", date(2024, 6, 1))


def test_the_same_approval_message_applied_twice_enrols_once(
    payment: PaymentApplication,
) -> None:
    decision = approval()
    delivered(payment, decision)
    recorded = Recorded(payment)

    with pytest.raises(IntegrityError):  # the tracked consumer counts it as a duplicate
        delivered(payment, decision)

    assert recorded.events == []


def test_an_approval_of_a_person_already_owed_is_held_and_enrolled_when_the_other_stops(
    payment: PaymentApplication,
) -> None:
    person = uuid.uuid4()
    first = enrolled(payment, person_id=person)
    recorded = Recorded(payment)

    second = enrolled(payment, person_id=person, signed_on=date(2024, 9, 2))

    assert sorted(recorded.names) == ["BenefitLedger.EnrolmentHeld", "HeldEnrolment.Held"]
    with pytest.raises(EnrolmentHeld, match=str(first)):
        payment.get_entitlement(second)

    # when the first stops (the person moved away), the held one is enrolled from the month after
    payment.cease(
        first,
        **decided(
            reason="moved",
            event_date=date(2024, 10, 10),
            decision_number="80/QĐ",
            signed_on=date(2024, 10, 12),
        ),
    )

    later = payment.get_entitlement(second)
    assert (later.status, later.from_month) == ("active", "2024-11")


def test_an_unknown_case_has_no_entitlement(payment: PaymentApplication) -> None:
    with pytest.raises(EntitlementNotFound):
        payment.get_entitlement(uuid.uuid4())


# --- months owed and decisions from the month after --------------------------------------------


def test_each_month_is_valued_by_the_policy_in_force_that_month(
    payment: PaymentApplication,
) -> None:
    case_id = enrolled(payment)

    assert owed(payment, case_id, "2024-05", "2024-08") == {
        "2024-05": ("not_started", 0),  # the entitlement starts in the month of signing
        "2024-06": ("payable", 540_000),  # 360,000 x 1.5
        "2024-07": ("payable", 750_000),  # 500,000 x 1.5 from 01/07/2024 (Decree 76/2024)
        "2024-08": ("payable", 750_000),
    }


def test_suspension_lift_and_death_take_effect_from_the_month_after(
    payment: PaymentApplication,
) -> None:
    case_id = enrolled(payment)
    payment.suspend(
        case_id,
        **decided(
            ground="not_collected_3_months",
            decided_on=date(2024, 8, 5),
            decision_number="70/QĐ-UBND",
        ),
    )
    recorded = Recorded(payment)
    with pytest.raises(InvalidChange, match="suspended since"):
        payment.suspend(
            case_id,
            **decided(
                ground="detention_1_month",
                decided_on=date(2024, 8, 20),
                decision_number="71/QĐ-UBND",
            ),
        )
    assert recorded.events == []

    payment.lift_suspension(
        case_id, **decided(decided_on=date(2024, 10, 10), decision_number="80/QĐ-UBND")
    )
    dead = payment.cease(
        case_id,
        **decided(
            reason="death",
            event_date=date(2025, 1, 15),
            decision_number="90/QĐ-UBND",
            signed_on=date(2025, 1, 20),
        ),
    )

    assert (dead.status, dead.ceased_from) == ("ceased", "2025-02")
    assert owed(payment, case_id, "2024-08", "2025-02") == {
        "2024-08": ("payable", 750_000),
        "2024-09": ("suspended", 0),
        "2024-10": ("suspended", 0),
        "2024-11": ("payable", 750_000),
        "2024-12": ("payable", 750_000),
        "2025-01": ("payable", 750_000),  # the month of death is still owed
        "2025-02": ("ceased", 0),
    }
    with pytest.raises(InvalidChange, match="stopped from 2025-02"):
        payment.adjust(
            case_id,
            **decided(
                changed_on=date(2025, 3, 1),
                categories={"ELDERLY_POOR_NO_SUPPORTER_80P": 1},
                decision_number="95/QĐ-UBND",
                signed_on=date(2025, 3, 1),
                reason="đủ 80 tuổi",
            ),
        )


def test_an_adjustment_applies_from_the_month_after_the_change(
    payment: PaymentApplication,
) -> None:
    case_id = enrolled(payment)
    recorded = Recorded(payment)
    change = {
        "changed_on": date(2024, 7, 20),
        "decision_number": "65/QĐ-UBND",
        "signed_on": date(2024, 7, 25),
        "reason": "Đủ 80 tuổi",
    }
    with pytest.raises(InvalidChange, match="NOT_A_CATEGORY"):
        payment.adjust(case_id, **decided(**change, categories={"NOT_A_CATEGORY": 1}))
    assert recorded.events == []

    payment.adjust(case_id, **decided(**change, categories={"ELDERLY_POOR_NO_SUPPORTER_80P": 1}))

    assert recorded.names == ["Entitlement.Adjusted"]
    assert owed(payment, case_id, "2024-07", "2024-08") == {
        "2024-07": ("payable", 750_000),
        "2024-08": ("payable", 1_000_000),  # 500,000 x 2.0 from the month after
    }


def test_a_cessation_sends_a_decrease_notice_ending_with_the_last_month_owed(
    payment: PaymentApplication,
) -> None:
    case_id = enrolled(payment)
    recorded = Recorded(payment)

    payment.cease(
        case_id,
        **decided(
            reason="no_longer_eligible",
            event_date=date(2024, 9, 10),
            decision_number="5/QĐ",
            signed_on=date(2024, 9, 12),
        ),
    )

    assert "HealthInsuranceNotices.NoticeIssued" in recorded.names
    [notice] = [e for e in recorded.events if type(e).__name__ == "NoticeIssued"]
    assert (notice.kind, notice.card_valid_until) == ("decrease", date(2024, 9, 30))


# --- the payroll -------------------------------------------------------------------------------


def test_a_payroll_pays_the_month_once_and_later_payrolls_add_the_months_missed(
    payment: PaymentApplication,
) -> None:
    case_id = enrolled(payment)

    generate(payment, "2024-06")
    assert [
        (x["month"], x["amount"], x["kind"]) for x in lines_of(payment, "2024-06", case_id)
    ] == [("2024-06", 540_000, "current")]
    recorded = Recorded(payment)
    again = generate(payment, "2024-06")  # generating again adds nothing
    assert again.generations[-1]["lines"] == 0
    assert recorded.names == ["PayrollRun.Generated"]

    # July's payroll was never generated: August's carries July as arrears, at July's level.
    generate(payment, "2024-08")
    assert [
        (x["month"], x["amount"], x["kind"]) for x in lines_of(payment, "2024-08", case_id)
    ] == [
        ("2024-07", 750_000, "arrears"),
        ("2024-08", 750_000, "current"),
    ]


def test_a_payroll_channel_pays_only_the_beneficiaries_paid_through_it(
    payment: PaymentApplication,
) -> None:
    at_point, at_home = enrolled(payment), enrolled(payment)
    payment.change_channel(
        at_home,
        **decided(channel="home_delivery", decided_on=date(2024, 6, 20), reason="không đi được"),
    )

    generate(payment, "2024-07", channel="home_delivery")
    generate(payment, "2024-07")

    register = payment.open_payroll_register()
    home = str(payment.get_payroll(OLD_COMMUNE, "home_delivery", "2024-07").id)
    assert {x["case_id"] for x in register.payroll_lines(home, 5000, 0)} == {at_home}
    assert lines_of(payment, "2024-07", at_home) == []
    assert len(lines_of(payment, "2024-07", at_point)) == 2  # June arrears and July


def test_an_approved_payroll_is_closed_to_generation(payment: PaymentApplication) -> None:
    enrolled(payment)
    generate(payment, "2024-09")
    approve_payroll(payment, "2024-09")
    recorded = Recorded(payment)

    with pytest.raises(PayrollError, match="approved"):
        generate(payment, "2024-09")
    with pytest.raises(PayrollError, match="approved"):
        payment.check_payroll_open(OLD_COMMUNE, "post_office", "2024-09", today=TODAY)

    assert recorded.events == []


def test_results_are_recorded_once_bad_rows_reported_and_unpaid_lines_carried_over(
    payment: PaymentApplication,
) -> None:
    case_id = enrolled(payment)
    generate(payment, "2024-11")
    [current] = [x for x in lines_of(payment, "2024-11", case_id) if x["month"] == "2024-11"]
    not_collected = {"line_id": current["line_id"], "result": "not_collected", "settled_on": TODAY}
    with pytest.raises(PayrollError, match="not approved"):
        results(payment, "2024-11", [not_collected])
    approve_payroll(payment, "2024-11")
    other_payroll = current["line_id"].replace(current["payroll_id"], "0" * 36)
    recorded = Recorded(payment)

    report = results(
        payment,
        "2024-11",
        [
            not_collected,
            not_collected,
            {"line_id": "garbage", "result": "paid_at_point", "settled_on": TODAY},
            {"line_id": other_payroll, "result": "paid_at_point", "settled_on": TODAY},
        ],
    )

    assert [row["outcome"] for row in report] == [
        "recorded",
        "repeated",
        "unknown_line",
        "other_payroll",
    ]
    assert recorded.names == ["Entitlement.LineSettled"]
    again = results(payment, "2024-11", [not_collected])  # the same results again: no change
    assert [row["outcome"] for row in again] == ["repeated"]
    conflict = results(payment, "2024-11", [{**not_collected, "result": "paid_at_point"}])
    assert [row["outcome"] for row in conflict] == ["refused"]
    assert recorded.names == ["Entitlement.LineSettled"]

    # December's payroll owes November again, as arrears
    generate(payment, "2024-12")
    december = [(x["month"], x["amount"], x["kind"]) for x in lines_of(payment, "2024-12", case_id)]
    assert ("2024-11", current["amount"], "arrears") in december
    assert ("2024-12", 750_000, "current") in december


def test_a_results_file_is_read_row_by_row_and_importing_it_twice_records_nothing_new(
    payment: PaymentApplication,
) -> None:
    case_id = enrolled(payment)
    generate(payment, "2024-07")
    approve_payroll(payment, "2024-07")
    june, july = lines_of(payment, "2024-07", case_id)
    content = io.StringIO()
    writer = csv.writer(content)
    writer.writerow(["line_id", "full_name", "result", "settled_on"])
    writer.writerow([june["line_id"], "Người Thử", "paid_at_point", "15/07/2024"])
    writer.writerow([july["line_id"], "Người Thử", "paid_at_point", "not a date"])
    data = content.getvalue().encode("utf-8")

    def imported() -> ResultsReport:
        upload = ResultFile(io.BytesIO(data), "text/csv")
        try:
            return payment.import_results(
                commune=OLD_COMMUNE,
                channel="post_office",
                month="2024-07",
                filename="ket-qua.csv",
                upload=upload,
                actor=POST_OFFICE,
                correlation_id=uuid.uuid4(),
                today=TODAY,
            )
        finally:
            upload.close()

    first = imported()
    assert first.counts == {"recorded": 1, "refused": 1}
    assert [row["row"] for row in first.listed] == [3]  # only the row to look at is listed
    recorded = Recorded(payment)

    assert imported().counts == {"repeated": 1, "refused": 1}
    assert recorded.events == []


# --- death, overpayment, funeral support -------------------------------------------------------


def test_a_payment_after_the_month_of_death_is_an_overpayment_and_funeral_support_follows(
    payment: PaymentApplication,
) -> None:
    case_id = enrolled(payment)
    generate(payment, "2025-02")
    approve_payroll(payment, "2025-02")
    [february] = [x for x in lines_of(payment, "2025-02", case_id) if x["month"] == "2025-02"]
    results(
        payment,
        "2025-02",
        [{"line_id": february["line_id"], "result": "paid_at_home", "settled_on": TODAY}],
    )
    funeral = {"decision_number": "13/QĐ-UBND", "signed_on": date(2025, 2, 20), "organiser": "Con"}
    with pytest.raises(InvalidChange, match="follows a cessation for death"):
        payment.decide_funeral_support(case_id, **decided(**funeral, amount=None))
    recorded = Recorded(payment)

    # the death on 20/01/2025 is reported after February was paid at home
    dead = payment.cease(
        case_id,
        **decided(
            reason="death",
            event_date=date(2025, 1, 20),
            decision_number="12/QĐ-UBND",
            signed_on=date(2025, 2, 18),
        ),
    )

    assert (dead.ceased_from, sum(dead.overpaid.values())) == ("2025-02", 750_000)
    assert "Entitlement.OverpaymentDetected" in recorded.names
    with pytest.raises(InvalidChange, match="10000000"):
        payment.decide_funeral_support(case_id, **decided(**funeral, amount=5_000_000))
    supported = payment.decide_funeral_support(case_id, **decided(**funeral, amount=None))
    assert supported.funeral_support is not None
    assert supported.funeral_support["amount"] == 10_000_000  # 20 x 500,000
    with pytest.raises(InvalidChange, match="13/QĐ-UBND"):
        payment.decide_funeral_support(case_id, **decided(**funeral, amount=None))
