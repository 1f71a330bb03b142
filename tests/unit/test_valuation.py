"""One valuation for payment and reporting: the categories held with their units, valued by the
policy book it is given (a deployment's BTXH_POLICY_DIR), where the person lived that month."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from reference.months import add_months, first_day, last_day, month_after, months_between
from reference.valuation import Valuation, units_from_decision
from services.reporting.projections.case_state import Residence, amount_in_force
from tests.support.use_cases import policy_with_provincial_level

HA_NAM_OLD = ("DVHC_2004_3LEVEL", "13291")  # Phường Lê Hồng Phong, Hà Nam: now in Ninh Bình
PHU_VAN = ("DVHC_2025_2LEVEL", "13291")  # Phường Phù Vân, Ninh Bình (37)


@pytest.fixture
def ninh_binh_at_600k(tmp_path: Path) -> Valuation:
    """The repository's policy, plus a Ninh Bình level of 600,000 from 2026 (a test value)."""
    directory = policy_with_provincial_level(
        tmp_path / "policy",
        province="37",
        name="Tỉnh Ninh Bình",
        amount=600_000,
        effective_from="2026-01-01",
    )
    return Valuation.of(directory)


def test_a_month_is_valued_by_the_policy_directory_given_and_the_province_of_the_residence(
    ninh_binh_at_600k: Valuation,
) -> None:
    held = {"ELDERLY_POOR_NO_SUPPORTER_60_80": 1}

    assert ninh_binh_at_600k.month(held, PHU_VAN, "2026-02") == 900_000
    assert Valuation.of().month(held, PHU_VAN, "2026-02") == 750_000
    assert ninh_binh_at_600k.month(held, HA_NAM_OLD, "2025-06") == 750_000


def test_reporting_shows_the_amount_of_the_valuation_it_is_given(
    ninh_binh_at_600k: Valuation,
) -> None:
    held = {"SINGLE_PARENT_POOR": 2}
    where = Residence(*PHU_VAN)

    assert amount_in_force(held, where, date(2026, 2, 1), ninh_binh_at_600k) == 1_200_000
    assert amount_in_force(held, where, date(2026, 2, 1), Valuation.of()) == 1_000_000


def test_units_of_an_old_approval_come_from_the_coefficient_it_recorded() -> None:
    policy = Valuation.of().policy.in_force(None, date(2020, 8, 14))

    assert units_from_decision(policy, ["SINGLE_PARENT_POOR"], "3.0") == {"SINGLE_PARENT_POOR": 3}
    assert units_from_decision(policy, ["PWD_SEVERE"], Decimal("1.5")) == {"PWD_SEVERE": 1}
    assert units_from_decision(policy, ["NOT_A_CODE"], "2.0") == {"NOT_A_CODE": 1}


def test_months_are_one_arithmetic() -> None:
    assert add_months("2025-01", -1) == "2024-12"
    assert month_after(date(2024, 12, 31)) == "2025-01"
    assert months_between("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert (first_day("2024-02"), last_day("2024-02")) == (date(2024, 2, 1), date(2024, 2, 29))
