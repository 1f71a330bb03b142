"""Dependants (người phụ thuộc): who a category is for besides its beneficiary, when each counts
and which of their birthdays call for a decision. Intake checks a dossier with it at receipt,
assessment counts units with it at approval and proposes decisions with it every day: one rule,
one module.

A dependant is a child raised (`child_raised`: by a poor single parent, Decree 20/2021 Art. 5.4,
or by a parent with a disability, Art. 20.2.a), a child taken in (`child_taken_in`, Art. 18.1)
or a person cared for (`person_cared_for`, Art. 20.2-3). Ages are completed years or months on
the day asked about ("đủ N tuổi"), as everywhere in btxh.

The tables below are the national rules (DOMAIN §2.1, §2.3, §2.4); a provincial care category
without an entry needs at least one dependant of any relation.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Protocol, TypeVar
from uuid import UUID

from reference.policy import age_on

RELATIONS: Final = ("child_raised", "child_taken_in", "person_cared_for")

#: No dependant is born before this day: an earlier year is a typing error.
EARLIEST_BIRTH: Final = date(1900, 1, 1)

#: A child raised counts under 16, and from 16 to below 22 while studying (Art. 5.2, 5.4).
CHILD_AGE: Final = 16
STUDYING_UNTIL: Final = 22


class DependantFacts(Protocol):
    """What the rules read of a dependant: never a name or an ID number."""

    @property
    def dependant_id(self) -> UUID: ...

    @property
    def relation(self) -> str: ...

    @property
    def date_of_birth(self) -> date: ...

    @property
    def studying(self) -> bool: ...


def months_old(born: date, on: date) -> int:
    """Completed months on `on` (36 months = the third birthday). As with completed years, a
    month is completed on the day of the month of birth, the next day where the month is
    shorter (born 31 January: one month on 1 March; born 29 February: 36 months on 1 March)."""
    months = (on.year - born.year) * 12 + on.month - born.month
    return months - (1 if on.day < born.day else 0)


def counts(dependant: DependantFacts, on: date) -> bool:
    """Whether the dependant counts on `on` for a category paid per dependant of its relation:
    a child raised under 16, or 16 to below 22 while studying; a child taken in or a person
    cared for, each (while the case lasts)."""
    if dependant.date_of_birth > on:
        return False
    if dependant.relation == "child_raised":
        age = age_on(dependant.date_of_birth, on)
        return age < CHILD_AGE or (age < STUDYING_UNTIL and dependant.studying)
    return True


@dataclass(frozen=True)
class Need:
    """Who a category is for: a dependant of `relation`, aged (in completed months) from
    `from_months` to below `below_months` on the day asked about. `one_only`: a case is for one
    such person (a caregiver holds a case for each); `unless_document`: a dossier presenting
    this document needs none (a pregnant parent with a disability)."""

    relation: str
    from_months: int | None = None
    below_months: int | None = None
    one_only: bool = False
    unless_document: str | None = None

    def admits(self, dependant: DependantFacts, on: date) -> bool:
        if dependant.relation != self.relation or dependant.date_of_birth > on:
            return False
        months = months_old(dependant.date_of_birth, on)
        return (self.from_months is None or months >= self.from_months) and (
            self.below_months is None or months < self.below_months
        )

    def describe(self) -> str:
        ages = []
        if self.from_months is not None:
            ages.append(f"from {_age_text(self.from_months)}")
        if self.below_months is not None:
            ages.append(f"under {_age_text(self.below_months)}")
        return f"{self.relation}{' ' + ' '.join(ages) if ages else ''}"


def _age_text(months: int) -> str:
    return f"{months // 12}" if months % 12 == 0 and months != 36 else f"{months} months"


#: Care-support categories (Decree 20/2021 Art. 20) and the persons each is for. A category the
#: policy pays per person cared for (`per`) counts each such person; the others are for one
#: (`one_only`: a household caring for its own member with a special severe disability) or, for
#: a parent with a disability, for the children under 36 months they raise.
NEEDS: Final[dict[str, Need]] = {
    "CARE_TAKER_CHILD_U4": Need("child_taken_in", below_months=48),
    "CARE_TAKER_CHILD_4P": Need("child_taken_in", from_months=48, below_months=192),
    "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE": Need("person_cared_for", one_only=True),
    "CARE_TAKER_PWD_SPECIAL_SEVERE": Need("person_cared_for"),
    "CARE_TAKER_ELDERLY": Need("person_cared_for"),
    "CARE_PWD_PREGNANT_OR_CHILD_U36M": Need(
        "child_raised", below_months=36, unless_document="pregnancy_confirmation"
    ),
    "CARE_PWD_PREGNANT_AND_CHILD_U36M": Need("child_raised", below_months=36),
}


def relation_for(category: str, per: str | None) -> str | None:
    """The relation of the dependants a category is for or paid per (None: no dependant). A
    care category names its own (a child taken in is paid as a person cared for)."""
    need = NEEDS.get(category)
    if need is not None:
        return need.relation
    return per


def relation_of_cared_for(category: str) -> str:
    """The relation of the one person cared for that older clients send as `cared_for`."""
    need = NEEDS.get(category)
    return need.relation if need else "person_cared_for"


Facts = TypeVar("Facts", bound=DependantFacts)


def counted(category: str, per: str | None, dependants: Iterable[Facts], on: date) -> list[Facts]:
    """The dependants a category counts on `on`: a care category, the persons it is for while
    in its age band (CARE_TAKER_CHILD_U4: each child taken in under 4); a category paid per
    dependant (`per`, e.g. SINGLE_PARENT_POOR per child raised), each that counts (a child
    raised under 16, or 16 to 22 and studying); none otherwise."""
    need = NEEDS.get(category)
    if need is not None:
        return [d for d in dependants if need.admits(d, on) and counts(d, on)]
    if per is not None:
        return [d for d in dependants if d.relation == per and counts(d, on)]
    return []


def shortfall(
    category: str,
    *,
    benefit: str,
    per: str | None,
    dependants: Sequence[DependantFacts],
    on: date,
    documents: Iterable[str] = (),
) -> str | None:
    """What a dossier's dependants lack for its category on the day of receipt, or None.

    A category paid per child raised needs at least one who counts (a single parent: a child
    under 16, or 16 to 22 and studying); a care-support category needs the person it is for, in
    its age band (CARE_TAKER_CHILD_U4: a child taken in under 4; CARE_PWD_PREGNANT_OR_CHILD_U36M:
    a child under 36 months, unless a pregnancy confirmation is presented), and one only where
    the household cares for its own member; a provincial care category without a rule here, at
    least one dependant."""
    need = NEEDS.get(category)
    relation = relation_for(category, per)
    if relation is None:
        if benefit == "care_support" and not dependants:
            return f"{category} is care support, paid for a person cared for: list them"
        return None
    of_relation = [d for d in dependants if d.relation == relation]
    if need is not None and need.one_only and len(of_relation) > 1:
        return (
            f"{category} is for one {relation} ({len(of_relation)} listed): a caregiver holds a "
            "case for each person, receive a dossier for each"
        )
    if counted(category, per, dependants, on):
        return None
    if need is not None and need.unless_document is not None and need.unless_document in documents:
        return None
    if need is None:
        why = (
            "; ".join(f"born {d.date_of_birth} is {why_not_counted(d, on)}" for d in of_relation)
            or f"no {relation} is listed"
        )
        what = (
            f"a {relation} under {CHILD_AGE}, or {CHILD_AGE} to {STUDYING_UNTIL} and studying,"
            if relation == "child_raised"
            else f"a {relation}"
        )
        return f"{category} is paid for each {relation}: list at least {what} on {on} ({why})"
    unless = f", unless a {need.unless_document} is presented" if need.unless_document else ""
    why = "; ".join(f"born {d.date_of_birth} is {_age(d, on)}" for d in of_relation)
    return (
        f"{category} is for a {need.describe()} on {on}{unless}: list them with relation "
        f"{need.relation}" + (f" ({why})" if why else "")
    )


def _age(dependant: DependantFacts, on: date) -> str:
    months = months_old(dependant.date_of_birth, on)
    return f"{months} months" if months < 48 else str(age_on(dependant.date_of_birth, on))


def why_not_counted(dependant: DependantFacts, on: date) -> str:
    """Why a child raised does not count on `on`, e.g. "17 and not studying"."""
    if dependant.date_of_birth > on:
        return "not born yet"
    age = age_on(dependant.date_of_birth, on)
    if age >= STUDYING_UNTIL:
        return f"{age}"
    return f"{age} and not studying"


# --- birthdays that call for a decision (DOMAIN §2.4) ------------------------------------------


@dataclass(frozen=True)
class DependantTrigger:
    """A dependant of `relation` reaching `months` (completed) while the case holds one of
    `from_categories` (or, with `per`, any category paid per that relation) calls for a
    decision: never a silent change."""

    trigger: str
    relation: str
    months: int
    proposal: str
    to_category: str | None
    legal_basis: str
    from_categories: frozenset[str] = frozenset()
    per: str | None = None
    #: In a category held for one situation (not paid per dependant): how many other
    #: dependants still counted keep it, so nothing is proposed (default: one, for an end).
    kept_by: int | None = None

    def kept(self, others_counted: int) -> bool:
        kept_by = (
            self.kept_by if self.kept_by is not None else (1 if self.proposal == "cease" else None)
        )
        return kept_by is not None and others_counted >= kept_by

    def applies_to(self, category: str, per: str | None) -> bool:
        if self.per is not None:
            return per == self.per
        return category in self.from_categories


DEPENDANT_TRIGGERS: Final = (
    # A single parent's child turning 16 stops counting unless studying, and at 22 in any case:
    # the units drop (or the allowance ends with the last child).
    DependantTrigger(
        "age_16", "child_raised", 16 * 12, "adjust", None, "NĐ 20/2021 Đ5 K4", per="child_raised"
    ),
    DependantTrigger(
        "age_22",
        "child_raised",
        22 * 12,
        "adjust",
        None,
        "NĐ 20/2021 Đ5 K2, K4",
        per="child_raised",
    ),
    DependantTrigger(
        "age_4",
        "child_taken_in",
        4 * 12,
        "adjust",
        "CARE_TAKER_CHILD_4P",
        "NĐ 20/2021 Đ20 K1",
        from_categories=frozenset({"CARE_TAKER_CHILD_U4"}),
    ),
    DependantTrigger(
        "age_16",
        "child_taken_in",
        16 * 12,
        "cease",
        None,
        "NĐ 20/2021 Đ18 K1; Đ20 K1",
        from_categories=frozenset({"CARE_TAKER_CHILD_U4", "CARE_TAKER_CHILD_4P"}),
    ),
    DependantTrigger(
        "age_36_months",
        "child_raised",
        36,
        "cease",
        None,
        "NĐ 20/2021 Đ20 K2 điểm a",
        from_categories=frozenset({"CARE_PWD_PREGNANT_OR_CHILD_U36M"}),
    ),
    # Pregnant and raising a child under 36 months, or raising two (coefficient 2.0): when a
    # child reaches 36 months and fewer than two younger ones are left, the household may still
    # hold the 1.5 category (pregnant, or one child under 36 months): the commune checks which,
    # or ends the support if neither.
    DependantTrigger(
        "age_36_months",
        "child_raised",
        36,
        "adjust",
        "CARE_PWD_PREGNANT_OR_CHILD_U36M",
        "NĐ 20/2021 Đ20 K2 điểm a",
        from_categories=frozenset({"CARE_PWD_PREGNANT_AND_CHILD_U36M"}),
        kept_by=2,
    ),
)


#: Why a dependant who stops counting in a category paid per dependant calls for a decision.
STOPPED_COUNTING_BASIS: Final = {
    "child_raised": "NĐ 20/2021 Đ5 K4",  # a single parent's child: under 16, or to 22 studying
    "child_taken_in": "NĐ 20/2021 Đ20 K1",
    "person_cared_for": "NĐ 20/2021 Đ20",
}


def stopped_counting(
    before: Sequence[DependantFacts],
    after: Sequence[DependantFacts],
    category: str,
    per: str | None,
    on: date,
) -> tuple[list[DependantFacts], int]:
    """A change of the dependants recorded on `on` (a child who left school at 17, one no
    longer in the household) in a category paid per dependant: those who counted before and
    no longer count, and how many still count. Nothing for a category held for one situation
    (its birthdays are its triggers)."""
    if per is None:
        return [], 0
    still = counted(category, per, after, on)
    kept = {d.dependant_id for d in still}
    stopped = [d for d in counted(category, per, before, on) if d.dependant_id not in kept]
    return stopped, len(still)


def reached_on(dependant: DependantFacts, months: int, on: date) -> bool:
    """Whether the dependant completes `months` on `on`."""
    born = dependant.date_of_birth
    return months_old(born, on) == months and months_old(born, on - timedelta(days=1)) < months


@dataclass(frozen=True)
class DependantProposal:
    """A decision proposed for a case because a dependant reached an age. `to_units`: the units
    a category paid per dependant would be paid for after it (None for other categories)."""

    trigger: str
    proposal: str
    to_category: str | None
    legal_basis: str
    to_units: int | None = None


def proposals_for(
    dependant: DependantFacts,
    dependants: Sequence[DependantFacts],
    category: str,
    per: str | None,
    on: date,
) -> list[DependantProposal]:
    """What a dependant's birthday on `on` calls for in a category held (`dependants`: all the
    case holds, the one whose birthday it is among them).

    In a category paid per child raised, only a child who stops counting that day calls for a
    decision (a single parent's child turning 16 and studying still counts). In a category paid
    per dependant, `to_units` is how many still count in it after the birthday: an end becomes
    an adjustment while others are left, and the last one ends it. A care category paid for
    one situation (a parent's children under 36 months) ends only when no other child keeps it.
    """
    found = []
    for trigger in DEPENDANT_TRIGGERS:
        if (
            trigger.relation != dependant.relation
            or not trigger.applies_to(category, per)
            or not reached_on(dependant, trigger.months, on)
        ):
            continue
        if trigger.per is not None and (
            not counts(dependant, on - timedelta(days=1)) or counts(dependant, on)
        ):
            continue
        left = [
            d
            for d in counted(category, per, dependants, on)
            if d.dependant_id != dependant.dependant_id
        ]
        if per is None:
            if trigger.kept(len(left)):
                continue  # other dependants keep the category
            found.append(
                DependantProposal(
                    trigger.trigger, trigger.proposal, trigger.to_category, trigger.legal_basis
                )
            )
            continue
        proposal, to_category = trigger.proposal, trigger.to_category
        if to_category is None:  # the dependant stops counting in this category
            proposal, to_category = ("adjust", category) if left else ("cease", None)
        found.append(
            DependantProposal(
                trigger.trigger, proposal, to_category, trigger.legal_basis, len(left)
            )
        )
    return found
