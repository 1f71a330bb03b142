"""Assessment's deadline register, one contract run against both implementations: kept from
the application's own events, it lists the open deadlines that passed (the daily deadline
job) and the approved cases whose person has a birthday (the daily age-trigger job)."""

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from services.assessment.application import AssessmentApplication, Reject
from services.assessment.settings import AssessmentSettings
from tests.support.use_cases import (
    APPROVER,
    ASSESSOR,
    OLD_COMMUNE,
    OLD_SCHEME,
    STORES,
    TODAY_D,
    approved,
    dependant,
    event_of,
    opened,
    reviewed_and_posted,
    settings_on,
)

#: 10 working days from 10/02/2026, Tết Bính Ngọ (16-20/02) skipped.
DECISION_DUE = date(2026, 3, 3)


@pytest.fixture(params=STORES)
def assessment(request: pytest.FixtureRequest) -> Iterator[AssessmentApplication]:
    app = AssessmentApplication(settings_on(request.param, AssessmentSettings, request))
    yield app
    app.close()


def cases(rows: list[dict[str, Any]]) -> list[UUID]:
    return [row["case_id"] for row in rows]


def test_a_step_is_overdue_the_day_after_it_was_due_and_listed_per_commune(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    register = assessment.open_deadline_register()

    assert register.overdue(on=DECISION_DUE) == []
    overdue = register.overdue(on=date(2026, 3, 4))
    assert overdue == [
        {
            "case_id": case_id,
            "assessment_id": overdue[0]["assessment_id"],
            "kind": "step",
            "ref": "decision",
            "due_on": DECISION_DUE,
            "residence_scheme": "DVHC_2025_2LEVEL",
            "residence_code": "02020",
            "category": "ELDERLY_POOR_NO_SUPPORTER_60_80",
            "procedure_version": "D-ND147-2025",
        }
    ]
    assert register.overdue(on=date(2026, 3, 4), commune="00004") == []
    assert cases(register.overdue(on=date(2026, 3, 4), commune="02020")) == [case_id]


def test_overdue_steps_come_oldest_first_then_by_case_and_up_to_the_limit(
    assessment: AssessmentApplication,
) -> None:
    later = [opened(assessment, received_on=date(2026, 2, 11)) for _ in range(2)]
    earliest = opened(assessment, received_on=date(2026, 2, 9))
    register = assessment.open_deadline_register()

    rows = register.overdue(on=date(2026, 4, 1))

    assert cases(rows) == [earliest, *sorted(later)]
    assert [row["due_on"] for row in rows] == sorted(row["due_on"] for row in rows)
    assert cases(register.overdue(on=date(2026, 4, 1), limit=2)) == cases(rows)[:2]


def test_an_incomplete_dossier_has_no_due_date_until_it_is_complete(
    assessment: AssessmentApplication,
) -> None:
    # Version C (Decree 20/2021) counts the review's 7 working days from a complete dossier.
    waiting = opened(
        assessment,
        received_on=date(2024, 2, 5),
        commune=OLD_COMMUNE,
        scheme=OLD_SCHEME,
        complete=False,
    )
    register = assessment.open_deadline_register()
    assert register.overdue(on=date(2027, 1, 1)) == []

    assessment.complete_dossier(
        waiting,
        date(2024, 2, 16),
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/intake", waiting, version=2),
    )

    assert register.overdue(on=date(2024, 2, 27)) == []
    [row] = register.overdue(on=date(2024, 2, 28))
    assert (row["case_id"], row["ref"], row["due_on"]) == (waiting, "review", date(2024, 2, 27))
    assert (row["residence_scheme"], row["procedure_version"]) == (OLD_SCHEME, "C-ND20-2021")


def test_a_complaint_has_its_own_deadline_until_concluded(
    assessment: AssessmentApplication,
) -> None:
    case_id = opened(assessment)
    reviewed_and_posted(assessment, case_id)
    _, complaint = assessment.receive_complaint(
        case_id,
        received_on=date(2026, 2, 13),
        summary="Người dân phản ánh",
        actor=ASSESSOR,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )
    register = assessment.open_deadline_register()

    rows = register.overdue(on=date(2027, 1, 1))
    assert sorted(row["kind"] for row in rows) == ["complaint", "step"]
    [filed] = [row for row in rows if row["kind"] == "complaint"]
    assert filed["ref"] == complaint
    assert filed["due_on"] is not None
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

    assert [row["kind"] for row in register.overdue(on=date(2027, 1, 1))] == ["step"]


def test_a_decided_case_has_no_deadline_and_only_approved_cases_have_birthdays(
    assessment: AssessmentApplication,
) -> None:
    born = date(1950, 5, 17)
    granted, refused, pending = (opened(assessment, born=born) for _ in range(3))
    approved(assessment, granted)
    assessment.reject(
        refused,
        Reject(
            decision_number="9/TB-UBND",
            signed_on=date(2026, 2, 12),
            signer="Chủ tịch UBND xã",
            authority="COMMUNE_CHAIRMAN",
            reasons=["Không thuộc hộ nghèo"],
            legal_basis=["NĐ 20/2021/NĐ-CP"],
        ),
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )
    register = assessment.open_deadline_register()

    assert cases(register.overdue(on=date(2027, 1, 1))) == [pending]
    birthdays = register.birthdays(date(2026, 5, 17))
    assert cases(birthdays) == [granted]
    assert birthdays[0]["categories_held"] == ["ELDERLY_POOR_NO_SUPPORTER_60_80"]
    assert (birthdays[0]["date_of_birth"], birthdays[0]["approved"]) == (born, True)
    assert register.birthdays(date(2026, 5, 18)) == []


def test_a_birthday_on_29_february_counts_on_1_march_in_common_years(
    assessment: AssessmentApplication,
) -> None:
    leapling = opened(assessment, born=date(1952, 2, 29))
    approved(assessment, leapling)
    register = assessment.open_deadline_register()

    assert cases(register.birthdays(date(2027, 3, 1))) == [leapling]
    assert register.birthdays(date(2027, 2, 28)) == []
    assert cases(register.birthdays(date(2028, 2, 29))) == [leapling]
    assert register.birthdays(date(2028, 3, 1)) == []


def test_dependants_of_approved_cases_have_birthdays_and_follow_changes_at_intake(
    assessment: AssessmentApplication,
) -> None:
    child, younger = dependant(date(2010, 6, 15)), dependant(date(2014, 6, 15))
    single_parent = {"category": "SINGLE_PARENT_POOR", "born": date(1988, 11, 20)}
    granted = opened(assessment, **single_parent, dependants=[child, younger])
    pending = opened(assessment, **single_parent, dependants=[dependant(date(2012, 6, 15))])
    approved(assessment, granted)
    register = assessment.open_deadline_register()

    rows = register.dependant_birthdays(date(2026, 6, 15))

    assert {row["case_id"] for row in rows} == {granted}
    assert pending not in cases(rows)
    assert sorted((str(row["dependant_id"]), row["date_of_birth"]) for row in rows) == sorted(
        [(child["dependant_id"], date(2010, 6, 15)), (younger["dependant_id"], date(2014, 6, 15))]
    )
    assert {row["relation"] for row in rows} == {"child_raised"}
    assert rows[0]["categories_held"] == ["SINGLE_PARENT_POOR"]
    assert register.dependant_birthdays(date(2026, 6, 16)) == []

    assessment.change_dependants(
        granted,
        changed_on=date(2026, 2, 20),
        added=[],
        changed=[],
        removed=[UUID(child["dependant_id"])],
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/intake", granted, version=2),
    )

    assert [
        str(row["dependant_id"]) for row in register.dependant_birthdays(date(2026, 6, 15))
    ] == [younger["dependant_id"]]
