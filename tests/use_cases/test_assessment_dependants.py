"""Assessment holds a case's dependants as intake declared them, counts them at approval and
proposes a decision when one of them reaches an age that changes what the case is paid
(DOMAIN §2.1, §2.3, §2.4).

Given earlier commands, when one command, then exactly these new events (or this error and no
event at all). Cases follow version D in Xã Chợ Đồn (national level 500,000 VND in 2026):
received 10/02/2026, posted 12-13/02, decided 24/02/2026."""

import uuid
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from reference.date_bounds import DateOutOfRange
from services.assessment import daily_jobs
from services.assessment.application import AssessmentApplication, InvalidDecision
from services.assessment.messaging.outbound import to_contract
from tests.support.use_cases import (
    APPROVER,
    TODAY_D,
    Recorded,
    approved,
    commune_decision,
    dependant,
    event_of,
    opened,
    reviewed_and_posted,
)

THIRTEEN = dependant(date(2012, 3, 14))
NINE = dependant(date(2016, 9, 2))
SEVENTEEN_STUDYING = dependant(date(2008, 5, 30), studying=True)
SEVENTEEN_WORKING = dependant(date(2008, 7, 1))


def single_parent(assessment: AssessmentApplication, *children: dict[str, Any]) -> UUID:
    return opened(
        assessment, category="SINGLE_PARENT_POOR", born=date(1988, 11, 20), dependants=[*children]
    )


def approve(assessment: AssessmentApplication, case_id: UUID, **decision: Any) -> Any:
    return assessment.approve(
        case_id,
        commune_decision(**decision),
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )


def ids(*dependants: dict[str, Any]) -> list[str]:
    return [d["dependant_id"] for d in dependants]


# --- counted at approval -------------------------------------------------------------------------


def test_three_children_raised_are_three_units_when_the_official_types_none(
    assessment: AssessmentApplication,
) -> None:
    case_id = single_parent(assessment, THIRTEEN, NINE, SEVENTEEN_STUDYING)
    reviewed_and_posted(assessment, case_id)
    recorded = Recorded(assessment)

    approve(assessment, case_id)

    assert recorded.names == ["CaseAssessment.Approved"]
    [granted] = recorded.events
    assert granted.monthly_amount == 1_500_000  # 500,000 x 1.0 x 3
    assert granted.categories == {"SINGLE_PARENT_POOR": 3}
    published = to_contract(granted)
    assert [str(d.dependant_id) for d in published.dependants] == ids(
        THIRTEEN, NINE, SEVENTEEN_STUDYING
    )
    assert [(c.code, c.units) for c in published.categories] == [("SINGLE_PARENT_POOR", 3)]


def test_units_that_differ_from_the_children_counted_are_refused_naming_who_was_counted(
    assessment: AssessmentApplication,
) -> None:
    case_id = single_parent(assessment, THIRTEEN, NINE, SEVENTEEN_WORKING)
    reviewed_and_posted(assessment, case_id)
    recorded = Recorded(assessment)

    with pytest.raises(InvalidDecision) as refused:
        approve(assessment, case_id, categories={"SINGLE_PARENT_POOR": 3})

    message = str(refused.value)
    assert "3 given, 2 counted" in message
    assert THIRTEEN["dependant_id"] in message
    assert NINE["dependant_id"] in message
    working = SEVENTEEN_WORKING["dependant_id"]
    assert f"not counted: child_raised born 2008-07-01 ({working}), 17 and not studying" in message
    assert recorded.events == []
    approve(assessment, case_id, categories={"SINGLE_PARENT_POOR": 2})  # as counted: granted


def test_a_child_added_at_intake_after_receipt_is_counted_at_approval(
    assessment: AssessmentApplication,
) -> None:
    case_id = single_parent(assessment, THIRTEEN)
    reviewed_and_posted(assessment, case_id)
    newborn = dependant(date(2026, 2, 20))
    recorded = Recorded(assessment)

    assessment.change_dependants(
        case_id,
        changed_on=date(2026, 2, 20),
        added=[newborn],
        changed=[{**THIRTEEN, "studying": False}],
        removed=[],
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/intake", case_id, version=2),
    )

    assert recorded.names == ["CaseDependants.Changed"]
    assert to_contract(recorded.events[0]) is None  # intake published it
    approve(assessment, case_id)
    assert assessment.get_case(case_id).categories == {"SINGLE_PARENT_POOR": 2}


def test_the_same_dependants_message_applied_twice_changes_them_once(
    assessment: AssessmentApplication,
) -> None:
    case_id = single_parent(assessment, THIRTEEN)

    def apply() -> None:
        assessment.change_dependants(
            case_id,
            changed_on=date(2026, 2, 20),
            added=[NINE],
            changed=[],
            removed=[],
            correlation_id=uuid.uuid4(),
            causation_id=uuid.uuid4(),
            tracking=event_of("btxh/intake", case_id, version=2),
        )

    apply()
    recorded = Recorded(assessment)

    with pytest.raises(IntegrityError):  # the tracked consumer counts it as a duplicate
        apply()

    assert recorded.events == []


def test_a_case_received_before_dependants_were_recorded_needs_the_units_typed(
    assessment: AssessmentApplication,
) -> None:
    case_id = single_parent(assessment)  # no dependants on the message
    reviewed_and_posted(assessment, case_id)
    recorded = Recorded(assessment)

    with pytest.raises(InvalidDecision, match="give the units"):
        approve(assessment, case_id)
    with pytest.raises(InvalidDecision, match="at most 20"):
        approve(assessment, case_id, categories={"SINGLE_PARENT_POOR": 21})
    assert recorded.events == []

    approve(assessment, case_id, categories={"SINGLE_PARENT_POOR": 2})
    [granted] = recorded.events
    assert (granted.monthly_amount, granted.dependants) == (1_000_000, [])


def test_a_care_support_decision_carries_the_child_taken_in_it_is_for(
    assessment: AssessmentApplication,
) -> None:
    child = dependant(date(2023, 4, 12), "child_taken_in")
    case_id = opened(
        assessment,
        category="CARE_TAKER_CHILD_U4",
        born=date(1970, 2, 3),
        benefit="care_support",
        dependants=[child],
    )
    reviewed_and_posted(assessment, case_id)
    recorded = Recorded(assessment)

    approve(assessment, case_id)

    [granted] = recorded.events
    assert granted.monthly_amount == 1_250_000  # 500,000 x 2.5, one child
    assert [d.dependant_id for d in to_contract(granted).dependants] == [
        UUID(child["dependant_id"])
    ]


# --- birthdays of dependants -----------------------------------------------------------------------


def run(assessment: AssessmentApplication, on: date) -> int:
    register = assessment.open_deadline_register()
    found: int = daily_jobs.propose_for_ages_reached(assessment, register, on, today=on)["proposed"]
    return found


def test_a_child_turning_16_without_studying_proposes_fewer_units_that_day_naming_the_child(
    assessment: AssessmentApplication,
) -> None:
    turning = dependant(date(2010, 6, 15))
    case_id = single_parent(assessment, turning, THIRTEEN, NINE)
    approved(assessment, case_id)
    recorded = Recorded(assessment)

    assert run(assessment, date(2026, 6, 14)) == 0
    assert run(assessment, date(2026, 6, 15)) == 1
    assert run(assessment, date(2026, 6, 15)) == 0  # once only

    assert recorded.names == ["CaseAssessment.ChangeProposed"]
    [proposal] = recorded.events
    assert (proposal.trigger, proposal.proposal, proposal.dependant_id) == (
        "age_16",
        "adjust",
        UUID(turning["dependant_id"]),
    )
    assert (proposal.from_category, proposal.to_category) == (
        "SINGLE_PARENT_POOR",
        "SINGLE_PARENT_POOR",
    )
    assert (proposal.from_units, proposal.to_units) == (3, 2)
    assert proposal.effective_month == "2026-07"
    published = to_contract(proposal)
    assert (str(published.dependant_id), published.to_units) == (turning["dependant_id"], 2)
    assert assessment.get_case(case_id).monthly_amount == 1_500_000  # unchanged until decided


def test_twins_turning_16_get_a_proposal_each_counting_what_is_left(
    assessment: AssessmentApplication,
) -> None:
    twins = [dependant(date(2010, 6, 15)), dependant(date(2010, 6, 15))]
    case_id = single_parent(assessment, *twins, NINE)
    approved(assessment, case_id)
    recorded = Recorded(assessment)

    assert run(assessment, date(2026, 6, 15)) == 2

    assert sorted(str(e.dependant_id) for e in recorded.events) == sorted(ids(*twins))
    assert {(e.from_units, e.to_units) for e in recorded.events} == {(3, 1)}


def test_a_child_turning_16_who_studies_still_counts_and_nothing_is_proposed(
    assessment: AssessmentApplication,
) -> None:
    studying = dependant(date(2010, 6, 15), studying=True)
    case_id = single_parent(assessment, studying)
    approved(assessment, case_id)
    recorded = Recorded(assessment)

    assert run(assessment, date(2026, 6, 15)) == 0

    assert recorded.events == []


def test_a_child_taken_in_turning_4_proposes_the_4_and_over_care_category(
    assessment: AssessmentApplication,
) -> None:
    child = dependant(date(2022, 7, 1), "child_taken_in")
    case_id = opened(
        assessment,
        category="CARE_TAKER_CHILD_U4",
        born=date(1970, 2, 3),
        benefit="care_support",
        dependants=[child],
    )
    approved(assessment, case_id)
    recorded = Recorded(assessment)

    assert run(assessment, date(2026, 7, 1)) == 1

    [proposal] = recorded.events
    assert (proposal.trigger, proposal.proposal) == ("age_4", "adjust")
    assert (proposal.from_category, proposal.to_category) == (
        "CARE_TAKER_CHILD_U4",
        "CARE_TAKER_CHILD_4P",
    )
    # paid per child taken in: none is left under 4, the child moves to the 4-and-over category
    assert (proposal.dependant_id, proposal.from_units, proposal.to_units) == (
        UUID(child["dependant_id"]),
        1,
        0,
    )


@pytest.mark.parametrize(
    ("category", "proposal", "to_category"),
    [
        # raising a child under 36 months (1.5): the support ends
        ("CARE_PWD_PREGNANT_OR_CHILD_U36M", "cease", None),
        # pregnant and raising (2.0): the 1.5 category, if still pregnant
        ("CARE_PWD_PREGNANT_AND_CHILD_U36M", "adjust", "CARE_PWD_PREGNANT_OR_CHILD_U36M"),
    ],
)
def test_a_child_of_a_parent_with_a_disability_reaching_36_months_proposes_the_change(
    assessment: AssessmentApplication, category: str, proposal: str, to_category: str | None
) -> None:
    child = dependant(date(2024, 1, 20))
    case_id = opened(
        assessment,
        category=category,
        born=date(1995, 2, 3),
        benefit="care_support",
        dependants=[child],
    )
    approved(assessment, case_id)
    recorded = Recorded(assessment)

    assert run(assessment, date(2027, 1, 20)) == 1

    [proposed] = recorded.events
    assert (proposed.trigger, proposed.proposal, proposed.to_category) == (
        "age_36_months",
        proposal,
        to_category,
    )


def test_the_job_for_a_day_after_today_is_refused_and_nothing_is_recorded(
    assessment: AssessmentApplication,
) -> None:
    case_id = single_parent(assessment, dependant(date(2010, 3, 3)))
    approved(assessment, case_id)
    register = assessment.open_deadline_register()
    recorded = Recorded(assessment)

    with pytest.raises(DateOutOfRange, match="in the future"):
        daily_jobs.propose_for_ages_reached(
            assessment, register, TODAY_D + timedelta(days=1), today=TODAY_D
        )

    assert recorded.events == []


# --- a change of a dependant after the decision --------------------------------------------------


def changed(assessment: AssessmentApplication, case_id: UUID, on: date, **change: Any) -> None:
    assessment.change_dependants(
        case_id,
        changed_on=on,
        added=change.get("added", []),
        changed=change.get("changed", []),
        removed=change.get("removed", []),
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/intake", case_id, version=2),
    )


def test_a_child_of_17_who_leaves_school_proposes_fewer_units_naming_the_child(
    assessment: AssessmentApplication,
) -> None:
    case_id = single_parent(assessment, THIRTEEN, SEVENTEEN_STUDYING)
    approved(assessment, case_id)
    assert assessment.get_case(case_id).categories == {"SINGLE_PARENT_POOR": 2}
    recorded = Recorded(assessment)

    changed(
        assessment, case_id, date(2026, 3, 10), changed=[{**SEVENTEEN_STUDYING, "studying": False}]
    )

    [_, proposal] = recorded.events
    assert (proposal.trigger, proposal.proposal, proposal.to_category) == (
        "stopped_counting",
        "adjust",
        "SINGLE_PARENT_POOR",
    )
    assert (proposal.from_units, proposal.to_units) == (2, 1)
    assert str(proposal.dependant_id) == SEVENTEEN_STUDYING["dependant_id"]
    assert proposal.effective_month == "2026-04"


def test_the_last_child_counted_removed_proposes_the_end_and_a_change_before_the_decision_none(
    assessment: AssessmentApplication,
) -> None:
    decided = single_parent(assessment, THIRTEEN)
    approved(assessment, decided)
    pending = single_parent(assessment, NINE)
    recorded = Recorded(assessment)

    changed(assessment, decided, date(2026, 3, 10), removed=[uuid.UUID(THIRTEEN["dependant_id"])])
    changed(assessment, pending, date(2026, 3, 10), removed=[uuid.UUID(NINE["dependant_id"])])

    proposals = [e for e in recorded.events if type(e).__name__.endswith("ChangeProposed")]
    [proposal] = proposals
    assert (proposal.case_id, proposal.proposal, proposal.to_category, proposal.to_units) == (
        decided,
        "cease",
        None,
        0,
    )
