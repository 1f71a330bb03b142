"""The event store's writer: each save in one bounded transaction, never in psycopg's pipeline.

Why not the library's own insert. eventsourcing's PostgresApplicationRecorder writes a
save in psycopg's pipeline mode and calls `Pipeline.sync()`. In psycopg 3.3.9 (and its main
branch as of July 2026) `sync()` can stop sending before the whole query has left: its
`pipeline_communicate()` returns as soon as the command queue is empty, even when the last
`PQflush()` answered 1 (bytes still in libpq's output buffer), and `_fetch_gen(flush=False)`
then only waits for the socket to become readable. The server waits for the rest of the
INSERT's Bind message (`ClientRead`, after `NOTIFY`) while holding the event table's EXCLUSIVE
lock; the client waits for a result that cannot come. It happens as soon as one save is larger
than what the socket takes in the few writes `sync()` makes: about 450 KB on the embedded
Unix socket (a payroll batch with arrears, a dossier with a long document list). psycopg's
fix for the same fault on pipeline *exit* (psycopg#685) did not cover `sync()`.

Outside pipeline mode psycopg flushes every query whole before it waits for its result, so
this recorder writes the same statements (tracking, table lock, NOTIFY, INSERT) one by one in
one transaction. Second line of defence: the transaction has a `transaction_timeout`, so a
write that stalls for any other reason is cut by the server, rolled back (the lock freed),
retried a few times and then reported as `WriteNotCompleted`, never left waiting.
"""

import logging
import time
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresFactory,
    PostgresProcessRecorder,
)
from psycopg import errors
from psycopg.sql import SQL, Composed, Literal

log = logging.getLogger(__name__)

#: PostgreSQL 17 brought `transaction_timeout`; older servers get `statement_timeout` only.
TRANSACTION_TIMEOUT_SINCE = 170000


#: The server cut the session for lasting too long (psycopg files these as InternalError).
SESSION_CUT = (errors.TransactionTimeout, errors.IdleInTransactionSessionTimeout)


class WriteNotCompleted(OperationalError):
    """A save did not complete within its time bound, even after retries; nothing was stored."""


class _BoundedInsert:
    """`insert_events` without pipeline mode, inside a transaction bounded in time."""

    #: Longest a save's transaction may last (seconds); set by the factory from the settings.
    write_timeout: float = 30.0
    #: How many times a save cut by the database (timeout, lost connection) is tried in all.
    write_attempts: int = 3

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        for attempt in range(1, self.write_attempts + 1):
            try:
                return self._insert_in_one_transaction(stored_events, **kwargs)
            except (OperationalError, InterfaceError) as error:
                if attempt == self.write_attempts:
                    raise WriteNotCompleted(
                        f"the write of {len(stored_events)} event(s) was cut {attempt} times"
                        f" (each try is bounded to {self.write_timeout:g} s) and rolled back:"
                        f" nothing was stored. The event store is busy or stalled; last: {error}"
                    ) from error
                log.warning(
                    "event write cut (attempt %s of %s), retrying: %s",
                    attempt,
                    self.write_attempts,
                    error,
                )
                time.sleep(0.2 * attempt)
        raise AssertionError("unreachable")

    def _insert_in_one_transaction(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        recorder: Any = self  # mixed into a PostgreSQL recorder: its statements are ours
        with recorder.datastore.get_connection() as conn:
            try:
                with conn.transaction(), conn.cursor() as curs:
                    curs.execute(self._time_bound(conn.info.server_version))
                    # Tracking first (process recorder), then the table lock, NOTIFY, INSERT.
                    recorder._insert_events(curs, stored_events, **kwargs)
                    if not stored_events:
                        return []
                    recorder._insert_stored_events(curs, stored_events, **kwargs)
                    ids: Sequence[int] = recorder._fetch_ids_after_insert_events(
                        curs, stored_events, **kwargs
                    )
                    return ids
            except SESSION_CUT as error:
                # The server ended the session (class 25, "internal" to psycopg): transient.
                raise OperationalError(str(error).strip()) from error

    def _time_bound(self, server_version: int) -> Composed:
        milliseconds = Literal(f"{int(self.write_timeout * 1000)}ms")
        if server_version >= TRANSACTION_TIMEOUT_SINCE:
            return SQL("SET LOCAL transaction_timeout = {}").format(milliseconds)
        return SQL("SET LOCAL statement_timeout = {}").format(milliseconds)


class BoundedApplicationRecorder(_BoundedInsert, PostgresApplicationRecorder):
    """An application recorder whose saves are bounded and never pipelined."""


class BoundedProcessRecorder(_BoundedInsert, PostgresProcessRecorder):
    """A process recorder (events + tracking in one transaction), bounded, never pipelined."""


class Factory(PostgresFactory):
    """eventsourcing's PostgreSQL factory with the bounded recorders.

    Selected with PERSISTENCE_MODULE=backbone.recorder:Factory; reads BTXH_WRITE_TIMEOUT
    (seconds) from the same environment as the library's POSTGRES_* keys.
    """

    WRITE_TIMEOUT = "BTXH_WRITE_TIMEOUT"

    application_recorder_class = BoundedApplicationRecorder
    process_recorder_class = BoundedProcessRecorder

    def application_recorder(self) -> Any:
        return self._bounded(super().application_recorder())

    def process_recorder(self) -> Any:
        return self._bounded(super().process_recorder())

    def _bounded(self, recorder: Any) -> Any:
        assert isinstance(recorder, _BoundedInsert), recorder
        recorder.write_timeout = float(self.env.get(self.WRITE_TIMEOUT) or 30)
        return recorder
