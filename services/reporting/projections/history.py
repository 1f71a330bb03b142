"""Case history: every event of a case from every service, with who, when and the facts."""

from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from contracts.envelope import Envelope


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
            Jsonb(envelope.data),
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
