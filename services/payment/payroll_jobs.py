"""Payroll generation in the background, with its progress in a table.

A commune's payroll can hold 100,000 lines: generating it takes minutes, longer than an HTTP
request should wait. The API starts the generation on a thread and answers at once; anyone
can follow the progress (beneficiaries checked, lines issued) until it is generated or failed.
Progress lives in PostgreSQL so it survives a restart of the API: a generation that was
running when the process stopped is marked interrupted, and generating again completes it
(generation adds only what is missing).
"""

import logging
import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

from psycopg import sql

from backbone.database import advisory_lock, connection, ensure_schema

log = logging.getLogger(__name__)

Generate = Callable[[Callable[[int, int], None]], Any]


class PayrollJobs:
    def __init__(self, url: str, schema: str) -> None:
        self.url = url
        self.table = sql.Identifier(schema, "payroll_progress")
        self._running: set[UUID] = set()
        self._lock = threading.Lock()
        with advisory_lock(url, f"ddl:{schema}") as conn:
            ensure_schema(conn, schema)
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (payroll_id uuid PRIMARY KEY, status text NOT"
                    " NULL, beneficiaries bigint NOT NULL, lines bigint NOT NULL, error text,"
                    " started_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)"
                ).format(self.table)
            )
            # Only this process generates payrolls: what was running before it started was cut.
            conn.execute(
                sql.SQL(
                    "UPDATE {} SET status = 'interrupted', updated_at = now()"
                    " WHERE status = 'generating'"
                ).format(self.table)
            )

    def start(self, payroll: UUID, generate: Generate) -> bool:
        """Start generating on a thread; False when this payroll is already being generated."""
        with self._lock:
            if payroll in self._running:
                return False
            self._running.add(payroll)
        self._write(payroll, "generating", 0, 0, None)
        threading.Thread(
            target=self._run, args=(payroll, generate), name=f"payroll-{payroll}", daemon=True
        ).start()
        return True

    def _run(self, payroll: UUID, generate: Generate) -> None:
        done = [0, 0]  # beneficiaries, lines

        def report(beneficiaries: int, lines: int) -> None:
            done[:] = [beneficiaries, lines]
            self._write(payroll, "generating", beneficiaries, lines, None)

        try:
            generate(report)
        except Exception as error:  # the reason is kept for whoever follows the progress
            log.exception("payroll %s failed", payroll)
            self._write(payroll, "failed", done[0], done[1], f"{type(error).__name__}: {error}")
        else:
            self._write(payroll, "generated", done[0], done[1], None)
        finally:
            with self._lock:
                self._running.discard(payroll)

    def _write(
        self, payroll: UUID, status: str, beneficiaries: int, lines: int, error: str | None
    ) -> None:
        with connection(self.url) as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} AS p (payroll_id, status, beneficiaries, lines, error, started_at,"
                    " updated_at) VALUES (%s, %s, %s, %s, %s, now(), now())"
                    " ON CONFLICT (payroll_id) DO UPDATE SET status = EXCLUDED.status,"
                    " beneficiaries = EXCLUDED.beneficiaries, lines = EXCLUDED.lines,"
                    " error = EXCLUDED.error, updated_at = now(),"
                    " started_at = CASE WHEN EXCLUDED.status = 'generating'"
                    " AND EXCLUDED.beneficiaries = 0 AND EXCLUDED.lines = 0"
                    " THEN now() ELSE p.started_at END"
                ).format(self.table),
                (payroll, status, beneficiaries, lines, error),
            )

    def progress(self, payroll: UUID) -> dict[str, Any] | None:
        """The latest generation of this payroll: status, counts, error, times."""
        with connection(self.url) as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT status, beneficiaries, lines, error, started_at, updated_at"
                    " FROM {} WHERE payroll_id = %s"
                ).format(self.table),
                (payroll,),
            ).fetchone()
        if row is None:
            return None
        return {
            **row,
            "started_at": row["started_at"].isoformat(),
            "updated_at": row["updated_at"].isoformat(),
        }
