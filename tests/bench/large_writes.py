"""How large a save the event store now writes, and at what cost against raw PostgreSQL.

A save of more than about 450 KB in one transaction used to hang for good in psycopg's
`Pipeline.sync()` (backbone/recorder.py says why). This writes, through the recorder every
service uses (BoundedProcessRecorder: tracking, table lock, NOTIFY, INSERT, one transaction):

- one event of 0.1, 1, 10 and 50 MB;
- one save of N entitlements' payroll events, each beneficiary owed 36 months (the shape of
  a payroll batch with arrears), for N = 100, 1,000 and 5,000;

and, in the same run on the same database, the raw baseline: the same bytes inserted with
one plain psycopg INSERT per transaction (no lock, no NOTIFY, no tracking). Figures are
seconds and the ratio recorder / raw (machines are shared and noisy: the ratio is the figure).
Each write runs on a thread that must finish within WITHIN seconds, so a regression reports
"hangs" instead of hanging the bench.

`python -m tests.bench.large_writes` (embedded PostgreSQL under .data/bench-writes).
"""

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from eventsourcing.utils import Environment

from backbone.database import connect, ensure_schema, eventsourcing_env
from backbone.embedded import EmbeddedPostgres
from tests.support.infra import ROOT

RUN_DIR = ROOT / ".data" / "bench-writes"
WITHIN = 300.0
EVENT_SIZES = (100_000, 1_000_000, 10_000_000, 50_000_000)
BATCHES = (100, 1_000, 5_000)
MONTHS = 36


def line_event(months: int) -> bytes:
    """A beneficiary's LinesIssued-like event: `months` payroll lines, as JSON."""
    lines = [
        {
            "line_id": f"{uuid.uuid4()}:{uuid.uuid4()}:2026-12:{month:02d}",
            "month": f"{2024 + month // 12}-{month % 12 + 1:02d}",
            "kind": "arrears",
            "amount": 750_000,
            "categories": {"ELDERLY_POOR_NO_SUPPORTER_60_80": 1},
            "policy_version": "national-2024-07-01",
        }
        for month in range(months)
    ]
    return json.dumps({"lines": lines}).encode()


def timed(work: Callable[[], Any]) -> float | None:
    """Seconds `work` took, or None when it did not finish within WITHIN (it hangs)."""
    done: list[float] = []

    def run() -> None:
        started = time.perf_counter()
        work()
        done.append(time.perf_counter() - started)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(WITHIN)
    return done[0] if done else None


def main() -> None:
    postgres = EmbeddedPostgres(RUN_DIR / "postgres")
    url = postgres.start()
    schema = f"w{uuid.uuid4().hex[:8]}"
    try:
        with connect(url, autocommit=True) as conn:
            ensure_schema(conn, schema)
            conn.execute(f'CREATE TABLE "{schema}".raw (id uuid PRIMARY KEY, state bytea)')
        factory = InfrastructureFactory.construct(
            Environment("bench", eventsourcing_env(url, schema))
        )
        recorder: Any = factory.process_recorder()

        def through_recorder(states: list[bytes]) -> Callable[[], Any]:
            events = [StoredEvent(uuid.uuid4(), 1, "bench:Event", state) for state in states]
            return lambda: recorder.insert_events(events)

        def raw(states: list[bytes]) -> Callable[[], Any]:
            def insert() -> None:
                with (
                    psycopg.connect(url, autocommit=True) as conn,
                    conn.transaction(),
                    conn.cursor() as cursor,
                ):
                    cursor.executemany(
                        f'INSERT INTO "{schema}".raw VALUES (%s, %s)',  # noqa: S608
                        [(uuid.uuid4(), state) for state in states],
                    )

            return insert

        rows = []
        for size in EVENT_SIZES:
            states = [os.urandom(size)]
            rows.append((f"one event of {size / 1e6:g} MB", size, states))
        for count in BATCHES:
            states = [line_event(MONTHS) for _ in range(count)]
            label = f"{count:,} beneficiaries x {MONTHS} months ({count * MONTHS:,} lines)"
            rows.append((label, sum(map(len, states)), states))

        print(f"{'save':<46} {'MB':>7} {'raw s':>8} {'recorder s':>11} {'ratio':>6}")
        for label, size, states in rows:
            baseline = timed(raw(states))
            measured = timed(through_recorder(states))
            ratio = f"{measured / baseline:6.2f}" if measured is not None and baseline else "     -"
            shown = "hangs" if measured is None else f"{measured:.3f}"
            print(
                f"{label:<46} {size / 1e6:7.2f} "
                f"{baseline if baseline is not None else float('nan'):8.3f} {shown:>11} {ratio}"
            )
    finally:
        with connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        postgres.stop()


if __name__ == "__main__":
    main()
