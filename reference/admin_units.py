"""Vietnam's administrative units (đơn vị hành chính) in both coding schemes, and the 2025 old -> new mapping.

Events record a unit as `{scheme, code}` as it was on the event's date and history is never
rewritten (DOMAIN.md §9.2), so both schemes stay loadable side by side:

* `DVHC_2004_3LEVEL`: 63 provinces, their districts and communes, in force up to 30/06/2025.
  The vendored list is the one in force on that last day: units dissolved earlier are absent.
* `DVHC_2025_2LEVEL`: 34 provinces and 3,321 communes (xã, phường, đặc khu) from 01/07/2025.

Codes are digit strings whose length gives the level: province 2, district 3, commune 5. The same
code can name different units in the two schemes (a new commune keeps the code of the old commune
whose seat it uses), so a code means nothing without its scheme.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Final, Literal, NamedTuple, get_args

Scheme = Literal["DVHC_2025_2LEVEL", "DVHC_2004_3LEVEL"]
Level = Literal["province", "district", "commune"]

DVHC_2025_2LEVEL: Final = "DVHC_2025_2LEVEL"
DVHC_2004_3LEVEL: Final = "DVHC_2004_3LEVEL"
SCHEMES: Final[tuple[Scheme, ...]] = get_args(Scheme)

#: First day of two-level local government (Decision 19/2025/QĐ-TTg); the old scheme ends the day before.
REORGANISATION_DAY: Final = date(2025, 7, 1)


def scheme_of_month(month: str) -> Scheme:
    """The scheme whose codes name the communes in a month (YYYY-MM; a payroll's month):
    2025 communes from July 2025. Compared as text, so no text given fails here."""
    return DVHC_2025_2LEVEL if month >= f"{REORGANISATION_DAY:%Y-%m}" else DVHC_2004_3LEVEL


_DATA_DIR: Final = "admin_units_data"
_FILES: Final[dict[Scheme, str]] = {
    DVHC_2025_2LEVEL: "dvhc_2025_2level.csv",
    DVHC_2004_3LEVEL: "dvhc_2004_3level.csv",
}
_LEVELS: Final[dict[str, Level]] = {
    "province": "province",
    "district": "district",
    "commune": "commune",
}
_CODE_LENGTH: Final[dict[int, Level]] = {2: "province", 3: "district", 5: "commune"}


@dataclass(frozen=True, slots=True)
class AdminUnit:
    """One unit of one scheme, with the official name it carried while in force."""

    scheme: Scheme
    code: str
    name: str
    level: Level
    #: Lower-case type from the official name: "tỉnh", "thành phố", "quận", "huyện", "thị xã",
    #: "xã", "phường", "thị trấn", "đặc khu".
    unit_type: str
    parent_code: str | None
    valid_from: date | None
    valid_to: date | None

    def in_force_on(self, on: date) -> bool:
        """Whether a record dated `on` may use this unit (both bounds inclusive; None is open)."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


class Successor(NamedTuple):
    """A 2025 commune that took over (part of) an old one; `partial` when the old one was split."""

    code: str
    partial: bool


class Predecessor(NamedTuple):
    """An old commune (all or, if `partial`, part of) merged into a 2025 commune."""

    code: str
    partial: bool


class UnknownAdminUnit(ValueError):
    """The code does not name a unit of the expected kind in that scheme."""


class AdminUnitNotInForce(ValueError):
    """The unit exists in its scheme but not on the date of the record."""

    def __init__(self, message: str, unit: AdminUnit, on: date) -> None:
        super().__init__(message)
        self.unit = unit
        self.on = on


class RetiredAdminUnit(AdminUnitNotInForce):
    """An old-scheme unit used for a date from 01/07/2025, after it ceased."""


class AdminUnitNotYetInForce(AdminUnitNotInForce):
    """A 2025 unit used for a date before 01/07/2025, when it did not exist yet."""


class AdminUnits:
    """Both schemes and the old -> new commune mapping, read once from the vendored tables."""

    def __init__(
        self,
        units: dict[Scheme, dict[str, AdminUnit]],
        successors: dict[str, tuple[Successor, ...]],
        source: str,
    ) -> None:
        self._units = units
        self._successors = successors
        predecessors: dict[str, list[Predecessor]] = defaultdict(list)
        for old_code, targets in successors.items():
            for target in targets:
                predecessors[target.code].append(Predecessor(old_code, target.partial))
        self._predecessors = {code: tuple(olds) for code, olds in predecessors.items()}
        #: Which data the tables came from, to stamp on mappings made with them.
        self.source = source

    def get(self, scheme: Scheme, code: str) -> AdminUnit | None:
        """The unit with this code in this scheme, if any (codes are only unique within a scheme)."""
        return self._scheme(scheme).get(code)

    def units(self, scheme: Scheme, level: Level | None = None) -> list[AdminUnit]:
        """All units of a scheme, optionally of one level, ordered by level then code."""
        return [u for u in self._scheme(scheme).values() if level is None or u.level == level]

    def validate_commune(self, scheme: Scheme, code: str, on: date) -> AdminUnit:
        """The commune a record dated `on` may carry, or an error telling the official what to use.

        Old-scheme codes are valid up to 30/06/2025 inclusive, 2025 codes from 01/07/2025. In the old
        scheme the five island districts without communes (e.g. Côn Đảo) stand in for a commune.
        """
        unit = self.get(scheme, code)
        if unit is None or not self._is_lowest_unit(unit):
            raise UnknownAdminUnit(self._unknown_message(scheme, code, unit))
        if unit.in_force_on(on):
            return unit
        if unit.valid_to is not None and on > unit.valid_to:
            raise RetiredAdminUnit(self._retired_message(unit, on), unit, on)
        raise AdminUnitNotYetInForce(self._not_yet_message(unit, on), unit, on)

    def province_of(self, scheme: Scheme, code: str) -> AdminUnit:
        """The province (or centrally run city) a unit belongs to; a province is its own."""
        unit = self.get(scheme, code)
        if unit is None:
            raise UnknownAdminUnit(self._unknown_message(scheme, code, None))
        while unit.parent_code is not None:
            unit = self._scheme(scheme)[unit.parent_code]
        return unit

    def province_code(self, scheme: str, code: str) -> str | None:
        """The province code of a recorded residence, or None when the scheme or code is
        unknown (the national policy then applies)."""
        if scheme not in SCHEMES:
            return None
        try:
            return self.province_of(scheme, code).code
        except ValueError:
            return None

    def successors(self, old_code: str) -> list[Successor]:
        """The 2025 communes an old commune went into; several, all `partial`, when it was split.

        Which of several successors a person belongs to depends on their village or street, so a
        split needs a manual decision (DOMAIN.md §9.2). Island districts without communes map too.
        """
        found = self._successors.get(old_code)
        if found is None:
            unit = self.get(DVHC_2004_3LEVEL, old_code)
            raise UnknownAdminUnit(self._unknown_message(DVHC_2004_3LEVEL, old_code, unit))
        return list(found)

    def predecessors(self, new_code: str) -> list[Predecessor]:
        """The old communes merged (wholly, or partly if `partial`) into a 2025 commune."""
        found = self._predecessors.get(new_code)
        if found is None:
            unit = self.get(DVHC_2025_2LEVEL, new_code)
            raise UnknownAdminUnit(self._unknown_message(DVHC_2025_2LEVEL, new_code, unit))
        return list(found)

    def _scheme(self, scheme: Scheme) -> dict[str, AdminUnit]:
        try:
            return self._units[scheme]
        except KeyError:
            raise ValueError(
                f"unknown scheme {scheme!r}; use one of {', '.join(SCHEMES)}"
            ) from None

    def _is_lowest_unit(self, unit: AdminUnit) -> bool:
        return unit.level == "commune" or (
            unit.scheme == DVHC_2004_3LEVEL
            and unit.level == "district"
            and unit.code in self._successors
        )

    def _describe(self, unit: AdminUnit) -> str:
        """E.g. "02053 Xã Ngọc Phái, Huyện Chợ Đồn, Tỉnh Bắc Kạn": names repeat, so give the parents."""
        names = [unit.name]
        parent_code = unit.parent_code
        while parent_code is not None:
            parent = self._units[unit.scheme][parent_code]
            names.append(parent.name)
            parent_code = parent.parent_code
        return f"{unit.code} {', '.join(names)}"

    def _unknown_message(self, scheme: Scheme, code: str, unit: AdminUnit | None) -> str:
        if unit is not None:
            return (
                f"{code} is the {unit.level} {unit.name} in {scheme}, not a commune: give the 5-digit"
                " commune code (xã, phường, thị trấn or đặc khu)"
            )
        level = _CODE_LENGTH.get(len(code)) if code.isdigit() else None
        if level is None:
            return f"{code!r} is not an administrative unit code: codes have 2 (province), 3 (district) or 5 digits"
        other: Scheme = DVHC_2004_3LEVEL if scheme == DVHC_2025_2LEVEL else DVHC_2025_2LEVEL
        found_elsewhere = self.get(other, code)
        if found_elsewhere is not None:
            return (
                f"no {level} {code} in {scheme}, but {other} has {found_elsewhere.name}: records dated up to"
                f" 30/06/2025 use {DVHC_2004_3LEVEL} codes, records from 01/07/2025 {DVHC_2025_2LEVEL} codes"
            )
        if scheme == DVHC_2025_2LEVEL:
            return (
                f"no {level} {code} in {scheme} (the 34 provinces and 3,321 communes in force from"
                " 01/07/2025): check the code against the official list"
            )
        return (
            f"no {level} {code} in {scheme}: the list holds the units in force on 30/06/2025, so a unit"
            " dissolved earlier is missing; record the unit that replaced it"
        )

    def _retired_message(self, unit: AdminUnit, on: date) -> str:
        ends = unit.valid_to.strftime("%d/%m/%Y") if unit.valid_to else "?"
        message = (
            f"{self._describe(unit)} ({unit.scheme}) ceased on {ends} and cannot be used for a record"
            f" dated {on:%d/%m/%Y}; from {REORGANISATION_DAY:%d/%m/%Y} use a {DVHC_2025_2LEVEL} commune code"
        )
        targets = self._successors.get(unit.code, ())
        names = ", ".join(self._describe(self._units[DVHC_2025_2LEVEL][t.code]) for t in targets)
        if len(targets) == 1:
            return f"{message}: {names}"
        if targets:
            return (
                f"{message}: it was split, choose by the person's village or street among {names}"
            )
        return message

    def _not_yet_message(self, unit: AdminUnit, on: date) -> str:
        starts = unit.valid_from.strftime("%d/%m/%Y") if unit.valid_from else "?"
        message = (
            f"{self._describe(unit)} ({unit.scheme}) exists from {starts}, so a record dated"
            f" {on:%d/%m/%Y} must use the {DVHC_2004_3LEVEL} commune code in force on that date"
        )
        olds = self._predecessors.get(unit.code, ())
        shown = ", ".join(self._describe(self._units[DVHC_2004_3LEVEL][p.code]) for p in olds[:6])
        more = f" and {len(olds) - 6} more" if len(olds) > 6 else ""
        return f"{message}; it was formed from {shown}{more}" if olds else message


@cache
def load_admin_units() -> AdminUnits:
    """Read the vendored tables once per process (they ship with the code and never change at runtime)."""
    data = resources.files("reference").joinpath(_DATA_DIR)
    units = {
        scheme: _read_units(scheme, data.joinpath(name).read_text(encoding="utf-8"))
        for scheme, name in _FILES.items()
    }
    successors: dict[str, list[Successor]] = defaultdict(list)
    for row in csv.DictReader(
        io.StringIO(data.joinpath("successors_2025.csv").read_text(encoding="utf-8"))
    ):
        successors[row["old_code"]].append(Successor(row["new_code"], row["partial"] == "1"))
    manifest = json.loads(data.joinpath("source.json").read_text(encoding="utf-8"))
    source = f"{manifest['source_package']} {manifest['source_version']} (data {manifest['source_data_date']})"
    return AdminUnits(units, {code: tuple(new) for code, new in successors.items()}, source)


def _read_units(scheme: Scheme, text: str) -> dict[str, AdminUnit]:
    rows = csv.reader(io.StringIO(text))
    if next(rows) != [
        "code",
        "level",
        "unit_type",
        "name",
        "parent_code",
        "valid_from",
        "valid_to",
    ]:
        raise ValueError(f"unexpected columns in the {scheme} table")
    dates: dict[str, date | None] = {"": None}  # a handful of distinct dates in ~14,000 rows
    units: dict[str, AdminUnit] = {}
    for code, level, unit_type, name, parent_code, valid_from, valid_to in rows:
        for text_date in (valid_from, valid_to):
            if text_date not in dates:
                dates[text_date] = date.fromisoformat(text_date)
        units[code] = AdminUnit(
            scheme=scheme,
            code=code,
            name=name,
            level=_LEVELS[level],
            unit_type=unit_type,
            parent_code=parent_code or None,
            valid_from=dates[valid_from],
            valid_to=dates[valid_to],
        )
    return units
