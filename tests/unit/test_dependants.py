"""Dependants without infrastructure: who counts on a day, what a dossier's category needs of
them, and which of their birthdays call for a decision (DOMAIN §2.1, §2.3, §2.4)."""

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID, uuid4

import pytest

from reference.dependants import counted, months_old, proposals_for, shortfall

ON = date(2026, 3, 2)


@dataclass(frozen=True)
class Child:
    date_of_birth: date
    relation: str = "child_raised"
    studying: bool = False
    dependant_id: UUID = field(default_factory=uuid4)


@pytest.mark.parametrize(
    ("born", "on", "months"),
    [
        (date(2023, 3, 2), date(2026, 3, 1), 35),
        (date(2023, 3, 2), date(2026, 3, 2), 36),
        (date(2020, 2, 29), date(2023, 2, 28), 35),  # a leap day counts on 1 March
        (date(2020, 2, 29), date(2023, 3, 1), 36),
        (date(2026, 1, 31), date(2026, 2, 28), 0),
        (date(2026, 1, 31), date(2026, 3, 1), 1),
    ],
)
def test_months_are_completed_on_the_day_of_birth_or_the_next_day_in_a_shorter_month(
    born: date, on: date, months: int
) -> None:
    assert months_old(born, on) == months


def test_a_single_parent_counts_children_under_16_and_those_to_22_who_study() -> None:
    young = Child(date(2012, 3, 14))
    studying = Child(date(2008, 5, 30), studying=True)
    working = Child(date(2009, 1, 5))
    grown = Child(date(2003, 1, 5), studying=True)
    taken_in = Child(date(2015, 1, 1), relation="child_taken_in")

    found = counted(
        "SINGLE_PARENT_POOR", "child_raised", [young, studying, working, grown, taken_in], ON
    )

    assert found == [young, studying]


@pytest.mark.parametrize(
    ("category", "per", "dependants", "documents", "says"),
    [
        ("SINGLE_PARENT_POOR", "child_raised", [], (), "no child_raised is listed"),
        (
            "SINGLE_PARENT_POOR",
            "child_raised",
            [Child(date(2009, 1, 5))],
            (),
            "born 2009-01-05 is 17 and not studying",
        ),
        ("CARE_TAKER_CHILD_U4", None, [Child(date(2020, 1, 1), "child_taken_in")], (), "under 4"),
        (
            "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE",
            None,
            [
                Child(date(2001, 1, 1), "person_cared_for"),
                Child(date(2003, 1, 1), "person_cared_for"),
            ],
            (),
            "a dossier for each",
        ),
        ("CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE", None, [], (), "relation person_cared_for"),
        (
            "CARE_PWD_PREGNANT_OR_CHILD_U36M",
            None,
            [Child(date(2022, 1, 1))],
            (),
            "unless a pregnancy_confirmation is presented",
        ),
    ],
)
def test_a_dossier_without_the_dependants_its_category_is_for_is_told_what_is_missing(
    category: str, per: str | None, dependants: list[Child], documents: tuple[str, ...], says: str
) -> None:
    benefit = "monthly_allowance" if per == "child_raised" else "care_support"
    found = shortfall(
        category, benefit=benefit, per=per, dependants=dependants, on=ON, documents=documents
    )

    assert found is not None
    assert says in found


@pytest.mark.parametrize(
    ("category", "per", "dependants", "documents"),
    [
        ("SINGLE_PARENT_POOR", "child_raised", [Child(date(2009, 1, 5), studying=True)], ()),
        ("CARE_TAKER_CHILD_U4", None, [Child(date(2023, 1, 1), "child_taken_in")], ()),
        ("CARE_PWD_PREGNANT_OR_CHILD_U36M", None, [], ("pregnancy_confirmation",)),
        ("CARE_PWD_PREGNANT_OR_CHILD_U36M", None, [Child(date(2024, 1, 1))], ()),
        ("PWD_SEVERE", None, [], ()),
    ],
)
def test_a_dossier_with_the_dependants_its_category_is_for_passes(
    category: str, per: str | None, dependants: list[Child], documents: tuple[str, ...]
) -> None:
    benefit = "care_support" if category.startswith("CARE_") else "monthly_allowance"
    found = shortfall(
        category, benefit=benefit, per=per, dependants=dependants, on=ON, documents=documents
    )

    assert found is None


def test_a_child_turning_16_without_studying_drops_a_unit_and_the_last_one_ends_it() -> None:
    turning = Child(date(2010, 3, 2))
    younger = Child(date(2014, 6, 1))

    [drop] = proposals_for(turning, [turning, younger], "SINGLE_PARENT_POOR", "child_raised", ON)
    [end] = proposals_for(turning, [turning], "SINGLE_PARENT_POOR", "child_raised", ON)

    assert (drop.trigger, drop.proposal, drop.to_category, drop.to_units) == (
        "age_16",
        "adjust",
        "SINGLE_PARENT_POOR",
        1,
    )
    assert (end.proposal, end.to_category, end.to_units) == ("cease", None, 0)


def test_a_child_turning_16_who_studies_still_counts_until_22() -> None:
    studying = Child(date(2010, 3, 2), studying=True)

    assert proposals_for(studying, [studying], "SINGLE_PARENT_POOR", "child_raised", ON) == []
    [at_22] = proposals_for(
        studying, [studying], "SINGLE_PARENT_POOR", "child_raised", date(2032, 3, 2)
    )
    assert (at_22.trigger, at_22.proposal) == ("age_22", "cease")


def test_a_child_taken_in_turning_4_moves_to_the_4_and_over_category() -> None:
    child = Child(date(2022, 3, 2), relation="child_taken_in")

    [proposal] = proposals_for(child, [child], "CARE_TAKER_CHILD_U4", "person_cared_for", ON)

    assert (proposal.trigger, proposal.proposal, proposal.to_category) == (
        "age_4",
        "adjust",
        "CARE_TAKER_CHILD_4P",
    )
    assert proposals_for(child, [child], "CARE_TAKER_CHILD_U4", None, date(2026, 3, 1)) == []


def test_a_child_reaching_36_months_ends_care_support_unless_a_younger_one_keeps_it() -> None:
    child = Child(date(2023, 3, 2))
    baby = Child(date(2025, 7, 1))

    [ends] = proposals_for(child, [child], "CARE_PWD_PREGNANT_OR_CHILD_U36M", None, ON)
    kept = proposals_for(child, [child, baby], "CARE_PWD_PREGNANT_OR_CHILD_U36M", None, ON)

    assert (ends.trigger, ends.proposal) == ("age_36_months", "cease")
    assert kept == []


def test_a_child_reaching_36_months_moves_pregnant_and_raising_to_the_lower_category_unless_two_younger_are_left() -> (
    None
):
    category = "CARE_PWD_PREGNANT_AND_CHILD_U36M"
    child = Child(date(2023, 3, 2))
    baby = Child(date(2025, 7, 1))
    newborn = Child(date(2026, 1, 5))

    [alone] = proposals_for(child, [child], category, None, ON)
    [one_left] = proposals_for(child, [child, baby], category, None, ON)
    two_left = proposals_for(child, [child, baby, newborn], category, None, ON)

    for proposal in (alone, one_left):
        assert (proposal.trigger, proposal.proposal, proposal.to_category) == (
            "age_36_months",
            "adjust",
            "CARE_PWD_PREGNANT_OR_CHILD_U36M",
        )
    assert two_left == []


def test_a_child_taken_in_turning_16_adjusts_a_case_paid_per_child_while_others_are_left() -> None:
    turning = Child(date(2010, 3, 2), relation="child_taken_in")
    other = Child(date(2015, 5, 5), relation="child_taken_in")

    [adjust] = proposals_for(
        turning, [turning, other], "CARE_TAKER_CHILD_4P", "person_cared_for", ON
    )
    [cease] = proposals_for(turning, [turning], "CARE_TAKER_CHILD_4P", "person_cared_for", ON)

    assert (adjust.proposal, adjust.to_category, adjust.to_units) == (
        "adjust",
        "CARE_TAKER_CHILD_4P",
        1,
    )
    assert (cease.trigger, cease.proposal, cease.to_category, cease.to_units) == (
        "age_16",
        "cease",
        None,
        0,
    )
