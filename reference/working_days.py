"""The Vietnamese working-day calendar (ngày làm việc) on which statutory procedure deadlines are counted.

A day is a working day unless it is a Saturday or Sunday, a public holiday (ngày lễ, Tết) or a
compensatory day off (ngày nghỉ bù), or the government moved a working day onto it. Holidays,
compensatory days and the swaps already published come from the maintained `holidays` package;
swaps it does not know yet, and any provincial day off, come from `calendar_data/extra_days.json`:

    [{"date": "2026-01-02", "kind": "day_off", "reason": "...", "source": "Công văn ..."}, ...]

An entry of the file overrides the package for its date, either way.

Deadline convention (Civil Code 2015 Art. 147-148, applied to periods counted in working days):
the day of the triggering event (receipt of the complete dossier, end of posting, ...) is not
counted; day 1 is the first working day after it, and the step is due by the end of the n-th
working day. A receipt on a non-working day therefore has the next working day as day 1.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import holidays

DEFAULT_EXTRA_DAYS_PATH: Final = Path(__file__).parent / "calendar_data" / "extra_days.json"

_COUNTRY: Final = "VN"
_NAMES_LANGUAGE: Final = "vi"
_ONE_DAY: Final = timedelta(days=1)
_SATURDAY: Final = 5
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_ENTRY_KEYS: Final = frozenset({"date", "kind", "reason", "source"})


#: Vietnam's time zone (UTC+7, no daylight saving): deadlines and report dates are its days.
VIETNAM: Final = timezone(timedelta(hours=7))


def today_in_vietnam() -> date:
    """The date at the commune, whatever the server's time zone."""
    return datetime.now(UTC).astimezone(VIETNAM).date()


class CalendarConfigError(ValueError):
    """The extra-days file cannot be read, or one of its entries is invalid."""


class ExtraDayKind(StrEnum):
    DAY_OFF = "day_off"
    WORKING_DAY = "working_day"


@dataclass(frozen=True)
class ExtraDay:
    """A configured exception to the package calendar, with the instrument that decided it."""

    day: date
    kind: ExtraDayKind
    reason: str
    source: str


@dataclass(frozen=True)
class _LibraryYear:
    holidays: Mapping[date, str]
    weekend_workdays: frozenset[date]


@cache
def _library_year(year: int) -> _LibraryYear:
    # A swap may cross the new year (2018-12-31 off for Saturday 2019-01-05), and the package
    # files it under the year of the day off: read the neighbours too, keep this year's days.
    span = holidays.country_holidays(
        _COUNTRY, years=range(year - 1, year + 2), language=_NAMES_LANGUAGE
    )
    return _LibraryYear(
        holidays=MappingProxyType({d: n for d, n in span.items() if d.year == year}),
        weekend_workdays=frozenset(d for d in span.weekend_workdays if d.year == year),
    )


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Immutable; build it with `load_calendar`. Covers the years first_year..last_year only."""

    extra_days: tuple[ExtraDay, ...]
    first_year: int
    last_year: int
    _by_date: Mapping[date, ExtraDay] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_date: dict[date, ExtraDay] = {}
        for extra in self.extra_days:
            if extra.day in by_date:
                raise CalendarConfigError(f"two extra days for {extra.day.isoformat()}")
            by_date[extra.day] = extra
        object.__setattr__(self, "_by_date", MappingProxyType(by_date))

    def is_working_day(self, d: date) -> bool:
        """Whether public offices work on d: a configured entry decides, else weekend and holidays."""
        self._check_covered(d)
        extra = self._by_date.get(d)
        if extra is not None:
            return extra.kind is ExtraDayKind.WORKING_DAY
        library = _library_year(d.year)
        if d.weekday() >= _SATURDAY:
            return d in library.weekend_workdays
        return d not in library.holidays

    def add_working_days(self, start: date, n: int) -> date:
        """The due date of a step to be done within n working days from start.

        Start itself is not counted: the result is the n-th working day after start. n = 0 means
        "on the day": start if it is a working day, else the next working day.
        """
        if n < 0:
            raise ValueError(f"a number of working days cannot be negative, got {n}")
        d = start
        if n == 0:
            while not self.is_working_day(d):
                d += _ONE_DAY
            return d
        remaining = n
        while remaining:
            d += _ONE_DAY
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after start up to and including end; 0 if end is not after start.

        The inverse of add_working_days: working_days_between(s, add_working_days(s, n)) == n
        for every n >= 1 (and for n = 0 when s is a working day).
        """
        count = 0
        d = start + _ONE_DAY
        while d <= end:
            if self.is_working_day(d):
                count += 1
            d += _ONE_DAY
        return count

    def start_leaving(self, end: date, n: int) -> date:
        """The latest day before `end` that leaves n working days after it, up to and
        including `end` (e.g. a receipt date that leaves room for the steps before a decision
        signed on `end`)."""
        start = end - _ONE_DAY
        while self.working_days_between(start, end) < n:
            start -= _ONE_DAY
        return start

    def holidays_in(self, year: int) -> list[tuple[date, str]]:
        """The named days off of a year, by date.

        Public holidays (also those falling on a weekend), compensatory and swapped days off,
        and configured days off (named by their reason); a date configured as a working day is
        left out.
        """
        self._check_covered(date(year, 1, 1))
        named = dict(_library_year(year).holidays)
        for extra in self.extra_days:
            if extra.day.year != year:
                continue
            if extra.kind is ExtraDayKind.DAY_OFF:
                named[extra.day] = extra.reason
            else:
                named.pop(extra.day, None)
        return sorted(named.items())

    def _check_covered(self, d: date) -> None:
        if not self.first_year <= d.year <= self.last_year:
            raise ValueError(
                f"{d.isoformat()} is outside the years the working-day calendar covers "
                f"({self.first_year}-{self.last_year})"
            )


def load_calendar(extra_days_path: Path | None = None) -> WorkingDayCalendar:
    """Build the calendar from the `holidays` package and an extra-days file.

    Without a path, the national file shipped with this package; a provincial deployment passes
    its own file, which replaces the national one (start it as a copy of the national file).
    """
    path = DEFAULT_EXTRA_DAYS_PATH if extra_days_path is None else extra_days_path
    coverage = holidays.country_holidays(_COUNTRY)
    first_year, last_year = coverage.start_year, coverage.end_year
    extra_days = _read_extra_days(path, first_year, last_year)
    return WorkingDayCalendar(extra_days=extra_days, first_year=first_year, last_year=last_year)


def _read_extra_days(path: Path, first_year: int, last_year: int) -> tuple[ExtraDay, ...]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalendarConfigError(f"{path}: cannot read the extra-days file: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise CalendarConfigError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise CalendarConfigError(
            f"{path}: expected a JSON list of extra days, got {type(raw).__name__}"
        )
    parsed: list[ExtraDay] = []
    seen: dict[date, int] = {}
    for index, entry in enumerate(raw):
        extra = _parse_entry(entry, f"{path}: entry {index} {entry!r}", first_year, last_year)
        if extra.day in seen:
            raise CalendarConfigError(
                f"{path}: entry {index} {entry!r}: date {extra.day.isoformat()} is already "
                f"given by entry {seen[extra.day]}; keep one entry per date"
            )
        seen[extra.day] = index
        parsed.append(extra)
    return tuple(parsed)


def _parse_entry(entry: Any, where: str, first_year: int, last_year: int) -> ExtraDay:
    if not isinstance(entry, dict):
        raise CalendarConfigError(f"{where}: expected an object with keys {sorted(_ENTRY_KEYS)}")
    missing = _ENTRY_KEYS - entry.keys()
    unknown = entry.keys() - _ENTRY_KEYS
    if missing or unknown:
        raise CalendarConfigError(
            f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}; "
            f"expected exactly {sorted(_ENTRY_KEYS)}"
        )
    text = entry["date"]
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise CalendarConfigError(f"{where}: date {text!r} is not a YYYY-MM-DD string")
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise CalendarConfigError(f"{where}: date {text!r} is not a calendar date: {exc}") from exc
    if not first_year <= day.year <= last_year:
        raise CalendarConfigError(
            f"{where}: date {text} is outside the years the calendar covers "
            f"({first_year}-{last_year})"
        )
    kinds = [kind.value for kind in ExtraDayKind]
    if entry["kind"] not in kinds:
        raise CalendarConfigError(f"{where}: kind {entry['kind']!r} is not one of {kinds}")
    for key in ("reason", "source"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise CalendarConfigError(f"{where}: {key} must be a non-empty string")
    return ExtraDay(
        day=day, kind=ExtraDayKind(entry["kind"]), reason=entry["reason"], source=entry["source"]
    )
