"""Dated policy tables: the standard level (mức chuẩn) in force on a date and category coefficients.

Amounts are integer VND = standard level x coefficient, computed exactly (Decimal), and
reproducible for any past date. Loaded from policy_data/ and validated at start-up.
"""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

POLICY_DIR = Path(__file__).parent / "policy_data"


class PolicyError(ValueError):
    """The policy tables are invalid, or have no answer for the question asked."""


@dataclass(frozen=True)
class StandardLevel:
    effective_from: date
    amount: int
    instrument: str
    version: str


@dataclass(frozen=True)
class Amount:
    """A monthly amount with everything needed to reproduce it."""

    standard_level: int
    coefficient: Decimal
    monthly_amount: int
    policy_version: str
    instrument: str


@dataclass(frozen=True)
class Policy:
    standard_levels: tuple[StandardLevel, ...]
    coefficients: dict[str, Decimal]

    def standard_level_on(self, day: date) -> StandardLevel:
        in_force = [level for level in self.standard_levels if level.effective_from <= day]
        if not in_force:
            raise PolicyError(f"no standard level in force on {day.isoformat()}")
        return in_force[-1]

    def amount(self, category: str, on: date) -> Amount:
        coefficient = self.coefficients.get(category)
        if coefficient is None:
            raise PolicyError(f"no coefficient for category {category!r}")
        level = self.standard_level_on(on)
        exact = Decimal(level.amount) * coefficient
        if exact != exact.to_integral_value():
            raise PolicyError(f"{level.amount} x {coefficient} is not a whole number of đồng")
        return Amount(
            standard_level=level.amount,
            coefficient=coefficient,
            monthly_amount=int(exact),
            policy_version=f"national/{level.version}",
            instrument=level.instrument,
        )


def load_policy(directory: Path = POLICY_DIR) -> Policy:
    path = directory / "national.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        levels = tuple(
            StandardLevel(
                effective_from=date.fromisoformat(item["effective_from"]),
                amount=int(item["amount"]),
                instrument=str(item["instrument"]),
                version=str(item["version"]),
            )
            for item in raw["standard_levels"]
        )
        coefficients = {code: Decimal(value) for code, value in raw["coefficients"].items()}
    except (OSError, KeyError, ValueError, TypeError, ArithmeticError) as error:
        raise PolicyError(f"{path.name}: {error}") from error
    if list(levels) != sorted(levels, key=lambda level: level.effective_from):
        raise PolicyError(f"{path.name}: standard levels must be in date order")
    if any(level.amount <= 0 for level in levels):
        raise PolicyError(f"{path.name}: standard levels must be positive")
    if any(c <= 0 or (c * 2) != (c * 2).to_integral_value() for c in coefficients.values()):
        raise PolicyError(f"{path.name}: coefficients must be positive multiples of 0.5")
    return Policy(standard_levels=levels, coefficients=coefficients)
