"""Social-assistance policy as dated, versioned data: what is in force for a province on a date.

The law changed in 2014, 2018, 2021, 2024 and 2025 and will change again, and inspectors judge
each decision by the rules in force when it was made. So nothing here is a constant: standard
levels (mức chuẩn trợ giúp xã hội), categories (đối tượng) with coefficients (hệ số), the
"highest coefficient only" rule, provincial overrides and procedure versions (quy trình) are
loaded from `policy_data/` and validated at start-up; `PolicyBook.in_force(province, on)` answers
with one `PolicyInForce`, whose `version` every decision records.

Amounts are integer VND, computed exactly (Decimal) as standard level x coefficient (x units
where a category is paid per child raised or per person cared for).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

POLICY_DIR = Path(__file__).parent / "policy_data"

BENEFITS = ("monthly_allowance", "care_support")
REQUIREMENTS = frozenset(
    {"poor_household", "hiv", "disability_special_severe", "disability_severe"}
)
PER_UNITS = frozenset({"child_raised", "person_cared_for"})
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
    """A category of beneficiary with its coefficient, as in force over a period."""

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

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


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

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def step(self, code: str) -> ProcedureStep | None:
        return next((s for s in self.steps if s.code == code), None)


@dataclass(frozen=True)
class Stacking:
    """Several categories at once: only the highest coefficient, unless a pair is excepted."""

    rule: str
    legal_basis: str
    cumulative_exceptions: frozenset[frozenset[str]] = frozenset()


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
class Amount:
    """A monthly amount with everything needed to reproduce and judge it."""

    benefit: str
    standard_level: int
    category: str
    coefficient: Decimal
    units: int
    monthly_amount: int
    categories_held: tuple[str, ...]
    policy_version: str
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class PolicyInForce:
    """Everything in force for one province on one date."""

    province: str | None
    on: date
    national_level: StandardLevel
    provincial_level: StandardLevel | None
    categories: Mapping[str, Category]
    stacking: Stacking
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

    def amount(self, held: Mapping[str, int]) -> Amount:
        """The monthly amount for the categories a person holds, with units per category.

        Only the highest (coefficient x units) is paid; categories listed together as a
        cumulative exception are added up instead.
        """
        if not held:
            raise PolicyError("at least one category is needed to compute an amount")
        categories = [self.category(code) for code in held]
        benefits = {c.benefit for c in categories}
        if len(benefits) > 1:
            raise PolicyError(
                "monthly allowance and care support are separate benefits: compute each alone"
            )
        for code, units in held.items():
            category = self.category(code)
            if units < 1 or (category.per is None and units != 1):
                raise PolicyError(
                    f"category {code} takes {'one unit' if category.per is None else 'units >= 1'}"
                    f" (got {units})"
                )
        weights = {c.code: c.coefficient * held[c.code] for c in categories}
        chosen = max(categories, key=lambda c: (weights[c.code], c.code))
        stacked = [
            c
            for c in categories
            if c is not chosen
            and frozenset({c.code, chosen.code}) in self.stacking.cumulative_exceptions
        ]
        total_coefficient = weights[chosen.code] + sum(weights[c.code] for c in stacked)
        exact = Decimal(self.standard_level) * total_coefficient
        if exact != exact.to_integral_value():
            raise PolicyError(
                f"{self.standard_level} x {total_coefficient} is not a whole number of đồng: the "
                "province's policy must state a rounding rule"
            )
        return Amount(
            benefit=chosen.benefit,
            standard_level=self.standard_level,
            category=chosen.code,
            coefficient=chosen.coefficient,
            units=held[chosen.code],
            monthly_amount=int(exact),
            categories_held=tuple(sorted(held)),
            policy_version=self.version,
            legal_basis=tuple(
                dict.fromkeys(
                    [chosen.legal_basis, *(c.legal_basis for c in stacked)]
                    + ([self.stacking.legal_basis] if len(held) > 1 else [])
                )
            ),
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
            "stacking": {
                "rule": self.stacking.rule,
                "legal_basis": self.stacking.legal_basis,
                "cumulative_exceptions": sorted(
                    sorted(pair) for pair in self.stacking.cumulative_exceptions
                ),
            },
            "categories": [
                {
                    "code": c.code,
                    "benefit": c.benefit,
                    "form": c.form,
                    "coefficient": str(c.coefficient),
                    "monthly_amount": int(Decimal(self.standard_level) * c.coefficient),
                    "per": c.per,
                    "ages": c.age.describe() if c.age else "any age",
                    "requires": sorted(c.requires),
                    "legal_basis": c.legal_basis,
                    "source": c.source,
                    "confidence": c.confidence,
                }
                for c in sorted(self.categories.values(), key=lambda c: (c.benefit, c.code))
            ],
            "procedure": {
                "version": self.procedure.version,
                "instrument": self.procedure.instrument,
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


def _level_dict(level: StandardLevel | None) -> dict[str, Any] | None:
    if level is None:
        return None
    return {
        "version": level.version,
        "effective_from": level.effective_from.isoformat(),
        "amount": level.amount,
        "instrument": level.instrument,
        "confidence": level.confidence,
    }


@dataclass(frozen=True)
class PolicyBook:
    """Every policy version, national and provincial, over time."""

    national_levels: tuple[StandardLevel, ...]
    categories: tuple[Category, ...]
    stacking: Stacking
    procedures: tuple[ProcedureVersion, ...]
    provinces: Mapping[str, ProvincialPolicy] = field(default_factory=dict)
    age_triggers: tuple[AgeTrigger, ...] = ()
    document_labels: Mapping[str, str] = field(default_factory=dict)
    identity_documents: tuple[str, ...] = ()
    documents_by_category: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

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
            stacking=self.stacking,
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
    here = f"{where} category {code}"
    benefit = str(item["benefit"])
    if benefit not in BENEFITS:
        raise PolicyError(f"{here}: benefit must be one of {', '.join(BENEFITS)}")
    coefficient = Decimal(str(item["coefficient"]))
    if coefficient <= 0:
        raise PolicyError(f"{here}: coefficient must be positive")
    requires = frozenset(item.get("requires", []))
    if not requires <= REQUIREMENTS:
        raise PolicyError(f"{here}: unknown requirement(s) {sorted(requires - REQUIREMENTS)}")
    per = item.get("per")
    if per is not None and per not in PER_UNITS:
        raise PolicyError(f"{here}: 'per' must be one of {sorted(PER_UNITS)}")
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
    valid_to = item.get("valid_to")
    return Category(
        code=code,
        benefit=benefit,
        form=str(item.get("form", "")),
        coefficient=coefficient,
        legal_basis=str(item["legal_basis"]),
        valid_from=_date(item.get("valid_from", "2010-01-01"), here),
        valid_to=_date(valid_to, here) if valid_to else None,
        confidence=str(item.get("confidence", "M")),
        age=age,
        requires=requires,
        per=per,
        source=source,
    )


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
        stacking_raw = raw["stacking"]
        stacking = Stacking(
            rule=str(stacking_raw["rule"]),
            legal_basis=str(stacking_raw["legal_basis"]),
            cumulative_exceptions=frozenset(
                frozenset(pair) for pair in stacking_raw.get("cumulative_exceptions", [])
            ),
        )
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
    codes = [c.code for c in categories]
    if len(set(codes)) != len(codes):
        raise PolicyError(f"{where}: duplicate category codes")
    if stacking.rule != "highest_only":
        raise PolicyError(f"{where}: stacking rule must be 'highest_only' (with exceptions)")
    for pair in stacking.cumulative_exceptions:
        if len(pair) != 2 or not pair <= set(codes):
            raise PolicyError(
                f"{where}: cumulative exception {sorted(pair)} must name 2 categories"
            )
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
        if not named <= set(codes):
            raise PolicyError(f"{where}: age trigger names unknown categories {sorted(named)}")
        if trigger.proposal not in PROPOSALS or trigger.age <= 0:
            raise PolicyError(
                f"{where}: age trigger {trigger.age} {trigger.from_category}: proposal must be one "
                f"of {sorted(PROPOSALS)} and age positive"
            )
    provinces: dict[str, ProvincialPolicy] = {}
    for path in sorted((directory / "provinces").glob("*.json")):
        provincial = _load_province(path, set(codes))
        provinces[provincial.province] = provincial
    return PolicyBook(
        national_levels=levels,
        categories=categories,
        stacking=stacking,
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
