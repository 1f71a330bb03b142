"""reporting's HTTP API."""

from collections.abc import Callable

from fastapi import FastAPI

from backbone.http import create_base_app, ops_router
from backbone.tracked_consumer import TrackedConsumer
from services.reporting.api import cases, payments, posting
from services.reporting.projections.store import ProjectionStore
from services.reporting.settings import ReportingSettings

ERRORS: dict[type[Exception], int] = {cases.CaseNotFound: 404, payments.InvalidQuery: 422}


def create_app(
    settings: ReportingSettings,
    store: ProjectionStore,
    consumer_factory: Callable[[], TrackedConsumer],
) -> FastAPI:
    app = create_base_app(
        service="reporting",
        title="btxh reporting",
        description="Sổ theo dõi đối tượng và lịch sử hồ sơ: the register and each case's history.",
        settings=settings,
        errors=ERRORS,
    )
    app.state.store = store
    app.include_router(cases.router)
    app.include_router(posting.router)
    app.include_router(payments.router)
    app.include_router(ops_router(consumer_factory))
    return app
