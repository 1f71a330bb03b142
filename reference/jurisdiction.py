"""Where an official answers for: the nation, a province or a commune of the 2025 scheme.

Every case is placed where it is recorded, as `{scheme, code}`; a case recorded under a
pre-2025 commune belongs to the 2025 commune(s) that took it over (all the successors of a
split one, until an official assigns it), so history stays visible to the officials who now
answer for it. The roles that may hold each level are here too: one table for every service.
"""

from dataclasses import dataclass
from functools import cache
from typing import Final, Literal

from reference.admin_units import DVHC_2004_3LEVEL, DVHC_2025_2LEVEL, AdminUnits, UnknownAdminUnit

#: The unit of an official who answers for the whole country (national inspectors, operators).
NATIONAL: Final = "VN"

Level = Literal["national", "province", "commune"]

#: The levels of unit each role may hold. Officials who act on cases do so for a commune or a
#: province; only inspectors and operators answer for the nation.
ROLE_LEVELS: Final[dict[str, tuple[Level, ...]]] = {
    "commune_officer": ("commune",),
    "assessor": ("commune", "province"),
    "approver": ("commune", "province"),
    "payment_officer": ("commune", "province"),
    "post_office": ("commune", "province"),
    "inspector": ("commune", "province", "national"),
    "operator": ("province", "national"),
}


#: The roles that see what reveals HIV or a disability (a category of HIV_..., PWD_..., or care
#: of a person with a disability): those who receive, assess, decide and inspect. Payment
#: officers, post offices and operators see amounts and places, never the ground.
HEALTH_READERS: Final = ("commune_officer", "assessor", "approver", "inspector")
#: What such a reader sees instead of the category.
RESTRICTED_LABEL: Final = "Thông tin hạn chế (không hiển thị với vai trò này)"


def reveals_health(category: str | None) -> bool:
    """Whether a category code says the person lives with HIV or a disability."""
    return category is not None and ("HIV" in category or "PWD" in category)


def shown_category(role: str, category: str | None) -> str | None:
    """The category as a reader of `role` may see it: None when it reveals HIV or a
    disability to a role that does not need it."""
    if reveals_health(category) and role not in HEALTH_READERS:
        return None
    return category


class OutsideJurisdiction(ValueError):
    """The token's unit does not fit its role, or is no unit of the 2025 scheme."""


@dataclass(frozen=True)
class Jurisdiction:
    """The unit an official answers for; `code` is NATIONAL, a province or a commune code."""

    level: Level
    code: str

    @property
    def national(self) -> bool:
        return self.level == "national"


def jurisdiction(units: AdminUnits, role: str, unit: str | None) -> Jurisdiction:
    """The jurisdiction a token's role and unit give, or OutsideJurisdiction saying why not."""
    levels = ROLE_LEVELS.get(role)
    if levels is None:
        raise OutsideJurisdiction(f"role {role!r} answers for no administrative unit")
    if not unit:
        raise OutsideJurisdiction(
            f"the token names no administrative unit (claim `unit`: a 2025 commune or "
            f"province code{', or VN' if 'national' in levels else ''})"
        )
    if unit == NATIONAL:
        found = Jurisdiction("national", NATIONAL)
    else:
        known = units.get(DVHC_2025_2LEVEL, unit)
        if known is None or known.level not in ("province", "commune"):
            raise OutsideJurisdiction(f"unit {unit!r} is no commune or province of the 2025 scheme")
        found = Jurisdiction("province" if known.level == "province" else "commune", unit)
    if found.level not in levels:
        raise OutsideJurisdiction(
            f"role {role} cannot answer for a {found.level} (unit {unit}); it may hold: "
            f"{', '.join(levels)}"
        )
    return found


class Places:
    """Which 2025 communes and provinces a recorded place belongs to."""

    def __init__(self, units: AdminUnits) -> None:
        self.units = units

    def communes_of(self, scheme: str, code: str) -> frozenset[str]:
        """The 2025 communes a recorded commune is now: itself, or the successors of a
        pre-2025 one (several when it was split); none when the code is unknown."""
        return _communes_of(self.units, scheme, code)

    def covers(self, who: Jurisdiction, scheme: str | None, code: str | None) -> bool:
        """Whether a place recorded as (scheme, code) lies in the jurisdiction. A case with no
        place known yet is the nation's only."""
        if who.national:
            return True
        if scheme is None or code is None:
            return False
        communes = self.communes_of(scheme, code)
        if who.level == "commune":
            return who.code in communes
        return any(self.province_of(c) == who.code for c in communes)

    def province_of(self, commune: str) -> str | None:
        """The 2025 province of a 2025 commune."""
        return _province_of(self.units, commune)

    def communes_in(self, who: Jurisdiction) -> frozenset[str] | None:
        """Every 2025 commune of the jurisdiction (None: the nation, no filter)."""
        if who.national:
            return None
        if who.level == "commune":
            return frozenset({who.code})
        return _communes_in_province(self.units, who.code)

    def recorded_places(self, who: Jurisdiction) -> frozenset[str] | None:
        """Every place a case of the unit may be recorded under, as "scheme:code": its 2025
        communes and the pre-2025 communes that went (wholly or partly) into them (None: the
        nation, no filter). For a read model that keeps places as recorded."""
        communes = self.communes_in(who)
        if communes is None:
            return None
        places = {f"{DVHC_2025_2LEVEL}:{c}" for c in communes}
        for commune in communes:
            try:
                olds = self.units.predecessors(commune)
            except UnknownAdminUnit:
                continue
            places.update(f"{DVHC_2004_3LEVEL}:{old.code}" for old in olds)
        return frozenset(places)


@cache
def _communes_in_province(units: AdminUnits, province: str) -> frozenset[str]:
    """Asked on every filtered list: read once per province and process."""
    return frozenset(
        unit.code
        for unit in units.units(DVHC_2025_2LEVEL, "commune")
        if _province_of(units, unit.code) == province
    )


@cache
def _communes_of(units: AdminUnits, scheme: str, code: str) -> frozenset[str]:
    if scheme == DVHC_2025_2LEVEL:
        return frozenset({code}) if units.get(DVHC_2025_2LEVEL, code) is not None else frozenset()
    if scheme == DVHC_2004_3LEVEL:
        try:
            return frozenset(s.code for s in units.successors(code))
        except UnknownAdminUnit:
            return frozenset()
    return frozenset()


@cache
def _province_of(units: AdminUnits, commune: str) -> str | None:
    try:
        return units.province_of(DVHC_2025_2LEVEL, commune).code
    except ValueError:
        return None
