"""What a month of a benefit is worth, computed one way for every service that needs it.

Payment pays it and reporting shows it; both value the categories a person holds, with their
units (children raised, persons cared for), by the policy in force in that month and place.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from reference.policy import PolicyError, PolicyInForce


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
    if all(isinstance(units, int) for _, units in listed):
        return {code: int(units) for code, units in listed}  # type: ignore[call-overload]
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
