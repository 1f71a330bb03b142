"""Assessment's use cases on the in-memory store: the case opened from intake's message, the
review, the public posting, complaints, disability determinations, the decision, and the
daily jobs (overdue steps, ages reached) on the in-memory deadline register.

Given earlier commands, when one command, then exactly these new events (or this error and
no event at all). Most cases follow version D (Decree 147/2025) in Xã Chợ Đồn, Thái Nguyên:
received 10/02/2026, a decision due 03/03/2026 (Tết Bính Ngọ skipped)."""

import uuid
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from backbone.actor import service_actor
from reference.date_bounds import DateOutOfRange
from services.assessment import daily_jobs
from services.assessment.application import (
    AlreadyDecided,
    Appraisal,
    AssessmentApplication,
    Determination,
    InvalidDecision,
    InvalidDetermination,
    Reject,
    Review,
    StepOutOfOrder,
    WrongAuthority,
)
from services.intake.application import IntakeApplication
from tests.support.use_cases import (
    APPROVER,
    ASSESSOR,
    OFFICER,
    OLD_COMMUNE,
    OLD_SCHEME,
    POSTED_D,
    RECEIVED_D,
    REVIEWED_D,
    TODAY_D,
    Recorded,
    approved,
    commune_decision,
    dossier,
    event_of,
    opened,
    reviewed_and_posted,
)


def approve(assessment: AssessmentApplication, case_id: UUID, **decision: Any) -> Any:
    return assessment.approve(
        case_id,
        commune_decision(**decision),
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )


def review(assessment: AssessmentApplication, case_id: UUID, **fields: Any) -> Any:
    command = {
        "reviewed_on": REVIEWED_D,
        "outcome": "eligible",
        "findings": "Đủ điều kiện",
        "population_db_verified": True,
        **fields,
    }
    return assessment.review(
        case_id, Review(**command), actor=ASSESSOR, correlation_id=uuid.uuid4(), today=TODAY_D
    )


def determine(assessment: AssessmentApplication, case_id: UUID, **fields: Any) -> Any:
    command = {
        "determined_on": date(2026, 2, 11),
        "types": ["MOBILITY"],
        "level": "MILD",
        "method": "observation_questionnaire",
        "council": "Hội đồng xác định mức độ khuyết tật xã Chợ Đồn",
        "certificate_number": "12/GXN",
        "certificate_date": date(2026, 2, 12),
        **fields,
    }
    return assessment.determine_disability(
        case_id,
        Determination(**command),
        actor=ASSESSOR,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )


# --- the case opened from intake's message -----------------------------------------------------


def test_a_dossier_received_at_intake_opens_the_case_under_the_procedure_in_force(
    assessment: AssessmentApplication,
) -> None:
    recorded = Recorded(assessment)

    case_id = opened(assessment, received_on=RECEIVED_D)

    assert recorded.names == ["CaseAssessment.Opened"]
    case = assessment.get_case(case_id)
    assert case.procedure_version == "D-ND147-2025"
    # 10 working days from 10/02/2026 skip Tết Bính Ngọ (16-20/02): due 03/03/2026
    assert (case.current_step, case.current_due_on) == ("decision", date(2026, 3, 3))


def test_the_same_dossier_message_applied_twice_opens_one_case(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    recorded = Recorded(assessment)

    with pytest.raises(IntegrityError):  # the tracked consumer counts it as a duplicate
        assessment.open_case(
            case_id=case_id,
            benefit="monthly_allowance",
            category="ELDERLY_POOR_NO_SUPPORTER_60_80",
            residence_scheme="DVHC_2025_2LEVEL",
            residence_code="02020",
            date_of_birth=date(1950, 5, 17),
            dossier_received_on=RECEIVED_D,
            actor=service_actor("assessment"),
            correlation_id=uuid.uuid4(),
            causation_id=uuid.uuid4(),
            tracking=event_of("btxh/intake", case_id),
        )

    assert recorded.events == []


# --- review and posting ------------------------------------------------------------------------


def test_a_review_under_version_d_needs_the_population_database_check(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    recorded = Recorded(assessment)
    with pytest.raises(InvalidDecision, match="Population Database"):
        review(assessment, case_id, population_db_verified=False)
    assert recorded.events == []

    review(assessment, case_id)

    assert recorded.names == ["CaseAssessment.Reviewed"]


def test_a_council_review_needs_two_thirds_of_its_members(
    assessment: AssessmentApplication,
) -> None:
    # Version B (Decree 140/2018): the commune's review council decides, with a quorum.
    case_id = opened(
        assessment, received_on=date(2020, 1, 6), commune=OLD_COMMUNE, scheme=OLD_SCHEME
    )
    recorded = Recorded(assessment)
    council = {"reviewed_on": date(2020, 1, 7), "population_db_verified": False}
    with pytest.raises(InvalidDecision, match="members_present and members_total"):
        review(assessment, case_id, **council)
    with pytest.raises(InvalidDecision, match="quorum"):
        review(assessment, case_id, **council, members_present=4, members_total=7)
    assert recorded.events == []

    review(assessment, case_id, **council, members_present=5, members_total=7)

    assert recorded.names == ["CaseAssessment.Reviewed"]


def test_the_result_is_posted_two_working_days_and_no_decision_is_signed_inside_the_window(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    review(assessment, case_id)
    recorded = Recorded(assessment)

    posted = assessment.post_results(
        case_id, POSTED_D, actor=ASSESSOR, correlation_id=uuid.uuid4(), today=TODAY_D
    )

    assert recorded.names == ["CaseAssessment.ResultsPosted"]
    assert (posted.posted_from, posted.posted_until) == (POSTED_D, date(2026, 2, 13))
    with pytest.raises(InvalidDecision, match="posting window"):
        approve(assessment, case_id, signed_on=date(2026, 2, 13))
    assert recorded.names == ["CaseAssessment.ResultsPosted"]


@pytest.mark.parametrize(
    ("category", "born", "withheld"),
    [("HIV_ADULT_POOR_NO_INCOME", date(1980, 1, 1), True), ("PWD_SEVERE", date(1979, 4, 2), False)],
)
def test_the_posting_of_an_hiv_case_withholds_anything_about_hiv(
    assessment: AssessmentApplication, category: str, born: date, withheld: bool
) -> None:
    case_id = opened(assessment, category=category, born=born)
    review(assessment, case_id)
    recorded = Recorded(assessment)

    assessment.post_results(
        case_id, POSTED_D, actor=ASSESSOR, correlation_id=uuid.uuid4(), today=TODAY_D
    )

    assert recorded.events[0].hiv_information_withheld is withheld


# --- complaints --------------------------------------------------------------------------------


def test_a_complaint_before_anything_is_posted_is_refused(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    review(assessment, case_id)
    recorded = Recorded(assessment)

    with pytest.raises(StepOutOfOrder, match="nothing is posted"):
        assessment.receive_complaint(
            case_id,
            received_on=date(2026, 2, 12),
            summary="Khiếu nại",
            actor=ASSESSOR,
            correlation_id=uuid.uuid4(),
            today=TODAY_D,
        )

    assert recorded.events == []


def test_an_open_complaint_holds_the_decision_until_it_is_concluded(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    reviewed_and_posted(assessment, case_id)
    recorded = Recorded(assessment)
    _, complaint = assessment.receive_complaint(
        case_id,
        received_on=date(2026, 2, 13),
        summary="Người dân phản ánh hộ không thuộc diện nghèo",
        actor=ASSESSOR,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )
    assert recorded.names == ["CaseAssessment.ComplaintReceived"]
    with pytest.raises(StepOutOfOrder, match=f"complaint {complaint}"):
        approve(assessment, case_id)

    assessment.conclude_complaint(
        case_id,
        complaint,
        concluded_on=date(2026, 2, 23),
        outcome="dismissed",
        conclusion="Không có cơ sở",
        actor=ASSESSOR,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )
    approve(assessment, case_id)

    assert recorded.names == [
        "CaseAssessment.ComplaintReceived",
        "CaseAssessment.ComplaintConcluded",
        "CaseAssessment.Approved",
    ]


# --- disability determinations -----------------------------------------------------------------


def test_a_severe_disability_category_needs_a_determined_level_that_qualifies(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment, category="PWD_SEVERE", born=date(1979, 4, 2))
    reviewed_and_posted(assessment, case_id)
    recorded = Recorded(assessment)
    with pytest.raises(InvalidDecision, match="disability level determination"):
        approve(assessment, case_id)

    determine(assessment, case_id, level="MILD")
    with pytest.raises(InvalidDecision, match="MILD"):
        approve(assessment, case_id)

    assert recorded.names == ["DisabilityRecord.Determined"]


def test_a_redetermination_gives_a_reason_and_the_history_of_levels_is_kept(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment, category="PWD_SEVERE", born=date(1979, 4, 2))
    determine(assessment, case_id, level="MILD")
    recorded = Recorded(assessment)
    severe = {
        "level": "SEVERE",
        "determined_on": date(2026, 2, 23),
        "method": "medical_assessment",
        "referral_reason": "person_disagrees",
        "council": "Hội đồng giám định y khoa tỉnh",
        "certificate_date": date(2026, 2, 23),
    }
    with pytest.raises(InvalidDetermination, match="reason"):
        determine(assessment, case_id, **severe)
    assert recorded.events == []

    record = determine(
        assessment, case_id, **severe, reason="Không đồng ý với kết luận của Hội đồng xã"
    )

    assert recorded.names == ["DisabilityRecord.Redetermined"]
    assert record.level_on(date(2026, 2, 22)) == "MILD"
    assert record.level_on(date(2026, 2, 23)) == "SEVERE"


# --- the decision ------------------------------------------------------------------------------


def test_the_commune_chairman_grants_the_amount_in_force_from_the_month_of_signing(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment, category="PWD_SEVERE", born=date(1979, 4, 2))
    reviewed_and_posted(assessment, case_id)
    determine(assessment, case_id, level="SEVERE")
    recorded = Recorded(assessment)

    case, recorded_now = approve(assessment, case_id)

    assert recorded_now is True
    assert recorded.names == ["CaseAssessment.Approved"]
    [granted] = recorded.events
    assert granted.monthly_amount == 750_000  # 500,000 x 1.5
    assert granted.effective_month == "2026-02"
    assert granted.on_time is True  # signed 24/02, due 03/03
    assert case.version == 4  # opened, reviewed, posted, approved


@pytest.mark.parametrize(
    ("decision", "error", "says"),
    [
        ({"authority": "DISTRICT_CHAIRMAN"}, WrongAuthority, "COMMUNE_CHAIRMAN"),
        ({"monthly_amount": 700_000}, InvalidDecision, "750000"),
        ({"legal_basis": []}, InvalidDecision, "legal_basis"),
        ({"signed_on": date(2026, 3, 3)}, DateOutOfRange, "in the future"),
    ],
)
def test_a_decision_against_the_procedure_or_the_policy_is_refused_and_nothing_is_stored(
    assessment: AssessmentApplication,
    decision: dict[str, Any],
    error: type[Exception],
    says: str,
) -> None:
    case_id = opened(assessment)
    reviewed_and_posted(assessment, case_id)
    recorded = Recorded(assessment)

    with pytest.raises(error, match=says):
        approve(assessment, case_id, **decision)

    assert recorded.events == []


def test_the_same_approval_again_changes_nothing_and_another_decision_is_refused(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    reviewed_and_posted(assessment, case_id)
    approve(assessment, case_id, decision_number="7/QĐ-UBND")
    recorded = Recorded(assessment)

    _, again = approve(assessment, case_id, decision_number="7/QĐ-UBND")
    assert again is False
    with pytest.raises(AlreadyDecided, match="7/QĐ-UBND"):
        approve(assessment, case_id, decision_number="8/QĐ-UBND")

    assert recorded.events == []


def test_a_rejection_states_its_reasons_in_writing(assessment: AssessmentApplication) -> None:
    case_id = opened(assessment)
    recorded = Recorded(assessment)

    def reject(reasons: list[str]) -> None:
        assessment.reject(
            case_id,
            Reject(
                decision_number="9/TB-UBND",
                signed_on=date(2026, 2, 12),
                signer="Chủ tịch UBND xã",
                authority="COMMUNE_CHAIRMAN",
                reasons=reasons,
                legal_basis=["NĐ 20/2021/NĐ-CP"],
            ),
            actor=APPROVER,
            correlation_id=uuid.uuid4(),
            today=TODAY_D,
        )

    with pytest.raises(InvalidDecision, match="reasons"):
        reject(["  "])
    assert recorded.events == []

    reject(["Hộ gia đình không thuộc hộ nghèo tại thời điểm xét duyệt"])

    assert recorded.names == ["CaseAssessment.Rejected"]
    assert assessment.get_case(case_id).decision == "rejected"


def test_under_version_c_the_district_decides_after_the_proposal_and_the_appraisal(
    assessment: AssessmentApplication,
) -> None:
    today = date(2024, 6, 3)
    case_id = opened(
        assessment, received_on=date(2024, 5, 6), commune=OLD_COMMUNE, scheme=OLD_SCHEME
    )
    steps = {"actor": ASSESSOR, "correlation_id": uuid.uuid4(), "today": today}
    review(assessment, case_id, reviewed_on=date(2024, 5, 7), population_db_verified=False)
    assessment.post_results(case_id, date(2024, 5, 8), **steps)
    district = {"authority": "DISTRICT_CHAIRMAN", "signed_on": today}
    early = Appraisal(appraised_on=date(2024, 5, 13), outcome="eligible", findings="Đủ")
    with pytest.raises(StepOutOfOrder, match="proposal"):
        assessment.appraise(case_id, early, **steps)
    assessment.send_proposal(case_id, date(2024, 5, 10), **steps)
    with pytest.raises(StepOutOfOrder, match="appraisal"):
        approve(assessment, case_id, **district)
    assessment.appraise(case_id, early, **steps)
    recorded = Recorded(assessment)

    assessment.approve(
        case_id,
        commune_decision(**district),
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
        today=today,
    )

    assert recorded.names == ["CaseAssessment.Approved"]
    assert recorded.events[0].monthly_amount == 540_000  # 360,000 x 1.5 before July 2024


def test_a_withdrawn_dossier_closes_the_case_and_later_steps_are_refused(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    recorded = Recorded(assessment)

    assessment.close_withdrawn(
        case_id,
        date(2026, 2, 11),
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/intake", case_id, version=2),
    )

    assert recorded.names == ["CaseAssessment.Withdrawn"]
    with pytest.raises(AlreadyDecided, match="withdrawn"):
        review(assessment, case_id)
    assert recorded.names == ["CaseAssessment.Withdrawn"]


# --- the daily jobs ----------------------------------------------------------------------------


def test_an_overdue_step_is_recorded_once_the_day_after_it_was_due(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    register = assessment.open_deadline_register()
    recorded = Recorded(assessment)

    assert (
        daily_jobs.record_overdue(assessment, register, date(2026, 3, 3), today=date(2026, 3, 3))[
            "recorded"
        ]
        == 0
    )
    assert (
        daily_jobs.record_overdue(assessment, register, date(2026, 3, 4), today=date(2026, 3, 4))[
            "recorded"
        ]
        == 1
    )
    assert (
        daily_jobs.record_overdue(assessment, register, date(2026, 3, 5), today=date(2026, 3, 5))[
            "recorded"
        ]
        == 0
    )

    assert recorded.names == ["CaseAssessment.BecameOverdue"]
    [overdue] = recorded.events
    assert (overdue.originator_id, overdue.due_on) == (
        assessment.get_case(case_id).id,
        date(2026, 3, 3),
    )


def test_a_child_turning_4_gets_one_proposal_effective_the_next_month(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment, category="CHILD_NO_CARE_U4", born=date(2023, 1, 10))
    approved(assessment, case_id)
    register = assessment.open_deadline_register()
    recorded = Recorded(assessment)

    def run(on: date) -> int:
        return daily_jobs.propose_for_ages_reached(assessment, register, on, today=on)["proposed"]

    assert run(date(2027, 1, 9)) == 0  # the day before the birthday
    assert run(date(2027, 1, 10)) == 1
    assert run(date(2027, 1, 10)) == 0  # once only

    assert recorded.names == ["CaseAssessment.ChangeProposed"]
    [proposal] = recorded.events
    assert (proposal.trigger, proposal.proposal) == ("age_4", "adjust")
    assert (proposal.from_category, proposal.to_category) == (
        "CHILD_NO_CARE_U4",
        "CHILD_NO_CARE_4_16",
    )
    assert proposal.effective_month == "2027-02"


# --- the legal basis and authority in force on the signing date --------------------------------


def under_version_a(
    assessment: AssessmentApplication,
    *,
    category: str = "ELDERLY_POOR_NO_SUPPORTER_60_80",
    born: date = date(1950, 5, 17),
) -> UUID:
    """Given: a case of February 2016 (Decree 136/2013, version A) reviewed by the council,
    posted seven working days across Tết Bính Thân and appraised by the district division."""
    case_id = opened(
        assessment,
        received_on=date(2016, 2, 1),
        category=category,
        born=born,
        commune=OLD_COMMUNE,
        scheme=OLD_SCHEME,
    )
    steps = {"actor": ASSESSOR, "correlation_id": uuid.uuid4(), "today": TODAY_D}
    review(
        assessment,
        case_id,
        reviewed_on=date(2016, 2, 2),
        population_db_verified=False,
        members_present=6,
        members_total=8,
    )
    assessment.post_results(case_id, date(2016, 2, 3), **steps)
    assessment.appraise(
        case_id,
        Appraisal(appraised_on=date(2016, 2, 24), outcome="eligible", findings="Đủ điều kiện"),
        **steps,
    )
    return case_id


def test_a_2016_approval_without_a_legal_basis_cites_decree_136_and_the_district_decides(
    assessment: AssessmentApplication,
) -> None:
    case_id = under_version_a(assessment)
    recorded = Recorded(assessment)

    approve(assessment, case_id, signed_on=date(2016, 2, 26), authority=None, legal_basis=None)

    [granted] = recorded.events
    assert granted.authority == "DISTRICT_CHAIRMAN"
    assert granted.legal_basis == [
        "NĐ 136/2013/NĐ-CP Đ5 K5 điểm a; Đ6 K1",
        "NĐ 136/2013/NĐ-CP Đ8",
    ]
    assert granted.monthly_amount == 405_000  # 270,000 x 1.5
    assert granted.policy_version == "ND136-2013/A-ND136-2013"


def test_a_2026_approval_without_a_legal_basis_cites_decree_20_and_decree_147(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    reviewed_and_posted(assessment, case_id)
    recorded = Recorded(assessment)

    approve(assessment, case_id, authority=None, legal_basis=None)

    [granted] = recorded.events
    assert granted.authority == "COMMUNE_CHAIRMAN"
    assert granted.legal_basis == [
        "NĐ 20/2021/NĐ-CP Đ5 K5 điểm a; Đ6 K1",
        "NĐ 147/2025/NĐ-CP Đ5 K1",
    ]


def test_a_stated_legal_basis_is_kept_and_a_stated_authority_must_be_the_one_in_force(
    assessment: AssessmentApplication,
) -> None:
    case_id = under_version_a(assessment)
    recorded = Recorded(assessment)
    with pytest.raises(WrongAuthority, match="A-ND136-2013 gives the decision to DISTRICT"):
        approve(assessment, case_id, signed_on=date(2016, 2, 26))  # COMMUNE_CHAIRMAN
    assert recorded.events == []

    approve(
        assessment,
        case_id,
        signed_on=date(2016, 2, 26),
        authority="DISTRICT_CHAIRMAN",
        legal_basis=["NĐ 136/2013/NĐ-CP Đ5 K5"],
    )

    assert recorded.events[0].legal_basis == ["NĐ 136/2013/NĐ-CP Đ5 K5"]


def test_a_2019_rejection_without_a_legal_basis_cites_the_category_and_procedure_then(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(
        assessment, received_on=date(2019, 5, 6), commune=OLD_COMMUNE, scheme=OLD_SCHEME
    )
    recorded = Recorded(assessment)

    assessment.reject(
        case_id,
        Reject(
            decision_number="3/TB-UBND",
            signed_on=date(2019, 5, 20),
            signer="Chủ tịch UBND huyện",
            reasons=["Hộ gia đình không thuộc danh sách hộ nghèo năm 2019"],
        ),
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )

    [rejected] = recorded.events
    assert rejected.authority == "DISTRICT_CHAIRMAN"
    assert rejected.legal_basis == [
        "NĐ 136/2013/NĐ-CP Đ5 K5 điểm a; Đ6 K1",
        "NĐ 136/2013/NĐ-CP Đ8 (sửa đổi bởi NĐ 140/2018/NĐ-CP)",
    ]


def test_a_poor_adult_with_hiv_received_in_2016_is_granted_1_5_under_decree_136(
    intake: IntakeApplication, assessment: AssessmentApplication
) -> None:
    # given the dossier intake receives on 01/02/2016, as assessment learns it
    received = intake.receive_dossier(
        dossier(
            category="HIV_ADULT_POOR_NO_INCOME",
            born=date(1979, 8, 1),
            received_on=date(2016, 2, 1),
            residence_scheme=OLD_SCHEME,
            residence_code=OLD_COMMUNE,
        ),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )
    assert received.received_on == date(2016, 2, 1)
    case_id = under_version_a(
        assessment, category="HIV_ADULT_POOR_NO_INCOME", born=received.date_of_birth
    )
    recorded = Recorded(assessment)

    # when the district chairman signs, stating neither authority nor legal basis
    approve(assessment, case_id, signed_on=date(2016, 2, 26), authority=None, legal_basis=None)

    # then 270,000 x 1.5 under Decree 136/2013 Art. 5.7
    [granted] = recorded.events
    assert granted.monthly_amount == 405_000
    assert granted.coefficient == "1.5"
    assert granted.legal_basis == ["NĐ 136/2013/NĐ-CP Đ5 K7; Đ6 K1", "NĐ 136/2013/NĐ-CP Đ8"]


def test_care_support_for_two_grounds_is_granted_their_sum_with_both_provisions(
    assessment: AssessmentApplication,
) -> None:
    # given a household caring for its special-severe PWD that also takes in a child under 4
    case_id = uuid.uuid4()
    assessment.open_case(
        case_id=case_id,
        benefit="care_support",
        category="CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE",
        residence_scheme="DVHC_2025_2LEVEL",
        residence_code="02020",
        date_of_birth=date(1972, 3, 4),
        dossier_received_on=RECEIVED_D,
        person_id=uuid.uuid4(),
        dossier_complete_on=RECEIVED_D,
        actor=service_actor("assessment"),
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/intake", case_id),
    )
    reviewed_and_posted(assessment, case_id)
    recorded = Recorded(assessment)

    approve(
        assessment,
        case_id,
        legal_basis=None,
        categories={"CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE": 1, "CARE_TAKER_CHILD_U4": 1},
    )

    [granted] = recorded.events
    assert granted.monthly_amount == 1_750_000  # (1.0 + 2.5) x 500,000
    assert (granted.standard_level, granted.coefficient) == (500_000, "3.5")
    assert granted.legal_basis[:2] == ["NĐ 20/2021/NĐ-CP Đ20 K2", "NĐ 20/2021/NĐ-CP Đ20 K1"]
    assert granted.legal_basis[-1] == "NĐ 147/2025/NĐ-CP Đ5 K1"


def test_a_2012_dossier_is_received_and_approved_under_the_decree_67_procedure_at_180000(
    intake: IntakeApplication, assessment: AssessmentApplication
) -> None:
    # given a dossier of an 82-year-old without a pension, received on Thursday 01/03/2012
    received = intake.receive_dossier(
        dossier(
            category="ELDERLY_80P_NO_PENSION",
            born=date(1930, 2, 1),
            received_on=date(2012, 3, 1),
            residence_scheme=OLD_SCHEME,
            residence_code=OLD_COMMUNE,
        ),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )
    case_id = opened(
        assessment,
        received_on=received.received_on,
        category=received.category,
        born=received.date_of_birth,
        commune=OLD_COMMUNE,
        scheme=OLD_SCHEME,
    )
    case = assessment.get_case(case_id)
    assert case.procedure_version == "0-ND67-2007"
    assert (case.current_step, case.current_due_on) == ("review", date(2012, 3, 15))
    steps = {"actor": ASSESSOR, "correlation_id": uuid.uuid4(), "today": TODAY_D}
    review(
        assessment,
        case_id,
        reviewed_on=date(2012, 3, 5),
        population_db_verified=False,
        members_present=7,
        members_total=9,
    )
    posted = assessment.post_results(case_id, date(2012, 3, 6), **steps)
    assert posted.posted_until == date(2012, 3, 14)  # seven working days
    with pytest.raises(StepOutOfOrder, match="appraisal"):
        approve(assessment, case_id, signed_on=date(2012, 3, 20), authority=None, legal_basis=None)
    assessment.appraise(
        case_id,
        Appraisal(appraised_on=date(2012, 3, 19), outcome="eligible", findings="Đủ điều kiện"),
        **steps,
    )
    recorded = Recorded(assessment)

    # when the district chairman signs, neither authority nor legal basis stated
    approve(assessment, case_id, signed_on=date(2012, 3, 21), authority=None, legal_basis=None)

    # then 180,000 x 1.0 from March 2012, under Decree 67/2007 as amended by Decree 13/2010
    [granted] = recorded.events
    assert (granted.standard_level, granted.coefficient, granted.monthly_amount) == (
        180_000,
        "1.0",
        180_000,
    )
    assert granted.policy_version == "ND13-2010/0-ND67-2007"
    assert granted.authority == "DISTRICT_CHAIRMAN"
    assert granted.legal_basis == [
        "NĐ 67/2007/NĐ-CP Đ4, Đ6 (sửa đổi bởi NĐ 13/2010/NĐ-CP); Luật Người cao tuổi 2009",
        "NĐ 67/2007/NĐ-CP (sửa đổi bởi NĐ 13/2010/NĐ-CP)",
    ]
    assert (granted.effective_month, granted.on_time) == ("2012-03", True)
