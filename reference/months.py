"""Calendar months as "YYYY-MM" strings, the one month arithmetic of every service.

Entitlements start, change and stop on month bounds (Decree 20/2021 Art. 8: from the month of
signing, from the month after an event); payrolls, reports and checks count in months. Events
store months as these strings, so the strings are the type: these functions are its methods.
"""

from datetime import date, timedelta


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def add_months(month: str, count: int) -> str:
    """The month `count` months after `month` (before it when negative)."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_after(day: date) -> str:
    """The month following the month of `day`: changes and stops take effect then."""
    return next_month(month_of(day))


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def last_day(month: str) -> date:
    return first_day(next_month(month)) - timedelta(days=1)


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included (empty when last < first)."""
    months: list[str] = []
    current = first
    while current <= last:
        months.append(current)
        current = next_month(current)
    return months
