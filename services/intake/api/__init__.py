"""intake's HTTP API."""

from collections.abc import Callable

from fastapi import FastAPI

from backbone.http import create_base_app, ops_router
from backbone.tracked_consumer import TrackedConsumer
from services.intake.api import dossiers
from services.intake.application import CaseNotFound, DuplicateCase, IntakeApplication
from services.intake.domain.dossier import InvalidDossier
from services.intake.domain.personal_id import InvalidPersonalId
from services.intake.settings import IntakeSettings

ERRORS: dict[type[Exception], int] = {
    InvalidDossier: 422,
    InvalidPersonalId: 422,
    CaseNotFound: 404,
    DuplicateCase: 409,
}


def create_app(
    settings: IntakeSettings,
    application: IntakeApplication,
    consumer_factory: Callable[[], TrackedConsumer],
) -> FastAPI:
    app = create_base_app(
        service="intake",
        title="btxh intake",
        description="Tiếp nhận hồ sơ đề nghị trợ cấp xã hội hằng tháng: receives dossiers, opens cases.",
        settings=settings,
        errors=ERRORS,
    )
    app.state.application = application
    app.include_router(dossiers.router)
    app.include_router(ops_router(consumer_factory))
    return app
