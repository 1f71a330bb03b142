"""Case history: every event of a case from every service, with who, when and the facts.

The history is hash-chained (backbone.chain), so an inspector reading a case's timeline sees
whether its rows are as they were projected. The chain lives in the projection's schema: a
rebuilt projection starts a fresh chain over what it rebuilt. That chain proves its rows were
not altered or deleted *since the rebuild*; it does not prove they match what the live
projection held before, nor the events themselves: those are the services' stored events,
each service's own chain (and the rebuild re-reads them through the bus).
"""

from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from backbone.chain import ChainedTable, Column, ScopeCheck, verify_scope
from contracts.envelope import Envelope

#: Payload fields the history does not keep: the ID-number digest links a person only inside
#: intake (which alone holds its key); the history keeps btxh's person id.
NOT_KEPT = frozenset({"personal_id_digest"})


def chained(schema: str) -> ChainedTable:
    """Every column of a history row is chained; the case id is the scope of a case's check."""
    return ChainedTable(
        schema=schema,
        table="case_history",
        what="case history (projection)",
        key=(
            Column("source", "text"),
            Column("originator_id", "uuid"),
            Column("version", "bigint"),
        ),
        scope=Column("case_id", "uuid"),
        content=(
            "r.source",
            "r.originator_id",
            "r.version",
            "r.case_id",
            "r.message_id",
            "r.type",
            "r.schema_version",
            """to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
            "r.actor_id",
            "r.actor_role",
            "r.actor_unit",
            "r.correlation_id",
            "r.causation_id",
            "r.data",
        ),
    )


def verify_case(conn: psycopg.Connection[Any], schema: str, case_id: UUID) -> ScopeCheck:
    """Whether a case's history rows are intact: each row's link recomputed and joined to its
    neighbours (`ScopeCheck.intact` holds the (source, originator_id, version) of each)."""
    return verify_scope(conn, chained(schema), case_id)


def row_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """A history row's key, as `ScopeCheck.intact` holds it."""
    return (row["source"], row["originator_id"], row["version"])


def record(conn: psycopg.Connection[Any], schema: str, envelope: Envelope) -> None:
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (case_id, source, originator_id, version, message_id, type,"
            " schema_version, recorded_at, actor_id, actor_role, actor_unit, correlation_id,"
            " causation_id, data) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        ).format(sql.Identifier(schema, "case_history")),
        (
            envelope.subject,
            envelope.source,
            envelope.originatorid,
            envelope.originatorversion,
            envelope.id,
            envelope.type,
            envelope.schemaversion,
            envelope.time,
            envelope.actorid,
            envelope.actorrole,
            envelope.actorunit,
            envelope.correlationid,
            envelope.causationid,
            Jsonb({k: v for k, v in envelope.data.items() if k not in NOT_KEPT}),
        ),
    )


def case_history(conn: psycopg.Connection[Any], schema: str, case_id: UUID) -> list[dict[str, Any]]:
    """Events of a case in the order they were recorded (ties: by service, then version)."""
    return conn.execute(
        sql.SQL("SELECT * FROM {} WHERE case_id = %s ORDER BY recorded_at, source, version").format(
            sql.Identifier(schema, "case_history")
        ),
        (case_id,),
    ).fetchall()
