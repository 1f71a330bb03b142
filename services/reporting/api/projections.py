"""Operator routes of the read models: rebuild one from zero beside the live one, watch its
progress, switch the API over when it has caught up, drop the one it replaced."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Body, Depends, HTTPException, Path, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from backbone.actor import Actor
from backbone.auth import require_roles
from backbone.http import (
    OperatorRead,
    ParkedCaseId,
    ParkedCaseView,
    RedriveRequest,
    held_message_view,
    held_messages_read,
)
from backbone.tracked_consumer import TrackedConsumer
from services.reporting.projections.catalog import (
    ActiveProjection,
    Projection,
    ProjectionConflict,
    Status,
    UnknownProjection,
)
from services.reporting.rebuild import NotCaughtUp, Progress, Rebuilds

router = APIRouter(prefix="/ops/projections", tags=["ops"])

T = TypeVar("T")

Operator = Annotated[Actor, Depends(require_roles("operator"))]
#: A projection's name is its schema's (PostgreSQL names are at most 63 bytes).
Name = Annotated[str, Path(max_length=63, description="The projection's name")]


def rebuilds(request: Request) -> Rebuilds:
    found: Rebuilds | None = getattr(request.app.state, "rebuilds", None)
    if found is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail="this process is pinned to one projection schema (BTXH_PROJECTION_SCHEMA is "
            "set): unset it to let the projection catalog and its rebuilds decide",
        )
    return found


Catalogued = Annotated[Rebuilds, Depends(rebuilds)]


class PartitionView(BaseModel):
    topic: str
    partition: int
    beginning: int = Field(description="First offset still on the broker")
    consumed: int = Field(description="Offset the projection's consumer group committed")
    end: int = Field(description="End offset of the partition when read")


class ProgressView(BaseModel):
    partitions: list[PartitionView]
    percent: float = Field(description="Offsets consumed of those on the topics, in percent")
    missing_topics: list[str] = Field(description="Subscribed topics the broker does not list")
    events_applied: int = Field(description="Stream versions applied: one per event")
    started_at: datetime | None = Field(description="When a worker started the rebuild")
    caught_up: bool = Field(
        description="It can be activated: every partition consumed up to its end offset, no "
        "record found past those offsets, every stream version the live projection applied "
        "applied here too, and no case parked that the live projection has not parked"
    )
    unread: list[str] = Field(
        description="Partitions where a fetch from the consumed offset still returned records "
        "(the broker's end offset can be under-reported after a republish)"
    )
    streams_behind_live: int = Field(
        description="Streams the live projection applied further than this one"
    )
    streams_behind_sample: list[str] = Field(description="A few of them: stream v<here>/<live>")
    parked_only_here: list[str] = Field(
        description="Cases parked in this projection and not in the live one, e.g. where an "
        "operator discarded a message in the live one: re-drive them here "
        "(/ops/projections/{name}/parked) before it can be activated"
    )


class ProjectionView(BaseModel):
    name: str
    schema_name: str = Field(description="PostgreSQL schema of its tables")
    status: Status
    requested_at: datetime
    requested_by: str
    switch_when_caught_up: bool
    started_at: datetime | None
    activated_at: datetime | None
    activated_by: str | None
    retired_at: datetime | None
    dropped_at: datetime | None
    dropped_by: str | None
    progress: ProgressView | None = Field(description="While rebuilding")


class ProjectionsView(BaseModel):
    active: str = Field(description="The projection the API answers from")
    projections: list[ProjectionView]


class RebuildRequest(BaseModel):
    switch_when_caught_up: bool = Field(
        default=False,
        description="Activate the new projection as soon as it has caught up",
    )


class Activated(BaseModel):
    active: str
    retired: str | None = Field(description="The projection it replaced, kept until dropped")


def _view(projection: Projection, progress: Progress | None) -> ProjectionView:
    return ProjectionView(
        name=projection.name,
        schema_name=projection.schema,
        status=projection.status,
        requested_at=projection.requested_at,
        requested_by=projection.requested_by,
        switch_when_caught_up=projection.switch_when_caught_up,
        started_at=projection.started_at,
        activated_at=projection.activated_at,
        activated_by=projection.activated_by,
        retired_at=projection.retired_at,
        dropped_at=projection.dropped_at,
        dropped_by=projection.dropped_by,
        progress=None if progress is None else _progress(projection.started_at, progress),
    )


def _progress(started_at: datetime | None, progress: Progress) -> ProgressView:
    return ProgressView(
        partitions=[
            PartitionView(
                topic=p.topic,
                partition=p.partition,
                beginning=p.beginning,
                consumed=p.consumed,
                end=p.end,
            )
            for p in progress.partitions
        ],
        percent=progress.percent,
        missing_topics=progress.missing_topics,
        events_applied=progress.events_applied,
        started_at=started_at,
        caught_up=progress.caught_up,
        parked_only_here=progress.parked_only_here,
        unread=progress.unread,
        streams_behind_live=progress.streams_behind_live,
        streams_behind_sample=progress.streams_behind_sample,
    )


def _refused(work: Callable[[], T]) -> T | JSONResponse:
    """The result of `work`, or the refusal shaped as the API's other errors."""
    try:
        return work()
    except UnknownProjection as error:
        return JSONResponse(
            status_code=404, content={"error": type(error).__name__, "detail": str(error)}
        )
    except NotCaughtUp as error:
        return JSONResponse(
            status_code=409,
            content={
                "error": type(error).__name__,
                "detail": str(error),
                "progress": _progress(error.started_at, error.progress).model_dump(mode="json"),
            },
        )
    except ProjectionConflict as error:
        return JSONResponse(
            status_code=409, content={"error": type(error).__name__, "detail": str(error)}
        )


@router.get(
    "",
    response_model=ProjectionsView,
    summary="Projections: the live one, rebuilds with their progress, retired ones",
)
def list_projections(_: Operator, found: Catalogued) -> ProjectionsView:
    projections = found.catalog.all()
    return ProjectionsView(
        active=next(p.name for p in projections if p.status is Status.LIVE),
        projections=[
            _view(p, found.progress(p.name) if p.status is Status.REBUILDING else None)
            for p in projections
        ],
    )


@router.post(
    "/rebuild",
    status_code=202,
    response_model=ProjectionView,
    summary="Rebuild the read models from offset zero into a new schema, beside the live one",
    responses={409: {"description": "A rebuild is in progress already"}},
)
def rebuild(
    actor: Operator,
    found: Catalogued,
    body: Annotated[RebuildRequest | None, Body()] = None,
) -> ProjectionView | JSONResponse:
    """The reporting worker starts it within seconds; the live projection keeps serving and
    updating. Follow it with GET /ops/projections, then activate it (or ask for the switch
    when it has caught up)."""
    switch = body.switch_when_caught_up if body else False
    return _refused(
        lambda: _view(
            found.request(by=f"{actor.role}:{actor.user_id}", switch_when_caught_up=switch), None
        )
    )


@router.post(
    "/{name}/activate",
    response_model=Activated,
    summary="Switch the API over to a rebuilt projection; the live one is retired",
    responses={404: {"description": "No such projection"}, 409: {"description": "Not caught up"}},
)
def activate(
    name: Name, request: Request, actor: Operator, found: Catalogued
) -> Activated | JSONResponse:
    """Only when it has consumed every partition up to the end offsets read now and parked no
    case the live projection has not; the retired projection is kept, frozen, until dropped."""

    def switch() -> Activated:
        activated, retired = found.activate(name, by=f"{actor.role}:{actor.user_id}")
        active: ActiveProjection | None = getattr(request.app.state, "projections", None)
        if active is not None:
            active.forget()
        return Activated(active=activated.name, retired=retired)

    return _refused(switch)


@router.delete(
    "/{name}",
    response_model=ProjectionView,
    summary="Drop a retired projection's tables (or cancel a rebuild); never the live one",
    responses={404: {"description": "No such projection"}, 409: {"description": "It is live"}},
)
def drop(name: Name, actor: Operator, found: Catalogued) -> ProjectionView | JSONResponse:
    """The projection's schema goes (for the first projection, which shares reporting's own
    schema with the personal-data access log: only its tables); its catalog row stays, so
    its name, and its consumer group's offsets, are never reused."""
    return _refused(lambda: _view(found.drop(name, by=f"{actor.role}:{actor.user_id}"), None))


def _parked_consumer(request: Request, found: Rebuilds, name: str) -> TrackedConsumer:
    """The consumer of a live or rebuilding projection, whose parked cases an operator sees."""
    projection = found.catalog.get(name)
    if projection.status not in (Status.LIVE, Status.REBUILDING):
        raise ProjectionConflict(
            f"projection {name!r} is {projection.status}: it is no longer updated, so nothing "
            "of it can be re-driven"
        )
    active: ActiveProjection = request.app.state.projections
    return active.open(name).consumer


@router.get(
    "/{name}/parked",
    response_model=list[ParkedCaseView],
    summary="Cases parked in one projection (a rebuild's own, before it is activated)",
)
def parked(
    name: Name, request: Request, _: Operator, found: Catalogued
) -> list[ParkedCaseView] | JSONResponse:
    def listed() -> list[ParkedCaseView]:
        return [
            ParkedCaseView(
                case_id=p.case_id,
                kind=p.kind.value,
                reason=p.reason,
                parked_at=p.parked_at.isoformat(),
                held_messages=p.held,
            )
            for p in _parked_consumer(request, found, name).parking.all_parked()
        ]

    return _refused(listed)


@router.get(
    "/{name}/parked/{case_id}/messages",
    response_model=list[dict[str, Any]],
    summary="Held messages of a case parked in one projection",
)
def held_messages(
    name: Name, case_id: ParkedCaseId, request: Request, read: OperatorRead, found: Catalogued
) -> list[dict[str, Any]] | JSONResponse:
    def listed() -> list[dict[str, Any]]:
        parking = _parked_consumer(request, found, name).parking
        held = [held_message_view(row) for row in parking.held(case_id)]
        if held:
            held_messages_read(read, case_id)
        return held

    return _refused(listed)


@router.post(
    "/{name}/parked/{case_id}/redrive",
    response_model=dict[str, Any],
    summary="Re-apply a case's held messages in one projection (e.g. a rebuild's)",
)
async def redrive(
    name: Name,
    case_id: ParkedCaseId,
    body: RedriveRequest,
    request: Request,
    actor: Operator,
    found: Catalogued,
) -> dict[str, Any] | JSONResponse:
    """A rebuild reads the poison messages again that an operator discarded in the live
    projection: the same decision is taken here, for this projection."""

    def redriven() -> dict[str, Any]:
        consumer = _parked_consumer(request, found, name)
        unparked = consumer.redrive(
            case_id, by=f"{actor.role}:{actor.user_id}", discard=frozenset(body.discard)
        )
        still = consumer.parking.parked(case_id)
        return {"case_id": case_id, "unparked": unparked, "reason": still.reason if still else None}

    result: dict[str, Any] | JSONResponse = await anyio.to_thread.run_sync(
        lambda: _refused(redriven)
    )
    return result
