"""Care support (hỗ trợ kinh phí chăm sóc, nuôi dưỡng) is a benefit of its own, paid for each
person cared for; funeral support is decided once per deceased person, on their own case.

Given dossiers, approvals and cessations, when a second ground or a second funeral decision
comes, then these cases, entitlements and refusals."""

import uuid
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from services.intake.application import (
    ChangeDependants,
    DependantGiven,
    DuplicateCase,
    IntakeApplication,
)
from services.payment.application import InvalidChange, PaymentApplication
from tests.support.use_cases import (
    APPROVER,
    OFFICER,
    Recorded,
    approval,
    dossier,
    enrol,
)

TODAY = date(2026, 12, 1)
CAREGIVER = "001170123456"


def care_dossier(intake: IntakeApplication, category: str, cared_for: dict[str, str]) -> Any:
    return intake.receive_dossier(
        dossier(
            number=CAREGIVER,
            born=date(1970, 2, 3),
            benefit="care_support",
            category=category,
            cared_for=cared_for,
            received_on=date(2026, 3, 2),
        ),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )


DISABLED_SON = {"full_name": "Lê Văn An", "date_of_birth": "2001-09-09", "relationship": "son"}
CHILD_TAKEN_IN = {
    "full_name": "Phạm Thị Bình",
    "date_of_birth": "2019-04-12",
    "relationship": "taken in",
}


def test_a_caregiver_holds_a_care_support_case_for_each_person_cared_for(
    intake: IntakeApplication,
) -> None:
    household = care_dossier(intake, "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE", DISABLED_SON)
    taken_in = care_dossier(intake, "CARE_TAKER_CHILD_4P", CHILD_TAKEN_IN)

    assert household.person_id == taken_in.person_id
    assert household.id != taken_in.id
    with pytest.raises(DuplicateCase) as refused:
        care_dossier(intake, "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE", DISABLED_SON)
    assert refused.value.case_id == household.id


ELDERLY_A = DependantGiven(
    relation="person_cared_for", full_name="Hoàng Văn Cả", date_of_birth=date(1940, 1, 5)
)
ELDERLY_B = DependantGiven(
    relation="person_cared_for", full_name="Hoàng Thị Hai", date_of_birth=date(1942, 6, 7)
)


def elderly_care(intake: IntakeApplication, *persons: DependantGiven) -> Any:
    return intake.receive_dossier(
        dossier(
            number=CAREGIVER,
            born=date(1970, 2, 3),
            benefit="care_support",
            category="CARE_TAKER_ELDERLY",
            dependants=persons,
            received_on=date(2026, 3, 2),
        ),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )


def test_every_person_of_a_care_case_is_claimed_not_only_the_first_listed(
    intake: IntakeApplication,
) -> None:
    # given a caregiver's case for two elderly persons taken in
    both = elderly_care(intake, ELDERLY_A, ELDERLY_B)

    # when a second case is received for the second of them, then it is refused, naming the case
    with pytest.raises(DuplicateCase) as refused:
        elderly_care(intake, ELDERLY_B)
    assert refused.value.case_id == both.id
    assert "same person cared for" in str(refused.value)

    # and once the case is withdrawn, each of them can be cared for in a case of their own
    intake.withdraw_dossier(
        both.id,
        withdrawn_on=date(2026, 3, 3),
        reason="Nộp lại từng hồ sơ",
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )
    assert elderly_care(intake, ELDERLY_B).id != both.id
    assert elderly_care(intake, ELDERLY_A).id != both.id


def test_a_person_added_to_a_care_case_is_claimed_and_one_removed_is_released(
    intake: IntakeApplication,
) -> None:
    # given a care case for one elderly person, and another caregiver case for nobody else yet
    case = elderly_care(intake, ELDERLY_A)

    # when the second person is added to it, then no second case may be opened for them
    intake.change_dependants(
        case.id,
        ChangeDependants(changed_on=date(2026, 4, 1), reason="Nhận thêm", add=(ELDERLY_B,)),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )
    with pytest.raises(DuplicateCase):
        elderly_care(intake, ELDERLY_B)

    # when the first is removed, then a case of their own may be opened for them
    first = next(
        i
        for i, d in intake.get_dossier(case.id).dependants.items()
        if d.full_name == "Hoàng Văn Cả"
    )
    intake.change_dependants(
        case.id,
        ChangeDependants(changed_on=date(2026, 5, 4), reason="Chuyển nơi khác", remove=(first,)),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )
    assert elderly_care(intake, ELDERLY_A).id != case.id


def test_a_person_already_cared_for_in_another_case_cannot_be_added(
    intake: IntakeApplication,
) -> None:
    first = elderly_care(intake, ELDERLY_A)
    second = elderly_care(intake, ELDERLY_B)
    with pytest.raises(DuplicateCase) as refused:
        intake.change_dependants(
            second.id,
            ChangeDependants(changed_on=date(2026, 4, 1), reason="Nhận thêm", add=(ELDERLY_A,)),
            actor=OFFICER,
            correlation_id=uuid.uuid4(),
            today=TODAY,
        )
    assert refused.value.case_id == first.id
    assert len(intake.get_dossier(second.id).dependants) == 1  # nothing stored
    with pytest.raises(DuplicateCase):  # and the second case still holds its own person
        elderly_care(intake, ELDERLY_B)


def test_two_grounds_of_care_support_and_the_caregivers_own_allowance_are_all_paid(
    payment: PaymentApplication,
) -> None:
    person = uuid.uuid4()
    signed = {"signed_on": date(2024, 8, 5), "commune": "02053", "person_id": person}
    household = enrol(
        payment,
        approval(benefit="care_support", category="CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE", **signed),
    )
    taken_in = enrol(
        payment, approval(benefit="care_support", category="CARE_TAKER_CHILD_4P", **signed)
    )
    own = enrol(payment, approval(**signed))

    owed = {
        case_id: payment.months_owed(case_id, "2024-09", "2024-09")[0].amount
        for case_id in (household, taken_in, own)
    }
    assert owed == {household: 500_000, taken_in: 750_000, own: 750_000}


def died(payment: PaymentApplication, case_id: UUID, on: date) -> None:
    payment.cease(
        case_id,
        reason="death",
        event_date=on,
        decision_number=f"{uuid.uuid4().hex[:4]}/QĐ",
        signed_on=on,
        today=TODAY,
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
    )


def funeral(payment: PaymentApplication, case_id: UUID, number: str) -> None:
    payment.decide_funeral_support(
        case_id,
        decision_number=number,
        signed_on=date(2024, 11, 20),
        organiser="Con trai",
        amount=None,
        today=TODAY,
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
    )


def test_funeral_support_is_never_decided_on_a_caregivers_care_support(
    payment: PaymentApplication,
) -> None:
    care = enrol(
        payment,
        approval(
            benefit="care_support",
            category="CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE",
            signed_on=date(2024, 8, 5),
        ),
    )
    died(payment, care, date(2024, 10, 3))

    with pytest.raises(InvalidChange, match="own monthly allowance case"):
        funeral(payment, care, "90/QĐ")


def test_funeral_support_is_decided_once_per_deceased_person(
    payment: PaymentApplication,
) -> None:
    """Two entitlements of one person, both ceased for the death (a second case recorded in
    error): the second funeral decision is refused, naming the first."""
    person = uuid.uuid4()
    first = enrol(payment, approval(person_id=person, signed_on=date(2024, 6, 3)))
    second = enrol(payment, approval(person_id=person, signed_on=date(2024, 8, 5)))  # held
    died(payment, first, date(2024, 9, 10))  # the held one is enrolled from October
    died(payment, second, date(2024, 10, 5))
    funeral(payment, first, "91/QĐ")

    with pytest.raises(InvalidChange, match="91/QĐ"):
        funeral(payment, second, "92/QĐ")

    assert payment.get_entitlement(first).funeral_support["amount"] == 10_000_000
    assert payment.get_entitlement(second).funeral_support is None


def test_the_death_of_the_person_cared_for_proposes_ending_the_care_support(
    payment: PaymentApplication,
) -> None:
    """The person cared for has a case of their own (special severe disability); the care
    support counts it. Their death proposes ending the care support from the month after;
    nothing stops until the commune decides."""
    cared = enrol(payment, approval(category="PWD_SPECIAL_SEVERE", signed_on=date(2024, 8, 5)))
    care_decision = approval(
        benefit="care_support",
        category="CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE",
        signed_on=date(2024, 8, 5),
    )
    care_decision["dependants"] = [
        {
            "dependant_id": uuid.uuid4(),
            "relation": "person_cared_for",
            "date_of_birth": date(2001, 9, 9),
            "case_id": cared,
        }
    ]
    care = enrol(payment, care_decision)
    recorded = Recorded(payment)

    died(payment, cared, date(2024, 10, 3))

    [proposal] = [e for e in recorded.events if type(e).__name__ == "CessationProposed"]
    assert (proposal.case_id, proposal.ground, proposal.from_month) == (
        care,
        "death_of_person_cared_for",
        "2024-11",
    )
    assert payment.get_entitlement(care).status == "active"
    assert payment.months_owed(care, "2024-11", "2024-11")[0].amount == 500_000


def test_a_child_a_poor_single_parent_was_paid_for_gets_funeral_support_once_on_the_parents_case(
    payment: PaymentApplication,
) -> None:
    child = uuid.uuid4()
    decided = approval(
        category="SINGLE_PARENT_POOR",
        categories={"SINGLE_PARENT_POOR": 2},
        signed_on=date(2024, 8, 5),
    )
    decided["dependants"] = [
        {"dependant_id": child, "relation": "child_raised", "date_of_birth": date(2015, 3, 2)},
        {
            "dependant_id": uuid.uuid4(),
            "relation": "child_raised",
            "date_of_birth": date(2018, 6, 9),
        },
    ]
    parent = enrol(payment, decided)

    def decide(number: str, dependant: UUID) -> None:
        payment.decide_funeral_support(
            parent,
            decision_number=number,
            signed_on=date(2024, 10, 20),
            organiser="Mẹ",
            amount=None,
            today=TODAY,
            actor=APPROVER,
            correlation_id=uuid.uuid4(),
            dependant_id=dependant,
            died_on=date(2024, 10, 10),
        )

    with pytest.raises(InvalidChange, match="not a child raised"):
        decide("94/QĐ", uuid.uuid4())
    decide("95/QĐ", child)
    with pytest.raises(InvalidChange, match="95/QĐ"):
        decide("96/QĐ", child)

    entitlement = payment.get_entitlement(parent)
    assert entitlement.status == "active"  # the parent's allowance goes on
    assert entitlement.funeral_support_owed() == 10_000_000  # 20 x 500,000
