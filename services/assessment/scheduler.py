"""Runs assessment's daily jobs once per day (Vietnam time), catching up days it missed.

Each day's result is stored; after a stop, the next start runs every day since the last one
(at most `MAX_CATCH_UP_DAYS`), so no deadline or birthday is skipped. `run --on DATE` runs one
day on demand (the HTTP routes /ops/deadlines/run and /ops/triggers/run do the same).
"""

import logging
import threading
from datetime import date, timedelta

from psycopg import sql
from psycopg.types.json import Jsonb

from backbone.database import advisory_lock, connection
from reference.working_days import today_in_vietnam
from services.assessment import daily_jobs
from services.assessment.application import AssessmentApplication
from services.assessment.deadline_register import DeadlineRegister

log = logging.getLogger(__name__)

MAX_CATCH_UP_DAYS = 62


class DailyScheduler:
    def __init__(
        self, app: AssessmentApplication, register: DeadlineRegister, *, url: str, schema: str
    ) -> None:
        self.app = app
        self.register = register
        self.url = url
        self.schema = schema
        self.table = sql.Identifier(schema, "daily_job_run")
        with connection(self.url) as conn:
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (day date PRIMARY KEY, result jsonb NOT NULL,"
                    " ran_at timestamptz NOT NULL DEFAULT now())"
                ).format(self.table)
            )

    def days_due(self, today: date) -> list[date]:
        with connection(self.url) as conn:
            row = conn.execute(
                sql.SQL("SELECT max(day) AS last FROM {}").format(self.table)
            ).fetchone()
        last: date | None = row["last"] if row else None
        first = (
            today
            if last is None
            else max(last + timedelta(days=1), today - timedelta(days=MAX_CATCH_UP_DAYS))
        )
        return [first + timedelta(days=n) for n in range((today - first).days + 1)]

    def run_due(self, today: date) -> None:
        # One scheduler at a time: a second replica waits, then finds nothing due.
        with advisory_lock(self.url, f"daily-jobs:{self.schema}"):
            for day in self.days_due(today):
                result = daily_jobs.run_day(self.app, self.register, day, today=today)
                with connection(self.url) as conn:
                    conn.execute(
                        sql.SQL(
                            "INSERT INTO {} (day, result) VALUES (%s, %s) ON CONFLICT (day)"
                            " DO UPDATE SET result = EXCLUDED.result, ran_at = now()"
                        ).format(self.table),
                        (day, Jsonb(result)),
                    )
                log.info("daily jobs for %s: %s", day.isoformat(), result)

    def run_forever(self, stop: threading.Event, poll_seconds: float = 60.0) -> None:
        while not stop.is_set():
            try:
                self.run_due(today_in_vietnam())
            except Exception:
                log.exception("daily jobs failed; retrying in %.0f s", poll_seconds)
            stop.wait(poll_seconds)
