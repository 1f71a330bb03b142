"""What a month of a benefit is worth, computed one way for every service that needs it.

Payment pays it and reporting shows it; both value the categories a person holds, with their
units (children raised, persons cared for), by the policy in force in that month and place.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from reference.admin_units import AdminUnits, load_admin_units
from reference.months import first_day
from reference.policy import Amount, PolicyBook, PolicyError, PolicyInForce, policy_book

#: A residence as recorded: (scheme, code), e.g. ("DVHC_2004_3LEVEL", "02053").
Place = tuple[str, str]


def units_from_decision(
    policy: PolicyInForce, codes: Iterable[str], coefficient: str | Decimal
) -> dict[str, int]:
    """The units of each category held, for a decision recorded before units travelled with it.

    Such a decision recorded the codes held and the coefficient paid: the highest category's
    coefficient times its units. The category paid per child or per person whose coefficient
    divides the recorded one a whole number of times gets that many units; every other category
    one. Without such a category (or when the policy no longer knows a code) every unit is 1:
    the best the record allows, and what was paid until now.
    """
    held = {str(code): 1 for code in codes}
    paid = Decimal(str(coefficient))
    candidates = []
    for code in held:
        try:
            category = policy.category(code)
        except PolicyError:
            continue
        if category.per is None or category.coefficient <= 0:
            continue
        quotient = paid / category.coefficient
        if quotient == quotient.to_integral_value() and quotient >= 1:
            candidates.append((category.coefficient, code, int(quotient)))
    if candidates:
        _, chosen, units = max(candidates)
        held[chosen] = units
    return held


def held_with_units(
    policy: PolicyInForce,
    categories: Iterable[Mapping[str, object]],
    coefficient: str | Decimal,
) -> dict[str, int]:
    """Categories held with units from an approval's `categories` ({code, units}); units left
    unknown by an older approval are derived from its coefficient (units_from_decision)."""
    listed = [(str(item["code"]), item.get("units")) for item in categories]
    known = {code: units for code, units in listed if isinstance(units, int)}
    if len(known) == len(listed):
        return known
    return units_from_decision(policy, [code for code, _ in listed], coefficient)


def category_paid(policy: PolicyInForce, held: Mapping[str, int]) -> str | None:
    """The category that labels what is paid: the one "highest only" chooses (coefficient x
    units), or, when the policy cannot value the set, the one with the highest known
    coefficient x units."""
    if not held:
        return None
    try:
        return policy.amount(held).category
    except PolicyError:
        pass

    def weight(code: str) -> Decimal:
        try:
            return policy.category(code).coefficient * held[code]
        except PolicyError:
            return Decimal(0)

    return max(sorted(held), key=weight)


@dataclass(frozen=True)
class Valuation:
    """What a month of a benefit is worth for a person, where they lived: the dated policy book
    and the administrative units, given to it (a deployment's BTXH_POLICY_DIR on both sides),
    never read from module globals. Payment pays with it; reporting shows the same amounts."""

    policy: PolicyBook
    units: AdminUnits

    @classmethod
    def of(cls, policy_dir: Path | None = None) -> "Valuation":
        """The valuation of a deployment's policy directory (default: the repository's)."""
        return cls(policy_book(policy_dir), load_admin_units())

    def province(self, residence: Place | None) -> str | None:
        """The province whose level applies to a residence ({scheme, code}, as recorded)."""
        if residence is None:
            return None
        return self.units.province_code(residence[0], residence[1])

    def in_force(self, residence: Place | None, day: date) -> PolicyInForce:
        """Everything in force on `day` in the province of the residence."""
        return self.policy.in_force(self.province(residence), day)

    def amount(self, held: Mapping[str, int], residence: Place | None, day: date) -> Amount:
        """The categories held with their units, valued on `day` where the person lived."""
        return self.in_force(residence, day).amount(held)

    def month(self, held: Mapping[str, int], residence: Place | None, month: str) -> int:
        """What a month is owed: valued by the policy in force on its first day."""
        return self.amount(held, residence, first_day(month)).monthly_amount

    def standard_level(self, residence: Place | None, day: date) -> int:
        return self.in_force(residence, day).standard_level

    def category_paid(self, held: Mapping[str, int], day: date) -> str | None:
        return category_paid(self.policy.in_force(None, day), held)

    def held_by_approval(
        self,
        categories: Iterable[Mapping[str, object]],
        coefficient: str | Decimal,
        residence: Place | None,
        signed_on: date,
    ) -> dict[str, int]:
        """An approval's categories with units (derived from its coefficient when it predates
        units on the bus), by the policy in force where and when it was signed."""
        return held_with_units(self.in_force(residence, signed_on), categories, coefficient)
