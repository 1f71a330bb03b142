"""Case history: every event of a case from every service, with who, when and the facts."""

from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from contracts.envelope import Envelope

#: Payload fields the history does not keep: the ID-number digest links a person only inside
#: intake (which alone holds its key); the history keeps btxh's person id.
NOT_KEPT = frozenset({"personal_id_digest"})


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
