"""Policy as dated data: the amount fixtures of DOMAIN.md §10, changes of level, overrides."""

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

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
    raw["valuation"]["monthly_allowance"]["cumulative_exceptions"] = [
        ["SINGLE_PARENT_POOR", "PWD_SEVERE"]
    ]
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
    with pytest.raises(CategoryNotInForce, match="CHILD_U3_POOR_DTTS"):
        policy_book().in_force(None, ON_270).category("CHILD_U3_POOR_DTTS")


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
        (date(2012, 3, 1), "0-ND67-2007", "DISTRICT_CHAIRMAN"),
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
        (
            lambda r: r["categories"].append(dict(r["categories"][0])),
            "category CHILD_NO_CARE_U4 2014-01-01..2021-06-30 overlaps",
        ),
        (lambda r: r["categories"][0].update(coefficient="-1"), "positive"),
        (lambda r: r["categories"][0].update(benefit="pension"), "benefit must be"),
        (lambda r: r["categories"][0].update(requires=["rich"]), "unknown requirement"),
        (
            lambda r: next(p for p in r["procedures"] if p["version"] == "B-ND140-2018").update(
                effective_from="2018-01-01"
            ),
            "overlaps",
        ),
        (lambda r: r["procedures"][0]["steps"][0].update(after="lunch"), "unknown anchor"),
        (lambda r: r["standard_levels"][0].update(effective_from="01/01/2010"), "not a date"),
        (lambda r: r.pop("valuation"), "missing or malformed"),
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


# --- every regime on its date ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "requirement", "basis"),
    [
        (date(2019, 5, 6), "poor_household", "NĐ 136/2013/NĐ-CP Đ5 K4"),
        (date(2021, 6, 30), "poor_household", "NĐ 136/2013/NĐ-CP Đ5 K4"),
        (date(2021, 7, 1), "poor_or_near_poor_household", "NĐ 20/2021/NĐ-CP Đ5 K4"),
        (date(2026, 3, 2), "poor_or_near_poor_household", "NĐ 20/2021/NĐ-CP Đ5 K4"),
    ],
)
def test_a_single_parent_of_a_near_poor_household_qualifies_only_from_decree_20(
    day: date, requirement: str, basis: str
) -> None:
    # given the policy book; when the single-parent category is asked for on a day
    category = policy_book().in_force(None, day).category("SINGLE_PARENT_POOR")
    # then the entry of that era, with its poverty requirement and legal basis
    assert category.poverty == requirement
    assert category.legal_basis.startswith(basis)
    assert category.admits_household("poor")
    assert category.admits_household("near_poor") is (requirement != "poor_household")


def test_only_the_2021_groups_admit_near_poor_households_the_other_poor_groups_do_not() -> None:
    categories = policy_book().in_force(None, ON_500).categories
    near_poor = sorted(
        code
        for code, c in categories.items()
        if c.admits_household("near_poor") and c.poverty is not None
    )
    poor_only = sorted(code for code, c in categories.items() if c.poverty == "poor_household")
    assert near_poor == ["CHILD_U3_POOR_DTTS", "ELDERLY_75_80_POOR_DTTS", "SINGLE_PARENT_POOR"]
    assert poor_only == [
        "CHILD_HIV_POOR_4_16",
        "CHILD_HIV_POOR_U4",
        "ELDERLY_COMMUNITY_CARE",
        "ELDERLY_POOR_NO_SUPPORTER_60_80",
        "ELDERLY_POOR_NO_SUPPORTER_80P",
        "HIV_ADULT_POOR_NO_INCOME",
    ]


def test_a_poor_adult_with_hiv_in_2016_is_paid_1_5_under_decree_136() -> None:
    policy = policy_book().in_force(None, date(2016, 5, 2))
    result = policy.amount({"HIV_ADULT_POOR_NO_INCOME": 1})
    assert (result.coefficient, result.monthly_amount) == (Decimal("1.5"), 405_000)
    assert result.legal_basis == ("NĐ 136/2013/NĐ-CP Đ5 K7; Đ6 K1",)
    later = policy_book().in_force(None, ON_500).category("HIV_ADULT_POOR_NO_INCOME")
    assert later.legal_basis.startswith("NĐ 20/2021/NĐ-CP Đ5 K8")


@pytest.mark.parametrize(
    ("day", "persons", "expected", "counted"),
    [
        (ON_270, 1, 405_000, 1),  # 1.5 x 270,000
        (ON_270, 2, 810_000, 2),  # 3.0 x 270,000 for two or more
        (ON_270, 3, 810_000, 2),
        (ON_500, 3, 2_250_000, 3),  # Decree 20/2021: 1.5 per person, 3 x 1.5 x 500,000
    ],
)
def test_a_caretaker_of_special_severe_pwds_is_paid_for_two_persons_at_most_under_decree_28(
    day: date, persons: int, expected: int, counted: int
) -> None:
    result = policy_book().in_force(None, day).amount({"CARE_TAKER_PWD_SPECIAL_SEVERE": persons})
    assert result.monthly_amount == expected
    assert result.units == counted
    [part] = result.parts
    assert (part.units, part.units_counted) == (persons, counted)


def test_care_support_pays_each_ground_held() -> None:
    # given a household caring for a special-severe PWD and taking in a child under 4
    held = {"CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE": 1, "CARE_TAKER_CHILD_U4": 1}
    # when valued in 2025
    result = policy_book().in_force(None, ON_500).amount(held)
    # then both are paid: (1.0 + 2.5) x 500,000, the highest named first
    assert result.rule == "sum_of_grounds"
    assert result.monthly_amount == 1_750_000
    assert result.total_coefficient == Decimal("3.5")
    assert (result.category, result.coefficient, result.units) == (
        "CARE_TAKER_CHILD_U4",
        Decimal("2.5"),
        1,
    )
    assert [
        (p.category, p.coefficient, p.units_counted, p.monthly_amount) for p in result.parts
    ] == [
        ("CARE_TAKER_CHILD_U4", Decimal("2.5"), 1, 1_250_000),
        ("CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE", Decimal("1.0"), 1, 500_000),
    ]
    assert result.legal_basis[:2] == ("NĐ 20/2021/NĐ-CP Đ20 K1", "NĐ 20/2021/NĐ-CP Đ20 K2")


def test_children_taken_in_are_paid_per_child() -> None:
    result = policy_book().in_force(None, ON_500).amount({"CARE_TAKER_CHILD_4P": 2})
    assert result.monthly_amount == 2 * 750_000


def test_in_an_exclusive_group_of_care_grounds_only_the_highest_counts() -> None:
    # the same mother: pregnant or raising a child under 36 months, and pregnant and raising one
    held = {
        "CARE_PWD_PREGNANT_OR_CHILD_U36M": 1,
        "CARE_PWD_PREGNANT_AND_CHILD_U36M": 1,
        "CARE_TAKER_ELDERLY": 1,
    }
    result = policy_book().in_force(None, ON_500).amount(held)
    assert [p.category for p in result.parts] == [
        "CARE_PWD_PREGNANT_AND_CHILD_U36M",
        "CARE_TAKER_ELDERLY",
    ]
    assert result.monthly_amount == (2 + Decimal("1.5")) * 500_000
    assert result.categories_held == tuple(sorted(held))


def test_the_monthly_allowance_stays_highest_only_with_one_part() -> None:
    result = (
        policy_book()
        .in_force(None, ON_500)
        .amount({"PWD_SEVERE_CHILD_OR_ELDERLY": 1, "ELDERLY_POOR_NO_SUPPORTER_60_80": 1})
    )
    assert result.rule == "highest_only"
    assert [p.category for p in result.parts] == ["PWD_SEVERE_CHILD_OR_ELDERLY"]
    assert result.total_coefficient == Decimal("2.0")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (
            date(2016, 5, 2),
            ("NĐ 136/2013/NĐ-CP Đ5 K5 điểm a; Đ6 K1", "NĐ 136/2013/NĐ-CP Đ8"),
        ),
        (
            date(2020, 1, 15),
            (
                "NĐ 136/2013/NĐ-CP Đ5 K5 điểm a; Đ6 K1",
                "NĐ 136/2013/NĐ-CP Đ8 (sửa đổi bởi NĐ 140/2018/NĐ-CP)",
            ),
        ),
        (
            date(2026, 3, 2),
            ("NĐ 20/2021/NĐ-CP Đ5 K5 điểm a; Đ6 K1", "NĐ 147/2025/NĐ-CP Đ5 K1"),
        ),
    ],
)
def test_a_decision_rests_on_the_category_and_the_procedure_in_force_on_its_date(
    day: date, expected: tuple[str, ...]
) -> None:
    policy = policy_book().in_force(None, day)
    assert policy.decision_basis(["ELDERLY_POOR_NO_SUPPORTER_60_80"]) == expected


def test_a_decision_for_several_categories_also_cites_the_rule_that_values_them() -> None:
    basis = (
        policy_book()
        .in_force(None, date(2016, 5, 2))
        .decision_basis(["PWD_SEVERE_CHILD_OR_ELDERLY", "ELDERLY_POOR_NO_SUPPORTER_60_80"])
    )
    assert basis == (
        "NĐ 28/2012/NĐ-CP Đ16 K1",
        "NĐ 136/2013/NĐ-CP Đ5 K5 điểm a; Đ6 K1",
        "Nghị định 136/2013/NĐ-CP, Điều 6 khoản 2; Luật Người khuyết tật, Điều 51 khoản 2",
        "NĐ 136/2013/NĐ-CP Đ8",
    )


def test_the_270000_level_records_the_article_that_dates_it() -> None:
    level = policy_book().in_force(None, ON_270).national_level
    assert (level.amount, level.effective_from) == (270_000, date(2014, 1, 1))
    assert level.source == "Nghị định 136/2013/NĐ-CP Điều 41 (hiệu lực từ 01/01/2014)"


def _entry(raw: dict[str, Any], code: str, valid_from: str) -> dict[str, Any]:
    return next(c for c in raw["categories"] if c["code"] == code and c["valid_from"] == valid_from)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda r: _entry(r, "SINGLE_PARENT_POOR", "2014-01-01").update(valid_to="2021-07-01"),
            "national.json category SINGLE_PARENT_POOR 2014-01-01..2021-07-01 overlaps the entry "
            "2021-07-01..",
        ),
        (
            lambda r: _entry(r, "SINGLE_PARENT_POOR", "2014-01-01").update(valid_to="2021-06-29"),
            "national.json category SINGLE_PARENT_POOR: a gap between the entry "
            "2014-01-01..2021-06-29 and the entry 2021-07-01..",
        ),
        (
            lambda r: _entry(r, "SINGLE_PARENT_POOR", "2014-01-01").update(valid_to="2013-01-01"),
            "category SINGLE_PARENT_POOR from 2014-01-01: valid_to 2013-01-01 is before",
        ),
        (
            lambda r: _entry(r, "PWD_SEVERE", "2021-07-01").update(max_units=2),
            "category PWD_SEVERE from 2021-07-01: max_units must be a whole number >= 1, on a "
            "category paid 'per' unit",
        ),
        (
            lambda r: _entry(r, "CARE_TAKER_PWD_SPECIAL_SEVERE", "2021-07-01").update(max_units=0),
            "max_units must be",
        ),
        (
            lambda r: _entry(r, "SINGLE_PARENT_POOR", "2021-07-01").update(
                requires=["poor_household", "poor_or_near_poor_household"]
            ),
            "one poverty requirement",
        ),
        (
            lambda r: _entry(r, "CARE_TAKER_ELDERLY", "2021-07-01").update(
                benefit="monthly_allowance"
            ),
            "CARE_TAKER_ELDERLY: every entry must be of one benefit",
        ),
        (
            lambda r: r["valuation"]["care_support"]["exclusive_groups"].append(
                ["CARE_TAKER_ELDERLY", "PWD_SEVERE"]
            ),
            "exclusive group .* must name at least 2 categories of care_support",
        ),
        (
            lambda r: r["valuation"]["care_support"].update(
                cumulative_exceptions=[["CARE_TAKER_ELDERLY", "CARE_TAKER_CHILD_4P"]]
            ),
            "cumulative exceptions belong to the 'highest_only' rule",
        ),
        (lambda r: r["valuation"].pop("care_support"), "one rule for each benefit"),
        (lambda r: r["valuation"]["care_support"].update(rule="average"), "rule must be"),
    ],
)
def test_invalid_eras_max_units_and_valuation_rules_are_refused_naming_the_file_and_entry(
    tmp_path: Path, edit: object, message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        load_policy_book(broken_copy(tmp_path, edit))


# --- 2010-2013: Decree 67/2007 as amended by Decree 13/2010 ---------------------------------------

ON_180 = date(2012, 9, 3)


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        ({"ELDERLY_80P_NO_PENSION": 1}, 180_000),  # 1.0
        ({"PWD_SEVERE": 1}, 270_000),  # Decree 28/2012 Art. 16: 1.5
        ({"PWD_SPECIAL_SEVERE_CHILD_OR_ELDERLY": 1}, 450_000),  # 2.5
        ({"SINGLE_PARENT_POOR": 2}, 360_000),  # 1.0 per child [U]
        ({"CARE_TAKER_PWD_SPECIAL_SEVERE": 3}, 540_000),  # Decree 28/2012: 3.0 for two or more
    ],
)
def test_amounts_of_2012_are_paid_at_180000(held: dict[str, int], expected: int) -> None:
    result = policy_book().in_force(None, ON_180).amount(held)
    assert result.standard_level == 180_000
    assert result.monthly_amount == expected
    assert result.policy_version == "ND13-2010/0-ND67-2007"


def test_the_first_day_covered_is_1_january_2010_under_the_decree_67_procedure() -> None:
    first, basis = policy_book().first_covered
    assert (first, basis) == (date(2010, 1, 1), "procedure version 0-ND67-2007")
    procedure = policy_book().procedure_on(date(2013, 12, 31))
    assert (procedure.review_body, procedure.appraisal_body) == (
        "COMMUNE_REVIEW_COUNCIL",
        "DISTRICT_DIVISION_LISA",
    )
    assert policy_book().procedure_on(date(2014, 1, 1)).version == "A-ND136-2013"


def test_disability_categories_begin_with_decree_28_on_1_june_2012() -> None:
    with pytest.raises(CategoryNotInForce, match="PWD_SEVERE"):
        policy_book().in_force(None, date(2012, 5, 31)).category("PWD_SEVERE")
    category = policy_book().in_force(None, date(2012, 6, 1)).category("PWD_SEVERE")
    assert category.legal_basis == "NĐ 28/2012/NĐ-CP Đ16 K1"


def test_groups_decree_67_did_not_have_or_that_its_bands_cannot_express_are_not_in_force() -> None:
    categories = policy_book().in_force(None, ON_180).categories
    for code in ("CHILD_NO_CARE_U4", "CHILD_U3_POOR_DTTS", "ELDERLY_COMMUNITY_CARE"):
        assert code not in categories
    # a youth who kept studying was covered to 18, not 22
    with pytest.raises(CategoryContradictsAge):
        policy_book().in_force(None, ON_180).check_age("YOUTH_STUDYING_16_22", 18)


def test_a_2012_decision_rests_on_decree_67_as_amended_by_decree_13() -> None:
    basis = policy_book().in_force(None, ON_180).decision_basis(["ELDERLY_80P_NO_PENSION"])
    assert basis == (
        "NĐ 67/2007/NĐ-CP Đ4, Đ6 (sửa đổi bởi NĐ 13/2010/NĐ-CP); Luật Người cao tuổi 2009",
        "NĐ 67/2007/NĐ-CP (sửa đổi bởi NĐ 13/2010/NĐ-CP)",
    )
