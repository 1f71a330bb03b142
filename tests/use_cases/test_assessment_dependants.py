"""Assessment holds a case's dependants as intake declared them, counts them at approval and
proposes a decision when one of them reaches an age that changes what the case is paid
(DOMAIN §2.1, §2.3, §2.4).

Given earlier commands, when one command, then exactly these new events (or this error and no
event at all). Cases follow version D in Xã Chợ Đồn (national level 500,000 VND in 2026):
received 10/02/2026, posted 12-13/02, decided 24/02/2026."""

import uuid
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from services.assessment.application import AssessmentApplication, InvalidDecision
from services.assessment.messaging.outbound import to_contract
from tests.support.use_cases import (
    APPROVER,
    TODAY_D,
    Recorded,
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
