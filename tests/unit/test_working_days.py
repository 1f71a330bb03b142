"""The working-day calendar: statutory deadlines across Tết, public holidays, weekends and swaps."""

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from reference.working_days import (
    CalendarConfigError,
    WorkingDayCalendar,
    load_calendar,
)

CALENDAR = load_calendar()


def write_extra_days(tmp_path: Path, entries: Any) -> Path:
    path = tmp_path / "extra_days.json"
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return path


def entry(day: object = "2025-03-12", kind: str = "day_off", **overrides: Any) -> dict[str, Any]:
    fields = {"date": day, "kind": kind, "reason": "Provincial day off", "source": "QĐ 1/UBND"}
    return fields | overrides


def test_a_deadline_counted_from_a_receipt_before_tet_2025_skips_the_nine_day_break() -> None:
    # given a complete dossier received on Wednesday 22/01/2025; Tết off 25/01-02/02/2025
    received = date(2025, 1, 22)
    # when the 10-working-day limit (Decree 147/2025 Art. 5) is computed
    due = CALENDAR.add_working_days(received, 10)
    # then 23-24/01 are days 1-2, 03-07/02 days 3-7, 10-12/02 days 8-10
    assert due == date(2025, 2, 12)
    assert all(not CALENDAR.is_working_day(date(2025, 1, d)) for d in range(25, 32))


def test_a_deadline_counted_from_a_receipt_before_tet_2026_skips_the_nine_day_break() -> None:
    # given a receipt on Wednesday 11/02/2026; Tết off 14/02-22/02/2026
    received = date(2026, 2, 11)
    # when
    due = CALENDAR.add_working_days(received, 10)
    # then 12-13/02 are days 1-2, 23-27/02 days 3-7, 02-04/03 days 8-10
    assert due == date(2026, 3, 4)
    assert CALENDAR.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_the_labour_day_break_of_2025_and_its_swapped_friday_are_not_counted() -> None:
    # given a receipt on Tuesday 29/04/2025; 30/04, 01/05 holidays, Friday 02/05 swapped off
    # when
    due = CALENDAR.add_working_days(date(2025, 4, 29), 3)
    # then
    assert due == date(2025, 5, 7)
    assert not CALENDAR.is_working_day(date(2025, 5, 2))


def test_saturday_26_april_2025_is_worked_in_exchange_for_friday_2_may() -> None:
    # given the compensatory working Saturday the package knows (Labour Day swap 2025)
    # when a step with one working day starts on Friday 25/04/2025
    due = CALENDAR.add_working_days(date(2025, 4, 25), 1)
    # then it is due on that Saturday
    assert CALENDAR.is_working_day(date(2025, 4, 26))
    assert due == date(2025, 4, 26)


def test_national_day_2025_and_the_day_before_it_are_days_off() -> None:
    # given a receipt on Friday 29/08/2025; 01/09 and 02/09 are the National Day holidays
    # when
    due = CALENDAR.add_working_days(date(2025, 8, 29), 1)
    # then
    assert due == date(2025, 9, 3)
    assert not CALENDAR.is_working_day(date(2025, 9, 1))
    assert not CALENDAR.is_working_day(date(2025, 9, 2))


def test_a_weekend_is_not_counted() -> None:
    # given a receipt on Friday 07/03/2025
    # when / then the next working day is Monday
    assert CALENDAR.add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 10)
    assert not CALENDAR.is_working_day(date(2025, 3, 8))
    assert not CALENDAR.is_working_day(date(2025, 3, 9))
    assert CALENDAR.working_days_between(date(2025, 3, 7), date(2025, 3, 9)) == 0


def test_a_receipt_on_a_weekend_counts_from_the_next_working_day() -> None:
    # given a dossier submitted online on Saturday 08/03/2025
    # when / then day 1 is Monday, and "on the day" means Monday too
    assert CALENDAR.add_working_days(date(2025, 3, 8), 1) == date(2025, 3, 10)
    assert CALENDAR.add_working_days(date(2025, 3, 8), 0) == date(2025, 3, 10)
    assert CALENDAR.add_working_days(date(2025, 3, 10), 0) == date(2025, 3, 10)


def test_the_shipped_file_moves_new_year_2026_friday_2_january_to_saturday_10() -> None:
    # given the national extra-days file (VPCP 12729/VPCP-KGVX, 25/12/2025)
    # when / then
    assert not CALENDAR.is_working_day(date(2026, 1, 2))
    assert CALENDAR.is_working_day(date(2026, 1, 10))
    assert CALENDAR.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 5)
    assert CALENDAR.add_working_days(date(2026, 1, 9), 1) == date(2026, 1, 10)


def test_a_configured_extra_day_off_is_skipped_and_listed_with_its_reason(tmp_path: Path) -> None:
    # given a provincial file with Wednesday 12/03/2025 off
    calendar = load_calendar(write_extra_days(tmp_path, [entry("2025-03-12")]))
    # when
    due = calendar.add_working_days(date(2025, 3, 11), 1)
    # then
    assert due == date(2025, 3, 13)
    assert CALENDAR.add_working_days(date(2025, 3, 11), 1) == date(2025, 3, 12)
    assert (date(2025, 3, 12), "Provincial day off") in calendar.holidays_in(2025)


def test_a_configured_working_day_overrides_a_package_holiday(tmp_path: Path) -> None:
    # given a file that makes Vietnam Cultural Day 24/11/2026 a working day
    path = write_extra_days(tmp_path, [entry("2026-11-24", "working_day")])
    # when
    calendar = load_calendar(path)
    # then
    assert not CALENDAR.is_working_day(date(2026, 11, 24))
    assert calendar.is_working_day(date(2026, 11, 24))
    assert date(2026, 11, 24) not in dict(calendar.holidays_in(2026))


def test_holidays_of_2025_include_tet_hung_kings_reunification_labour_and_national_days() -> None:
    named = dict(CALENDAR.holidays_in(2025))
    assert {
        date(2025, 1, 1),
        date(2025, 1, 28),
        date(2025, 1, 29),
        date(2025, 1, 30),
        date(2025, 1, 31),
        date(2025, 4, 7),
        date(2025, 4, 30),
        date(2025, 5, 1),
        date(2025, 9, 2),
    } <= named.keys()
    assert named[date(2025, 1, 29)] == "Tết Nguyên Đán"
    assert list(named) == sorted(named)


def test_the_calendar_covers_2010_to_2013_for_migrated_cases_with_their_holidays() -> None:
    # Tết Nhâm Thìn 22-26/01/2012 and the day swapped with Saturday 04/02, Hùng Kings on
    # Saturday 31/03 observed on Monday 02/04, 30/04, 01/05 and National Day observed 03/09
    named = dict(CALENDAR.holidays_in(2012))
    assert {
        date(2012, 1, 2),
        *(date(2012, 1, d) for d in range(22, 28)),
        date(2012, 4, 2),
        date(2012, 4, 30),
        date(2012, 5, 1),
        date(2012, 9, 3),
    } <= named.keys()
    assert CALENDAR.is_working_day(date(2012, 2, 4))  # Saturday worked for Friday 27/01
    # Hùng Kings' day is a holiday in each of those years (from 2007)
    assert all(
        any("Hùng Vương" in name for _, name in CALENDAR.holidays_in(year))
        for year in range(2010, 2014)
    )
    # 10 working days from Thursday 19/01/2012: 20/01, 30/01-03/02, the worked Saturday 04/02,
    # 06-08/02
    assert CALENDAR.add_working_days(date(2012, 1, 19), 10) == date(2012, 2, 8)


@pytest.mark.parametrize(
    ("entries", "says"),
    [
        ([entry("2025-02-30")], r"entry 0 .*2025-02-30.* not a calendar date"),
        ([entry("12/03/2025")], r"entry 0 .*'12/03/2025' is not a YYYY-MM-DD"),
        ([entry(20250312)], r"entry 0 .*20250312 is not a YYYY-MM-DD"),
        ([entry(kind="holiday")], r"entry 0 .*kind 'holiday' is not one of"),
        (
            [entry("2025-03-12"), entry("2025-03-12", "working_day")],
            r"entry 1 .*2025-03-12 is already given by entry 0",
        ),
        ([entry(reason=" ")], r"entry 0 .*reason must be a non-empty string"),
        ([{"date": "2025-03-12", "kind": "day_off"}], r"entry 0 .*missing keys \['reason'"),
        ([entry(note="x")], r"entry 0 .*unknown keys \['note'\]"),
        ([entry("1800-01-01")], r"entry 0 .*outside the years"),
        (["2025-03-12"], r"entry 0 .*expected an object"),
        ({"date": "2025-03-12"}, r"expected a JSON list"),
    ],
)
def test_an_invalid_extra_days_entry_is_refused_naming_the_entry(
    tmp_path: Path, entries: Any, says: str
) -> None:
    with pytest.raises(CalendarConfigError, match=says):
        load_calendar(write_extra_days(tmp_path, entries))


def test_an_unreadable_or_malformed_extra_days_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CalendarConfigError, match="cannot read"):
        load_calendar(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    with pytest.raises(CalendarConfigError, match="not valid JSON"):
        load_calendar(broken)


def test_every_shipped_extra_day_names_its_reason_and_source() -> None:
    assert CALENDAR.extra_days
    assert all(extra.reason and extra.source for extra in CALENDAR.extra_days)


@pytest.mark.parametrize("n", [1, 2, 5, 7, 10, 20])
def test_counting_back_the_working_days_to_a_due_date_gives_the_limit(n: int) -> None:
    # given every start date from 2024 to 2026, working day or not
    start = date(2024, 1, 1)
    while start <= date(2026, 12, 31):
        # when
        due = CALENDAR.add_working_days(start, n)
        # then
        assert CALENDAR.working_days_between(start, due) == n, start
        assert CALENDAR.is_working_day(due)
        assert CALENDAR.working_days_between(start, due - timedelta(days=1)) == n - 1, start
        start += timedelta(days=1)


def test_adding_the_working_days_between_two_dates_reaches_the_later_working_day() -> None:
    start = date(2025, 1, 20)
    for offset in range(1, 60):
        end = start + timedelta(days=offset)
        if CALENDAR.is_working_day(end):
            between = CALENDAR.working_days_between(start, end)
            assert CALENDAR.add_working_days(start, between) == end


def test_no_working_days_lie_between_a_date_and_an_earlier_one() -> None:
    assert CALENDAR.working_days_between(date(2025, 3, 12), date(2025, 3, 12)) == 0
    assert CALENDAR.working_days_between(date(2025, 3, 12), date(2025, 3, 1)) == 0


def test_a_negative_number_of_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_working_days(date(2025, 3, 12), -1)


def test_a_date_outside_the_covered_years_is_refused_rather_than_guessed() -> None:
    calendar = WorkingDayCalendar(extra_days=(), first_year=2000, last_year=2030)
    with pytest.raises(ValueError, match="outside the years"):
        calendar.is_working_day(date(2031, 1, 2))


def test_start_leaving_gives_the_latest_day_with_n_working_days_after_it() -> None:
    calendar = load_calendar()
    # Tuesday 24/02/2026: four working days back (24, 23, then 13, 12) skip Tết Bính Ngọ
    start = calendar.start_leaving(date(2026, 2, 24), 4)
    assert start == date(2026, 2, 11)
    assert calendar.working_days_between(start, date(2026, 2, 24)) == 4
    assert calendar.working_days_between(start + timedelta(days=1), date(2026, 2, 24)) < 4
