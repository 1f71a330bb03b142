"""HTTP routes for deadlines: overdue cases per commune, and the job that records them."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from backbone.actor import Actor
from backbone.auth import PLACES, jurisdiction_of, require_roles
from reference.working_days import today_in_vietnam
from services.assessment import daily_jobs
from services.assessment.application import AssessmentApplication
from services.assessment.deadline_register import DeadlineRegister

router = APIRouter(tags=["deadlines"])

Watcher = Annotated[Actor, Depends(require_roles("assessor", "approver", "inspector", "operator"))]
Operator = Annotated[Actor, Depends(require_roles("operator"))]


def register(request: Request) -> DeadlineRegister:
    found: DeadlineRegister = request.app.state.deadlines
    return found


Deadlines = Annotated[DeadlineRegister, Depends(register)]


@router.get("/overdue", summary="Cases whose current step or a complaint is past its due date")
def overdue(
    watcher: Watcher,
    request: Request,
    deadlines: Deadlines,
    on: date | None = None,
    commune: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[dict[str, Any]]:
    app: AssessmentApplication = request.app.state.application
    day = app.dates.query("on", on) if on else today_in_vietnam()
    places = PLACES.recorded_places(jurisdiction_of(watcher))  # the watcher's unit's cases
    rows = deadlines.overdue(on=day, commune=commune, limit=limit, places=places)
    return [
        {
            "case_id": str(row["case_id"]),
            "kind": row["kind"],
            "step": row["ref"],
            "due_on": row["due_on"].isoformat(),
            "commune": row["residence_code"],
            "procedure_version": row["procedure_version"],
        }
        for row in rows
    ]


RunDay = Annotated[
    date | None,
    Query(description="Default: today in Vietnam; a later day is refused and nothing recorded"),
]


@router.post(
    "/ops/deadlines/run",
    tags=["ops"],
    summary="Run the deadline job for a date",
    description=daily_jobs.record_overdue.__doc__,
)
def run_deadline_job(
    _: Operator, request: Request, deadlines: Deadlines, on: RunDay = None
) -> dict[str, int]:
    app: AssessmentApplication = request.app.state.application
    today = today_in_vietnam()
    return daily_jobs.record_overdue(app, deadlines, on or today, today=today)


@router.post(
    "/ops/triggers/run",
    tags=["ops"],
    summary="Propose decisions for ages reached on a date (4, 16, 22, 60, 80; 6 for disability)",
    description=daily_jobs.propose_for_ages_reached.__doc__,
)
def run_trigger_job(
    _: Operator, request: Request, deadlines: Deadlines, on: RunDay = None
) -> dict[str, int]:
    app: AssessmentApplication = request.app.state.application
    today = today_in_vietnam()
    return daily_jobs.propose_for_ages_reached(app, deadlines, on or today, today=today)
