"""Dependencies every reporting route shares: the projection store it reads, and who reads."""

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from backbone.access_log import PersonalDataRead, personal_data_reader
from backbone.actor import Actor
from backbone.auth import require_roles
from reference.date_bounds import DateBounds, date_bounds
from reference.jurisdiction import HEALTH_READERS
from services.reporting.projections.catalog import ActiveProjection
from services.reporting.projections.store import ProjectionStore


def store_of(app: FastAPI) -> ProjectionStore:
    """The projection the API reads now: the catalog's live one, which a rebuild switches over
    while the API runs (`app.state.store` when the process is pinned to one schema)."""
    active: ActiveProjection | None = getattr(app.state, "projections", None)
    if active is None:
        store: ProjectionStore = app.state.store
        return store
    return active.current().store


def projection_store(request: Request) -> ProjectionStore:
    return store_of(request.app)


Store = Annotated[ProjectionStore, Depends(projection_store)]


def query_bounds(request: Request) -> DateBounds:
    """The dates a view or report may be asked about: those the policy tables (of the
    configured policy directory) and the working-day calendar cover."""
    settings = getattr(request.app.state, "settings", None)
    return date_bounds(getattr(settings, "policy_dir", None))


Bounds = Annotated[DateBounds, Depends(query_bounds)]

#: A person reading case data: the read is written to the access log before it is answered.
Reader = Annotated[
    PersonalDataRead,
    Depends(
        personal_data_reader(
            "inspector", "operator", "approver", "payment_officer", "commune_officer"
        )
    ),
]

#: A person reading a case's whole history (every event, with categories, determinations and
#: dependants): the roles that need what reveals HIV or a disability only.
CaseReader = Annotated[PersonalDataRead, Depends(personal_data_reader(*HEALTH_READERS))]

#: Sums and counts only, never a person: no entry in the personal-data access log.
Viewer = Annotated[
    Actor,
    Depends(require_roles("inspector", "operator", "payment_officer", "approver")),
]
