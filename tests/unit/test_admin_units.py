"""Administrative units of both schemes and the 2025 old -> new commune mapping (DOMAIN.md §9, §10)."""

from datetime import date

import pytest

from reference.admin_units import (
    DVHC_2004_3LEVEL,
    DVHC_2025_2LEVEL,
    AdminUnitNotInForce,
    AdminUnitNotYetInForce,
    AdminUnits,
    RetiredAdminUnit,
    Scheme,
    Successor,
    UnknownAdminUnit,
    load_admin_units,
)

LAST_OLD_DAY = date(2025, 6, 30)
REORGANISATION_DAY = date(2025, 7, 1)

# DOMAIN.md §9.1, Decision 19/2025/QĐ-TTg.
NEW_PROVINCE_CODES = {
    "01": "Hà Nội", "04": "Cao Bằng", "08": "Tuyên Quang", "11": "Điện Biên", "12": "Lai Châu",
    "14": "Sơn La", "15": "Lào Cai", "19": "Thái Nguyên", "20": "Lạng Sơn", "22": "Quảng Ninh",
    "24": "Bắc Ninh", "25": "Phú Thọ", "31": "Hải Phòng", "33": "Hưng Yên", "37": "Ninh Bình",
    "38": "Thanh Hóa", "40": "Nghệ An", "42": "Hà Tĩnh", "44": "Quảng Trị", "46": "Huế",
    "48": "Đà Nẵng", "51": "Quảng Ngãi", "52": "Gia Lai", "56": "Khánh Hòa", "66": "Đắk Lắk",
    "68": "Lâm Đồng", "75": "Đồng Nai", "79": "Hồ Chí Minh", "80": "Tây Ninh", "82": "Đồng Tháp",
    "86": "Vĩnh Long", "91": "An Giang", "92": "Cần Thơ", "96": "Cà Mau",
}  # fmt: skip


@pytest.fixture(scope="module")
def units() -> AdminUnits:
    return load_admin_units()


def test_the_2025_scheme_has_34_provinces_and_3321_communes(units: AdminUnits) -> None:
    assert len(units.units(DVHC_2025_2LEVEL, "province")) == 34
    assert len(units.units(DVHC_2025_2LEVEL, "commune")) == 3321
    assert units.units(DVHC_2025_2LEVEL, "district") == []


def test_the_2025_provinces_carry_exactly_the_codes_of_decision_19_2025(units: AdminUnits) -> None:
    provinces = units.units(DVHC_2025_2LEVEL, "province")

    assert {p.code for p in provinces} == set(NEW_PROVINCE_CODES)
    for province in provinces:
        assert province.name.endswith(NEW_PROVINCE_CODES[province.code])


def test_2025_communes_are_xa_phuong_or_dac_khu_and_valid_from_the_reorganisation_day(
    units: AdminUnits,
) -> None:
    communes = units.units(DVHC_2025_2LEVEL, "commune")

    assert {c.unit_type for c in communes} == {"xã", "phường", "đặc khu"}
    assert {(c.valid_from, c.valid_to) for c in communes} == {(REORGANISATION_DAY, None)}
    assert all(len(c.code) == 5 and c.parent_code in NEW_PROVINCE_CODES for c in communes)


def test_the_old_scheme_has_63_provinces_over_districts_over_communes_until_30_june_2025(
    units: AdminUnits,
) -> None:
    provinces = {p.code for p in units.units(DVHC_2004_3LEVEL, "province")}
    districts = {d.code: d for d in units.units(DVHC_2004_3LEVEL, "district")}
    communes = units.units(DVHC_2004_3LEVEL, "commune")

    assert len(provinces) == 63
    assert len(districts) == 696
    assert len(communes) == 10035
    assert all(d.parent_code in provinces for d in districts.values())
    assert all(c.parent_code in districts for c in communes)
    assert {c.unit_type for c in communes} == {"xã", "phường", "thị trấn"}
    assert {c.valid_to for c in units.units(DVHC_2004_3LEVEL)} == {LAST_OLD_DAY}


def test_a_2025_commune_is_accepted_from_the_reorganisation_day(units: AdminUnits) -> None:
    commune = units.validate_commune(DVHC_2025_2LEVEL, "02020", REORGANISATION_DAY)

    assert (commune.name, commune.level, commune.unit_type) == ("Xã Chợ Đồn", "commune", "xã")
    assert units.province_of(DVHC_2025_2LEVEL, "02020").name == "Tỉnh Thái Nguyên"


@pytest.mark.parametrize("on", [date(2020, 8, 1), LAST_OLD_DAY])
def test_an_old_commune_is_accepted_up_to_and_including_30_june_2025(
    units: AdminUnits, on: date
) -> None:
    commune = units.validate_commune(DVHC_2004_3LEVEL, "02053", on)

    assert commune.name == "Xã Ngọc Phái"
    assert units.get(DVHC_2004_3LEVEL, "064") == units.get(
        DVHC_2004_3LEVEL, commune.parent_code or ""
    )
    assert units.province_of(DVHC_2004_3LEVEL, "02053").name == "Tỉnh Bắc Kạn"


def test_the_same_code_names_different_communes_in_the_two_schemes(units: AdminUnits) -> None:
    old = units.get(DVHC_2004_3LEVEL, "00004")
    new = units.get(DVHC_2025_2LEVEL, "00004")

    assert old is not None
    assert new is not None
    assert (old.name, new.name) == ("Phường Trúc Bạch", "Phường Ba Đình")


@pytest.mark.parametrize("scheme", [DVHC_2025_2LEVEL, DVHC_2004_3LEVEL])
def test_an_unknown_code_is_rejected_naming_the_scheme(units: AdminUnits, scheme: Scheme) -> None:
    with pytest.raises(UnknownAdminUnit, match=scheme):
        units.validate_commune(scheme, "99999", date(2025, 1, 1))


def test_a_district_code_is_not_accepted_as_a_commune(units: AdminUnits) -> None:
    with pytest.raises(UnknownAdminUnit, match=r"Huyện Chợ Đồn .*not a commune"):
        units.validate_commune(DVHC_2004_3LEVEL, "064", date(2020, 8, 1))


def test_a_code_of_the_other_scheme_is_rejected_with_the_scheme_rule(units: AdminUnits) -> None:
    # 00016 was Phường Ngọc Hà (Ba Đình); no 2025 commune kept that code.
    with pytest.raises(UnknownAdminUnit, match="from 01/07/2025 DVHC_2025_2LEVEL"):
        units.validate_commune(DVHC_2025_2LEVEL, "00016", REORGANISATION_DAY)


def test_an_old_code_used_on_the_reorganisation_day_is_retired_and_names_its_successor(
    units: AdminUnits,
) -> None:
    with pytest.raises(RetiredAdminUnit) as raised:
        units.validate_commune(DVHC_2004_3LEVEL, "02053", REORGANISATION_DAY)

    assert "use a DVHC_2025_2LEVEL commune code: 02020 Xã Chợ Đồn, Tỉnh Thái Nguyên" in str(
        raised.value
    )
    assert raised.value.unit.code == "02053"


def test_a_2025_code_used_the_day_before_is_not_yet_in_force(units: AdminUnits) -> None:
    with pytest.raises(AdminUnitNotYetInForce, match="must use the DVHC_2004_3LEVEL commune code"):
        units.validate_commune(DVHC_2025_2LEVEL, "02020", LAST_OLD_DAY)


def test_every_error_is_a_value_error_and_not_in_force_covers_both_directions() -> None:
    assert issubclass(UnknownAdminUnit, ValueError)
    assert issubclass(RetiredAdminUnit, AdminUnitNotInForce)
    assert issubclass(AdminUnitNotYetInForce, AdminUnitNotInForce)
    assert issubclass(AdminUnitNotInForce, ValueError)


def test_an_unknown_scheme_is_rejected(units: AdminUnits) -> None:
    with pytest.raises(ValueError, match="unknown scheme"):
        units.get("DVHC_1976", "01")  # type: ignore[arg-type]


def test_ngoc_phai_commune_went_wholly_into_xa_cho_don_of_thai_nguyen(units: AdminUnits) -> None:
    # DOMAIN.md §10, source document 003 (Chợ Đồn, Bắc Kạn).
    assert units.successors("02053") == [Successor("02020", partial=False)]
    assert units.province_of(DVHC_2025_2LEVEL, "02020").code == "19"


def test_the_twenty_communes_of_cho_don_district_became_eight(units: AdminUnits) -> None:
    old = [c.code for c in units.units(DVHC_2004_3LEVEL, "commune") if c.parent_code == "064"]

    new = {s.code for code in old for s in units.successors(code)}

    assert (len(old), len(new)) == (20, 8)


def test_a_split_old_commune_has_several_partial_successors(units: AdminUnits) -> None:
    # Phường Ngọc Hà (Ba Đình) was divided between the new Phường Ba Đình and Phường Ngọc Hà.
    assert units.successors("00016") == [Successor("00004", True), Successor("00008", True)]


def test_a_split_shows_in_the_retirement_message_as_a_choice(units: AdminUnits) -> None:
    with pytest.raises(RetiredAdminUnit, match="split, choose by the person's village or street"):
        units.validate_commune(DVHC_2004_3LEVEL, "00016", REORGANISATION_DAY)


@pytest.mark.parametrize(
    ("old_province", "new_province"),
    [("06", "19"), ("35", "37"), ("34", "33"), ("46", "46"), ("62", "51")],
)
def test_every_commune_of_a_merged_province_goes_to_its_new_province(
    units: AdminUnits, old_province: str, new_province: str
) -> None:
    old = [
        c.code
        for c in units.units(DVHC_2004_3LEVEL, "commune")
        if units.province_of(DVHC_2004_3LEVEL, c.code).code == old_province
    ]

    reached = {
        units.province_of(DVHC_2025_2LEVEL, s.code).code
        for code in old
        for s in units.successors(code)
    }

    assert reached == {new_province}


def test_a_2025_commune_keeps_the_code_of_an_old_commune_it_was_formed_from(
    units: AdminUnits,
) -> None:
    # Codes survive provincial mergers (02020 was Thị trấn Bằng Lũng, Bắc Kạn; now Xã Chợ Đồn,
    # Thái Nguyên); only the đặc khu formed from island districts without communes got new codes.
    new_codes = [
        c.code
        for c in units.units(DVHC_2025_2LEVEL, "commune")
        if c.code not in {p.code for p in units.predecessors(c.code)}
    ]

    assert [units.predecessors(code)[0].code for code in new_codes] == [
        "318",
        "471",
        "498",
        "536",
        "755",
    ]


def test_every_old_commune_has_a_successor(units: AdminUnits) -> None:
    assert all(units.successors(c.code) for c in units.units(DVHC_2004_3LEVEL, "commune"))


def test_an_island_district_without_communes_stands_in_for_a_commune(units: AdminUnits) -> None:
    district = units.validate_commune(DVHC_2004_3LEVEL, "755", date(2024, 1, 1))

    assert district.name == "Huyện Côn Đảo"
    assert units.successors("755") == [Successor("26732", False)]
    assert units.province_of(DVHC_2025_2LEVEL, "26732").code == "79"


def test_successors_of_a_code_that_is_no_old_commune_are_refused(units: AdminUnits) -> None:
    with pytest.raises(UnknownAdminUnit, match="not a commune"):
        units.successors("06")


def test_the_tables_say_which_data_they_came_from(units: AdminUnits) -> None:
    assert units.source == "vietnamadminunits 1.0.4 (data 2025-08-23)"


def test_the_province_code_of_a_residence_is_none_when_scheme_or_code_is_unknown() -> None:
    units = load_admin_units()
    assert units.province_code("DVHC_2025_2LEVEL", "02020") == "19"
    assert units.province_code("DVHC_2004_3LEVEL", "02053") == "06"
    assert units.province_code("DVHC_2025_2LEVEL", "99999") is None
    assert units.province_code("NO_SUCH_SCHEME", "02020") is None
