"""The dates btxh can reason about, checked before anything is computed from them.

Three bounds, each read from where it is decided:

- the working-day calendar (`reference.working_days`) covers a range of years: no deadline can
  be counted outside it;
- the policy book (`reference.policy`) answers from the first day on which both a national
  standard level and a procedure version are in force: nothing can be received, decided,
  valued or reported before it;
- today in Vietnam: a fact that happened (a receipt, a review, a decision signed, a death, a
  payment settled) is never dated later, and a daily job never runs for a day not yet begun.

A date of birth has bounds of its own: not in the future, and not absurdly long ago. What a
date must not precede in a case's own history (the dossier's receipt, the decision, the
entitlement's start) is checked by the aggregate that knows that history.
"""

import calendar as month_lengths
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date
from functools import cache
from pathlib import Path
from typing import Final

from reference.policy import PolicyBook, policy_book
from reference.working_days import WorkingDayCalendar, load_calendar

#: Older than anyone alive (the oldest verified age is 122): a date of birth further back is a
#: typing error in the year, not a person.
MAX_AGE_YEARS: Final = 130

#: What a fact that happened must not be after, said once.
HAPPENED: Final = "a fact is recorded once it has happened"


class DateOutOfRange(ValueError):
    """A date lies outside what the calendar, the policy tables or today allow; nothing was
    computed or recorded from it. The message names the field and the bound."""


@dataclass(frozen=True)
class DateBounds:
    """Build it with `DateBounds.of` (or `date_bounds()` for the repository's policy)."""

    calendar_from: date
    calendar_until: date
    policy_from: date
    #: What sets `policy_from` (e.g. "procedure version 0-ND67-2007"), for messages.
    policy_basis: str
    max_age_years: int = MAX_AGE_YEARS

    @classmethod
    def of(cls, policy: PolicyBook, calendar: WorkingDayCalendar) -> "DateBounds":
        policy_from, basis = policy.first_covered
        return cls(
            calendar_from=date(calendar.first_year, 1, 1),
            calendar_until=date(calendar.last_year, 12, 31),
            policy_from=policy_from,
            policy_basis=basis,
        )

    # --- the bounds ------------------------------------------------------------------------

    def _floor(self, *, policy: bool) -> tuple[date, str]:
        """The earliest date allowed, and why."""
        if policy and self.policy_from >= self.calendar_from:
            return (
                self.policy_from,
                f"the first day the policy tables cover ({self.policy_basis} in force from then)",
            )
        return self.calendar_from, "the earliest date the working-day calendar covers"

    @property
    def first(self) -> date:
        """The first day both the calendar and the policy tables cover."""
        return self._floor(policy=True)[0]

    def _ceiling(self) -> tuple[date, str]:
        return self.calendar_until, "the last date the working-day calendar covers"

    # --- facts that happened ---------------------------------------------------------------

    def fact(
        self,
        field: str,
        day: date,
        today: date,
        *,
        before_policy: bool = False,
        hint: str = HAPPENED,
    ) -> date:
        """A fact that happened: covered by the policy tables and the calendar, and not after
        today in Vietnam. `before_policy` lets a fact predate the policy tables (a disability
        determined under the law before the first procedure version), never the calendar."""
        low, why = self._floor(policy=not before_policy)
        if day < low:
            raise DateOutOfRange(
                f"{field} {day.isoformat()} is before {low.isoformat()}, {why}: give a date "
                f"from {low.isoformat()} to today ({today.isoformat()})"
            )
        if day > today:
            raise DateOutOfRange(
                f"{field} {day.isoformat()} is in the future (today in Vietnam is "
                f"{today.isoformat()}): {hint}"
            )
        high, why = self._ceiling()
        if day > high:
            raise DateOutOfRange(f"{field} {day.isoformat()} is after {high.isoformat()}, {why}")
        return day

    def birth(self, field: str, day: date, today: date) -> date:
        """A date of birth: not after today in Vietnam, at most `max_age_years` before it."""
        if day > today:
            raise DateOutOfRange(
                f"{field} {day.isoformat()} is in the future (today in Vietnam is "
                f"{today.isoformat()})"
            )
        oldest = _years_before(today, self.max_age_years)
        if day < oldest:
            raise DateOutOfRange(
                f"{field} {day.isoformat()} is more than {self.max_age_years} years before "
                f"today ({today.isoformat()}): check the year (give a date from "
                f"{oldest.isoformat()})"
            )
        return day

    # --- dates a view or report is asked about ---------------------------------------------

    def query(self, field: str, day: date) -> date:
        """A date a view or report is asked about: one the policy tables and the calendar
        cover (it may be in the future: the register as it will stand)."""
        self._span(field, day.isoformat(), day, day)
        return day

    def month(self, field: str, month: str) -> str:
        """A month "YYYY-MM" asked about: every day of it covered."""
        year_text, _, number_text = month.partition("-")
        if not (year_text.isdigit() and number_text.isdigit()):
            raise DateOutOfRange(f"{field} {month!r} is not a month: give YYYY-MM, e.g. 2025-09")
        year, number = int(year_text), int(number_text)
        if not (MINYEAR <= year <= MAXYEAR and 1 <= number <= 12):
            raise DateOutOfRange(f"{field} {month!r} is not a month: give YYYY-MM, e.g. 2025-09")
        last = month_lengths.monthrange(year, number)[1]
        self._span(field, month, date(year, number, 1), date(year, number, last))
        return month

    def year(self, field: str, year: int) -> int:
        """A whole year asked about (a report period, a budget year): every day of it covered."""
        if not MINYEAR <= year <= MAXYEAR:
            raise DateOutOfRange(f"{field} {year} is not a year: give YYYY, e.g. 2025")
        self._span(field, f"{year:04d}", date(year, 1, 1), date(year, 12, 31))
        return year

    def _span(self, field: str, text: str, start: date, end: date) -> None:
        low, why_low = self._floor(policy=True)
        high, why_high = self._ceiling()
        within = f"give a date from {low.isoformat()} to {high.isoformat()}"
        if start < low:
            raise DateOutOfRange(f"{field} {text} is before {low.isoformat()}, {why_low}: {within}")
        if end > high:
            raise DateOutOfRange(
                f"{field} {text} is after {high.isoformat()}, {why_high}: {within}"
            )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return date(day.year - years, 2, 28)


@cache
def date_bounds(policy_dir: Path | None = None) -> DateBounds:
    """The bounds of the policy in `policy_dir` (default: the repository's) and the national
    calendar (a provincial extra-days file changes days, never the years covered)."""
    return DateBounds.of(policy_book(policy_dir), load_calendar())
