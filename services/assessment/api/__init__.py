"""assessment's HTTP API."""

from collections.abc import Callable
from uuid import UUID

from fastapi import Depends, FastAPI, Request

from backbone.auth import Place, case_scope
from backbone.http import create_base_app, ops_router
from backbone.tracked_consumer import TrackedConsumer
from reference.policy import PolicyError
from services.assessment.api import cases, deadlines, policy
from services.assessment.application import (
    AlreadyDecided,
    AssessmentApplication,
    CaseNotFound,
    InvalidDecision,
    InvalidDetermination,
    StepOutOfOrder,
    WrongAuthority,
)
from services.assessment.settings import AssessmentSettings

ERRORS: dict[type[Exception], int] = {
    InvalidDecision: 422,
    CaseNotFound: 404,
    AlreadyDecided: 409,
    PolicyError: 422,
    StepOutOfOrder: 409,
    WrongAuthority: 422,
    InvalidDetermination: 422,
}


def places_of(request: Request, case_id: UUID) -> list[Place] | None:
    application: AssessmentApplication = request.app.state.application
    return application.places_of(case_id)


def create_app(
    settings: AssessmentSettings,
    application: AssessmentApplication,
    consumer_factory: Callable[[], TrackedConsumer],
) -> FastAPI:
    app = create_base_app(
        service="assessment",
        title="btxh assessment",
        description="Xét duyệt và quyết định trợ cấp: review and the approving authority's decision.",
        settings=settings,
        errors=ERRORS,
        chains=application.event_chains,
    )
    app.state.application = application
    # Every route naming a case serves only officials of the case's unit.
    app.include_router(cases.router, dependencies=[Depends(case_scope(places_of))])
    app.include_router(policy.router)
    app.include_router(deadlines.router)
    app.state.deadlines = application.open_deadline_register()
    app.include_router(ops_router(consumer_factory))
    return app
