"""The projection catalog: which read-model schemas exist, which one is live, and their switch-over.

A rebuild projects every topic from offset zero into a new schema (`reporting_p<N>`) beside the
live one; when it has caught up it becomes live and the old one is retired (kept, frozen) until
an operator drops it. The catalog is a table in reporting's own schema, so the API processes and
the worker processes agree on it. Names are never reused: a projection's Kafka consumer group
(derived from its name) must have no committed offsets when its rebuild starts.

Reporting's own schema also holds the personal-data access log, and the first projection
(`reporting`) lives in it: dropping that projection drops only its tables (see `drop`).
"""

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from backbone.database import advisory_key, advisory_lock, connection, ensure_schema
from backbone.tracked_consumer import TRANSIENT_ERRORS, TrackedConsumer
from services.reporting.projections.store import ProjectionStore

#: Tries of a drop that PostgreSQL cancelled as a deadlock with a worker still writing.
DROP_ATTEMPTS = 3


class Status(enum.StrEnum):
    LIVE = "live"  # the API reads it; the worker keeps it up to date
    REBUILDING = "rebuilding"  # projected from offset zero beside the live one
    RETIRED = "retired"  # was live; kept as it stood at the switch, no longer updated
    DROPPED = "dropped"  # tables gone; the row stays so the name is never reused


@dataclass(frozen=True)
class Projection:
    name: str  # schema after the prefix; also names the consumer (group) that feeds it
    schema: str
    status: Status
    number: int
    requested_at: datetime
    requested_by: str
    switch_when_caught_up: bool
    started_at: datetime | None
    activated_at: datetime | None
    activated_by: str | None
    retired_at: datetime | None
    dropped_at: datetime | None
    dropped_by: str | None


class UnknownProjection(LookupError):
    pass


class ProjectionConflict(RuntimeError):
    """The operation does not fit the projection's status (e.g. dropping the live one)."""


class ProjectionCatalog:
    """The table `<prefix>reporting.projection`; one row per projection ever requested."""

    def __init__(self, url: str, *, prefix: str, service: str, first: str) -> None:
        self.url = url
        self.prefix = prefix
        self.service = service
        self.service_schema = service_schema = f"{prefix}{service}"
        self.table = sql.Identifier(service_schema, "projection")
        with advisory_lock(url, f"ddl:{service_schema}") as conn:
            ensure_schema(conn, service_schema)
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY,"
                    " number int NOT NULL UNIQUE, status text NOT NULL,"
                    " requested_at timestamptz NOT NULL DEFAULT now(), requested_by text NOT NULL,"
                    " switch_when_caught_up boolean NOT NULL DEFAULT false,"
                    " started_at timestamptz, activated_at timestamptz, activated_by text,"
                    " retired_at timestamptz, dropped_at timestamptz, dropped_by text)"
                ).format(self.table)
            )
            conn.execute(
                sql.SQL(
                    "CREATE UNIQUE INDEX IF NOT EXISTS projection_one_live ON {} ((true))"
                    " WHERE status = 'live'"
                ).format(self.table)
            )
            # The projection that existed before the catalog did is the first live one.
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (name, number, status, requested_by, started_at, activated_at)"
                    " SELECT %s, 0, 'live', 'system', now(), now()"
                    " WHERE NOT EXISTS (SELECT 1 FROM {})"
                ).format(self.table, self.table),
                (first,),
            )

    def schema_of(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _projection(self, row: dict[str, Any]) -> Projection:
        return Projection(
            name=row["name"],
            schema=self.schema_of(row["name"]),
            status=Status(row["status"]),
            number=row["number"],
            requested_at=row["requested_at"],
            requested_by=row["requested_by"],
            switch_when_caught_up=row["switch_when_caught_up"],
            started_at=row["started_at"],
            activated_at=row["activated_at"],
            activated_by=row["activated_by"],
            retired_at=row["retired_at"],
            dropped_at=row["dropped_at"],
            dropped_by=row["dropped_by"],
        )

    def all(self) -> list[Projection]:
        with connection(self.url) as conn:
            rows = conn.execute(sql.SQL("SELECT * FROM {} ORDER BY number").format(self.table))
            return [self._projection(row) for row in rows.fetchall()]

    def get(self, name: str) -> Projection:
        with connection(self.url) as conn:
            row = conn.execute(
                sql.SQL("SELECT * FROM {} WHERE name = %s").format(self.table), (name,)
            ).fetchone()
        if row is None:
            raise UnknownProjection(
                f"no projection named {name!r}; GET /ops/projections lists them"
            )
        return self._projection(row)

    def active(self) -> str:
        with connection(self.url) as conn:
            row = conn.execute(
                sql.SQL("SELECT name FROM {} WHERE status = 'live'").format(self.table)
            ).fetchone()
        if row is None:  # never: seeded with one, and an activation swaps in one transaction
            raise ProjectionConflict("no live projection in the catalog")
        return str(row["name"])

    def request_rebuild(self, *, by: str, switch_when_caught_up: bool) -> Projection:
        """A new projection to fill from offset zero; one rebuild at a time (they compete for
        the same database and broker, and a second adds nothing the first will not have)."""
        with connection(self.url) as conn, conn.transaction():
            conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(self.table))
            running = conn.execute(
                sql.SQL("SELECT name FROM {} WHERE status = 'rebuilding'").format(self.table)
            ).fetchone()
            if running is not None:
                raise ProjectionConflict(
                    f"projection {running['name']!r} is being rebuilt already: activate it when"
                    " it has caught up, or drop it (DELETE /ops/projections/{name}) to start over"
                )
            row = conn.execute(
                sql.SQL("SELECT coalesce(max(number), 0) + 1 AS next FROM {}").format(self.table)
            ).fetchone()
            number = int(row["next"]) if row else 1
            name = f"{self.service}_p{number}"
            created = conn.execute(
                sql.SQL(
                    "INSERT INTO {} (name, number, status, requested_by, switch_when_caught_up)"
                    " VALUES (%s, %s, 'rebuilding', %s, %s) RETURNING *"
                ).format(self.table),
                (name, number, by, switch_when_caught_up),
            ).fetchone()
        assert created is not None
        return self._projection(created)

    def mark_started(self, name: str) -> None:
        with connection(self.url) as conn:
            conn.execute(
                sql.SQL(
                    "UPDATE {} SET started_at = coalesce(started_at, now()) WHERE name = %s"
                ).format(self.table),
                (name,),
            )

    def activate(self, name: str, *, by: str) -> tuple[Projection, str | None]:
        """Make a rebuilt projection live and retire the live one, in one transaction.

        Returns the projection and the name of the one retired (None if it was live already).
        The caller checks that it has caught up: that needs the broker, this only the database.
        """
        with connection(self.url) as conn, conn.transaction():
            rows = conn.execute(
                sql.SQL(
                    "SELECT * FROM {} WHERE status = 'live' OR name = %s ORDER BY number FOR UPDATE"
                ).format(self.table),
                (name,),
            ).fetchall()
            target = next((r for r in rows if r["name"] == name), None)
            if target is None:
                raise UnknownProjection(f"no projection named {name!r}")
            if target["status"] == Status.LIVE:
                return self._projection(target), None
            if target["status"] != Status.REBUILDING:
                raise ProjectionConflict(
                    f"projection {name!r} is {target['status']}: only a rebuilding projection can"
                    " become live; start a new rebuild (POST /ops/projections/rebuild)"
                )
            retired = next((r["name"] for r in rows if r["status"] == Status.LIVE), None)
            conn.execute(
                sql.SQL(
                    "UPDATE {} SET status = 'retired', retired_at = now() WHERE status = 'live'"
                ).format(self.table)
            )
            activated = conn.execute(
                sql.SQL(
                    "UPDATE {} SET status = 'live', activated_at = now(), activated_by = %s"
                    " WHERE name = %s RETURNING *"
                ).format(self.table),
                (by, name),
            ).fetchone()
        assert activated is not None
        return self._projection(activated), retired

    def drop(self, name: str, *, by: str) -> Projection:
        """Drop a retired (or a rebuilding: cancelled) projection's tables; never the live one.

        A projection in a schema of its own goes with its schema. The first projection shares
        reporting's own schema with the access log and this catalog: only the tables a
        projection has are dropped there, i.e. those the live projection (always in a schema of
        its own by then) also has.

        DROP takes each table's exclusive lock in turn while a worker may still be writing a
        rebuild's tables in another order: PostgreSQL then cancels one side as a deadlock.
        That rolls the drop back whole, so it is run again (PostgreSQL's remedy for deadlocks),
        a few times, before the error reaches the operator.
        """
        for attempt in range(1, DROP_ATTEMPTS + 1):
            try:
                return self._drop(name, by=by)
            except psycopg.errors.DeadlockDetected:
                if attempt == DROP_ATTEMPTS:
                    raise
                time.sleep(0.1 * attempt)
        raise AssertionError("unreachable")

    def _drop(self, name: str, *, by: str) -> Projection:
        with connection(self.url) as conn, conn.transaction():
            row = conn.execute(
                sql.SQL("SELECT * FROM {} WHERE name = %s FOR UPDATE").format(self.table), (name,)
            ).fetchone()
            if row is None or row["status"] == Status.DROPPED:
                raise UnknownProjection(f"no projection named {name!r} (or dropped already)")
            if row["status"] == Status.LIVE:
                raise ProjectionConflict(
                    f"projection {name!r} is live: the API reads it. Rebuild and activate"
                    " another one first; the one it replaces can then be dropped"
                )
            self._drop_tables(conn, name)
            dropped = conn.execute(
                sql.SQL(
                    "UPDATE {} SET status = 'dropped', dropped_at = now(), dropped_by = %s"
                    " WHERE name = %s RETURNING *"
                ).format(self.table),
                (by, name),
            ).fetchone()
        assert dropped is not None
        return self._projection(dropped)

    def drop_orphan(self, name: str) -> None:
        """Drop again the tables of a dropped projection that a worker re-created in a race."""
        with connection(self.url) as conn, conn.transaction():
            self._drop_tables(conn, name)

    def _drop_tables(self, conn: psycopg.Connection[Any], name: str) -> None:
        schema = self.schema_of(name)
        # The same lock ProjectionStore and ParkingStore take around their DDL.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key(f"ddl:{schema}"),))
        if schema != self.service_schema:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
            return
        live = conn.execute(
            sql.SQL("SELECT name FROM {} WHERE status = 'live'").format(self.table)
        ).fetchone()
        if live is None or self.schema_of(live["name"]) == schema:
            raise ProjectionConflict("the live projection shares this schema: nothing dropped")
        shared = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
            " AND table_type = 'BASE TABLE' AND table_name IN (SELECT table_name"
            " FROM information_schema.tables WHERE table_schema = %s) ORDER BY table_name",
            (schema, self.schema_of(live["name"])),
        ).fetchall()
        for table in shared:
            conn.execute(
                sql.SQL("DROP TABLE {}").format(sql.Identifier(schema, table["table_name"]))
            )

    # Read by the progress view; the tables may not exist yet (the worker creates them).

    def _exists(self, conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
        row = conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL AS found",
            (sql.Identifier(schema, table).as_string(conn),),
        ).fetchone()
        return bool(row and row["found"])

    def events_applied(self, name: str) -> int:
        """Events applied to a projection so far: each stream's versions are applied from 1
        without gaps, so the sum of the last versions counts them."""
        schema = self.schema_of(name)
        with connection(self.url) as conn:
            if not self._exists(conn, schema, "tracking"):
                return 0
            row = conn.execute(
                sql.SQL("SELECT coalesce(sum(version), 0) AS applied FROM {}").format(
                    sql.Identifier(schema, "tracking")
                )
            ).fetchone()
        return int(row["applied"]) if row else 0

    def streams_behind(self, name: str, live: str, sample: int = 5) -> tuple[int, list[str]]:
        """Streams the live projection applied further than projection `name`: how many, and a
        few of them ("stream v<here>/<live>"). A rebuild that has applied everything the live
        one has cannot be missing anything the live one serves."""
        here, there = self.schema_of(name), self.schema_of(live)
        with connection(self.url) as conn:
            if not self._exists(conn, there, "tracking"):
                return 0, []
            if not self._exists(conn, here, "tracking"):
                row = conn.execute(
                    sql.SQL("SELECT count(*) AS n FROM {}").format(
                        sql.Identifier(there, "tracking")
                    )
                ).fetchone()
                return (int(row["n"]) if row else 0), []
            rows = conn.execute(
                sql.SQL(
                    "SELECT l.stream, l.version AS live, coalesce(h.version, 0) AS here,"
                    " count(*) OVER () AS behind FROM {} l LEFT JOIN {} h USING (stream)"
                    " WHERE coalesce(h.version, 0) < l.version ORDER BY l.stream LIMIT %s"
                ).format(sql.Identifier(there, "tracking"), sql.Identifier(here, "tracking")),
                (sample,),
            ).fetchall()
        if not rows:
            return 0, []
        return int(rows[0]["behind"]), [f"{r['stream']} v{r['here']}/{r['live']}" for r in rows]

    def parked_cases(self, name: str) -> set[str]:
        schema = self.schema_of(name)
        with connection(self.url) as conn:
            if not self._exists(conn, schema, "parked_case"):
                return set()
            rows = conn.execute(
                sql.SQL("SELECT case_id FROM {} WHERE consumer = %s").format(
                    sql.Identifier(schema, "parked_case")
                ),
                (consumer_of(name),),
            ).fetchall()
        return {str(row["case_id"]) for row in rows}

    def updating(self, name: str, *, every: float = 0.0) -> Callable[[], bool]:
        """A check a consumer makes before each message: False for good once the projection is
        retired or dropped, so a switch freezes it (but for a message being applied meanwhile)
        and a drop does not race its writes (a write that loses that race fails and is
        redelivered, then skipped). `every` > 0 reads the catalog at most that often."""
        state = {"checked": 0.0, "updating": True}

        def check() -> bool:
            if state["updating"] and time.monotonic() - state["checked"] >= every:
                try:
                    status = self.get(name).status
                except TRANSIENT_ERRORS:
                    return True  # the message's own processing waits for the database
                except UnknownProjection:
                    status = Status.DROPPED
                state["checked"] = time.monotonic()
                state["updating"] = status in (Status.LIVE, Status.REBUILDING)
            return bool(state["updating"])

        return check


def consumer_of(name: str) -> str:
    """The consumer (and, prefixed, the Kafka group) that feeds projection `name`."""
    return name.replace("_", "-")


@dataclass(frozen=True)
class OpenProjection:
    """A projection as the API uses it: its tables, and its consumer's parked cases."""

    store: ProjectionStore
    consumer: TrackedConsumer


class ActiveProjection:
    """Which projection the API reads: the catalog's live one, looked up at most every `ttl`
    seconds, so every API process follows a switch made by any other within that time."""

    def __init__(
        self,
        catalog: ProjectionCatalog,
        open_projection: Callable[[str], OpenProjection],
        ttl: float = 1.0,
    ) -> None:
        self.catalog = catalog
        self.open_projection = open_projection
        self.ttl = ttl
        self._lock = threading.Lock()
        self._name: str | None = None
        self._read_at = 0.0
        self._opened: dict[str, OpenProjection] = {}

    def name(self) -> str:
        with self._lock:
            if self._name is None or time.monotonic() - self._read_at >= self.ttl:
                self._name = self.catalog.active()
                self._read_at = time.monotonic()
            return self._name

    def forget(self) -> None:
        """After a switch made by this process: the next request reads the catalog again."""
        with self._lock:
            self._name = None

    def current(self) -> OpenProjection:
        """The live projection."""
        return self.open(self.name())

    def open(self, name: str) -> OpenProjection:
        """A projection, opened once per process (opening runs its DDL): the caller makes
        sure it is not dropped, or opening would create it again."""
        with self._lock:
            if name not in self._opened:
                self._opened[name] = self.open_projection(name)
            return self._opened[name]
