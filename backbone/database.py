"""Small PostgreSQL helpers: connections from the URL, advisory-lock keys, schema creation."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

#: Errors that mean "the database is not reachable right now": retry, never skip.
TRANSIENT_DB_ERRORS: tuple[type[Exception], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


@dataclass(frozen=True)
class SessionBounds:
    """How long a service's database session may wait, so no stalled client holds a lock.

    - write_timeout: a transaction that writes events lasts at most this (seconds); the server
      cuts a longer one and rolls it back (backbone.recorder);
    - lock_timeout: a write waits at most this for the event table's lock (whole seconds);
    - idle_in_transaction_timeout: a session idle inside a transaction is cut after this.
    """

    write_timeout: float = 30.0
    lock_timeout: int = 10
    idle_in_transaction_timeout: int = 10


#: Every session of ours: a client that stops between two statements of a transaction is cut
#: off by the server, so its locks are freed (no code path of ours idles in a transaction).
SESSION_OPTIONS = (
    f"-c idle_in_transaction_session_timeout={SessionBounds().idle_in_transaction_timeout}s"
)


def connect(url: str, *, autocommit: bool = False, timeout: int = 5) -> psycopg.Connection[Any]:
    return psycopg.connect(
        url,
        autocommit=autocommit,
        connect_timeout=timeout,
        row_factory=dict_row,
        options=SESSION_OPTIONS,
    )


_pools: dict[str, ConnectionPool[psycopg.Connection[Any]]] = {}


@contextmanager
def connection(url: str) -> Iterator[psycopg.Connection[Any]]:
    """A pooled autocommit connection (dict rows); use `with conn.transaction()` for atomicity."""
    pool = _pools.get(url)
    if pool is None:
        pool = ConnectionPool(
            url,
            min_size=1,
            max_size=3,
            timeout=10,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "connect_timeout": 5,
                "options": SESSION_OPTIONS,
            },
            check=ConnectionPool.check_connection,
            open=True,
        )
        _pools[url] = pool
    with pool.connection() as conn:
        yield conn


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock, derived from a readable name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(url: str, name: str) -> Iterator[psycopg.Connection[Any]]:
    """Hold a session advisory lock while the block runs (serialises DDL across processes)."""
    with connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (advisory_key(name),))
        try:
            yield conn
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (advisory_key(name),))


def ensure_schema(conn: psycopg.Connection[Any], schema: str) -> None:
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def eventsourcing_env(
    url: str, schema: str, bounds: "SessionBounds | None" = None
) -> dict[str, str]:
    """The environment eventsourcing's PostgreSQL module reads, from our one database URL."""
    info = conninfo_to_dict(url)
    bounds = bounds or SessionBounds()
    return {
        # The library's factory with our recorder: bounded saves, never pipelined.
        "PERSISTENCE_MODULE": "backbone.recorder:Factory",
        "BTXH_WRITE_TIMEOUT": str(bounds.write_timeout),
        "POSTGRES_LOCK_TIMEOUT": str(bounds.lock_timeout),
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(bounds.idle_in_transaction_timeout),
        "POSTGRES_DBNAME": str(info.get("dbname", "postgres")),
        "POSTGRES_HOST": str(info.get("host", "localhost")),
        "POSTGRES_PORT": str(info.get("port", "5432")),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(info.get("password", "")),
        "POSTGRES_SCHEMA": schema,
        # Never the DB-function insert path: it lets a tailing reader skip events.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "no",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        # Check a pooled connection before use: after a database restart, none is stale.
        "POSTGRES_PRE_PING": "yes",
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "4",
    }
