"""The daily jobs refuse a day not yet begun in Vietnam before they read or record anything."""

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from reference.date_bounds import DateOutOfRange, date_bounds
from services.assessment import daily_jobs

TODAY = date(2026, 11, 24)


class Untouchable:
    """A deadline register that fails the test if a job reads it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the job read the register ({name}) for a refused day")


APP: Any = SimpleNamespace(dates=date_bounds())


@pytest.mark.parametrize(
    "job", [daily_jobs.record_overdue, daily_jobs.propose_for_ages_reached, daily_jobs.run_day]
)
@pytest.mark.parametrize(
    ("on", "says"),
    [
        (TODAY + timedelta(days=1), "2026-11-25 is in the future"),
        (date(2099, 1, 1), "the daily jobs run for a day once it has begun"),
        (date(1, 1, 1), "the first day the policy tables cover"),
    ],
)
def test_a_job_for_a_day_not_yet_begun_or_not_covered_is_refused_before_anything(
    job: Any, on: date, says: str
) -> None:
    with pytest.raises(DateOutOfRange, match=says) as refused:
        job(APP, Untouchable(), on, today=TODAY)
    assert str(refused.value).startswith(f"on {on.isoformat()}")
