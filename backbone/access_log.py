"""Who read whose personal data: every read of case data by a person is logged before it is shown.

Personal data here includes names, dates of birth and the category of a case (which reveals a
disability or HIV status). A route that returns such data calls `PersonalDataRead.record`
with the case ids it is about to return; if the log cannot be written the read fails (503) —
nothing is disclosed without a trace. Service actors (role `system`) are not logged.

The log lives in the service's own schema, never in a projection schema that a rebuild drops.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import anyio
from fastapi import Depends, Request
from psycopg import sql
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backbone.actor import Actor
from backbone.auth import authenticate, require_roles
from backbone.chain import ChainedTable, Column, install
from backbone.database import advisory_lock, connection


class AccessLog:
    """The append-only table `<schema>.personal_data_read`, hash-chained (backbone.chain): a
    row altered or deleted afterwards is found by `GET /ops/integrity`."""

    def __init__(self, url: str, schema: str) -> None:
        self.url = url
        self.schema = schema
        self._ready = False

    def _ensure_table(self) -> None:
        if self._ready:
            return
        table = sql.Identifier(self.schema, "personal_data_read")
        with advisory_lock(self.url, f"ddl:{self.schema}") as conn:
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " id bigserial PRIMARY KEY, read_at timestamptz NOT NULL DEFAULT now(),"
                    " actor_id text NOT NULL, actor_role text NOT NULL, actor_unit text,"
                    " resource text NOT NULL, request text NOT NULL, case_ids uuid[] NOT NULL)"
                ).format(table)
            )
            conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (case_ids)").format(
                    sql.Identifier("personal_data_read_case_ids"), table
                )
            )
            install(conn, self.chained)
        self._ready = True

    @property
    def chained(self) -> ChainedTable:
        """What of a read is chained: all of it (the instant in UTC, whatever the session's
        time zone)."""
        return ChainedTable(
            schema=self.schema,
            table="personal_data_read",
            what="personal-data read log",
            key=(Column("id", "bigint"),),
            content=(
                "r.id",
                """to_char(r.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
                "r.actor_id",
                "r.actor_role",
                "r.actor_unit",
                "r.resource",
                "r.request",
                "r.case_ids",
            ),
        )

    def chains(self) -> list[ChainedTable]:
        """The log's chain, installed first if no read was logged yet by this process."""
        self._ensure_table()
        return [self.chained]

    def record(self, actor: Actor, resource: str, request: str, case_ids: Iterable[UUID]) -> None:
        if actor.role == "system":
            return
        self._ensure_table()
        with connection(self.url) as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (actor_id, actor_role, actor_unit, resource, request, case_ids)"
                    " VALUES (%s, %s, %s, %s, %s, %s)"
                ).format(sql.Identifier(self.schema, "personal_data_read")),
                (actor.user_id, actor.role, actor.admin_unit, resource, request, list(case_ids)),
            )

    def reads(
        self, *, case_id: UUID | None, actor_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """Most recent first."""
        self._ensure_table()
        conditions: list[sql.Composable] = [sql.SQL("true")]
        params: list[Any] = []
        if case_id is not None:
            conditions.append(sql.SQL("%s = ANY(case_ids)"))
            params.append(case_id)
        if actor_id is not None:
            conditions.append(sql.SQL("actor_id = %s"))
            params.append(actor_id)
        with connection(self.url) as conn:
            return conn.execute(
                sql.SQL("SELECT * FROM {} WHERE {} ORDER BY id DESC LIMIT %s").format(
                    sql.Identifier(self.schema, "personal_data_read"),
                    sql.SQL(" AND ").join(conditions),
                ),
                [*params, limit],
            ).fetchall()


@dataclass(frozen=True)
class PersonalDataRead:
    """An authenticated read of personal data, to be recorded before the data is returned."""

    actor: Actor
    log: AccessLog
    request: str

    def record(self, resource: str, case_ids: Iterable[UUID]) -> None:
        self.log.record(self.actor, resource, self.request, case_ids)


def personal_data_reader(*roles: str) -> Callable[..., PersonalDataRead]:
    """FastAPI dependency: the actor (one of `roles`) and the log their read goes into."""
    authenticated = require_roles(*roles)

    def dependency(
        request: Request, actor: Annotated[Actor, Depends(authenticated)]
    ) -> PersonalDataRead:
        log: AccessLog = request.app.state.access_log
        query = f"?{request.url.query}" if request.url.query else ""
        return PersonalDataRead(
            actor=actor, log=log, request=f"{request.method} {request.url.path}{query}"
        )

    return dependency


def read_view(row: dict[str, Any]) -> dict[str, Any]:
    """A log row as JSON-ready values."""
    read_at: datetime = row["read_at"]
    return {
        "read_at": read_at.isoformat(),
        "actor_id": row["actor_id"],
        "actor_role": row["actor_role"],
        "actor_unit": row["actor_unit"],
        "resource": row["resource"],
        "request": row["request"],
        "case_ids": [str(c) for c in row["case_ids"]],
    }


class WrittenAnswersLogged:
    """ASGI middleware: the answer of a write shows a case as it now stands (a dossier
    received, supplemented, a decision recorded), so each successful one is written to the
    access log, as a read by the official who wrote, before its first byte is sent: a write
    route naming a case in its path at once; a creating one (POST /dossiers) by the `case_id`
    its JSON answer names, the answer held until it is logged (creation answers are small).
    Reads (GET) log what they show themselves; operators' `/ops/` routes show no case data by
    answering a write. A failure to log fails the answer: nothing leaves unlogged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []  # a creating answer's start and body, until it is logged
        body = bytearray()

        async def logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                if not 200 <= message["status"] < 300 or str(scope["path"]).startswith("/ops/"):
                    await send(message)
                elif (scope.get("path_params") or {}).get("case_id") is not None:
                    named = UUID(str(scope["path_params"]["case_id"]))
                    await anyio.to_thread.run_sync(self._record, scope, named)
                    await send(message)
                elif _is_json(message):
                    held.append(message)
                else:
                    await send(message)
                return
            if message["type"] == "http.response.body" and held:
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                created = _answered_case(bytes(body))
                if created is not None:
                    await anyio.to_thread.run_sync(self._record, scope, created)
                await send(held.pop())
                await send({"type": "http.response.body", "body": bytes(body)})
                return
            await send(message)

        await self.app(scope, receive, logged)

    @staticmethod
    def _record(scope: Scope, case_id: UUID) -> None:
        request = Request(scope)
        _, _, token = request.headers.get("authorization", "").partition(" ")
        actor = authenticate(request, token.strip())
        log: AccessLog = request.app.state.access_log
        path = str(scope.get("path", ""))
        route = getattr(scope.get("route"), "path", path)
        log.record(
            actor, f"answer to {scope['method']} {route}", f"{scope['method']} {path}", [case_id]
        )


def _is_json(start: Message) -> bool:
    return any(
        name == b"content-type" and value.startswith(b"application/json")
        for name, value in start.get("headers", [])
    )


def _answered_case(body: bytes) -> UUID | None:
    """The case a creating answer shows: its top-level `case_id`, if any."""
    try:
        answer = json.loads(body)
        return UUID(str(answer["case_id"])) if isinstance(answer, dict) else None
    except (ValueError, KeyError):
        return None
