"""Assessment rules without infrastructure: the case's steps in order (review, posting,
complaints, proposal, appraisal, decision), deadlines on the working-day calendar, disability
determinations and age triggers (DOMAIN §2.4, §4.5-4.6, §5.2).

Each case test reads given / when / then: given earlier events (recorded, then collected so
they are not counted), when one command, then exactly these new events or this error and no
event at all.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from backbone.actor import Actor
from reference.policy import policy_book
from reference.working_days import load_calendar
from services.assessment.deadlines import NextStep, Planner
from services.assessment.domain.case_assessment import (
    AlreadyDecided,
    CaseAssessment,
    InvalidDecision,
    StepOutOfOrder,
)
from services.assessment.domain.disability import DisabilityRecord, InvalidDetermination

ACTOR = Actor("u1", "commune_official", "00004")

# A version C case (Decree 20/2021) received the Monday before Tết Giáp Thìn (08-14/02/2024).
RECEIVED = date(2024, 2, 5)
REVIEWED = date(2024, 2, 6)
POSTED_FROM = date(2024, 2, 7)
POSTED_UNTIL = date(2024, 2, 15)  # 2 working days: 7 and 15 February, Tết in between
PROPOSED = date(2024, 2, 16)
APPRAISED = date(2024, 2, 22)
DECISION_DUE = date(2024, 2, 27)
TODAY = date(2024, 6, 3)

Step = Callable[[CaseAssessment], object]


# --- given: a case and the steps it has been through -------------------------------------------


def opened(
    *,
    received: date = RECEIVED,
    version: str | None = "C-ND20-2021",
    step: str | None = "review",
    due: date | None = date(2024, 2, 21),
) -> CaseAssessment:
    return CaseAssessment(
        id=uuid4(),
        case_id=uuid4(),
        benefit="monthly_allowance",
        category="PWD_SEVERE",
        residence_scheme="DVHC_2025_2LEVEL",
        residence_code="00004",
        date_of_birth=date(1980, 1, 1),
        dossier_received_on=received,
        actor=ACTOR,
        correlation_id=uuid4(),
        causation_id=None,
        person_id=uuid4(),
        procedure_version=version,
        current_step=step,
        current_due_on=due,
        dossier_complete_on=received,
        dossier_incomplete=False,
    )


def given(*steps: Step, case: CaseAssessment | None = None) -> CaseAssessment:
    """An opened case after `steps`, with their events already collected."""
    case = case if case is not None else opened()
    for step in steps:
        step(case)
    case.collect_events()
    return case


def new_events(case: CaseAssessment) -> list[Any]:
    return list(case.collect_events())


def names(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def reviewed(case: CaseAssessment, **changes: Any) -> None:
    case.review(
        **{
            "reviewed_on": REVIEWED,
            "body": "COMMUNE_OFFICIAL",
            "outcome": "eligible",
            "findings": "Khuyết tật nặng, giấy xác nhận hợp lệ",
            "population_db_verified": False,
            "members_present": None,
            "members_total": None,
            "next_step": "review",
            "next_due_on": date(2024, 2, 21),
            "today": TODAY,
            "actor": ACTOR,
            "correlation_id": uuid4(),
            **changes,
        }
    )


def ineligible(case: CaseAssessment) -> None:
    reviewed(case, outcome="ineligible", findings="Không thuộc hộ nghèo")


def posted(case: CaseAssessment, **changes: Any) -> None:
    case.post_results(
        **{
            "posted_from": POSTED_FROM,
            "posted_until": POSTED_UNTIL,
            "hiv_information_withheld": False,
            "next_step": "proposal",
            "next_due_on": date(2024, 2, 20),
            "today": TODAY,
            "actor": ACTOR,
            "correlation_id": uuid4(),
            **changes,
        }
    )


def complained(case: CaseAssessment, **changes: Any) -> None:
    case.receive_complaint(
        **{
            "complaint_id": "K1",
            "received_on": date(2024, 2, 15),
            "summary": "Hàng xóm cho rằng đương sự không khuyết tật",
            "due_on": date(2024, 2, 29),
            "today": TODAY,
            "actor": ACTOR,
            "correlation_id": uuid4(),
            **changes,
        }
    )


def concluded(case: CaseAssessment, **changes: Any) -> None:
    case.conclude_complaint(
        **{
            "complaint_id": "K1",
            "concluded_on": date(2024, 2, 23),
            "outcome": "dismissed",
            "conclusion": "Đã xác minh: khuyết tật nặng, đúng đối tượng",
            "today": TODAY,
            "actor": ACTOR,
            "correlation_id": uuid4(),
            **changes,
        }
    )


def proposed(case: CaseAssessment, **changes: Any) -> None:
    case.send_proposal(
        **{
            "sent_on": PROPOSED,
            "next_step": "appraisal",
            "next_due_on": date(2024, 2, 27),
            "today": TODAY,
            "actor": ACTOR,
            "correlation_id": uuid4(),
            **changes,
        }
    )


def appraised(case: CaseAssessment, **changes: Any) -> None:
    case.appraise(
        **{
            "appraised_on": APPRAISED,
            "body": "DISTRICT_DIVISION_LISA",
            "outcome": "eligible",
            "findings": "Hồ sơ đủ điều kiện",
            "next_step": "decision",
            "next_due_on": DECISION_DUE,
            "today": TODAY,
            "actor": ACTOR,
            "correlation_id": uuid4(),
            **changes,
        }
    )


def approved(case: CaseAssessment, **changes: Any) -> None:
    case.approve(
        **{
            "decision_number": "15/QĐ-UBND",
            "signed_on": date(2024, 2, 26),
            "signer": "Chủ tịch UBND huyện",
            "authority": "DISTRICT_CHAIRMAN",
            "legal_basis": ["NĐ 20/2021/NĐ-CP Đ5 K6"],
            "policy_version": "ND20-2021/C-ND20-2021",
            "standard_level": 360_000,
            "coefficient": Decimal("1.5"),
            "monthly_amount": 540_000,
            "today": TODAY,
            "actor": ACTOR,
            "correlation_id": uuid4(),
            **changes,
        }
    )


def rejected(case: CaseAssessment, **changes: Any) -> None:
    case.reject(
        **{
            "decision_number": "16/QĐ-UBND",
            "signed_on": date(2024, 2, 26),
            "signer": "Chủ tịch UBND huyện",
            "authority": "DISTRICT_CHAIRMAN",
            "reasons": ["Không thuộc hộ nghèo"],
            "legal_basis": ["NĐ 20/2021/NĐ-CP Đ8"],
            "policy_version": "ND20-2021/C-ND20-2021",
            "today": TODAY,
            "actor": ACTOR,
            "correlation_id": uuid4(),
            **changes,
        }
    )


def marked_overdue(case: CaseAssessment, **changes: Any) -> bool:
    return case.mark_overdue(
        **{
            "step": "review",
            "due_on": date(2024, 2, 21),
            "detected_on": date(2024, 2, 22),
            "actor": ACTOR,
            "correlation_id": uuid4(),
            **changes,
        }
    )


def change_proposed(case: CaseAssessment, **changes: Any) -> bool:
    return case.propose_change(
        **{
            "trigger": "age_60",
            "reached_on": date(2040, 1, 1),
            "from_category": "PWD_SEVERE",
            "proposal": "adjust",
            "to_category": "PWD_SEVERE_CHILD_OR_ELDERLY",
            "effective_month": "2040-02",
            "legal_basis": "NĐ 20/2021 Đ6 K1",
            "actor": ACTOR,
            "correlation_id": uuid4(),
            **changes,
        }
    )


# --- review ------------------------------------------------------------------------------------


def test_given_an_opened_case_when_reviewed_then_a_review_is_recorded_and_the_step_moves() -> None:
    case = given()
    reviewed(case, next_step="proposal", next_due_on=date(2024, 2, 20))
    events = new_events(case)
    assert names(events) == ["Reviewed"]
    assert events[0].outcome == "eligible"
    assert (case.current_step, case.current_due_on) == ("proposal", date(2024, 2, 20))


@pytest.mark.parametrize(
    ("changes", "error", "says"),
    [
        ({"outcome": "maybe"}, InvalidDecision, "outcome must be one of"),
        ({"outcome": "Eligible"}, InvalidDecision, "outcome must be one of"),
        ({"findings": ""}, InvalidDecision, "findings"),
        ({"findings": "   "}, InvalidDecision, "findings"),
        ({"reviewed_on": date(2024, 6, 4)}, InvalidDecision, "in the future"),
        ({"reviewed_on": date(2024, 2, 4)}, InvalidDecision, "before the dossier"),
        ({"members_present": 5, "members_total": 9}, InvalidDecision, "no quorum"),
        ({"members_present": 0, "members_total": 9}, InvalidDecision, "between 1 and"),
        ({"members_present": 10, "members_total": 9}, InvalidDecision, "between 1 and"),
        ({"members_present": None, "members_total": 9}, InvalidDecision, "between 1 and"),
    ],
)
def test_a_review_that_breaks_a_rule_is_refused_and_records_nothing(
    changes: dict[str, Any], error: type[Exception], says: str
) -> None:
    case = given()
    with pytest.raises(error, match=says):
        reviewed(case, **changes)
    assert new_events(case) == []
    assert case.reviewed_on is None


@pytest.mark.parametrize(("present", "total"), [(6, 9), (2, 3), (10, 15), (9, 9)])
def test_a_council_with_at_least_two_thirds_present_has_quorum(present: int, total: int) -> None:
    case = given()
    reviewed(case, body="COMMUNE_REVIEW_COUNCIL", members_present=present, members_total=total)
    assert names(new_events(case)) == ["Reviewed"]


@pytest.mark.parametrize(("present", "total"), [(5, 9), (1, 2), (9, 14)])
def test_a_council_with_fewer_than_two_thirds_present_has_no_quorum(
    present: int, total: int
) -> None:
    case = given()
    with pytest.raises(InvalidDecision, match=f"{present} of {total} present"):
        reviewed(case, members_present=present, members_total=total)
    assert new_events(case) == []


def test_a_review_on_the_day_the_dossier_arrived_and_on_today_is_accepted() -> None:
    case = given()
    reviewed(case, reviewed_on=RECEIVED)
    reviewed(case, reviewed_on=TODAY)
    assert names(new_events(case)) == ["Reviewed", "Reviewed"]


def test_given_a_decided_case_when_reviewed_then_it_is_already_decided() -> None:
    case = given(lambda c: approved(c, signed_on=RECEIVED))
    with pytest.raises(AlreadyDecided, match="15/QĐ-UBND"):
        reviewed(case)
    assert new_events(case) == []


# --- public posting ----------------------------------------------------------------------------


def test_given_an_eligible_review_when_results_are_posted_then_the_posting_is_recorded() -> None:
    case = given(reviewed)
    posted(case)
    events = new_events(case)
    assert names(events) == ["ResultsPosted"]
    assert (events[0].posted_from, events[0].posted_until) == (POSTED_FROM, POSTED_UNTIL)
    assert (case.status, case.current_step) == ("posted", "proposal")


def test_results_are_not_posted_before_the_review() -> None:
    case = given()
    with pytest.raises(StepOutOfOrder, match="only after the review"):
        posted(case)
    assert new_events(case) == []


def test_an_ineligible_review_is_not_posted() -> None:
    case = given(ineligible)
    with pytest.raises(StepOutOfOrder, match="only an eligible review is posted"):
        posted(case)
    assert new_events(case) == []


def test_results_are_posted_only_once() -> None:
    case = given(reviewed, posted)
    with pytest.raises(StepOutOfOrder, match="already posted"):
        posted(case, posted_from=date(2024, 2, 16), posted_until=date(2024, 2, 19))
    assert new_events(case) == []


def test_a_posting_cannot_start_before_the_review() -> None:
    case = given(lambda c: reviewed(c, reviewed_on=date(2024, 2, 7)))
    with pytest.raises(StepOutOfOrder, match="cannot start before the review"):
        posted(case, posted_from=date(2024, 2, 6))
    assert new_events(case) == []


def test_a_posting_may_start_on_the_day_of_the_review() -> None:
    case = given(reviewed)
    posted(case, posted_from=REVIEWED)
    assert names(new_events(case)) == ["ResultsPosted"]


def test_a_posting_starting_in_the_future_is_refused() -> None:
    case = given(reviewed)
    with pytest.raises(InvalidDecision, match="in the future"):
        posted(case, posted_from=date(2024, 6, 4), posted_until=date(2024, 6, 5))
    assert new_events(case) == []


def test_a_posting_that_ends_before_it_starts_is_refused() -> None:
    case = given(reviewed)
    with pytest.raises((InvalidDecision, StepOutOfOrder)):
        posted(case, posted_from=date(2024, 2, 7), posted_until=date(2024, 2, 6))
    assert new_events(case) == []


# --- complaints --------------------------------------------------------------------------------


def test_given_posted_results_when_a_complaint_arrives_then_it_is_open() -> None:
    case = given(reviewed, posted)
    complained(case)
    assert names(new_events(case)) == ["ComplaintReceived"]
    assert case.status == "complaint_open"
    assert [c.complaint_id for c in case.open_complaints] == ["K1"]


def test_a_complaint_is_not_received_when_nothing_is_posted() -> None:
    case = given(reviewed)
    with pytest.raises(StepOutOfOrder, match="nothing is posted"):
        complained(case)
    assert new_events(case) == []


def test_a_complaint_without_a_summary_is_refused() -> None:
    case = given(reviewed, posted)
    with pytest.raises(InvalidDecision, match="summary"):
        complained(case, summary="  ")
    assert new_events(case) == []


def test_a_complaint_is_not_received_on_a_decided_case() -> None:
    case = given(reviewed, posted, lambda c: approved(c, signed_on=date(2024, 2, 16)))
    with pytest.raises(AlreadyDecided):
        complained(case, received_on=date(2024, 2, 19))
    assert new_events(case) == []


def test_a_complaint_id_already_used_is_refused() -> None:
    case = given(reviewed, posted, complained, concluded)
    with pytest.raises((InvalidDecision, StepOutOfOrder)):
        complained(case, received_on=date(2024, 2, 26), summary="Khiếu nại khác")
    assert new_events(case) == []


def test_a_complaint_received_before_the_posting_began_is_refused() -> None:
    case = given(reviewed, posted)
    with pytest.raises((InvalidDecision, StepOutOfOrder)):
        complained(case, received_on=date(2024, 2, 6))
    assert new_events(case) == []


@pytest.mark.parametrize(
    ("concluded_on", "on_time"),
    [(date(2024, 2, 23), True), (date(2024, 2, 29), True), (date(2024, 3, 1), False)],
)
def test_a_complaint_conclusion_is_on_time_up_to_its_due_date(
    concluded_on: date, on_time: bool
) -> None:
    case = given(reviewed, posted, complained)
    concluded(case, concluded_on=concluded_on)
    events = new_events(case)
    assert names(events) == ["ComplaintConcluded"]
    assert events[0].on_time is on_time
    assert case.open_complaints == []
    assert case.complaints["K1"].outcome == "dismissed"


def test_a_complaint_without_a_due_date_is_concluded_on_time() -> None:
    case = given(reviewed, posted, lambda c: complained(c, due_on=None))
    concluded(case, concluded_on=date(2024, 5, 31))
    assert new_events(case)[0].on_time is True


def test_a_complaint_is_concluded_only_once() -> None:
    case = given(reviewed, posted, complained, concluded)
    with pytest.raises(StepOutOfOrder, match="K1 was concluded on 2024-02-23"):
        concluded(case, outcome="upheld", concluded_on=date(2024, 2, 26))
    assert new_events(case) == []


def test_an_unknown_complaint_cannot_be_concluded() -> None:
    case = given(reviewed, posted, complained)
    with pytest.raises(InvalidDecision, match="no complaint K2"):
        concluded(case, complaint_id="K2")
    assert new_events(case) == []


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"outcome": "rejected"}, "upheld, dismissed"),
        ({"outcome": ""}, "upheld, dismissed"),
        ({"conclusion": " "}, "conclusion"),
        ({"concluded_on": date(2024, 2, 14)}, "must lie between"),
        ({"concluded_on": date(2024, 6, 4)}, "must lie between"),
    ],
)
def test_a_complaint_conclusion_that_breaks_a_rule_is_refused(
    changes: dict[str, Any], says: str
) -> None:
    case = given(reviewed, posted, complained)
    with pytest.raises(InvalidDecision, match=says):
        concluded(case, **changes)
    assert new_events(case) == []
    assert case.status == "complaint_open"


@pytest.mark.parametrize(
    "command",
    [
        lambda c: proposed(c),
        lambda c: appraised(c),
        lambda c: approved(c, signed_on=date(2024, 2, 16)),
        lambda c: rejected(c, signed_on=date(2024, 2, 16)),
    ],
    ids=["proposal", "appraisal", "approval", "rejection"],
)
def test_an_open_complaint_blocks_the_proposal_the_appraisal_and_the_decision(
    command: Step,
) -> None:
    case = given(reviewed, posted, complained)
    with pytest.raises(StepOutOfOrder, match="K1"):
        command(case)
    assert new_events(case) == []


def test_given_a_concluded_complaint_when_the_proposal_is_sent_then_it_is_recorded() -> None:
    case = given(reviewed, posted, complained, concluded)
    proposed(case, sent_on=date(2024, 2, 26))
    assert names(new_events(case)) == ["ProposalSent"]


# --- proposal and appraisal --------------------------------------------------------------------


def test_the_proposal_needs_the_review_first() -> None:
    case = given()
    with pytest.raises(StepOutOfOrder, match="needs the review first"):
        proposed(case)
    assert new_events(case) == []


def test_the_proposal_is_not_sent_on_the_last_day_of_posting() -> None:
    case = given(reviewed, posted)
    with pytest.raises(StepOutOfOrder, match="after the posting ends"):
        proposed(case, sent_on=POSTED_UNTIL)
    assert new_events(case) == []


def test_the_proposal_is_sent_only_once() -> None:
    case = given(reviewed, posted, proposed)
    with pytest.raises(StepOutOfOrder, match="already sent"):
        proposed(case, sent_on=date(2024, 2, 19))
    assert new_events(case) == []


@pytest.mark.parametrize(
    ("changes", "error", "says"),
    [
        ({"outcome": "ok"}, InvalidDecision, "outcome must be one of"),
        ({"findings": ""}, InvalidDecision, "findings"),
        ({"appraised_on": POSTED_UNTIL}, StepOutOfOrder, "after the posting ends"),
        ({"appraised_on": date(2024, 6, 4)}, InvalidDecision, "in the future"),
    ],
)
def test_an_appraisal_that_breaks_a_rule_is_refused(
    changes: dict[str, Any], error: type[Exception], says: str
) -> None:
    case = given(reviewed, posted, proposed)
    with pytest.raises(error, match=says):
        appraised(case, **changes)
    assert new_events(case) == []


def test_given_a_proposal_when_appraised_then_the_decision_becomes_due() -> None:
    case = given(reviewed, posted, proposed)
    appraised(case)
    assert names(new_events(case)) == ["Appraised"]
    assert (case.status, case.current_step, case.current_due_on) == (
        "appraised",
        "decision",
        DECISION_DUE,
    )


# --- the decision ------------------------------------------------------------------------------


def test_given_an_appraised_case_when_approved_then_entitlement_starts_in_the_signing_month() -> (
    None
):
    case = given(reviewed, posted, proposed, appraised)
    approved(case, signed_on=date(2024, 2, 26), requires_posting=True, requires_appraisal=True)
    events = new_events(case)
    assert names(events) == ["Approved"]
    assert events[0].effective_month == "2024-02"
    assert events[0].legal_basis == ["NĐ 20/2021/NĐ-CP Đ5 K6"]
    assert events[0].categories_held == ["PWD_SEVERE"]
    assert (case.status, case.current_step, case.current_due_on) == ("approved", None, None)


@pytest.mark.parametrize(
    ("signed_on", "month"),
    [
        (date(2024, 2, 29), "2024-02"),
        (date(2024, 3, 1), "2024-03"),
        (date(2024, 12, 31), "2024-12"),
    ],
)
def test_the_effective_month_is_the_month_of_signing(signed_on: date, month: str) -> None:
    case = given(reviewed, posted, proposed, appraised)
    approved(case, signed_on=signed_on, today=date(2025, 1, 2))
    assert new_events(case)[0].effective_month == month


@pytest.mark.parametrize(
    ("signed_on", "on_time"),
    [(date(2024, 2, 26), True), (DECISION_DUE, True), (date(2024, 2, 28), False)],
)
def test_a_decision_is_on_time_up_to_the_current_due_date(signed_on: date, on_time: bool) -> None:
    case = given(reviewed, posted, proposed, appraised)
    approved(case, signed_on=signed_on)
    events = new_events(case)
    assert (events[0].due_on, events[0].on_time) == (DECISION_DUE, on_time)
    assert case.on_time is on_time


def test_a_decision_without_a_due_date_counts_as_on_time() -> None:
    case = given(case=opened(step=None, due=None))
    approved(case, signed_on=date(2024, 5, 31))
    events = new_events(case)
    assert (events[0].due_on, events[0].on_time) == (None, True)


@pytest.mark.parametrize(
    ("changes", "error", "says"),
    [
        ({"signed_on": date(2024, 6, 4)}, InvalidDecision, "in the future"),
        ({"signed_on": date(2024, 2, 4)}, InvalidDecision, "before the dossier"),
        ({"legal_basis": []}, InvalidDecision, "legal_basis"),
        ({"legal_basis": ["  "]}, InvalidDecision, "legal_basis"),
        ({"legal_basis": ["NĐ 20/2021", ""]}, InvalidDecision, "legal_basis"),
    ],
)
def test_a_decision_that_breaks_a_rule_is_refused(
    changes: dict[str, Any], error: type[Exception], says: str
) -> None:
    case = given(reviewed, posted, proposed, appraised)
    with pytest.raises(error, match=says):
        approved(case, **changes)
    assert new_events(case) == []
    assert case.decision is None


def test_a_decision_requiring_posting_is_refused_when_nothing_was_posted() -> None:
    case = given(reviewed)
    with pytest.raises(StepOutOfOrder, match="nothing was posted"):
        approved(case, requires_posting=True)
    assert new_events(case) == []


def test_a_decision_requiring_posting_is_refused_on_the_last_day_of_posting() -> None:
    case = given(reviewed, posted)
    with pytest.raises(InvalidDecision, match="before the posting window ends"):
        approved(case, signed_on=POSTED_UNTIL, requires_posting=True)
    assert new_events(case) == []


def test_a_decision_requiring_posting_is_accepted_the_day_after_posting_ends() -> None:
    case = given(reviewed, posted)
    approved(case, signed_on=date(2024, 2, 16), requires_posting=True)
    assert names(new_events(case)) == ["Approved"]


def test_a_decision_requiring_appraisal_is_refused_without_one() -> None:
    case = given(reviewed, posted, proposed)
    with pytest.raises(StepOutOfOrder, match="requires the appraisal"):
        approved(case, requires_posting=True, requires_appraisal=True)
    assert new_events(case) == []


def test_a_decision_needing_no_prior_step_may_be_signed_straight_from_the_dossier() -> None:
    # Version D: the commune chairman reviews, verifies and decides in one step.
    case = given(case=opened(received=date(2025, 8, 1), version="D-ND147-2025", step="decision"))
    approved(case, signed_on=date(2025, 8, 14), today=date(2025, 9, 1))
    assert names(new_events(case)) == ["Approved"]


def test_an_approval_after_an_ineligible_review_is_refused() -> None:
    case = given(ineligible)
    with pytest.raises(InvalidDecision, match="ineligible"):
        approved(case)
    assert new_events(case) == []


def test_an_approval_after_an_ineligible_appraisal_is_refused() -> None:
    case = given(reviewed, posted, proposed, lambda c: appraised(c, outcome="ineligible"))
    with pytest.raises(InvalidDecision, match="ineligible"):
        approved(case, requires_posting=True, requires_appraisal=True)
    assert new_events(case) == []


def test_given_an_ineligible_review_a_new_eligible_review_allows_the_approval() -> None:
    case = given(ineligible, reviewed)
    approved(case)
    assert names(new_events(case)) == ["Approved"]


@pytest.mark.parametrize(
    "decide_again",
    [lambda c: approved(c, decision_number="2/QĐ"), lambda c: rejected(c)],
    ids=["approve", "reject"],
)
def test_given_an_approved_case_when_decided_again_then_it_is_already_decided(
    decide_again: Step,
) -> None:
    case = given(reviewed, posted, proposed, appraised, approved)
    with pytest.raises(AlreadyDecided, match="approved by decision 15/QĐ-UBND"):
        decide_again(case)
    assert new_events(case) == []
    assert case.decision_number == "15/QĐ-UBND"


def test_given_a_rejected_case_when_approved_then_it_is_already_decided() -> None:
    case = given(ineligible, rejected)
    with pytest.raises(AlreadyDecided, match="rejected by decision 16/QĐ-UBND"):
        approved(case)
    assert new_events(case) == []


def test_given_an_ineligible_review_when_rejected_then_the_stripped_reasons_are_recorded() -> None:
    case = given(ineligible)
    rejected(case, reasons=["  Không thuộc hộ nghèo ", "", " Có người phụng dưỡng"])
    events = new_events(case)
    assert names(events) == ["Rejected"]
    assert events[0].reasons == ["Không thuộc hộ nghèo", "Có người phụng dưỡng"]
    assert events[0].legal_basis == ["NĐ 20/2021/NĐ-CP Đ8"]
    assert case.reasons == ["Không thuộc hộ nghèo", "Có người phụng dưỡng"]
    assert (case.status, case.current_step) == ("rejected", None)


@pytest.mark.parametrize("reasons", [[], [""], ["   ", "\t"]])
def test_a_rejection_without_written_reasons_is_refused(reasons: list[str]) -> None:
    case = given(ineligible)
    with pytest.raises(InvalidDecision, match="reasons"):
        rejected(case, reasons=reasons)
    assert new_events(case) == []


def test_a_rejection_without_a_legal_basis_is_refused() -> None:
    case = given(ineligible)
    with pytest.raises(InvalidDecision, match="legal_basis"):
        rejected(case, legal_basis=[" "])
    assert new_events(case) == []


@pytest.mark.parametrize(
    ("signed_on", "on_time"), [(date(2024, 2, 21), True), (date(2024, 2, 22), False)]
)
def test_a_rejection_is_on_time_up_to_the_current_due_date(signed_on: date, on_time: bool) -> None:
    case = given(ineligible)  # the review step stays due on 21/02/2024
    rejected(case, signed_on=signed_on)
    events = new_events(case)
    assert (events[0].due_on, events[0].on_time) == (date(2024, 2, 21), on_time)


# --- overdue steps -----------------------------------------------------------------------------


@pytest.mark.parametrize("detected_on", [date(2024, 2, 20), date(2024, 2, 21)])
def test_a_step_is_not_overdue_on_or_before_its_due_date(detected_on: date) -> None:
    case = given()
    assert marked_overdue(case, detected_on=detected_on) is False
    assert new_events(case) == []


def test_given_an_open_step_the_day_after_its_due_date_then_it_becomes_overdue() -> None:
    case = given()
    assert marked_overdue(case) is True
    events = new_events(case)
    assert names(events) == ["BecameOverdue"]
    assert (events[0].step, events[0].due_on, events[0].detected_on) == (
        "review",
        date(2024, 2, 21),
        date(2024, 2, 22),
    )


def test_a_step_becomes_overdue_once_per_due_date() -> None:
    case = given(marked_overdue)
    assert marked_overdue(case, detected_on=date(2024, 3, 1)) is False
    assert new_events(case) == []
    assert marked_overdue(case, step="proposal", due_on=date(2024, 2, 20)) is True
    assert marked_overdue(case, due_on=date(2024, 2, 27), detected_on=date(2024, 2, 28)) is True
    assert names(new_events(case)) == ["BecameOverdue", "BecameOverdue"]


@pytest.mark.parametrize(
    "decision", [approved, lambda c: rejected(c)], ids=["approved", "rejected"]
)
def test_a_decided_case_never_becomes_overdue(decision: Step) -> None:
    case = given(decision)
    assert marked_overdue(case, detected_on=date(2024, 3, 1)) is False
    assert new_events(case) == []


# --- proposals from date triggers --------------------------------------------------------------


def test_given_an_approved_case_when_a_trigger_is_reached_then_a_change_is_proposed() -> None:
    case = given(approved)
    assert change_proposed(case) is True
    events = new_events(case)
    assert names(events) == ["ChangeProposed"]
    assert (events[0].proposal, events[0].to_category) == ("adjust", "PWD_SEVERE_CHILD_OR_ELDERLY")
    assert case.decision == "approved"  # a proposal, never a silent change


@pytest.mark.parametrize(
    "given_steps",
    [(), (reviewed, posted, proposed, appraised), (ineligible, rejected)],
    ids=["open", "appraised", "rejected"],
)
def test_a_change_is_proposed_only_on_an_approved_case(given_steps: tuple[Step, ...]) -> None:
    case = given(*given_steps)
    assert change_proposed(case) is False
    assert new_events(case) == []


def test_a_change_is_proposed_once_per_trigger_and_category() -> None:
    case = given(approved, change_proposed)
    assert change_proposed(case, reached_on=date(2040, 1, 2)) is False
    assert new_events(case) == []
    assert change_proposed(case, from_category="PWD_SPECIAL_SEVERE") is True
    assert change_proposed(case, trigger="age_80") is True
    assert names(new_events(case)) == ["ChangeProposed", "ChangeProposed"]


# --- disability determinations -----------------------------------------------------------------


def determination(**changes: Any) -> dict[str, Any]:
    return {
        "case_id": uuid4(),
        "determined_on": date(2023, 5, 10),
        "types": ["MOBILITY"],
        "level": "SEVERE",
        "method": "observation_questionnaire",
        "council": "Hội đồng xác định mức độ khuyết tật xã Tân Phú",
        "referral_reason": None,
        "certificate_number": "GXN-2023-001",
        "certificate_date": None,
        "reason": None,
        "today": TODAY,
        "actor": ACTOR,
        "correlation_id": uuid4(),
        **changes,
    }


def determined(born: date = date(1990, 4, 1), **changes: Any) -> DisabilityRecord:
    return DisabilityRecord.first(
        id=uuid4(), person_id=uuid4(), date_of_birth=born, **determination(**changes)
    )


def given_record(born: date = date(1990, 4, 1), **changes: Any) -> DisabilityRecord:
    record = determined(born, **changes)
    record.collect_events()
    return record


BROKEN_DETERMINATIONS = pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"types": []}, "types"),
        ({"types": ["BLIND"]}, "types"),
        ({"types": ["VISION", "deaf"]}, "types"),
        ({"level": "MODERATE"}, "level must be one of"),
        ({"level": "severe"}, "level must be one of"),
        ({"method": "self_declaration"}, "method must be one of"),
        ({"method": "medical_assessment"}, "referral reason"),
        ({"method": "medical_assessment", "referral_reason": "asked"}, "referral reason"),
        ({"council": "  "}, "council"),
        ({"certificate_date": date(2023, 5, 9)}, "certificate cannot be issued before"),
        ({"determined_on": date(2024, 6, 4)}, "in the future"),
    ],
)


@BROKEN_DETERMINATIONS
def test_a_first_determination_that_breaks_a_rule_is_refused(
    changes: dict[str, Any], says: str
) -> None:
    with pytest.raises(InvalidDetermination, match=says):
        determined(**changes)


@BROKEN_DETERMINATIONS
def test_a_redetermination_that_breaks_a_rule_is_refused_and_records_nothing(
    changes: dict[str, Any], says: str
) -> None:
    record = given_record(determined_on=date(2020, 1, 6))
    with pytest.raises(InvalidDetermination, match=says):
        record.redetermine(**determination(reason="Nghi ngờ thay đổi mức độ", **changes))
    assert list(record.collect_events()) == []
    assert len(record.determinations) == 1


def test_a_determination_before_the_person_was_born_is_refused() -> None:
    with pytest.raises(InvalidDetermination, match="precede the person's birth"):
        determined(born=date(2023, 6, 1))


def test_a_first_determination_records_sorted_distinct_types_and_no_previous_level() -> None:
    record = determined(types=["VISION", "MOBILITY", "VISION"], level="SPECIAL_SEVERE")
    events = list(record.collect_events())
    assert names(events) == ["Determined"]
    assert events[0].types == ["MOBILITY", "VISION"]
    assert (events[0].previous_level, events[0].form) == (None, "03")
    assert record.level_on(date(2023, 5, 10)) == "SPECIAL_SEVERE"


@pytest.mark.parametrize(
    "reason", ["council_could_not_conclude", "person_disagrees", "evidence_of_bias"]
)
def test_a_medical_assessment_with_a_referral_reason_is_accepted(reason: str) -> None:
    record = determined(method="medical_assessment", referral_reason=reason)
    assert names(list(record.collect_events())) == ["Determined"]


def test_a_certificate_issued_on_the_day_of_the_determination_is_accepted() -> None:
    record = determined(certificate_date=date(2023, 5, 10))
    assert record.current is not None
    assert record.current["certificate_date"] == date(2023, 5, 10)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_redetermination_must_say_why(reason: str | None) -> None:
    record = given_record()
    with pytest.raises(InvalidDetermination, match="must say why"):
        record.redetermine(**determination(determined_on=date(2024, 1, 8), reason=reason))
    assert list(record.collect_events()) == []


def test_a_redetermination_cannot_predate_the_previous_one() -> None:
    record = given_record()
    with pytest.raises(InvalidDetermination, match="cannot predate"):
        record.redetermine(**determination(determined_on=date(2023, 5, 9), reason="Đơn"))
    assert list(record.collect_events()) == []


def test_given_a_determination_when_redetermined_then_the_previous_level_is_kept() -> None:
    record = given_record()
    record.redetermine(
        **determination(
            determined_on=date(2024, 1, 8),
            level="SPECIAL_SEVERE",
            reason="Nghi ngờ thay đổi mức độ khuyết tật",
        )
    )
    events = list(record.collect_events())
    assert names(events) == ["Redetermined"]
    assert (events[0].previous_level, events[0].level) == ("SEVERE", "SPECIAL_SEVERE")
    assert [d["level"] for d in record.determinations] == ["SEVERE", "SPECIAL_SEVERE"]


@pytest.mark.parametrize(
    ("day", "level"),
    [
        (date(2023, 5, 9), None),
        (date(2023, 5, 10), "SEVERE"),
        (date(2024, 1, 7), "SEVERE"),
        (date(2024, 1, 8), "SPECIAL_SEVERE"),
        (date(2024, 4, 30), "SPECIAL_SEVERE"),
        (date(2024, 5, 2), "MILD"),
    ],
)
def test_the_level_on_a_day_is_the_latest_determination_made_by_then(
    day: date, level: str | None
) -> None:
    record = given_record()
    for on, new_level in [(date(2024, 1, 8), "SPECIAL_SEVERE"), (date(2024, 5, 2), "MILD")]:
        record.redetermine(
            **determination(determined_on=on, level=new_level, reason="Đơn phản ánh")
        )
    assert record.level_on(day) == level


def test_a_child_determined_at_three_gets_form_02_and_is_due_again_at_six() -> None:
    record = determined(born=date(2020, 3, 15), determined_on=date(2023, 5, 10))
    [event] = record.collect_events()
    assert (event.form, event.redetermination_due_on) == ("02", date(2026, 3, 15))


@pytest.mark.parametrize(
    ("determined_on", "form", "due"),
    [
        (date(2026, 3, 14), "02", date(2026, 3, 15)),
        (date(2026, 3, 15), "03", None),
        (date(2030, 1, 1), "03", None),
    ],
)
def test_from_the_sixth_birthday_the_form_is_03_and_nothing_is_due(
    determined_on: date, form: str, due: date | None
) -> None:
    record = determined(born=date(2020, 3, 15), determined_on=determined_on, today=date(2030, 1, 1))
    [event] = record.collect_events()
    assert (event.form, event.redetermination_due_on) == (form, due)


@pytest.mark.parametrize(
    ("determined_on", "form", "due"),
    [
        (date(2023, 5, 10), "02", date(2026, 3, 1)),
        (date(2026, 2, 28), "02", date(2026, 3, 1)),
        (date(2026, 3, 1), "03", None),
    ],
)
def test_a_child_born_on_29_february_reaches_six_on_1_march_of_a_common_year(
    determined_on: date, form: str, due: date | None
) -> None:
    record = determined(born=date(2020, 2, 29), determined_on=determined_on, today=date(2026, 3, 2))
    [event] = record.collect_events()
    assert (event.form, event.redetermination_due_on) == (form, due)


def test_a_child_redetermined_at_six_gets_form_03_and_no_further_due_date() -> None:
    record = given_record(born=date(2020, 3, 15), determined_on=date(2023, 5, 10))
    record.redetermine(
        **determination(
            determined_on=date(2026, 3, 16),
            reason="Đủ 6 tuổi",
            today=date(2026, 3, 16),
        )
    )
    [event] = record.collect_events()
    assert (event.form, event.redetermination_due_on) == ("03", None)


# --- deadlines on the working-day calendar -----------------------------------------------------


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner(policy_book(), load_calendar())


def test_under_version_d_a_dossier_received_before_tet_2026_is_decided_after_it(
    planner: Planner,
) -> None:
    case = opened(received=date(2026, 2, 10), version="D-ND147-2025", step=None, due=None)
    assert planner.after(case) == NextStep("decision", date(2026, 3, 3))


def test_under_version_c_the_review_is_due_seven_working_days_after_receipt_across_tet(
    planner: Planner,
) -> None:
    assert planner.after(opened(step=None, due=None)) == NextStep("review", date(2024, 2, 21))


def test_without_a_recorded_version_the_version_in_force_on_receipt_applies(
    planner: Planner,
) -> None:
    case = opened(version=None)
    assert planner.procedure_for(case).version == "C-ND20-2021"
    assert planner.after(case) == NextStep("review", date(2024, 2, 21))


@pytest.mark.parametrize(
    ("version", "posted_from", "until"),
    [
        ("C-ND20-2021", date(2024, 2, 7), date(2024, 2, 15)),
        ("C-ND20-2021", date(2024, 2, 10), date(2024, 2, 16)),  # starts on Tết: first day 15th
        ("B-ND140-2018", date(2019, 3, 4), date(2019, 3, 8)),
        # 16/02/2015 was swapped off for Saturday 14/02, then Tết Ất Mùi: first day 24/02.
        ("A-ND136-2013", date(2015, 2, 16), date(2015, 3, 4)),
    ],
)
def test_the_posting_lasts_the_versions_working_days_counting_its_first_day(
    planner: Planner, version: str, posted_from: date, until: date
) -> None:
    procedure = policy_book().procedure(version)
    assert planner.posting_window(procedure, posted_from) == until


def test_a_complaint_is_due_ten_working_days_after_it_was_received(planner: Planner) -> None:
    procedure = policy_book().procedure("C-ND20-2021")
    assert planner.complaint_due(procedure, date(2024, 2, 16)) == date(2024, 3, 1)
    assert planner.complaint_due(procedure, date(2024, 2, 7)) == date(2024, 2, 28)


def test_with_posting_required_the_review_step_stays_current_until_the_posting_is_recorded(
    planner: Planner,
) -> None:
    case = opened()
    assert planner.after(case, review=REVIEWED) == NextStep("review", date(2024, 2, 21))
    assert planner.after(case, review=REVIEWED, posting_end=POSTED_UNTIL) == NextStep(
        "proposal", date(2024, 2, 20)
    )


def test_under_version_c_each_recorded_step_starts_the_clock_of_the_next(
    planner: Planner,
) -> None:
    case = given(reviewed, posted)
    assert planner.after(case) == NextStep("proposal", date(2024, 2, 20))
    proposed(case)
    assert planner.after(case) == NextStep("appraisal", date(2024, 2, 27))
    appraised(case)
    assert planner.after(case) == NextStep("decision", DECISION_DUE)


def test_after_a_complaint_the_proposal_is_due_three_working_days_after_its_conclusion(
    planner: Planner,
) -> None:
    case = given(reviewed, posted, complained, concluded)  # concluded Friday 23/02/2024
    assert planner.after(case) == NextStep("proposal", date(2024, 2, 28))


# --- age triggers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "age", "proposal", "to"),
    [
        ("CHILD_NO_CARE_U4", 4, "adjust", "CHILD_NO_CARE_4_16"),
        ("CHILD_HIV_POOR_U4", 4, "adjust", "CHILD_HIV_POOR_4_16"),
        ("CHILD_U3_POOR_DTTS", 3, "cease", None),
        ("CHILD_NO_CARE_4_16", 16, "cease_or_studying", "YOUTH_STUDYING_16_22"),
        ("PWD_SEVERE_CHILD_OR_ELDERLY", 6, "redetermine_disability", None),
        ("PWD_SEVERE_CHILD_OR_ELDERLY", 16, "adjust", "PWD_SEVERE"),
        ("PWD_SEVERE", 60, "adjust", "PWD_SEVERE_CHILD_OR_ELDERLY"),
        ("PWD_SPECIAL_SEVERE", 60, "adjust", "PWD_SPECIAL_SEVERE_CHILD_OR_ELDERLY"),
        ("YOUTH_STUDYING_16_22", 22, "cease", None),
        ("ELDERLY_POOR_NO_SUPPORTER_60_80", 80, "adjust", "ELDERLY_POOR_NO_SUPPORTER_80P"),
    ],
)
def test_reaching_an_age_in_a_category_proposes_the_decision_the_policy_names(
    category: str, age: int, proposal: str, to: str | None
) -> None:
    triggers = policy_book().triggers_for(category, age)
    assert [(t.age, t.from_category, t.proposal, t.to_category) for t in triggers] == [
        (age, category, proposal, to)
    ]
    assert triggers[0].legal_basis.strip()


@pytest.mark.parametrize(
    ("category", "age"),
    [
        ("CHILD_NO_CARE_U4", 3),
        ("CHILD_NO_CARE_U4", 5),
        ("PWD_SEVERE", 59),
        ("PWD_SEVERE", 61),
        ("YOUTH_STUDYING_16_22", 21),
        ("SINGLE_PARENT_POOR", 60),
        ("ELDERLY_80P_NO_PENSION", 80),
        ("NO_SUCH_CATEGORY", 60),
    ],
)
def test_nothing_is_triggered_for_a_category_and_age_without_a_rule(
    category: str, age: int
) -> None:
    assert policy_book().triggers_for(category, age) == []
