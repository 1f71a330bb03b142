"""The dates btxh reasons about: what the policy tables and the calendar cover, today in
Vietnam, and dates of birth; checked without infrastructure."""

from dataclasses import replace
from datetime import date

import pytest

from reference.date_bounds import DateBounds, DateOutOfRange, date_bounds
from reference.policy import policy_book
from reference.working_days import load_calendar

TODAY = date(2026, 11, 24)
BOUNDS = date_bounds()
BOOK = policy_book()
#: Read from the policy book, as the code does: the first procedure version's first day.
FIRST = min(p.effective_from for p in BOOK.procedures)


def test_the_first_day_covered_is_the_first_on_which_a_level_and_a_procedure_are_in_force() -> None:
    first, basis = BOOK.first_covered
    assert first == FIRST == BOUNDS.first
    assert basis.startswith("procedure version ")
    BOOK.in_force(None, first)  # answers from that day


def test_when_the_procedures_start_first_the_standard_level_sets_the_first_day() -> None:
    late_level = replace(BOOK.national_levels[0], effective_from=date(2015, 3, 1))
    book = replace(BOOK, national_levels=(late_level, *BOOK.national_levels[1:]))
    bounds = DateBounds.of(book, load_calendar())
    assert bounds.first == date(2015, 3, 1)
    assert bounds.policy_basis == f"national standard level {late_level.version}"


def test_the_calendar_bounds_are_the_years_the_calendar_covers() -> None:
    calendar = load_calendar()
    assert BOUNDS.calendar_from == date(calendar.first_year, 1, 1)
    assert BOUNDS.calendar_until == date(calendar.last_year, 12, 31)


def test_a_fact_before_the_policy_tables_names_the_field_and_the_first_day() -> None:
    with pytest.raises(DateOutOfRange) as refused:
        BOUNDS.fact("complaint received_on", date(920, 3, 16), TODAY)
    message = str(refused.value)
    assert message.startswith(f"complaint received_on 0920-03-16 is before {FIRST}")
    assert "the first day the policy tables cover" in message
    assert f"give a date from {FIRST} to today ({TODAY})" in message


def test_a_fact_after_today_in_vietnam_is_in_the_future() -> None:
    with pytest.raises(DateOutOfRange, match=r"posted_from 9469-09-01 is in the future"):
        BOUNDS.fact("posted_from", date(9469, 9, 1), TODAY)
    with pytest.raises(DateOutOfRange, match=r"today in Vietnam is 2026-11-24"):
        BOUNDS.fact("signed_on", date(2026, 11, 25), TODAY)


def test_a_fact_on_the_first_day_covered_and_one_today_are_accepted() -> None:
    assert BOUNDS.fact("signed_on", FIRST, TODAY) == FIRST
    assert BOUNDS.fact("signed_on", TODAY, TODAY) == TODAY


def test_a_fact_allowed_before_the_policy_tables_is_still_bounded_by_the_calendar() -> None:
    assert BOUNDS.fact("determined_on", date(2012, 5, 4), TODAY, before_policy=True)
    with pytest.raises(DateOutOfRange, match="the earliest date the working-day calendar covers"):
        BOUNDS.fact("determined_on", date(1800, 1, 1), TODAY, before_policy=True)


def test_a_date_of_birth_may_be_neither_in_the_future_nor_absurdly_old() -> None:
    assert BOUNDS.birth("date_of_birth", date(1900, 1, 1), TODAY)  # 126 years old
    with pytest.raises(DateOutOfRange, match="date_of_birth 2026-11-25 is in the future"):
        BOUNDS.birth("date_of_birth", date(2026, 11, 25), TODAY)
    with pytest.raises(DateOutOfRange, match="more than 130 years before today"):
        BOUNDS.birth("date_of_birth", date(1896, 11, 23), TODAY)
    # born on 29 February: counted back to a common year without failing
    assert BOUNDS.birth("date_of_birth", date(1896, 2, 29), date(2024, 2, 29))


def test_a_date_asked_about_may_be_in_the_future_but_within_the_calendar() -> None:
    assert BOUNDS.query("on", date(2099, 1, 1)) == date(2099, 1, 1)
    with pytest.raises(DateOutOfRange, match=r"on 9999-12-31 is after 2100-12-31, the last date"):
        BOUNDS.query("on", date(9999, 12, 31))
    with pytest.raises(DateOutOfRange, match=rf"on 0001-01-01 is before {FIRST}"):
        BOUNDS.query("on", date(1, 1, 1))


@pytest.mark.parametrize(
    ("month", "says"),
    [
        ("9999-12", "is after 2100-12-31"),
        (f"{FIRST.year - 1}-12", f"is before {FIRST}"),
        ("0000-01", "is not a month"),
        ("2025-13", "is not a month"),
        ("2025-x1", "is not a month"),
    ],
)
def test_a_month_asked_about_must_be_covered_every_day(month: str, says: str) -> None:
    with pytest.raises(DateOutOfRange, match=says):
        BOUNDS.month("payroll month", month)


def test_a_covered_month_is_returned_as_given() -> None:
    assert BOUNDS.month("month", f"{FIRST:%Y-%m}") == f"{FIRST:%Y-%m}"
    assert BOUNDS.month("month", "2100-12") == "2100-12"


@pytest.mark.parametrize(("year", "says"), [(0, "is not a year"), (10_000, "is not a year")])
def test_a_year_outside_the_calendar_of_python_is_not_a_year(year: int, says: str) -> None:
    with pytest.raises(DateOutOfRange, match=says):
        BOUNDS.year("period", year)


def test_a_year_is_covered_when_every_day_of_it_is() -> None:
    assert BOUNDS.year("year", FIRST.year) == FIRST.year
    with pytest.raises(DateOutOfRange, match=rf"year {FIRST.year - 1} is before {FIRST}"):
        BOUNDS.year("year", FIRST.year - 1)
    with pytest.raises(DateOutOfRange, match="year 2101 is after 2100-12-31"):
        BOUNDS.year("year", 2101)
