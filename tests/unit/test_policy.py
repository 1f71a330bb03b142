"""Policy as dated data: the amount fixtures of DOMAIN.md §10, changes of level, overrides."""

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from reference.policy import (
    POLICY_DIR,
    CategoryContradictsAge,
    CategoryNotInForce,
    PolicyError,
    age_on,
    load_policy_book,
    policy_book,
)

ON_270 = date(2020, 3, 1)
ON_360 = date(2022, 3, 1)
ON_500 = date(2025, 3, 1)


def amount(held: dict[str, int], on: date, province: str | None = None) -> int:
    return policy_book().in_force(province, on).amount(held).monthly_amount


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        ({"CHILD_NO_CARE_U4": 1}, (675_000, 900_000, 1_250_000)),
        ({"CHILD_NO_CARE_4_16": 1}, (405_000, 540_000, 750_000)),
        ({"CHILD_HIV_POOR_4_16": 1}, (540_000, 720_000, 1_000_000)),
        ({"ELDERLY_80P_NO_PENSION": 1}, (270_000, 360_000, 500_000)),
        ({"ELDERLY_POOR_NO_SUPPORTER_80P": 1}, (540_000, 720_000, 1_000_000)),
        ({"PWD_SPECIAL_SEVERE_CHILD_OR_ELDERLY": 1}, (675_000, 900_000, 1_250_000)),
        ({"PWD_SEVERE": 1}, (405_000, 540_000, 750_000)),
        ({"SINGLE_PARENT_POOR": 3}, (810_000, 1_080_000, 1_500_000)),
    ],
)
def test_the_derived_amount_fixtures_of_the_domain_document_hold_at_each_standard_level(
    held: dict[str, int], expected: tuple[int, int, int]
) -> None:
    assert (amount(held, ON_270), amount(held, ON_360), amount(held, ON_500)) == expected


def test_given_hanoi_at_650000_a_severe_pwd_adult_gets_975000() -> None:
    policy = policy_book().in_force("01", date(2026, 3, 1))
    result = policy.amount({"PWD_SEVERE": 1})
    assert result.standard_level == 650_000
    assert result.monthly_amount == 975_000
    assert result.policy_version.startswith("ND76-2024+HN-NQ63-2025/")


def test_a_province_without_overrides_pays_the_national_level() -> None:
    assert amount({"PWD_SEVERE": 1}, date(2026, 3, 1), province="79") == 750_000


@pytest.mark.parametrize(
    ("day", "level", "version"),
    [
        (date(2021, 6, 30), 270_000, "ND136-2013"),
        (date(2021, 7, 1), 360_000, "ND20-2021"),
        (date(2024, 6, 30), 360_000, "ND20-2021"),
        (date(2024, 7, 1), 500_000, "ND76-2024"),
    ],
)
def test_the_same_person_is_paid_by_the_level_in_force_on_each_side_of_a_change(
    day: date, level: int, version: str
) -> None:
    # given a severe PWD adult; when the amount is asked for the day; then the level of that day
    result = policy_book().in_force(None, day).amount({"PWD_SEVERE": 1})
    assert result.standard_level == level
    assert result.monthly_amount == level * 3 // 2
    assert result.policy_version.split("/")[0] == version


def test_given_several_categories_only_the_highest_coefficient_is_paid() -> None:
    result = (
        policy_book()
        .in_force(None, ON_500)
        .amount({"PWD_SEVERE_CHILD_OR_ELDERLY": 1, "ELDERLY_POOR_NO_SUPPORTER_60_80": 1})
    )
    assert result.category == "PWD_SEVERE_CHILD_OR_ELDERLY"
    assert result.monthly_amount == 1_000_000
    assert "Điều 51" in " ".join(result.legal_basis)


def test_given_a_configured_cumulative_exception_the_two_categories_add_up(
    tmp_path: Path,
) -> None:
    shutil.copytree(POLICY_DIR, tmp_path / "policy")
    national = tmp_path / "policy" / "national.json"
    raw = json.loads(national.read_text(encoding="utf-8"))
    raw["stacking"]["cumulative_exceptions"] = [["SINGLE_PARENT_POOR", "PWD_SEVERE"]]
    national.write_text(json.dumps(raw), encoding="utf-8")
    book = load_policy_book(tmp_path / "policy")
    result = book.in_force(None, ON_500).amount({"SINGLE_PARENT_POOR": 2, "PWD_SEVERE": 1})
    assert result.monthly_amount == 500_000 * 2 + 750_000


def test_care_support_and_the_monthly_allowance_are_never_mixed_in_one_amount() -> None:
    with pytest.raises(PolicyError, match="separate benefits"):
        policy_book().in_force(None, ON_500).amount(
            {"PWD_SEVERE": 1, "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE": 1}
        )


def test_a_category_added_in_2021_is_not_in_force_before_it() -> None:
    with pytest.raises(CategoryNotInForce, match="HIV_ADULT_POOR_NO_INCOME"):
        policy_book().in_force(None, ON_270).category("HIV_ADULT_POOR_NO_INCOME")


@pytest.mark.parametrize(
    ("code", "age", "admitted"),
    [
        ("CHILD_NO_CARE_U4", 3, True),
        ("CHILD_NO_CARE_U4", 4, False),
        ("CHILD_NO_CARE_4_16", 16, False),
        ("PWD_SEVERE", 59, True),
        ("PWD_SEVERE", 60, False),
        ("PWD_SEVERE_CHILD_OR_ELDERLY", 15, True),
        ("PWD_SEVERE_CHILD_OR_ELDERLY", 30, False),
        ("PWD_SEVERE_CHILD_OR_ELDERLY", 60, True),
        ("ELDERLY_POOR_NO_SUPPORTER_80P", 79, False),
    ],
)
def test_a_category_that_contradicts_the_persons_age_is_refused(
    code: str, age: int, admitted: bool
) -> None:
    policy = policy_book().in_force(None, ON_500)
    if admitted:
        policy.check_age(code, age)
    else:
        with pytest.raises(CategoryContradictsAge, match=code):
            policy.check_age(code, age)


@pytest.mark.parametrize(
    ("day", "version", "authority"),
    [
        (date(2016, 5, 2), "A-ND136-2013", "DISTRICT_CHAIRMAN"),
        (date(2018, 10, 8), "B-ND140-2018", "DISTRICT_CHAIRMAN"),
        (date(2021, 7, 1), "C-ND20-2021", "DISTRICT_CHAIRMAN"),
        (date(2025, 6, 30), "C-ND20-2021", "DISTRICT_CHAIRMAN"),
        (date(2025, 7, 1), "D-ND147-2025", "COMMUNE_CHAIRMAN"),
    ],
)
def test_the_procedure_version_and_deciding_authority_follow_the_date(
    day: date, version: str, authority: str
) -> None:
    procedure = policy_book().procedure_on(day)
    assert (procedure.version, procedure.decision_authority) == (version, authority)


def test_age_counts_completed_years() -> None:
    assert age_on(date(2020, 3, 15), date(2024, 3, 14)) == 3
    assert age_on(date(2020, 3, 15), date(2024, 3, 15)) == 4


def broken_copy(tmp_path: Path, edit: object) -> Path:
    shutil.copytree(POLICY_DIR, tmp_path / "policy")
    national = tmp_path / "policy" / "national.json"
    raw = json.loads(national.read_text(encoding="utf-8"))
    assert callable(edit)
    edit(raw)
    national.write_text(json.dumps(raw), encoding="utf-8")
    return tmp_path / "policy"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["standard_levels"].reverse(), "date order"),
        (lambda r: r["categories"].append(dict(r["categories"][0])), "duplicate category"),
        (lambda r: r["categories"][0].update(coefficient="-1"), "positive"),
        (lambda r: r["categories"][0].update(benefit="pension"), "benefit must be"),
        (lambda r: r["categories"][0].update(requires=["rich"]), "unknown requirement"),
        (lambda r: r["procedures"][1].update(effective_from="2018-01-01"), "overlaps"),
        (lambda r: r["procedures"][0]["steps"][0].update(after="lunch"), "unknown anchor"),
        (lambda r: r["standard_levels"][0].update(effective_from="01/01/2010"), "not a date"),
        (lambda r: r.pop("stacking"), "missing or malformed"),
    ],
)
def test_invalid_policy_files_are_refused_at_start_up_naming_the_entry(
    tmp_path: Path, edit: object, message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        load_policy_book(broken_copy(tmp_path, edit))


def test_coefficients_are_exact_decimals() -> None:
    category = policy_book().in_force(None, ON_500).category("PWD_SEVERE")
    assert category.coefficient == Decimal("1.5")


def test_a_province_may_add_a_category_of_its_own_only_in_that_province(tmp_path: Path) -> None:
    shutil.copytree(POLICY_DIR, tmp_path / "policy")
    (tmp_path / "policy" / "provinces" / "37.json").write_text(
        json.dumps(
            {
                "jurisdiction": "province",
                "province": "37",
                "name": "Tỉnh Ninh Bình",
                "standard_levels": [],
                "extra_categories": [
                    {
                        "code": "NB_ELDERLY_70_NEAR_POOR",
                        "benefit": "monthly_allowance",
                        "form": "1c",
                        "coefficient": "1.0",
                        "age": {"from": 70},
                        "requires": ["poor_household"],
                        "legal_basis": "Nghị quyết HĐND tỉnh (ví dụ cấu hình)",
                        "valid_from": "2026-01-01",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    book = load_policy_book(tmp_path / "policy")
    in_ninh_binh = book.in_force("37", date(2026, 3, 1))
    assert in_ninh_binh.amount({"NB_ELDERLY_70_NEAR_POOR": 1}).monthly_amount == 500_000
    assert in_ninh_binh.category("NB_ELDERLY_70_NEAR_POOR").source == "province:37"
    with pytest.raises(CategoryNotInForce):
        book.in_force("79", date(2026, 3, 1)).category("NB_ELDERLY_70_NEAR_POOR")
    with pytest.raises(CategoryNotInForce):
        book.in_force("37", date(2025, 12, 31)).category("NB_ELDERLY_70_NEAR_POOR")


def test_a_provincial_category_may_not_reuse_a_national_code(tmp_path: Path) -> None:
    shutil.copytree(POLICY_DIR, tmp_path / "policy")
    (tmp_path / "policy" / "provinces" / "37.json").write_text(
        json.dumps(
            {
                "province": "37",
                "name": "Tỉnh Ninh Bình",
                "extra_categories": [
                    {
                        "code": "PWD_SEVERE",
                        "benefit": "monthly_allowance",
                        "coefficient": "2.0",
                        "legal_basis": "x",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="reuse national codes"):
        load_policy_book(tmp_path / "policy")
