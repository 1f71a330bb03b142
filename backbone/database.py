"""Small PostgreSQL helpers: connections from the URL, advisory-lock keys, schema creation."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
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


def connect(url: str, *, autocommit: bool = False, timeout: int = 5) -> psycopg.Connection[Any]:
    return psycopg.connect(
        url, autocommit=autocommit, connect_timeout=timeout, row_factory=dict_row
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
            kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": 5},
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


def eventsourcing_env(url: str, schema: str) -> dict[str, str]:
    """The environment eventsourcing's PostgreSQL module reads, from our one database URL."""
    info = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
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
