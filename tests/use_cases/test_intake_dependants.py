"""Intake records dependants: the children a single parent raises, the child taken in, the
person cared for. Each gets an id at receipt; later changes are events with the history kept;
names and ID numbers never reach the bus.

Given earlier commands, when one command, then exactly these new events (or this error and no
event at all)."""

import json
import uuid
from datetime import date
from typing import Any

import pytest

from reference.date_bounds import DateOutOfRange
from services.intake.application import (
    ChangeDependants,
    DependantGiven,
    DuplicateCase,
    IntakeApplication,
)
from services.intake.domain.dossier import Dossier, InvalidDossier
from services.intake.domain.personal_id import InvalidPersonalId
from services.intake.messaging.outbound import to_contract
from tests.support.use_cases import OFFICER, Recorded, dossier

RECEIVED = date(2026, 3, 2)
TODAY = date(2026, 3, 9)
PARENT = "001188123456"  # a woman born in 1988


def child(born: date, name: str = "Trần Văn Bình", **fields: Any) -> DependantGiven:
    return DependantGiven(relation="child_raised", full_name=name, date_of_birth=born, **fields)


THREE_CHILDREN = (
    child(date(2012, 3, 14), "Trần Văn Bình", personal_id="001212345678"),
    child(date(2016, 9, 2), "Trần Thị Cúc"),
    child(date(2008, 5, 30), "Trần Văn Dũng", studying=True),
)


def single_parent(intake: IntakeApplication, *children: DependantGiven) -> Dossier:
    return intake.receive_dossier(
        dossier(
            number=PARENT,
            born=date(1988, 11, 20),
            category="SINGLE_PARENT_POOR",
            received_on=RECEIVED,
            dependants=children,
        ),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )


def change(intake: IntakeApplication, case_id: uuid.UUID, **fields: Any) -> Dossier:
    command = ChangeDependants(
        **{"changed_on": TODAY, "reason": "Khai báo của người nộp", **fields}
    )
    return intake.change_dependants(
        case_id, command, actor=OFFICER, correlation_id=uuid.uuid4(), today=TODAY
    )


def test_a_single_parent_dossier_records_each_child_raised_with_an_id_of_its_own(
    intake: IntakeApplication,
) -> None:
    recorded = Recorded(intake)

    received = single_parent(intake, *THREE_CHILDREN)

    assert recorded.names == ["Dossier.Received"]
    listed = received.dependants_listed
    assert [(d.full_name, d.date_of_birth, d.studying) for d in listed] == [
        ("Trần Văn Bình", date(2012, 3, 14), False),
        ("Trần Thị Cúc", date(2016, 9, 2), False),
        ("Trần Văn Dũng", date(2008, 5, 30), True),
    ]
    assert len({d.dependant_id for d in listed}) == 3
    assert intake.get_dossier(received.id).dependants == received.dependants  # replayed


@pytest.mark.parametrize(
    "children",
    [
        (),
        (child(date(2009, 1, 5)),),  # 17 and not studying
        (child(date(2003, 1, 5), studying=True),),  # 23
    ],
    ids=["no child", "16 to 22 not studying", "over 22"],
)
def test_a_single_parent_without_a_child_who_counts_is_refused_and_nothing_is_stored(
    intake: IntakeApplication, children: tuple[DependantGiven, ...]
) -> None:
    recorded = Recorded(intake)

    with pytest.raises(InvalidDossier, match="child_raised under 16, or 16 to 22 and studying"):
        single_parent(intake, *children)

    assert recorded.events == []
    single_parent(intake, *THREE_CHILDREN)  # no claim was left behind


@pytest.mark.parametrize(
    ("given", "error", "says"),
    [
        (child(date(2026, 3, 10)), DateOutOfRange, "in the future"),
        (child(date(1899, 12, 31)), DateOutOfRange, "before"),
        (child(date(2026, 3, 5)), InvalidDossier, "after 2026-03-02"),
        (child(date(2012, 3, 14), personal_id="001213345678"), InvalidPersonalId, "birth year"),
        (child(date(2012, 3, 14), name="  "), InvalidDossier, "full_name"),
        (DependantGiven("cousin", "Trần Văn E", date(2012, 3, 14)), InvalidDossier, "relation"),
    ],
    ids=["future", "before 1900", "born after receipt", "id number", "no name", "relation"],
)
def test_a_dependant_that_breaks_a_rule_is_refused_naming_it(
    intake: IntakeApplication, given: DependantGiven, error: type[Exception], says: str
) -> None:
    recorded = Recorded(intake)

    with pytest.raises(error, match=says) as refused:
        single_parent(intake, THREE_CHILDREN[1], given)

    assert "dependants[1]" in str(refused.value)
    assert recorded.events == []


def test_dependants_reach_the_bus_without_names_or_id_numbers(
    intake: IntakeApplication,
) -> None:
    recorded = Recorded(intake)

    single_parent(intake, *THREE_CHILDREN)

    [published] = [to_contract(e) for e in recorded.events]
    payload = json.dumps(published.model_dump(mode="json"), ensure_ascii=False)
    for given in THREE_CHILDREN:
        assert given.full_name not in payload
    assert "001212345678" not in payload
    assert [set(d) for d in published.model_dump()["dependants"]] == [
        {"dependant_id", "relation", "date_of_birth", "studying", "case_id"}
    ] * 3


def test_an_older_clients_cared_for_is_the_one_dependant_and_the_same_person_as_listed(
    intake: IntakeApplication,
) -> None:
    """cared_for (deprecated) is recorded as the child taken in; listing the same child as a
    dependant later is the same person cared for, so a second open case is refused."""

    def taken_in(**fields: Any) -> Dossier:
        return intake.receive_dossier(
            dossier(
                number="001170123456",
                born=date(1970, 2, 3),
                benefit="care_support",
                category="CARE_TAKER_CHILD_U4",
                received_on=RECEIVED,
                **fields,
            ),
            actor=OFFICER,
            correlation_id=uuid.uuid4(),
            today=TODAY,
        )

    first = taken_in(
        cared_for={"full_name": "Phạm Thị Bình", "date_of_birth": "2023-04-12", "relationship": "x"}
    )

    [person] = first.dependants_listed
    assert (person.relation, person.full_name) == ("child_taken_in", "Phạm Thị Bình")
    with pytest.raises(DuplicateCase):
        taken_in(
            dependants=(DependantGiven("child_taken_in", "phạm  thị bình", date(2023, 4, 12)),)
        )


def test_dependants_changed_after_receipt_are_one_event_and_the_history_is_kept(
    intake: IntakeApplication,
) -> None:
    received = single_parent(intake, *THREE_CHILDREN)
    _, second, third = received.dependants_listed
    recorded = Recorded(intake)

    changed = change(
        intake,
        received.id,
        add=(child(date(2026, 3, 8), "Trần Văn Em"),),
        change=(
            DependantGiven(
                "child_raised",
                "Trần Văn Dũng",
                third.date_of_birth,
                dependant_id=third.dependant_id,
            ),
        ),
        remove=(second.dependant_id,),
    )

    assert recorded.names == ["Dossier.DependantsChanged"]
    assert [d.full_name for d in changed.dependants_listed] == [
        "Trần Văn Bình",
        "Trần Văn Dũng",
        "Trần Văn Em",
    ]
    assert changed.dependants[third.dependant_id].studying is False
    [history] = changed.dependant_changes
    assert history["removed"] == [str(second.dependant_id)]
    assert history["changed"] == [str(third.dependant_id)]
    published = to_contract(recorded.events[0]).model_dump(mode="json")
    assert "Trần" not in json.dumps(published, ensure_ascii=False)
    assert published["removed"] == [str(second.dependant_id)]
    assert intake.get_dossier(received.id).dependants == changed.dependants


def test_a_change_naming_no_dependant_on_file_or_leaving_care_support_without_its_person_is_refused(
    intake: IntakeApplication,
) -> None:
    received = single_parent(intake, *THREE_CHILDREN)
    care = intake.receive_dossier(
        dossier(
            born=date(1970, 2, 3),
            benefit="care_support",
            category="CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE",
            received_on=RECEIVED,
            dependants=(DependantGiven("person_cared_for", "Lê Văn An", date(2001, 9, 9)),),
        ),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )
    [person] = care.dependants_listed
    recorded = Recorded(intake)

    with pytest.raises(InvalidDossier, match="not on this dossier"):
        change(intake, received.id, remove=(uuid.uuid4(),))
    with pytest.raises(InvalidDossier, match="cannot be left without one"):
        change(intake, care.id, remove=(person.dependant_id,))
    with pytest.raises(InvalidDossier, match="between receipt"):
        change(intake, received.id, add=THREE_CHILDREN[:1], changed_on=date(2026, 3, 1))

    assert recorded.events == []
