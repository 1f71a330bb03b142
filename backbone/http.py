"""What every service's HTTP API shares: app factory, one error map, health, ops routes."""

import logging
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

import anyio
import psycopg
from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from backbone.access_log import AccessLog, read_view
from backbone.actor import Actor
from backbone.auth import require_roles
from backbone.database import connect
from backbone.eventstore import EventTooLarge
from backbone.recorder import WriteNotCompleted
from backbone.settings import BackboneSettings
from backbone.tracked_consumer import TRANSIENT_ERRORS, TrackedConsumer
from reference.date_bounds import DateOutOfRange

log = logging.getLogger(__name__)

ErrorMap = dict[type[Exception], int]


def create_base_app(
    *, service: str, title: str, description: str, settings: BackboneSettings, errors: ErrorMap
) -> FastAPI:
    """A FastAPI app whose domain errors become `{"error": ..., "detail": ...}` with a 4xx."""
    app = FastAPI(title=title, description=description, version="0.1.0")
    app.state.jwt_secret = settings.jwt_secret.get_secret_value()
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
        return {"status": "ok", "service": title}

    @app.get(
        "/ops/personal-data-reads",
        tags=["ops"],
        summary="Who read personal data of this service, newest first (nhật ký truy cập)",
    )
    def personal_data_reads(
        _: Annotated[Actor, Depends(require_roles("inspector", "operator"))],
        case_id: UUID | None = None,
        actor_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        rows = access_log.reads(case_id=case_id, actor_id=actor_id, limit=limit)
        return [read_view(row) for row in rows]

    return app


class ParkedCaseView(BaseModel):
    case_id: str
    kind: str
    reason: str
    parked_at: str
    held_messages: int


class RedriveRequest(BaseModel):
    discard: list[int] = Field(
        default_factory=list, description="Ids of held messages to drop (e.g. a malformed one)."
    )


OperatorActor = Annotated[Actor, Depends(require_roles("operator"))]


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

    @router.get("/parked/{case_id}/messages", summary="Held messages of one parked case")
    def held_messages(case_id: str, _: OperatorActor) -> list[dict[str, Any]]:
        return [held_message_view(row) for row in consumer_factory().parking.held(case_id)]

    @router.post("/parked/{case_id}/redrive", summary="Re-apply a parked case's held messages")
    async def redrive(case_id: str, body: RedriveRequest, actor: OperatorActor) -> dict[str, Any]:
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
