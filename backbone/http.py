"""What every service's HTTP API shares: app factory, one error map, body limits, health, ops
routes."""

import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, TypeVar
from uuid import UUID

import anyio
import psycopg
from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backbone.access_log import (
    AccessLog,
    PersonalDataRead,
    WrittenAnswersLogged,
    personal_data_reader,
    read_view,
)
from backbone.actor import Actor
from backbone.auth import TokenVerifier, require_roles
from backbone.chain import ChainedTable, IntegrityReport, verify_service
from backbone.database import connect
from backbone.eventstore import EventTooLarge
from backbone.recorder import WriteNotCompleted
from backbone.settings import BackboneSettings
from backbone.tracked_consumer import TRANSIENT_ERRORS, TrackedConsumer
from reference.date_bounds import DateOutOfRange

log = logging.getLogger(__name__)

ErrorMap = dict[type[Exception], int]
T = TypeVar("T")

MIB = 1024 * 1024
#: Largest request body of a route that declares no limit of its own (`body_limit`): a JSON
#: command is a few KB, and 5,000 payment results, the most one request takes, about 0.8 MiB.
MAX_BODY_BYTES = MIB
#: The OpenAPI extension stating an operation's body limit; the middleware enforces just that.
BODY_LIMIT_KEY = "x-max-body-bytes"
BODY_LIMITS = (
    "Every request body has a byte limit, stated on its operation as `x-max-body-bytes`:"
    f" {MAX_BODY_BYTES:,} bytes (1 MiB) unless the operation says otherwise. A larger body is"
    " refused with 413 PayloadTooLarge before it is read (and before the token is checked)."
)


def body_limit(max_bytes: int) -> dict[str, Any]:
    """`openapi_extra` of a route that takes a larger body than MAX_BODY_BYTES (a file)."""
    return {BODY_LIMIT_KEY: max_bytes}


@dataclass(frozen=True)
class RouteLimits:
    """Each operation's body limit, read from the OpenAPI document: what is documented is
    what is enforced."""

    declared: tuple[tuple[str, re.Pattern[str], int], ...]

    @classmethod
    def of(cls, document: dict[str, Any]) -> "RouteLimits":
        declared = []
        for path, operations in document.get("paths", {}).items():
            parts = re.split(r"(\{[^}]+\})", path)
            pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
            for method, operation in operations.items():
                limit = operation.get(BODY_LIMIT_KEY)
                if isinstance(limit, int) and limit != MAX_BODY_BYTES:
                    declared.append((method.upper(), re.compile(f"^{pattern}$"), limit))
        return cls(tuple(declared))

    def limit(self, method: str, path: str) -> int:
        for declared_method, pattern, limit in self.declared:
            if method == declared_method and pattern.match(path):
                return limit
        return MAX_BODY_BYTES


class RequestGuard:
    """Refuses what no route accepts, before the route runs or while it reads the body:

    - a body over its route's limit: 413, before the body is read and before authentication
      (which runs in the route), by its Content-Length when it has one, else (a chunked
      upload) by counting the bytes as they arrive and stopping at the limit;
    - a NUL character in the path, the query or a JSON body: 422. PostgreSQL's text cannot
      hold one, so it would fail every read model that stores the value later (a case parked
      in reporting for a name typed with a NUL), or the query itself (a 500).
    """

    def __init__(self, app: ASGIApp, *, limits: Callable[[], RouteLimits]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope["query_string"]:
            await _refuse(scope, send, _nul("the address (path or query)"))
            return
        limit = self.limits().limit(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(
                scope, send, _too_large(scope, limit, f"its Content-Length is {declared:,}")
            )
            return
        json_body = _is_json(scope)
        received = 0
        tail = b""  # the end of the previous chunk: a NUL escape may straddle two chunks
        refusal: JSONResponse | None = None
        answered = False

        async def checked() -> Message:
            nonlocal received, tail, refusal
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    refusal = _too_large(scope, limit, f"more than {limit:,} bytes arrived")
                elif json_body and NUL_IN_JSON in tail + chunk:
                    refusal = _nul("the body")
                tail = chunk[-(len(NUL_IN_JSON) - 1) :]
                if refusal is not None:
                    raise RefusedRequestError  # the app reads no further; its answer is replaced
            return message

        async def guarded(message: Message) -> None:
            nonlocal answered
            if refusal is not None and not answered:
                return
            answered = True
            await send(message)

        try:
            await self.app(scope, checked, guarded)
        except Exception:
            if refusal is None or answered:
                raise
        if refusal is not None and not answered:
            await _refuse(scope, send, refusal)


#: How JSON writes a NUL character inside a string (a raw NUL byte is not JSON at all).
NUL_IN_JSON = b"\\u0000"


class RefusedRequestError(Exception):
    """Raised into the app reading a body that the guard refused (too large, a NUL)."""


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large(scope: Scope, limit: int, why: str) -> JSONResponse:
    detail = (
        f"the body of {scope['method']} {scope['path']} may be at most {limit:,} bytes"
        f" ({limit / MIB:g} MiB) and this one is larger ({why}): send less in one request,"
        " a list in several requests or a file in several files"
    )
    return JSONResponse(status_code=413, content={"error": "PayloadTooLarge", "detail": detail})


def _nul(where: str) -> JSONResponse:
    detail = (
        f"{where} holds a NUL character (\\u0000 or %00), which no field accepts: remove it"
        " (it usually comes from copying text out of another program)"
    )
    return JSONResponse(status_code=422, content={"error": "InvalidCharacter", "detail": detail})


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return b"json" in value.lower()
    return False


async def _refuse(scope: Scope, send: Send, response: JSONResponse) -> None:
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _document_body_limits(document: dict[str, Any]) -> None:
    """State each operation's body limit, and its 413, in the OpenAPI document."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" not in operation:
                continue
            limit = operation.setdefault(BODY_LIMIT_KEY, MAX_BODY_BYTES)
            operation.setdefault("responses", {})["413"] = {
                "description": f"PayloadTooLarge: the body is larger than {limit:,} bytes"
            }


def no_repeats(items: list[T]) -> list[T]:
    """A list of codes names each once (documents shown, types of disability): a repeat is
    refused, naming it, rather than silently dropped."""
    repeated = sorted({str(item) for item in items if items.count(item) > 1})
    if repeated:
        raise ValueError(f"{', '.join(repeated)} listed more than once: list each once")
    return items


#: Who did something, as recorded (the token's subject).
ActorIdQuery = Annotated[str | None, Query(max_length=200, description="The actor's user id")]
#: The case a message was parked under (its key): a case id, or whatever a broken message had.
ParkedCaseId = Annotated[str, Path(max_length=200, description="The case id it was parked under")]


def _no_chains() -> Sequence[ChainedTable]:
    return ()


def create_base_app(
    *,
    service: str,
    title: str,
    description: str,
    settings: BackboneSettings,
    errors: ErrorMap,
    chains: Callable[[], Sequence[ChainedTable]] = _no_chains,
) -> FastAPI:
    """A FastAPI app whose domain errors become `{"error": ..., "detail": ...}` with a 4xx, and
    whose requests are guarded (RequestGuard: bounded bodies, no NUL character).

    `chains`: the service's hash-chained tables besides its read log (its stored events,
    reporting's case history), verified by `GET /ops/integrity`."""
    app = FastAPI(title=title, description=f"{description}\n\n{BODY_LIMITS}", version="0.1.0")
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        document = plain_openapi()  # cached by FastAPI: documenting it twice changes nothing
        _document_body_limits(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]

    @cache
    def route_limits() -> RouteLimits:
        return RouteLimits.of(app.openapi())

    app.add_middleware(WrittenAnswersLogged)
    app.add_middleware(RequestGuard, limits=route_limits)
    app.state.tokens = TokenVerifier.from_settings(settings)
    access_log = AccessLog(settings.database_url, settings.schema_name(service))
    app.state.access_log = access_log

    def handler_for(status_code: int) -> Callable[[Request, Exception], Any]:
        async def handle(_: Request, error: Exception) -> JSONResponse:
            return JSONResponse(
                status_code=status_code,
                content={"error": type(error).__name__, "detail": str(error)},
            )

        return handle

    mapped: ErrorMap = {EventTooLarge: 422, DateOutOfRange: 422, **errors}
    for error_type, status_code in mapped.items():
        app.add_exception_handler(error_type, handler_for(status_code))

    async def unavailable(_: Request, error: Exception) -> JSONResponse:
        name = (
            "WriteNotCompleted" if isinstance(error, WriteNotCompleted) else "DatabaseUnavailable"
        )
        return JSONResponse(
            status_code=503,
            content={"error": name, "detail": f"retry shortly: {error}"},
            headers={"Retry-After": "2"},
        )

    for transient in TRANSIENT_ERRORS:
        app.add_exception_handler(transient, unavailable)

    async def concurrent_change(_: Request, error: Exception) -> JSONResponse:
        log.info("a command collided with another write: %s", error)
        return JSONResponse(
            status_code=409,
            content={
                "error": "ConcurrentChange",
                "detail": "retry: the case was changed by another command or by an event from "
                "another service while this one ran, and nothing was stored. Read it again and "
                "send the command again if it still applies.",
            },
        )

    for conflict in (IntegrityError, psycopg.IntegrityError):
        app.add_exception_handler(conflict, concurrent_change)

    @app.get("/health", tags=["ops"], summary="Liveness and database reachability")
    def health() -> dict[str, str]:
        try:
            with connect(settings.database_url, autocommit=True, timeout=2) as conn:
                conn.execute("SELECT 1")
        except Exception as error:
            raise HTTPException(503, detail=f"database unreachable: {error}") from error
        # The process id lets a supervisor tell its own process from whatever else answers on
        # the port (a test system once reached another system's API there).
        return {"status": "ok", "service": title, "pid": str(os.getpid())}

    @app.get(
        "/ops/personal-data-reads",
        tags=["ops"],
        summary="Who read personal data of this service, newest first (nhật ký truy cập)",
    )
    def personal_data_reads(
        _: Annotated[Actor, Depends(require_roles("inspector", "operator"))],
        case_id: UUID | None = None,
        actor_id: ActorIdQuery = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        rows = access_log.reads(case_id=case_id, actor_id=actor_id, limit=limit)
        return [read_view(row) for row in rows]

    @app.get(
        "/ops/integrity",
        tags=["ops"],
        summary="Verify the hash chains of this service's history: stored events, read log"
        " (kiểm tra toàn vẹn)",
    )
    def integrity(
        _: Annotated[Actor, Depends(require_roles("operator", "inspector"))],
    ) -> IntegrityReport:
        """Each stored record commits to the one before (a hash chain): this walks every chain
        of the service (its stored events, its personal-data read log; reporting's case
        history) and names, for each, the first broken link and what is wrong there (a record
        altered or deleted, a link missing, broken continuity), or `verified`.

        Deleting the newest records together with their links cannot be seen from inside the
        database: record `head_link` and `head_hash` outside (e.g. in a signed monthly
        report) and compare them later. A large chain takes a while (one pass over the table);
        the same check runs as `python -m services.<service> verify`."""
        return verify_service(settings.database_url, service, [*access_log.chains(), *chains()])

    return app


class ParkedCaseView(BaseModel):
    case_id: str
    kind: str
    reason: str
    parked_at: str
    held_messages: int


class RejectedMessageView(BaseModel):
    id: int
    claimed_case_id: str = Field(description="The case the message's key named (unverified).")
    source_topic: str
    source_partition: int
    source_offset: int
    reason: str
    recorded_at: str


class RedriveRequest(BaseModel):
    discard: list[int] = Field(
        default_factory=list,
        max_length=1000,
        description="Ids of held messages to drop (e.g. a malformed one), at most 1,000.",
    )


OperatorActor = Annotated[Actor, Depends(require_roles("operator"))]
#: An operator reading held messages: their payloads may carry personal data, so the read is
#: written to the access log before the messages are shown.
OperatorRead = Annotated[PersonalDataRead, Depends(personal_data_reader("operator"))]


def held_messages_read(read: PersonalDataRead, case_id: str) -> None:
    """Log an operator's read of a parked case's held messages (the case id when it is one)."""
    try:
        cases = [UUID(case_id)]
    except ValueError:
        cases = []
    read.record("held messages", cases)


def held_message_view(row: dict[str, Any]) -> dict[str, Any]:
    """A held message as an operator reads it, before deciding to re-drive or discard it."""
    return {
        "id": row["id"],
        "reason": row["reason"],
        "source_topic": row["source_topic"],
        "source_offset": row["source_offset"],
        "recorded_at": row["recorded_at"].isoformat(),
        "value": bytes(row["value"]).decode("utf-8", "replace"),
    }


def ops_router(consumer_factory: Callable[[], TrackedConsumer]) -> APIRouter:
    """Operator routes: list parked cases, re-drive one after a fix."""
    router = APIRouter(prefix="/ops", tags=["ops"])

    @router.get("/parked", summary="Cases parked behind a dead letter or a version gap")
    def list_parked(_: OperatorActor) -> list[ParkedCaseView]:
        return [
            ParkedCaseView(
                case_id=p.case_id,
                kind=p.kind.value,
                reason=p.reason,
                parked_at=p.parked_at.isoformat(),
                held_messages=p.held,
            )
            for p in consumer_factory().parking.all_parked()
        ]

    @router.get(
        "/rejected",
        summary="Messages dropped as not genuine (unsigned, badly signed, wrong publisher)",
    )
    def rejected(
        _: OperatorActor, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[RejectedMessageView]:
        """Newest first. Each went to the dead-letter topic with the reason and was never
        applied; none parks its case. Many of them: someone writes to the broker who should
        not (or a service's key is not in BTXH_SIGNING_PUBLIC_KEYS). Payloads are not shown:
        read them on the dead-letter topic."""
        return [
            RejectedMessageView(
                id=row["id"],
                claimed_case_id=row["case_id"],
                source_topic=row["source_topic"],
                source_partition=row["source_partition"],
                source_offset=row["source_offset"],
                reason=row["reason"],
                recorded_at=row["recorded_at"].isoformat(),
            )
            for row in consumer_factory().parking.rejected(limit)
        ]

    @router.get("/parked/{case_id}/messages", summary="Held messages of one parked case")
    def held_messages(case_id: ParkedCaseId, read: OperatorRead) -> list[dict[str, Any]]:
        held = [held_message_view(row) for row in consumer_factory().parking.held(case_id)]
        if held:
            held_messages_read(read, case_id)
        return held

    @router.post("/parked/{case_id}/redrive", summary="Re-apply a parked case's held messages")
    async def redrive(
        case_id: ParkedCaseId, body: RedriveRequest, actor: OperatorActor
    ) -> dict[str, Any]:
        consumer = consumer_factory()
        unparked = await anyio.to_thread.run_sync(
            lambda: consumer.redrive(
                case_id, by=f"{actor.role}:{actor.user_id}", discard=frozenset(body.discard)
            )
        )
        parked = consumer.parking.parked(case_id)
        return {
            "case_id": case_id,
            "unparked": unparked,
            "reason": parked.reason if parked else None,
        }

    return router
