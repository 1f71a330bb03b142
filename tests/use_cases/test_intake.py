"""Intake's use cases on the in-memory store: receiving a dossier, one open case per person
and benefit, supplementing, withdrawing, and a rejection freeing the person.

Given earlier commands, when one command, then exactly these new events (or this error and
no event at all)."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest

from backbone.eventstore import EventTooLarge
from reference.date_bounds import DateOutOfRange
from services.intake.application import DependantGiven, DuplicateCase, IntakeApplication
from services.intake.domain.dossier import Dossier, InvalidDossier
from services.intake.settings import IntakeSettings
from tests.support.use_cases import (
    OFFICER,
    OLD_COMMUNE,
    OLD_SCHEME,
    Recorded,
    dossier,
    event_of,
)

RECEIVED = date(2026, 2, 10)
TODAY = date(2026, 3, 2)


def receive(intake: IntakeApplication, **fields: Any) -> Dossier:
    return intake.receive_dossier(
        dossier(**fields), actor=OFFICER, correlation_id=uuid.uuid4(), today=TODAY
    )


# --- receiving ---------------------------------------------------------------------------------


def test_a_dossier_that_meets_the_rules_opens_a_case_with_its_form_household_and_documents(
    intake: IntakeApplication,
) -> None:
    recorded = Recorded(intake)

    received = receive(intake, category="CHILD_NO_CARE_U4", born=date(2024, 5, 1))

    assert recorded.names == ["Dossier.Received"]
    assert received.form == "1a"
    assert received.household_poverty == "poor"
    assert received.representative == {"full_name": "Người Giám Hộ", "relationship": "guardian"}
    assert received.missing_documents == []
    assert received.complete_on == received.received_on
    assert len(received.personal_id_digest) > 20  # the number is kept, and its digest indexed


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        (
            {"category": "CHILD_NO_CARE_U4", "born": date(2024, 5, 1), "representative": None},
            "representative",
        ),
        ({"household_poverty": "none"}, "for poor households only on 2026-03-02"),
        ({"household_poverty": "near_poor"}, "ELDERLY_POOR_NO_SUPPORTER_60_80 is for poor"),
        ({"documents_presented": ("passport",)}, "unknown documents"),
        ({"category": "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE"}, "not a category of monthly_allowance"),
        ({"residence_code": "99999"}, "residence"),
    ],
)
def test_a_dossier_that_breaks_a_rule_is_refused_with_the_reason_and_nothing_is_stored(
    intake: IntakeApplication, fields: dict[str, object], says: str
) -> None:
    recorded = Recorded(intake)

    with pytest.raises(InvalidDossier, match=says):
        receive(intake, **fields)

    assert recorded.events == []


def test_a_dossier_received_after_today_is_refused_and_nothing_is_stored(
    intake: IntakeApplication,
) -> None:
    recorded = Recorded(intake)

    with pytest.raises(DateOutOfRange, match="in the future"):
        receive(intake, received_on=date(2026, 3, 3))

    assert recorded.events == []


def test_care_support_needs_the_person_cared_for(intake: IntakeApplication) -> None:
    caregiver = {
        "category": "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE",
        "benefit": "care_support",
        "born": date(1970, 2, 3),
    }
    with pytest.raises(InvalidDossier, match="cared_for"):
        receive(intake, **caregiver)
    cared_for = {
        "full_name": "Người Được Chăm Sóc",
        "date_of_birth": "2001-09-09",
        "relationship": "son",
    }
    recorded = Recorded(intake)

    accepted = receive(intake, **caregiver, cared_for=cared_for)

    assert recorded.names == ["Dossier.Received"]
    assert (accepted.form, accepted.cared_for) == ("2a", cared_for)


def test_a_near_poor_single_parent_is_refused_in_2019_naming_decree_136_and_nothing_is_stored(
    intake: IntakeApplication,
) -> None:
    # given a single mother of a near-poor household, received under Decree 136/2013
    near_poor_in_2019 = {
        "category": "SINGLE_PARENT_POOR",
        "born": date(1988, 4, 9),
        "household_poverty": "near_poor",
        "received_on": date(2019, 5, 6),
        "residence_scheme": OLD_SCHEME,
        "residence_code": OLD_COMMUNE,
    }
    recorded = Recorded(intake)

    with pytest.raises(InvalidDossier) as refused:
        receive(intake, **near_poor_in_2019)

    assert str(refused.value) == (
        "category SINGLE_PARENT_POOR is for poor households only on 2019-05-06 "
        "(NĐ 136/2013/NĐ-CP Đ5 K4; Đ6 K1); the household is declared 'near_poor' "
        "(household.poverty_status)"
    )
    assert recorded.events == []


def test_a_near_poor_single_parent_is_received_from_decree_20_in_2022(
    intake: IntakeApplication,
) -> None:
    recorded = Recorded(intake)

    received = receive(
        intake,
        category="SINGLE_PARENT_POOR",
        born=date(1988, 4, 9),
        household_poverty="near_poor",
        received_on=date(2022, 3, 7),
        residence_scheme=OLD_SCHEME,
        residence_code=OLD_COMMUNE,
        dependants=(DependantGiven("child_raised", "Con Thứ Nhất", date(2015, 1, 2)),),
    )

    assert recorded.names == ["Dossier.Received"]
    assert (received.category, received.household_poverty) == ("SINGLE_PARENT_POOR", "near_poor")


def test_a_poor_adult_with_hiv_is_received_in_2016(intake: IntakeApplication) -> None:
    recorded = Recorded(intake)

    received = receive(
        intake,
        category="HIV_ADULT_POOR_NO_INCOME",
        born=date(1979, 8, 1),
        received_on=date(2016, 3, 1),
        residence_scheme=OLD_SCHEME,
        residence_code=OLD_COMMUNE,
    )

    assert recorded.names == ["Dossier.Received"]
    assert received.form == "1đ"


# --- one open case per person and benefit ------------------------------------------------------


def test_a_second_dossier_of_the_same_person_and_benefit_is_refused_naming_the_open_case(
    intake: IntakeApplication,
) -> None:
    first = receive(intake, number="001150123456")
    recorded = Recorded(intake)

    with pytest.raises(DuplicateCase) as refused:
        receive(intake, number="001150123456")

    assert refused.value.case_id == first.id
    assert recorded.events == []


def test_two_desks_receiving_the_same_person_at_once_open_one_case(
    intake: IntakeApplication,
) -> None:
    start = threading.Barrier(4)

    def desk() -> object:
        start.wait()
        try:
            return receive(intake, number="001150444444")
        except DuplicateCase as refused:
            return refused

    recorded = Recorded(intake)
    with ThreadPoolExecutor(4) as desks:
        answers = list(desks.map(lambda _: desk(), range(4)))

    [opened] = [a for a in answers if isinstance(a, Dossier)]
    refusals = [a for a in answers if isinstance(a, DuplicateCase)]
    assert [r.case_id for r in refusals] == [opened.id] * 3
    assert recorded.names == ["Dossier.Received"]


def test_the_same_person_applying_for_another_benefit_is_the_same_person(
    intake: IntakeApplication,
) -> None:
    allowance = receive(intake, number="001150123456")

    care = receive(
        intake,
        number="001150123456",
        category="CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE",
        benefit="care_support",
        cared_for={"full_name": "Con", "date_of_birth": "2001-09-09", "relationship": "son"},
        household_poverty="poor",
    )

    assert care.person_id == allowance.person_id
    assert care.id != allowance.id


def test_a_dossier_too_large_for_the_bus_leaves_no_trace_and_the_person_may_apply_again() -> None:
    intake = IntakeApplication(IntakeSettings(event_store="memory", max_message_bytes=10_000))
    try:
        with pytest.raises(EventTooLarge):
            receive(intake, number="001150654321", documents_presented=("personal_id_card",) * 1000)
        digest = intake.personal_id_digest("001150654321")
        probe = intake.index.claim(digest=digest, benefit="care_support", case_id=uuid.uuid4())
        assert probe.new_person is True  # the refused receipt forgot the person it recorded
        recorded = Recorded(intake)

        receive(intake, number="001150654321")

        assert recorded.names == ["Dossier.Received"]
    finally:
        intake.close()


def test_a_claim_left_by_a_crash_before_the_dossier_was_stored_is_taken_over(
    intake: IntakeApplication,
) -> None:
    digest = intake.personal_id_digest("001150111111")
    lost = uuid.uuid4()  # claimed, then the process died before saving the dossier
    person = intake.index.claim(digest=digest, benefit="monthly_allowance", case_id=lost).person_id
    recorded = Recorded(intake)

    taken = receive(intake, number="001150111111")

    assert recorded.names == ["Dossier.Received"]
    assert taken.person_id == person
    with pytest.raises(DuplicateCase) as refused:
        receive(intake, number="001150111111")
    assert refused.value.case_id == taken.id


# --- after receipt -----------------------------------------------------------------------------


def test_supplementing_the_missing_document_completes_the_dossier_that_day(
    intake: IntakeApplication,
) -> None:
    waiting = receive(intake, received_on=RECEIVED, documents_presented=())
    assert (waiting.missing_documents, waiting.complete_on) == (["identity"], None)
    recorded = Recorded(intake)

    supplemented = intake.supplement_dossier(
        waiting.id,
        documents=["population_db_notice"],
        supplemented_on=date(2026, 2, 16),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )

    assert recorded.names == ["Dossier.Supplemented"]
    assert (supplemented.missing_documents, supplemented.complete_on) == ([], date(2026, 2, 16))
    with pytest.raises(InvalidDossier, match="complete since"):
        intake.supplement_dossier(
            waiting.id,
            documents=["birth_certificate"],
            supplemented_on=date(2026, 2, 19),
            actor=OFFICER,
            correlation_id=uuid.uuid4(),
            today=TODAY,
        )
    assert recorded.names == ["Dossier.Supplemented"]


def test_a_withdrawal_needs_a_reason_and_frees_the_person_to_apply_again(
    intake: IntakeApplication,
) -> None:
    first = receive(intake, number="001150222222", received_on=RECEIVED)

    def withdraw(reason: str) -> None:
        intake.withdraw_dossier(
            first.id,
            withdrawn_on=RECEIVED,
            reason=reason,
            actor=OFFICER,
            correlation_id=uuid.uuid4(),
            today=TODAY,
        )

    recorded = Recorded(intake)
    with pytest.raises(InvalidDossier, match="reason"):
        withdraw("  ")
    assert recorded.events == []

    withdraw("Người nộp xin rút hồ sơ")

    assert recorded.names == ["Dossier.Withdrawn"]
    again = receive(intake, number="001150222222")
    assert (again.person_id, again.id != first.id) == (first.person_id, True)


def test_after_a_rejection_the_person_may_apply_again(intake: IntakeApplication) -> None:
    first = receive(intake, number="001150333333")
    recorded = Recorded(intake)

    intake.release_after_rejection(first.id, event_of("btxh/assessment", first.id, version=2))

    assert recorded.events == []  # only the claim is freed (and the message tracked)
    assert receive(intake, number="001150333333").person_id == first.person_id
