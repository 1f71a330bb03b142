"""Where officials answer for, and what exports leave inert: the rules every route relies on."""

import pytest

from reference.admin_units import DVHC_2004_3LEVEL, DVHC_2025_2LEVEL, load_admin_units
from reference.jurisdiction import (
    NATIONAL,
    Jurisdiction,
    OutsideJurisdiction,
    Places,
    jurisdiction,
)
from services.reporting.excel import inert

UNITS = load_admin_units()
PLACES = Places(UNITS)
CHO_DON = Jurisdiction("commune", "02020")
THAI_NGUYEN = Jurisdiction("province", "19")
HA_NOI = Jurisdiction("province", "01")


@pytest.mark.parametrize(
    ("role", "unit", "level"),
    [
        ("commune_officer", "02020", "commune"),
        ("approver", "19", "province"),
        ("inspector", NATIONAL, "national"),
        ("operator", "19", "province"),
    ],
)
def test_a_role_holds_the_levels_of_unit_it_may(role: str, unit: str, level: str) -> None:
    assert jurisdiction(UNITS, role, unit).level == level


@pytest.mark.parametrize(
    ("role", "unit", "says"),
    [
        ("commune_officer", "19", "may hold: commune"),
        ("payment_officer", NATIONAL, "may hold: commune, province"),
        ("operator", "02020", "may hold: province, national"),
        ("inspector", None, "names no administrative unit"),
        ("assessor", "063", "no commune or province of the 2025 scheme"),  # an old district
        ("system", "19", "answers for no administrative unit"),
    ],
)
def test_a_unit_that_does_not_fit_the_role_is_refused(
    role: str, unit: str | None, says: str
) -> None:
    with pytest.raises(OutsideJurisdiction, match=says):
        jurisdiction(UNITS, role, unit)


def test_a_case_of_an_old_commune_belongs_to_the_2025_commune_and_province_it_went_into() -> None:
    # 02053 (Ngọc Phái, Bắc Kạn) went whole into 02020 (Chợ Đồn, Thái Nguyên)
    assert PLACES.covers(CHO_DON, DVHC_2004_3LEVEL, "02053")
    assert PLACES.covers(THAI_NGUYEN, DVHC_2004_3LEVEL, "02053")
    assert not PLACES.covers(HA_NOI, DVHC_2004_3LEVEL, "02053")
    # the same code in the 2025 scheme is another commune (Hà Nội has none such)
    assert not PLACES.covers(CHO_DON, DVHC_2025_2LEVEL, "00004")
    assert PLACES.covers(Jurisdiction("national", NATIONAL), None, None)
    assert not PLACES.covers(THAI_NGUYEN, None, None)  # no place known: the nation's only


def test_a_split_old_commune_belongs_to_each_commune_it_went_into_until_assigned() -> None:
    successors = PLACES.communes_of(DVHC_2004_3LEVEL, "00007")
    assert len(successors) >= 2
    for commune in successors:
        assert PLACES.covers(Jurisdiction("commune", commune), DVHC_2004_3LEVEL, "00007")


def test_recorded_places_of_a_commune_name_the_old_communes_that_went_into_it() -> None:
    places = PLACES.recorded_places(CHO_DON)
    assert places is not None
    assert {f"{DVHC_2025_2LEVEL}:02020", f"{DVHC_2004_3LEVEL}:02053"} <= places
    assert PLACES.recorded_places(Jurisdiction("national", NATIONAL)) is None


@pytest.mark.parametrize(
    ("value", "exported"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Nguyễn Thị Lan", "Nguyễn Thị Lan"),
        (-2, -2),
        (None, None),
    ],
)
def test_exported_text_that_a_spreadsheet_would_run_is_left_inert(
    value: object, exported: object
) -> None:
    assert inert(value) == exported
