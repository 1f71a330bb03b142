"""Domain rules without infrastructure: personal ID numbers, policy amounts, decisions."""

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from backbone.actor import Actor
from services.assessment.domain.case_assessment import (
    AlreadyDecided,
    CaseAssessment,
    InvalidDecision,
)
from services.intake.domain.personal_id import InvalidPersonalId, parse_personal_id

ACTOR = Actor("u1", "approver", "00004")


@pytest.mark.parametrize(
    ("number", "born", "sex"),
    [
        ("001148000111", date(1948, 3, 2), "female"),
        ("079303123456", date(2003, 1, 1), "female"),
        ("036090000001", date(1990, 6, 1), "male"),
    ],
)
def test_a_personal_id_that_agrees_with_birth_year_and_sex_is_accepted(
    number: str, born: date, sex: str
) -> None:
    assert parse_personal_id(number, date_of_birth=born, sex=sex).legacy is False


def test_a_nine_digit_identity_card_number_is_accepted_as_legacy() -> None:
    assert parse_personal_id("012345678", date_of_birth=date(1960, 1, 1), sex="male").legacy is True


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("00114800011", "12 digits"),
        ("999148000111", "birth-registration"),
        ("001048000111", "sex"),  # century digit 0 = male 1900s
        ("001149000111", "birth year"),
        ("00114800011x", "digits only"),
    ],
)
def test_a_personal_id_that_contradicts_the_person_is_refused(number: str, says: str) -> None:
    with pytest.raises(InvalidPersonalId, match=says):
        parse_personal_id(number, date_of_birth=date(1948, 3, 2), sex="female")


def opened() -> CaseAssessment:
    return CaseAssessment(
        id=uuid4(),
        case_id=uuid4(),
        benefit="monthly_allowance",
        category="PWD_SEVERE",
        residence_scheme="DVHC_2025_2LEVEL",
        residence_code="00004",
        date_of_birth=date(1980, 1, 1),
        dossier_received_on=date(2025, 8, 1),
        actor=ACTOR,
        correlation_id=uuid4(),
        causation_id=None,
        person_id=uuid4(),
        procedure_version="D-ND147-2025",
        current_step="decision",
        current_due_on=date(2025, 8, 15),
        dossier_complete_on=date(2025, 8, 1),
        dossier_incomplete=False,
    )


def approve(case: CaseAssessment, signed_on: date, number: str = "1/QĐ") -> None:
    case.approve(
        decision_number=number,
        signed_on=signed_on,
        signer="Chủ tịch",
        authority="COMMUNE_CHAIRMAN",
        legal_basis=["NĐ 20/2021/NĐ-CP Đ5"],
        policy_version="national/ND76-2024",
        standard_level=500_000,
        coefficient=Decimal("1.5"),
        monthly_amount=750_000,
        today=date(2025, 9, 1),
        actor=ACTOR,
        correlation_id=uuid4(),
    )


def test_given_an_opened_case_when_approved_then_the_entitlement_starts_in_the_month_of_signing() -> (
    None
):
    case = opened()
    approve(case, date(2025, 8, 29))
    events = case.collect_events()
    assert [type(e).__name__ for e in events] == ["Opened", "Approved"]
    assert events[1].effective_month == "2025-08"  # type: ignore[attr-defined]


def test_given_a_decided_case_when_approved_again_then_it_is_refused() -> None:
    case = opened()
    approve(case, date(2025, 8, 29))
    with pytest.raises(AlreadyDecided, match="1/QĐ"):
        approve(case, date(2025, 8, 30), number="2/QĐ")


def test_a_decision_signed_before_the_dossier_was_received_is_refused() -> None:
    with pytest.raises(InvalidDecision, match="before the dossier"):
        approve(opened(), date(2025, 7, 31))
