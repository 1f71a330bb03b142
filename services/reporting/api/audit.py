"""The access log across services: who read which case's personal data, when, and how.

Each service writes its own log in its own schema (backbone/access_log.py); inspectors need
one view of them, so reporting reads them all here, read-only, from the same database.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from psycopg import sql
from pydantic import BaseModel

from backbone.actor import Actor
from backbone.auth import jurisdiction_of, require_roles
from backbone.database import connection
from backbone.http import ActorIdQuery
from contracts.topics import CONSUMERS
from services.reporting.api.scope import units_within

router = APIRouter(tags=["access log"])

Auditor = Annotated[Actor, Depends(require_roles("inspector", "operator"))]


class AccessLogEntry(BaseModel):
    service: str
    read_at: datetime
    actor_id: str
    actor_role: str
    actor_unit: str | None
    resource: str
    request: str
    case_ids: list[UUID]


@router.get(
    "/access-log",
    summary="Who read whose personal data, in every service, newest first (nhật ký truy cập)",
)
def get_access_log(
    request: Request,
    auditor: Auditor,
    case_id: UUID | None = None,
    actor_id: ActorIdQuery = None,
    since: Annotated[datetime | None, Query(description="From this instant (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Up to this instant (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AccessLogEntry]:
    """A read with many cases (a register page) lists them all; `case_id` finds each read
    that included the case. An inspector or operator of a province or commune sees the reads
    of that unit's officials; a national one, every read."""
    schema_of = request.app.state.service_schema
    url: str = request.app.state.database_url
    conditions: list[sql.Composable] = [sql.SQL("true")]
    params: list[Any] = []
    within = units_within(jurisdiction_of(auditor))
    for clause, value in (
        ("actor_unit = ANY(%s)", within),  # reads by officials of the auditor's unit only
        ("%s = ANY(case_ids)", case_id),
        ("actor_id = %s", actor_id),
        ("read_at >= %s", since),
        ("read_at <= %s", until),
    ):
        if value is not None:
            conditions.append(sql.SQL(clause))
            params.append(value)
    where = sql.SQL(" AND ").join(conditions)
    parts: list[sql.Composable] = []
    all_params: list[Any] = []
    with connection(url) as conn:
        for service in CONSUMERS:
            table = sql.Identifier(schema_of(service), "personal_data_read")
            found = conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL AS found", (table.as_string(conn),)
            ).fetchone()
            if not (found and found["found"]):
                continue  # that service has not logged a read yet
            parts.append(
                sql.SQL(
                    "SELECT {} AS service, read_at, actor_id, actor_role, actor_unit, resource,"
                    " request, case_ids FROM {} WHERE {}"
                ).format(sql.Literal(service), table, where)
            )
            all_params.extend(params)
        if not parts:
            return []
        rows = conn.execute(
            sql.SQL("{} ORDER BY read_at DESC LIMIT %s").format(sql.SQL(" UNION ALL ").join(parts)),
            [*all_params, limit],
        ).fetchall()
    return [AccessLogEntry.model_validate(row) for row in rows]
