"""Social-assistance policy as dated, versioned data: what is in force for a province on a date.

The law changed in 2010, 2012, 2014, 2018, 2021, 2024 and 2025 and will change again, and
inspectors judge each decision by the rules in force when it was made. So nothing here is a
constant: standard levels (mức chuẩn trợ giúp xã hội), categories (đối tượng) with coefficients
(hệ số) and the legal basis of their era, how each benefit values several categories held at
once, provincial overrides and procedure versions (quy trình) are loaded from `policy_data/` and
validated at start-up; `PolicyBook.in_force(province, on)` answers with one `PolicyInForce`,
whose `version` every decision records and whose `decision_basis` names the provisions a
decision rests on.

Amounts are integer VND, computed exactly (Decimal) as standard level x coefficient (x units
where a category is paid per child raised or per person cared for, up to its `max_units`).
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

POLICY_DIR = Path(__file__).parent / "policy_data"

BENEFITS = ("monthly_allowance", "care_support")
#: Household poverty a category requires, and the household statuses that meet it.
POVERTY_REQUIREMENTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "poor_household": ("poor",),
        "poor_or_near_poor_household": ("poor", "near_poor"),
    }
)
REQUIREMENTS = frozenset(
    {*POVERTY_REQUIREMENTS, "hiv", "disability_special_severe", "disability_severe"}
)
PER_UNITS = frozenset({"child_raised", "person_cared_for"})
#: How a benefit values several categories held at once.
VALUATION_RULES = frozenset({"highest_only", "sum_of_grounds"})
STEP_ANCHORS = frozenset(
    {"dossier_received", "dossier_complete", "posting_end", "proposal", "appraisal"}
)
AUTHORITIES = frozenset(
    {
        "COMMUNE_REVIEW_COUNCIL",
        "COMMUNE_OFFICIAL",
        "COMMUNE_CHAIRMAN",
        "DISTRICT_DIVISION_LISA",
        "DISTRICT_CHAIRMAN",
    }
)


class PolicyError(ValueError):
    """The policy files are invalid, or they have no answer for the question asked."""


class CategoryNotInForce(PolicyError):
    """The category does not exist, or not on that date or in that province."""


class CategoryContradictsAge(PolicyError):
    """The person's age on the date rules the category out (e.g. a child category at 70)."""


@dataclass(frozen=True)
class StandardLevel:
    """One standard level (mức chuẩn) and the instrument that set it."""

    version: str
    effective_from: date
    amount: int
    instrument: str
    confidence: str
    #: Provincial levels only: when the national level is higher, the national one applies.
    national_applies_if_higher: bool = True
    #: Where the effective date comes from, when another provision than `instrument` sets it.
    source: str = ""


@dataclass(frozen=True)
class AgeRule:
    """Ages in completed years ("đủ N tuổi" = has reached the N-th birthday)."""

    from_age: int | None = None
    below: int | None = None
    #: An alternative lower bound: "child (below) or elderly (or_from)".
    or_from: int | None = None

    def admits(self, age: int) -> bool:
        in_main = (self.from_age is None or age >= self.from_age) and (
            self.below is None or age < self.below
        )
        return in_main or (self.or_from is not None and age >= self.or_from)

    def describe(self) -> str:
        parts = []
        if self.from_age is not None:
            parts.append(f"from {self.from_age}")
        if self.below is not None:
            parts.append(f"below {self.below}")
        text = " ".join(parts) or "any age"
        return f"{text} or from {self.or_from}" if self.or_from is not None else text


@dataclass(frozen=True)
class Category:
    """A category of beneficiary with its coefficient and legal basis, as in force over a
    period (one entry per era: the same code may have several, never overlapping)."""

    code: str
    benefit: str
    form: str
    coefficient: Decimal
    legal_basis: str
    valid_from: date
    valid_to: date | None
    confidence: str
    age: AgeRule | None = None
    requires: frozenset[str] = frozenset()
    per: str | None = None
    #: "national" or "province:<code>" for a provincial extra category.
    source: str = "national"
    #: The most units paid (e.g. Decree 28/2012: 1.5 for one person cared for, 3.0 for two or
    #: more, so 2); None: every unit held is paid.
    max_units: int | None = None
    #: Confidence of the article numbers cited in `legal_basis` (S, M or U).
    basis_confidence: str = "M"

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def period(self) -> str:
        return (
            f"{self.valid_from.isoformat()}..{self.valid_to.isoformat() if self.valid_to else ''}"
        )

    @property
    def poverty(self) -> str | None:
        """The household poverty required ("poor_household", "poor_or_near_poor_household")."""
        return next((r for r in sorted(self.requires) if r in POVERTY_REQUIREMENTS), None)

    def admits_household(self, poverty_status: str) -> bool:
        """Whether a household declared `poverty_status` meets the category's requirement."""
        return self.poverty is None or poverty_status in POVERTY_REQUIREMENTS[self.poverty]

    def units_counted(self, units: int) -> int:
        return units if self.max_units is None else min(units, self.max_units)


@dataclass(frozen=True)
class ProcedureStep:
    code: str
    name_vi: str
    actor: str
    #: Working days allowed, counted from the end of the step named by `after`.
    days: int
    after: str
    confidence: str


@dataclass(frozen=True)
class ProcedureVersion:
    """One version of the procedure from dossier to decision, and who does what in it."""

    version: str
    effective_from: date
    effective_to: date | None
    instrument: str
    confidence: str
    review_body: str
    decision_authority: str
    appraisal_body: str | None
    public_posting_days: int
    complaint_window_days: int
    population_db_check_required: bool
    steps: tuple[ProcedureStep, ...]
    #: The provision a decision under this version cites for its procedure and authority
    #: (e.g. "NĐ 136/2013/NĐ-CP Đ8").
    legal_basis: str = ""

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def step(self, code: str) -> ProcedureStep | None:
        return next((s for s in self.steps if s.code == code), None)


@dataclass(frozen=True)
class DatedBasis:
    """A provision cited over a period (the same rule restated by successive instruments)."""

    valid_from: date
    valid_to: date | None
    text: str
    confidence: str

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Valuation:
    """How one benefit values several categories held at once.

    `highest_only` (the monthly allowance): only the highest coefficient x units is paid, unless
    a pair is listed as a cumulative exception. `sum_of_grounds` (care support): each category
    held is a separate ground and all are paid, except that within an exclusive group (grounds
    that describe one situation in two degrees) only the highest counts.
    """

    benefit: str
    rule: str
    legal_basis: tuple[DatedBasis, ...]
    cumulative_exceptions: frozenset[frozenset[str]] = frozenset()
    exclusive_groups: tuple[frozenset[str], ...] = ()

    def basis_on(self, day: date) -> str | None:
        return next((b.text for b in self.legal_basis if b.valid_on(day)), None)

    def group_of(self, code: str) -> frozenset[str] | None:
        return next((g for g in self.exclusive_groups if code in g), None)


#: The monthly allowance's rule, under the name the code used first.
Stacking = Valuation

PROPOSALS = frozenset({"adjust", "cease", "cease_or_studying", "redetermine_disability"})


@dataclass(frozen=True)
class AgeTrigger:
    """Reaching `age` while holding `from_category` calls for a decision (never a silent change)."""

    age: int
    from_category: str
    proposal: str
    to_category: str | None
    legal_basis: str


@dataclass(frozen=True)
class ProvincialPolicy:
    province: str
    name: str
    standard_levels: tuple[StandardLevel, ...]
    extra_categories: tuple[Category, ...]


@dataclass(frozen=True)
class AmountPart:
    """One category counted in an amount: its coefficient, the units held and counted."""

    category: str
    coefficient: Decimal
    units: int
    units_counted: int
    monthly_amount: int
    legal_basis: str


@dataclass(frozen=True)
class Amount:
    """A monthly amount with everything needed to reproduce and judge it.

    `category`, `coefficient` and `units` (units counted, after any `max_units`) are those of
    the highest category paid; `parts` lists every category paid (one under "highest only",
    each ground under a sum), and `monthly_amount` is their total.
    """

    benefit: str
    standard_level: int
    category: str
    coefficient: Decimal
    units: int
    monthly_amount: int
    categories_held: tuple[str, ...]
    policy_version: str
    legal_basis: tuple[str, ...]
    parts: tuple[AmountPart, ...] = ()
    rule: str = "highest_only"

    @property
    def total_coefficient(self) -> Decimal:
        """The coefficient x units that the standard level is multiplied by, all parts added."""
        if not self.parts:
            return self.coefficient * self.units
        return sum((p.coefficient * p.units_counted for p in self.parts), Decimal(0))


@dataclass(frozen=True)
class PolicyInForce:
    """Everything in force for one province on one date."""

    province: str | None
    on: date
    national_level: StandardLevel
    provincial_level: StandardLevel | None
    categories: Mapping[str, Category]
    valuations: Mapping[str, Valuation]
    procedure: ProcedureVersion

    @property
    def standard_level(self) -> int:
        """max(national, provincial) where the province says the national level wins if higher."""
        provincial = self.provincial_level
        if provincial is None:
            return self.national_level.amount
        if provincial.national_applies_if_higher:
            return max(provincial.amount, self.national_level.amount)
        return provincial.amount

    @property
    def level_version(self) -> str:
        provincial = self.provincial_level
        if provincial is None or self.standard_level != provincial.amount:
            return self.national_level.version
        return f"{self.national_level.version}+{provincial.version}"

    @property
    def version(self) -> str:
        """Recorded on every decision: standard level(s) and procedure version."""
        return f"{self.level_version}/{self.procedure.version}"

    @property
    def stacking(self) -> Valuation:
        """The monthly allowance's rule for several categories held ("highest only")."""
        return self.valuations["monthly_allowance"]

    def category(self, code: str) -> Category:
        found = self.categories.get(code)
        if found is None:
            where = f" in province {self.province}" if self.province else ""
            raise CategoryNotInForce(
                f"category {code!r} is not in force on {self.on.isoformat()}{where}"
            )
        return found

    def check_age(self, code: str, age: int) -> None:
        category = self.category(code)
        if category.age is not None and not category.age.admits(age):
            raise CategoryContradictsAge(
                f"category {code} is for ages {category.age.describe()}; the person is {age} "
                f"on {self.on.isoformat()}"
            )

    def decision_basis(self, categories: Iterable[str]) -> tuple[str, ...]:
        """The provisions a decision signed on this date rests on, by default: the legal basis
        of each category (as in force on the date), the benefit's rule for several categories
        where more than one is held, and the procedure version's provision (who decides)."""
        found = [self.category(code) for code in dict.fromkeys(categories)]
        bases = [c.legal_basis for c in found]
        for benefit in BENEFITS:
            if sum(c.benefit == benefit for c in found) > 1:
                bases.append(self.valuations[benefit].basis_on(self.on) or "")
        bases.append(self.procedure.legal_basis)
        return tuple(dict.fromkeys(b for b in bases if b.strip()))

    def amount(self, held: Mapping[str, int]) -> Amount:
        """The monthly amount for the categories a person holds, with units per category.

        Units beyond a category's `max_units` are not paid. The benefit's valuation rule then
        decides what is added up: under "highest only" (monthly allowance) the highest
        coefficient x units, plus any category listed with it as a cumulative exception; under
        "sum of grounds" (care support) every category held, but only the highest of an
        exclusive group.
        """
        if not held:
            raise PolicyError("at least one category is needed to compute an amount")
        categories = [self.category(code) for code in held]
        benefits = {c.benefit for c in categories}
        if len(benefits) > 1:
            raise PolicyError(
                "monthly allowance and care support are separate benefits: compute each alone"
            )
        for category in categories:
            units = held[category.code]
            if units < 1 or (category.per is None and units != 1):
                raise PolicyError(
                    f"category {category.code} takes "
                    f"{'one unit' if category.per is None else 'units >= 1'} (got {units})"
                )
        valuation = self.valuations[categories[0].benefit]
        counted = {c.code: c.units_counted(held[c.code]) for c in categories}
        ranked = sorted(
            categories, key=lambda c: (c.coefficient * counted[c.code], c.code), reverse=True
        )
        chosen = ranked[0]
        if valuation.rule == "sum_of_grounds":
            paid: list[Category] = []
            for category in ranked:
                group = valuation.group_of(category.code)
                if group is None or not any(p.code in group for p in paid):
                    paid.append(category)
        else:
            paid = [chosen] + [
                c
                for c in categories
                if c is not chosen
                and frozenset({c.code, chosen.code}) in valuation.cumulative_exceptions
            ]
        parts = tuple(self._part(c, held[c.code], counted[c.code]) for c in paid)
        rule_basis = valuation.basis_on(self.on) if len(held) > 1 else None
        return Amount(
            benefit=chosen.benefit,
            standard_level=self.standard_level,
            category=chosen.code,
            coefficient=chosen.coefficient,
            units=counted[chosen.code],
            monthly_amount=sum(p.monthly_amount for p in parts),
            categories_held=tuple(sorted(held)),
            policy_version=self.version,
            legal_basis=tuple(
                dict.fromkeys([p.legal_basis for p in parts] + ([rule_basis] if rule_basis else []))
            ),
            parts=parts,
            rule=valuation.rule,
        )

    def _part(self, category: Category, units: int, counted: int) -> AmountPart:
        exact = Decimal(self.standard_level) * category.coefficient * counted
        if exact != exact.to_integral_value():
            raise PolicyError(
                f"{self.standard_level} x {category.coefficient * counted} is not a whole number "
                "of đồng: the province's policy must state a rounding rule"
            )
        return AmountPart(
            category=category.code,
            coefficient=category.coefficient,
            units=units,
            units_counted=counted,
            monthly_amount=int(exact),
            legal_basis=category.legal_basis,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the API that answers "what is in force"."""
        return {
            "province": self.province,
            "on": self.on.isoformat(),
            "policy_version": self.version,
            "standard_level": self.standard_level,
            "national_standard_level": _level_dict(self.national_level),
            "provincial_standard_level": _level_dict(self.provincial_level)
            if self.provincial_level
            else None,
            "stacking": _valuation_dict(self.stacking, self.on),
            "valuation": {
                benefit: _valuation_dict(valuation, self.on)
                for benefit, valuation in self.valuations.items()
            },
            "categories": [
                {
                    "code": c.code,
                    "benefit": c.benefit,
                    "form": c.form,
                    "coefficient": str(c.coefficient),
                    "monthly_amount": int(Decimal(self.standard_level) * c.coefficient),
                    "per": c.per,
                    "max_units": c.max_units,
                    "ages": c.age.describe() if c.age else "any age",
                    "requires": sorted(c.requires),
                    "legal_basis": c.legal_basis,
                    "valid_from": c.valid_from.isoformat(),
                    "valid_to": c.valid_to.isoformat() if c.valid_to else None,
                    "source": c.source,
                    "confidence": c.confidence,
                    "basis_confidence": c.basis_confidence,
                }
                for c in sorted(self.categories.values(), key=lambda c: (c.benefit, c.code))
            ],
            "procedure": {
                "version": self.procedure.version,
                "instrument": self.procedure.instrument,
                "legal_basis": self.procedure.legal_basis,
                "effective_from": self.procedure.effective_from.isoformat(),
                "effective_to": self.procedure.effective_to.isoformat()
                if self.procedure.effective_to
                else None,
                "review_body": self.procedure.review_body,
                "decision_authority": self.procedure.decision_authority,
                "appraisal_body": self.procedure.appraisal_body,
                "public_posting_days": self.procedure.public_posting_days,
                "complaint_window_days": self.procedure.complaint_window_days,
                "population_db_check_required": self.procedure.population_db_check_required,
                "steps": [
                    {
                        "code": s.code,
                        "name_vi": s.name_vi,
                        "actor": s.actor,
                        "working_days": s.days,
                        "after": s.after,
                        "confidence": s.confidence,
                    }
                    for s in self.procedure.steps
                ],
            },
        }


def _valuation_dict(valuation: Valuation, on: date) -> dict[str, Any]:
    return {
        "rule": valuation.rule,
        "legal_basis": valuation.basis_on(on),
        "cumulative_exceptions": sorted(sorted(pair) for pair in valuation.cumulative_exceptions),
        "exclusive_groups": [sorted(group) for group in valuation.exclusive_groups],
    }


def _level_dict(level: StandardLevel | None) -> dict[str, Any] | None:
    if level is None:
        return None
    return {
        "version": level.version,
        "effective_from": level.effective_from.isoformat(),
        "amount": level.amount,
        "instrument": level.instrument,
        "source": level.source or None,
        "confidence": level.confidence,
    }


@dataclass(frozen=True)
class PolicyBook:
    """Every policy version, national and provincial, over time."""

    national_levels: tuple[StandardLevel, ...]
    categories: tuple[Category, ...]
    valuations: Mapping[str, Valuation]
    procedures: tuple[ProcedureVersion, ...]
    provinces: Mapping[str, ProvincialPolicy] = field(default_factory=dict)
    age_triggers: tuple[AgeTrigger, ...] = ()
    document_labels: Mapping[str, str] = field(default_factory=dict)
    identity_documents: tuple[str, ...] = ()
    documents_by_category: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def stacking(self) -> Valuation:
        return self.valuations["monthly_allowance"]

    def missing_documents(self, category: str, presented: list[str]) -> list[str]:
        """Documents the category needs that were not presented ("identity" stands for any
        one of the identity documents)."""
        missing = [d for d in self.documents_by_category.get(category, ()) if d not in presented]
        if self.identity_documents and not set(self.identity_documents) & set(presented):
            missing.insert(0, "identity")
        return missing

    def triggers_for(self, category: str, age: int) -> list[AgeTrigger]:
        return [t for t in self.age_triggers if t.from_category == category and t.age == age]

    @property
    def first_covered(self) -> tuple[date, str]:
        """The first day `in_force` can answer (both a national standard level and a procedure
        version are in force from then), and what sets it, for error messages."""
        if not self.national_levels or not self.procedures:
            raise PolicyError("the policy book needs a national standard level and a procedure")
        level = self.national_levels[0]
        procedure = min(self.procedures, key=lambda p: p.effective_from)
        if procedure.effective_from >= level.effective_from:
            return procedure.effective_from, f"procedure version {procedure.version}"
        return level.effective_from, f"national standard level {level.version}"

    def procedure_on(self, day: date) -> ProcedureVersion:
        for procedure in self.procedures:
            if procedure.in_force_on(day):
                return procedure
        raise PolicyError(f"no procedure version in force on {day.isoformat()}")

    def procedure(self, version: str) -> ProcedureVersion:
        for procedure in self.procedures:
            if procedure.version == version:
                return procedure
        raise PolicyError(f"unknown procedure version {version!r}")

    def in_force(self, province: str | None, on: date) -> PolicyInForce:
        national = _level_on(self.national_levels, on)
        if national is None:
            raise PolicyError(f"no national standard level in force on {on.isoformat()}")
        provincial_policy = self.provinces.get(province) if province else None
        provincial = _level_on(provincial_policy.standard_levels, on) if provincial_policy else None
        # The entries of one code never overlap (checked at load): one per code on any date.
        categories = {c.code: c for c in self.categories if c.valid_on(on)}
        if provincial_policy:
            categories.update(
                {c.code: c for c in provincial_policy.extra_categories if c.valid_on(on)}
            )
        return PolicyInForce(
            province=province,
            on=on,
            national_level=national,
            provincial_level=provincial,
            categories=categories,
            valuations=self.valuations,
            procedure=self.procedure_on(on),
        )


def _level_on(levels: tuple[StandardLevel, ...], day: date) -> StandardLevel | None:
    in_force = [level for level in levels if level.effective_from <= day]
    return in_force[-1] if in_force else None


# --- loading and validation -------------------------------------------------------------


def _date(raw: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError as error:
        raise PolicyError(f"{where}: {raw!r} is not a date (YYYY-MM-DD)") from error


def _levels(raw: list[dict[str, Any]], where: str) -> tuple[StandardLevel, ...]:
    levels = tuple(
        StandardLevel(
            version=str(item["version"]),
            effective_from=_date(item["effective_from"], f"{where} {item.get('version')}"),
            amount=int(item["amount"]),
            instrument=str(item["instrument"]),
            confidence=str(item.get("confidence", "M")),
            national_applies_if_higher=bool(item.get("national_applies_if_higher", True)),
            source=str(item.get("source", "")),
        )
        for item in raw
    )
    if list(levels) != sorted(levels, key=lambda level: level.effective_from):
        raise PolicyError(f"{where}: standard levels must be in date order")
    for level in levels:
        if level.amount <= 0:
            raise PolicyError(f"{where} {level.version}: a standard level must be positive")
    if len({level.version for level in levels}) != len(levels):
        raise PolicyError(f"{where}: standard level versions must be unique")
    return levels


def _category(item: dict[str, Any], where: str, source: str) -> Category:
    code = str(item["code"])
    valid_from = _date(item.get("valid_from", "2010-01-01"), f"{where} category {code}")
    here = f"{where} category {code} from {valid_from.isoformat()}"
    benefit = str(item["benefit"])
    if benefit not in BENEFITS:
        raise PolicyError(f"{here}: benefit must be one of {', '.join(BENEFITS)}")
    coefficient = Decimal(str(item["coefficient"]))
    if coefficient <= 0:
        raise PolicyError(f"{here}: coefficient must be positive")
    requires = frozenset(item.get("requires", []))
    if not requires <= REQUIREMENTS:
        raise PolicyError(f"{here}: unknown requirement(s) {sorted(requires - REQUIREMENTS)}")
    if len(requires & POVERTY_REQUIREMENTS.keys()) > 1:
        raise PolicyError(
            f"{here}: give one poverty requirement, {' or '.join(sorted(POVERTY_REQUIREMENTS))}"
        )
    per = item.get("per")
    if per is not None and per not in PER_UNITS:
        raise PolicyError(f"{here}: 'per' must be one of {sorted(PER_UNITS)}")
    max_units = item.get("max_units")
    if max_units is not None and (
        per is None
        or isinstance(max_units, bool)
        or not isinstance(max_units, int)
        or max_units < 1
    ):
        raise PolicyError(
            f"{here}: max_units must be a whole number >= 1, on a category paid 'per' unit"
        )
    age_raw = item.get("age")
    age = (
        AgeRule(
            from_age=age_raw.get("from"), below=age_raw.get("below"), or_from=age_raw.get("or_from")
        )
        if age_raw
        else None
    )
    if age and age.from_age is not None and age.below is not None and age.from_age >= age.below:
        raise PolicyError(f"{here}: age 'from' must be below 'below'")
    valid_to = _date(item["valid_to"], here) if item.get("valid_to") else None
    if valid_to is not None and valid_to < valid_from:
        raise PolicyError(f"{here}: valid_to {valid_to.isoformat()} is before valid_from")
    legal_basis = str(item["legal_basis"])
    if not legal_basis.strip():
        raise PolicyError(f"{here}: legal_basis must name the provision")
    confidence = str(item.get("confidence", "M"))
    return Category(
        code=code,
        benefit=benefit,
        form=str(item.get("form", "")),
        coefficient=coefficient,
        legal_basis=legal_basis,
        valid_from=valid_from,
        valid_to=valid_to,
        confidence=confidence,
        age=age,
        requires=requires,
        per=per,
        source=source,
        max_units=max_units,
        basis_confidence=str(item.get("basis_confidence", confidence)),
    )


def _check_category_periods(categories: Sequence[Category], where: str) -> None:
    """Entries of one code follow each other: none overlaps another, and one that ends is
    followed the next day by the next entry, if any (a code may end for good)."""
    by_code: dict[str, list[Category]] = {}
    for category in categories:
        by_code.setdefault(category.code, []).append(category)
    for code, entries in by_code.items():
        ordered = sorted(entries, key=lambda c: c.valid_from)
        if len({c.benefit for c in ordered}) > 1:
            raise PolicyError(f"{where} category {code}: every entry must be of one benefit")
        for earlier, later in pairwise(ordered):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                raise PolicyError(
                    f"{where} category {code} {earlier.period} overlaps the entry "
                    f"{later.period}: entries of one code must not overlap"
                )
            if (later.valid_from - earlier.valid_to).days != 1:
                raise PolicyError(
                    f"{where} category {code}: a gap between the entry {earlier.period} and the "
                    f"entry {later.period}: the next entry begins the day after one ends"
                )


def _dated_bases(raw: Any, here: str) -> tuple[DatedBasis, ...]:
    """A provision as one string (any date), or a list of {valid_from, valid_to, text,
    confidence} in date order, following each other without gaps."""
    if isinstance(raw, str):
        return (DatedBasis(date.min, None, raw, "M"),)
    bases = tuple(
        DatedBasis(
            valid_from=_date(item["valid_from"], here),
            valid_to=_date(item["valid_to"], here) if item.get("valid_to") else None,
            text=str(item["text"]),
            confidence=str(item.get("confidence", "M")),
        )
        for item in raw
    )
    for earlier, later in pairwise(bases):
        if earlier.valid_to is None or later.valid_from != earlier.valid_to + timedelta(days=1):
            raise PolicyError(
                f"{here}: legal basis from {later.valid_from.isoformat()} must begin the day "
                "after the previous one ends"
            )
    return bases


def _valuations(
    raw: dict[str, Any], categories: Sequence[Category], where: str
) -> dict[str, Valuation]:
    given = {k for k in raw if k != "note"}
    if given != set(BENEFITS):
        raise PolicyError(
            f"{where}: valuation must give one rule for each benefit ({', '.join(BENEFITS)}); "
            f"got {sorted(given)}"
        )
    benefit_of = {c.code: c.benefit for c in categories}
    valuations: dict[str, Valuation] = {}
    for benefit in BENEFITS:
        item = raw[benefit]
        here = f"{where} valuation {benefit}"
        rule = str(item["rule"])
        if rule not in VALUATION_RULES:
            raise PolicyError(f"{here}: rule must be one of {sorted(VALUATION_RULES)}")
        pairs = frozenset(frozenset(pair) for pair in item.get("cumulative_exceptions", []))
        groups = tuple(frozenset(group) for group in item.get("exclusive_groups", []))
        if pairs and rule != "highest_only":
            raise PolicyError(f"{here}: cumulative exceptions belong to the 'highest_only' rule")
        if groups and rule != "sum_of_grounds":
            raise PolicyError(f"{here}: exclusive groups belong to the 'sum_of_grounds' rule")
        for pair in pairs:
            if len(pair) != 2 or any(benefit_of.get(code) != benefit for code in pair):
                raise PolicyError(
                    f"{here}: cumulative exception {sorted(pair)} must name 2 categories of "
                    f"{benefit}"
                )
        for group in groups:
            if len(group) < 2 or any(benefit_of.get(code) != benefit for code in group):
                raise PolicyError(
                    f"{here}: exclusive group {sorted(group)} must name at least 2 categories "
                    f"of {benefit}"
                )
        listed = [code for group in groups for code in group]
        if len(listed) != len(set(listed)):
            raise PolicyError(f"{here}: a category may be in one exclusive group only")
        valuations[benefit] = Valuation(
            benefit=benefit,
            rule=rule,
            legal_basis=_dated_bases(item["legal_basis"], here),
            cumulative_exceptions=pairs,
            exclusive_groups=groups,
        )
    return valuations


def _procedure(item: dict[str, Any], where: str) -> ProcedureVersion:
    version = str(item["version"])
    here = f"{where} procedure {version}"
    steps = tuple(
        ProcedureStep(
            code=str(step["code"]),
            name_vi=str(step["name_vi"]),
            actor=str(step["actor"]),
            days=int(step["days"]),
            after=str(step["after"]),
            confidence=str(step.get("confidence", item.get("confidence", "M"))),
        )
        for step in item["steps"]
    )
    known = STEP_ANCHORS | {s.code for s in steps}
    for step in steps:
        if step.after not in known:
            raise PolicyError(f"{here} step {step.code}: unknown anchor {step.after!r}")
        if step.days < 0:
            raise PolicyError(f"{here} step {step.code}: days must not be negative")
    for body in (item["review_body"], item["decision_authority"], item.get("appraisal_body")):
        if body is not None and body not in AUTHORITIES:
            raise PolicyError(f"{here}: unknown body {body!r}")
    effective_to = item.get("effective_to")
    return ProcedureVersion(
        version=version,
        effective_from=_date(item["effective_from"], here),
        effective_to=_date(effective_to, here) if effective_to else None,
        instrument=str(item["instrument"]),
        confidence=str(item.get("confidence", "M")),
        review_body=str(item["review_body"]),
        decision_authority=str(item["decision_authority"]),
        appraisal_body=item.get("appraisal_body"),
        public_posting_days=int(item["public_posting_days"]),
        complaint_window_days=int(item["complaint_window_days"]),
        population_db_check_required=bool(item["population_db_check_required"]),
        steps=steps,
        legal_basis=str(item.get("legal_basis") or item["instrument"]),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PolicyError(f"{path.name}: {error}") from error
    if not isinstance(raw, dict):
        raise PolicyError(f"{path.name}: expected a JSON object")
    return raw


def load_policy_book(directory: Path = POLICY_DIR) -> PolicyBook:
    """Read and validate every policy file; any error names the file and the entry."""
    national_path = directory / "national.json"
    raw = _read(national_path)
    where = national_path.name
    try:
        levels = _levels(raw["standard_levels"], where)
        categories = tuple(_category(c, where, "national") for c in raw["categories"])
        _check_category_periods(categories, where)
        valuations = _valuations(raw["valuation"], categories, where)
        procedures = tuple(_procedure(p, where) for p in raw["procedures"])
        triggers = tuple(
            AgeTrigger(
                age=int(t["age"]),
                from_category=str(t["from"]),
                proposal=str(t["proposal"]),
                to_category=t.get("to"),
                legal_basis=str(t["legal_basis"]),
            )
            for t in raw.get("age_triggers", [])
        )
    except (KeyError, TypeError, ArithmeticError) as error:
        raise PolicyError(f"{where}: missing or malformed entry: {error!r}") from error
    codes = {c.code for c in categories}
    _check_procedure_periods(procedures, where)
    documents = raw.get("documents", {})
    labels = dict(documents.get("codes", {}))
    identity = tuple(documents.get("identity_any_of", []))
    by_category = {k: tuple(v) for k, v in documents.get("by_category", {}).items()}
    for category, needed in by_category.items():
        unknown = [d for d in needed if d not in labels]
        if category not in codes or unknown:
            raise PolicyError(f"{where}: documents for {category}: unknown category or {unknown}")
    if any(d not in labels for d in identity):
        raise PolicyError(f"{where}: identity_any_of names unknown documents")
    for trigger in triggers:
        named = {trigger.from_category} | ({trigger.to_category} if trigger.to_category else set())
        if not named <= codes:
            raise PolicyError(f"{where}: age trigger names unknown categories {sorted(named)}")
        if trigger.proposal not in PROPOSALS or trigger.age <= 0:
            raise PolicyError(
                f"{where}: age trigger {trigger.age} {trigger.from_category}: proposal must be one "
                f"of {sorted(PROPOSALS)} and age positive"
            )
    provinces: dict[str, ProvincialPolicy] = {}
    for path in sorted((directory / "provinces").glob("*.json")):
        provincial = _load_province(path, codes)
        provinces[provincial.province] = provincial
    return PolicyBook(
        national_levels=levels,
        categories=categories,
        valuations=valuations,
        procedures=procedures,
        provinces=provinces,
        age_triggers=triggers,
        document_labels=labels,
        identity_documents=identity,
        documents_by_category=by_category,
    )


def _check_procedure_periods(procedures: tuple[ProcedureVersion, ...], where: str) -> None:
    ordered = sorted(procedures, key=lambda p: p.effective_from)
    for earlier, later in pairwise(ordered):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise PolicyError(
                f"{where}: procedure {earlier.version} overlaps {later.version}: each version "
                "must end before the next begins"
            )
        if (later.effective_from - earlier.effective_to).days != 1:
            raise PolicyError(f"{where}: a gap between {earlier.version} and {later.version}")


def _load_province(path: Path, national_codes: set[str]) -> ProvincialPolicy:
    raw = _read(path)
    where = path.name
    try:
        province = str(raw["province"])
        if path.stem != province or len(province) != 2 or not province.isdigit():
            raise PolicyError(f"{where}: 'province' must be the 2-digit code naming the file")
        extra = tuple(
            _category(c, where, f"province:{province}") for c in raw.get("extra_categories", [])
        )
        _check_category_periods(extra, where)
        provincial = ProvincialPolicy(
            province=province,
            name=str(raw["name"]),
            standard_levels=_levels(raw.get("standard_levels", []), where),
            extra_categories=extra,
        )
    except (KeyError, TypeError, ArithmeticError) as error:
        raise PolicyError(f"{where}: missing or malformed entry: {error!r}") from error
    clash = {c.code for c in extra} & national_codes
    if clash:
        raise PolicyError(f"{where}: extra categories reuse national codes {sorted(clash)}")
    return provincial


@cache
def policy_book(directory: Path | None = None) -> PolicyBook:
    """The policy of `directory` (default: the repository's), loaded once per process."""
    return load_policy_book(POLICY_DIR if directory is None else directory)


def age_on(born: date, day: date) -> int:
    """Completed years on `day` ("đủ N tuổi")."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
