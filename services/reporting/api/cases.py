"""HTTP routes of the register and the case history."""

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from backbone.access_log import PersonalDataRead, personal_data_reader
from backbone.database import connection
from services.reporting.projections import history, register
from services.reporting.projections.store import ProjectionStore

router = APIRouter(tags=["register"])

Reader = Annotated[
    PersonalDataRead,
    Depends(
        personal_data_reader(
            "inspector", "operator", "approver", "payment_officer", "commune_officer"
        )
    ),
]


class CaseNotFound(LookupError):
    """No event of this case has reached reporting."""


def projection_store(request: Request) -> ProjectionStore:
    store: ProjectionStore = request.app.state.store
    return store


Store = Annotated[ProjectionStore, Depends(projection_store)]


class RegisterEntry(BaseModel):
    case_id: UUID
    full_name: str | None
    date_of_birth: date | None
    benefit: str | None
    category: str | None
    residence_code: str | None
    status: str
    received_on: date | None
    decision_number: str | None
    signed_on: date | None
    monthly_amount: int | None
    effective_month: str | None
    enrolled_from: str | None


class RegisterPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[RegisterEntry]


class HistoryEntry(BaseModel):
    recorded_at: datetime
    source: str
    type: str
    version: int
    schema_version: int
    actor_id: str
    actor_role: str
    actor_unit: str | None
    correlation_id: UUID
    causation_id: UUID | None
    message_id: UUID
    data: dict[str, Any]


@router.get("/register", summary="The register of cases (sổ đối tượng), filtered and paged")
def get_register(
    reader: Reader,
    store: Store,
    status: Literal[
        "received", "approved", "rejected", "withdrawn", "active", "suspended", "ceased"
    ]
    | None = None,
    commune: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    category: Annotated[str | None, Query(pattern=r"^[A-Z0-9_]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RegisterPage:
    with connection(store.url) as conn:
        total, rows = register.query(
            conn,
            store.schema,
            status=status,
            commune=commune,
            category=category,
            limit=limit,
            offset=offset,
        )
    items = [RegisterEntry.model_validate(row) for row in rows]
    reader.record("register", [item.case_id for item in items])
    return RegisterPage(total=total, limit=limit, offset=offset, items=items)


@router.get(
    "/cases/{case_id}/history", summary="Every event of a case, from every service, in order"
)
def get_history(case_id: UUID, reader: Reader, store: Store) -> list[HistoryEntry]:
    with connection(store.url) as conn:
        rows = history.case_history(conn, store.schema, case_id)
    if not rows:
        raise CaseNotFound(f"no event of case {case_id} has reached reporting")
    entries = [HistoryEntry.model_validate(row) for row in rows]
    reader.record("case history", [case_id])
    return entries
