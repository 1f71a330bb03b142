"""A read model of a service's own events, caught up on demand from its notification log.

Queries that need more than one aggregate (overdue cases per commune, who turns 16 this month)
read a table kept in the service's schema. Before answering, the caller runs `catch_up()`: it
applies the notifications recorded since the last position and saves the new position in the
same transaction, so each event is applied exactly once and a crash loses nothing. A rebuild is
`reset()` followed by `catch_up()`.

`InMemoryProjection` keeps the same kind of read model in the process's memory, beside
eventsourcing's in-memory store (the fast tests): same notifications, same order, same
once-only application.
"""

import threading
from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing.domain import DomainEventProtocol
from psycopg import sql

from backbone.database import advisory_lock, connect, ensure_schema
from backbone.eventstore import BtxhApplication

Apply = Callable[[psycopg.Connection[Any], DomainEventProtocol[Any]], None]


class LocalProjection:
    def __init__(
        self,
        app: BtxhApplication,
        *,
        url: str,
        schema: str,
        name: str,
        ddl: list[sql.Composed],
        apply: Apply,
        batch_size: int = 500,
    ) -> None:
        self.app = app
        self.url = url
        self.schema = schema
        self.name = name
        self.apply = apply
        self.batch_size = batch_size
        self.positions = sql.Identifier(schema, "local_projection_position")
        with advisory_lock(url, f"ddl:{schema}") as conn:
            ensure_schema(conn, schema)
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY,"
                    " last_notification_id bigint NOT NULL)"
                ).format(self.positions)
            )
            for statement in ddl:
                conn.execute(statement)
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (name, last_notification_id) VALUES (%s, 0)"
                    " ON CONFLICT (name) DO NOTHING"
                ).format(self.positions),
                (name,),
            )

    def catch_up(self) -> int:
        """Apply every notification not yet applied; return how many were applied."""
        applied = 0
        while True:
            with connect(self.url) as conn, conn.transaction():
                row = conn.execute(
                    sql.SQL(
                        "SELECT last_notification_id FROM {} WHERE name = %s FOR UPDATE"
                    ).format(self.positions),
                    (self.name,),
                ).fetchone()
                position = int(row["last_notification_id"]) if row else 0
                notifications = self.app.recorder.select_notifications(
                    start=position, limit=self.batch_size, inclusive_of_start=False
                )
                for notification in notifications:
                    self.apply(conn, self.app.mapper.to_domain_event(notification))
                if notifications:
                    conn.execute(
                        sql.SQL("UPDATE {} SET last_notification_id = %s WHERE name = %s").format(
                            self.positions
                        ),
                        (notifications[-1].id, self.name),
                    )
            applied += len(notifications)
            if len(notifications) < self.batch_size:
                return applied

    def reset(self, truncate: list[sql.Composed]) -> None:
        """Forget the read model (the tables in `truncate`) so the next catch-up rebuilds it."""
        with connect(self.url) as conn, conn.transaction():
            for statement in truncate:
                conn.execute(statement)
            conn.execute(
                sql.SQL("UPDATE {} SET last_notification_id = 0 WHERE name = %s").format(
                    self.positions
                ),
                (self.name,),
            )


class InMemoryProjection:
    """A read model in memory, caught up on demand from the application's notification log."""

    def __init__(
        self,
        app: BtxhApplication,
        *,
        apply: Callable[[DomainEventProtocol[Any]], None],
        batch_size: int = 500,
    ) -> None:
        self.app = app
        self.apply = apply
        self.batch_size = batch_size
        self.position = 0
        # Held while applying and while reading the model, as a transaction would.
        self.lock = threading.RLock()

    def catch_up(self) -> int:
        """Apply every notification not yet applied; return how many were applied."""
        applied = 0
        with self.lock:
            while True:
                notifications = self.app.recorder.select_notifications(
                    start=self.position, limit=self.batch_size, inclusive_of_start=False
                )
                for notification in notifications:
                    self.apply(self.app.mapper.to_domain_event(notification))
                if notifications:
                    self.position = notifications[-1].id
                applied += len(notifications)
                if len(notifications) < self.batch_size:
                    return applied
