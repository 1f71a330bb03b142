"""reporting's HTTP API."""

from collections.abc import Callable

from fastapi import Depends, FastAPI

from backbone.auth import case_scope
from backbone.chain import ChainedTable
from backbone.http import create_base_app, ops_router
from backbone.tracked_consumer import TrackedConsumer
from services.reporting.api import (
    audit,
    cases,
    checks,
    inspector,
    payments,
    posting,
    projections,
    register,
    reports,
    scope,
)
from services.reporting.api.deps import store_of
from services.reporting.projections import history
from services.reporting.projections.store import ProjectionStore
from services.reporting.settings import ReportingSettings

ERRORS: dict[type[Exception], int] = {
    cases.CaseNotFound: 404,
    cases.InvalidCaseQuery: 422,
    payments.InvalidQuery: 422,
    register.InvalidRegisterQuery: 422,
}


def create_app(
    settings: ReportingSettings,
    store: ProjectionStore,
    consumer_factory: Callable[[], TrackedConsumer],
) -> FastAPI:

    def history_chains() -> list[ChainedTable]:
        """The case history of the projection served now (a switch-over changes it)."""
        return [history.chained(store_of(app).schema)]

    app = create_base_app(
        service="reporting",
        title="btxh reporting",
        description="Sổ theo dõi đối tượng và lịch sử hồ sơ: the register and each case's history.",
        settings=settings,
        errors=ERRORS,
        chains=history_chains,
    )
    app.state.store = store
    app.state.settings = settings  # thresholds of the checks and the budget estimate
    # The access-log view reads every service's log; intake resolves an ID number.
    app.state.database_url = settings.database_url
    app.state.service_schema = settings.schema_name
    app.state.intake = cases.Intake(settings.intake_url)
    app.include_router(register.router)
    # Every route naming a case serves only officials of the case's unit.
    app.include_router(cases.router, dependencies=[Depends(case_scope(scope.places_of))])
    app.include_router(audit.router)
    app.include_router(posting.router)
    app.include_router(payments.router)
    app.include_router(reports.router)
    app.include_router(checks.router)
    app.include_router(inspector.router)
    app.include_router(ops_router(consumer_factory))
    app.include_router(projections.router)
    return app
