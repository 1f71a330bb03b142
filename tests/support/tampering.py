"""Rows altered or deleted behind the services' backs, straight in PostgreSQL, and put back
exactly as they were: what a test of the hash chains (backbone/chain.py) needs."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from backbone.system import System


def database_url(system: System) -> str:
    return system.processes["reporting-api"].env["BTXH_DATABASE_URL"]


def table(system: System, service: str, name: str) -> sql.Identifier:
    return sql.Identifier(f"{system.prefix}{service}", name)


def query(system: System, statement: sql.Composable, params: tuple[Any, ...] = ()) -> list[Any]:
    with psycopg.connect(database_url(system), autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(statement, params).fetchall()


@contextmanager
def tampered(
    system: System,
    service: str,
    name: str,
    where: sql.Composable,
    params: tuple[Any, ...],
    *,
    change: sql.Composable | None = None,
) -> Iterator[None]:
    """The rows of table `name` of `service` matching `where` changed (`SET <change>`) or,
    without a change, deleted; put back exactly as they were when the block ends, with the
    chain's trigger off for the put-back (so it adds no link) and the table locked meanwhile
    (ALTER TABLE), so no other insert goes unchained."""
    target = table(system, service, name)
    saved = sql.Identifier(f"saved_{uuid.uuid4().hex[:8]}")
    trigger = sql.Identifier(f"{name}_chain")
    with psycopg.connect(database_url(system), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE TEMP TABLE {} AS SELECT * FROM {} WHERE {}").format(
                saved, target, where
            ),
            params,
        )
        if change is None:
            conn.execute(sql.SQL("DELETE FROM {} WHERE {}").format(target, where), params)
        else:
            conn.execute(sql.SQL("UPDATE {} SET {} WHERE {}").format(target, change, where), params)
        try:
            yield
        finally:
            with conn.transaction():
                conn.execute(sql.SQL("DELETE FROM {} WHERE {}").format(target, where), params)
                conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(target, trigger))
                conn.execute(sql.SQL("INSERT INTO {} SELECT * FROM {}").format(target, saved))
                conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(target, trigger))
