"""The event store's writes on the real PostgreSQL: large saves complete, a stalled one is cut.

What froze services before (backbone/recorder.py says why): a save of about 450 KB or more
in one transaction, written through psycopg's pipeline, waited forever holding the event
table's lock. Each write here runs on a thread that must finish within a bound, so a
regression fails the test instead of hanging the suite.
"""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event

from backbone.database import connect
from backbone.eventstore import BtxhApplication
from backbone.recorder import BoundedProcessRecorder, WriteNotCompleted
from backbone.settings import BackboneSettings
from tests.support.infra import Infra

#: Largest message the bus carries (BackboneSettings.max_message_bytes): one event near it.
NEAR_THE_BUS_LIMIT = 990_000


class Ledger(Aggregate):
    """A stand-in aggregate: one event carries whatever lines it is given."""

    @event("Opened")
    def __init__(self, *, lines: list[dict[str, Any]]) -> None:
        self.lines = lines


class StoreUnderTest(BtxhApplication):
    name = "writes"
    service = "writes"


@pytest.fixture
def store(infra: Infra) -> Iterator[StoreUnderTest]:
    prefix = f"w{uuid.uuid4().hex[:8]}_"
    app = StoreUnderTest(BackboneSettings(database_url=infra.database_url, prefix=prefix))
    yield app
    app.close()


def finishes(work: Callable[[], Any], within: float) -> Any:
    """Run `work` on a thread; fail (not hang) when it has not finished within `within` s."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(within)
    assert not thread.is_alive(), f"the write did not finish within {within}s: it hangs"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def arrears_lines(months: int) -> list[dict[str, Any]]:
    """The lines of one beneficiary owed `months` months, shaped like a payroll's."""
    return [
        {
            "line_id": f"{uuid.uuid4()}:{uuid.uuid4()}:2026-12:{month:02d}",
            "month": f"{2023 + month // 12}-{month % 12 + 1:02d}",
            "kind": "arrears",
            "amount": 750_000,
            "categories": {"ELDERLY_POOR_NO_SUPPORTER_60_80": 1},
            "policy_version": "national-2024-07-01",
            "payroll_id": str(uuid.uuid4()),
            "commune": "02020",
            "channel": "post_office",
        }
        for month in range(months)
    ]


def event_table_locks(store: StoreUnderTest, url: str) -> int:
    with connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relname = 'writes_events' AND l.mode = 'ExclusiveLock'",
            (store.recorder.datastore.schema,),  # type: ignore[attr-defined]
        ).fetchone()
    assert row is not None
    return int(row["n"])


def test_one_event_near_the_bus_limit_is_stored_whole(store: StoreUnderTest, infra: Infra) -> None:
    big = Ledger(lines=[{"text": "x" * NEAR_THE_BUS_LIMIT}])
    finishes(lambda: store.save(big), within=30)
    again: Ledger = store.repository.get(big.id)
    assert len(again.lines[0]["text"]) == NEAR_THE_BUS_LIMIT
    assert event_table_locks(store, infra.database_url) == 0


def test_a_hundred_beneficiaries_owed_36_months_are_saved_in_one_transaction(
    store: StoreUnderTest, infra: Infra
) -> None:
    ledgers = [Ledger(lines=arrears_lines(36)) for _ in range(100)]
    finishes(lambda: store.save(*ledgers), within=60)
    assert sum(len(store.repository.get(ledger.id).lines) for ledger in ledgers) == 3_600
    assert event_table_locks(store, infra.database_url) == 0
    # The lock is free: the next save goes through at once.
    finishes(lambda: store.save(Ledger(lines=[])), within=10)


class StallingRecorder(BoundedProcessRecorder):
    """A client that stops talking while it holds the event table's lock."""

    attempts = 0

    def _insert_stored_events(self, curs: psycopg.Cursor[Any], *args: Any, **kwargs: Any) -> None:
        super()._insert_stored_events(curs, *args, **kwargs)
        self.attempts += 1
        time.sleep(self.write_timeout * 2)


def test_a_write_that_stalls_holding_the_lock_is_cut_retried_reported_and_stores_nothing(
    store: StoreUnderTest, infra: Infra
) -> None:
    recorder: Any = store.recorder
    stalling = StallingRecorder(
        datastore=recorder.datastore,
        events_table_name=recorder.events_table_name,
        tracking_table_name=recorder.tracking_table_name,
    )
    stalling.write_timeout = 1.0
    stalled = Ledger(lines=[{"text": "never stored"}])
    stored_events = store.mapper.to_stored_event(stalled.collect_events()[0])

    other = Ledger(lines=[])

    def stall_while_another_writes() -> None:
        writer = threading.Thread(target=lambda: store.save(other), daemon=True)
        threading.Timer(0.3, writer.start).start()
        stalling.insert_events([stored_events])

    started = time.monotonic()
    with pytest.raises(WriteNotCompleted, match="rolled back: nothing was stored"):
        finishes(stall_while_another_writes, within=30)
    took = time.monotonic() - started
    assert stalling.attempts == 3
    assert took < 12, f"three bounded attempts took {took:.1f}s"
    # Nothing of the stalled write was stored; the other writer got through meanwhile.
    assert not store.recorder.select_events(stalled.id)
    assert store.repository.get(other.id).version == 1
    assert event_table_locks(store, infra.database_url) == 0
