"""intake's HTTP API."""

from collections.abc import Callable
from uuid import UUID

from fastapi import Depends, FastAPI, Request

from backbone.auth import Place, case_scope
from backbone.http import create_base_app, ops_router
from backbone.tracked_consumer import TrackedConsumer
from services.intake.api import dossiers, funeral_claims, people
from services.intake.application import (
    CaseNotFound,
    DuplicateCase,
    FuneralSupportOnOwnCase,
    IntakeApplication,
    NotOwnCommune,
    PersonDeceased,
)
from services.intake.domain.dossier import InvalidDossier
from services.intake.domain.funeral_claim import InvalidFuneralClaim
from services.intake.domain.personal_id import InvalidPersonalId
from services.intake.settings import IntakeSettings

ERRORS: dict[type[Exception], int] = {
    InvalidDossier: 422,
    InvalidPersonalId: 422,
    CaseNotFound: 404,
    DuplicateCase: 409,
    InvalidFuneralClaim: 422,
    FuneralSupportOnOwnCase: 409,
    PersonDeceased: 409,
    NotOwnCommune: 403,
}


def places_of(request: Request, case_id: UUID) -> list[Place] | None:
    application: IntakeApplication = request.app.state.application
    return application.places_of(case_id)


def create_app(
    settings: IntakeSettings,
    application: IntakeApplication,
    consumer_factory: Callable[[], TrackedConsumer],
) -> FastAPI:
    app = create_base_app(
        service="intake",
        title="btxh intake",
        description="Tiếp nhận hồ sơ đề nghị trợ cấp xã hội hằng tháng và tờ khai hỗ trợ chi phí mai "
        "táng: receives dossiers and funeral-support claims, opens cases.",
        settings=settings,
        errors=ERRORS,
        chains=application.event_chains,
    )
    app.state.application = application
    # Every route naming a case serves only officials of the case's unit.
    scoped = [Depends(case_scope(places_of))]
    app.include_router(dossiers.router, dependencies=scoped)
    app.include_router(funeral_claims.router, dependencies=scoped)
    app.include_router(people.router)
    app.include_router(ops_router(consumer_factory))
    return app
