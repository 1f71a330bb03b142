"""HTTP routes of the inspection checks (DOMAIN.md §7.3): the catalogue, and one check's
findings with the events that prove them.

Findings name cases, communes, dates and amounts only; still, that a case was paid after a
death or is a child with a disability is personal data, so every answer that lists findings is
written to the personal-data access log first (the case ids shown, including those a finding
names as the other case of the same person).
"""

from datetime import date, datetime
from functools import cache
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field

from backbone.access_log import PersonalDataRead, personal_data_reader
from backbone.actor import Actor
from backbone.auth import jurisdiction_of, require_roles
from backbone.database import connection
from reference.working_days import today_in_vietnam
from services.reporting.api.deps import Bounds, Store
from services.reporting.api.scope import cases_within
from services.reporting.projections import checks
from services.reporting.settings import ReportingSettings

router = APIRouter(prefix="/checks", tags=["inspection checks"])

ROLES = ("inspector", "operator")

#: The catalogue names no one: no entry in the access log.
Catalogue = Annotated[Actor, Depends(require_roles(*ROLES))]
#: Findings name cases: the read is logged before it is answered.
Inspector = Annotated[PersonalDataRead, Depends(personal_data_reader(*ROLES))]


@cache
def _settings_from_environment() -> ReportingSettings:
    return ReportingSettings()


def check_limits(request: Request) -> checks.Limits:
    """Thresholds from the settings the app was built with (else from the environment)."""
    settings = getattr(request.app.state, "settings", None)
    if not isinstance(settings, ReportingSettings):
        settings = _settings_from_environment()
    return checks.Limits(
        notice_days=settings.health_insurance_notice_days,
        notice_in_working_days=settings.health_insurance_notice_working_days,
    )


Limits = Annotated[checks.Limits, Depends(check_limits)]


class CheckInfo(BaseModel):
    code: str
    title: str = Field(description="Vietnamese title, as in an inspection report")
    description: str


class Evidence(BaseModel):
    """An event of the case history; (source, originator_id, version) finds it."""

    case_id: UUID
    source: str
    originator_id: UUID
    version: int
    type: str
    recorded_at: datetime
    message_id: UUID


class FindingOut(BaseModel):
    case_id: UUID
    commune: str | None = Field(description="Commune code: the paying payroll's, else the case's")
    kind: str
    summary: str = Field(description="The finding in one Vietnamese sentence, amounts in đồng")
    details: dict[str, Any]
    evidence: list[Evidence]


class CheckResult(BaseModel):
    check: str
    title: str
    on: date
    total: int = Field(description="Findings in all, before limit and offset")
    limit: int
    offset: int
    findings: list[FindingOut]


@router.get("", summary="The inspection checks this service runs")
def list_checks(_: Catalogue) -> list[CheckInfo]:
    return [
        CheckInfo(code=c.code, title=c.title, description=c.description)
        for c in checks.CHECKS.values()
    ]


@router.get(
    "/{code}",
    summary="One check's findings, each with the events that prove it",
    responses={404: {"description": "No check with this code; the answer lists the codes"}},
)
def run_check(
    code: Annotated[str, Path(max_length=60, description="A check's code (GET /checks)")],
    reader: Inspector,
    store: Store,
    limits: Limits,
    bounds: Bounds,
    on: Annotated[
        date | None,
        Query(description="Inspection date, YYYY-MM-DD; default: today in Vietnam"),
    ] = None,
    commune: Annotated[
        str | None,
        Query(
            pattern=r"^\d{5}$",
            description="Commune code (5 digits, either scheme): the case's recorded or 2025 "
            "commune, or the commune of a payroll that paid it",
            examples=["02020"],
        ),
    ] = None,
    case_id: Annotated[UUID | None, Query(description="One case")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CheckResult:
    """Findings as of `on`: facts count from the date they took effect (a decision from its
    signing, a payroll line from its settlement), health-insurance notices from the day they
    were recorded. See GET /checks for each check's rule and kinds of finding."""
    check = checks.CHECKS.get(code)
    if check is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"no inspection check {code!r}; the checks are: {', '.join(checks.CHECKS)}",
        )
    day = bounds.query("on", on) if on is not None else today_in_vietnam()
    scope = checks.Scope(on=day, commune=commune, case_id=case_id)
    with connection(store.url) as conn, conn.transaction():
        # One snapshot for the several reads of a check.
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        found = checks.run_check(conn, store.schema, code, scope, limits, store.valuation)
        who = jurisdiction_of(reader.actor)
        if not who.national:  # the reader's unit's cases only
            inside = cases_within(conn, store.schema, who, (f.case_id for f in found))
            found = [f for f in found if f.case_id in inside]
    page = found[offset : offset + limit]
    shown = {f.case_id for f in page} | {e.case_id for f in page for e in f.evidence}
    if shown:
        reader.record(f"inspection check {code}", sorted(shown, key=str))
    return CheckResult(
        check=check.code,
        title=check.title,
        on=scope.on,
        total=len(found),
        limit=limit,
        offset=offset,
        findings=[
            FindingOut(
                case_id=f.case_id,
                commune=f.commune,
                kind=f.kind,
                summary=f.summary,
                details=f.details,
                evidence=[
                    Evidence(
                        case_id=e.case_id,
                        source=e.source,
                        originator_id=e.originator_id,
                        version=e.version,
                        type=e.type,
                        recorded_at=e.recorded_at,
                        message_id=e.message_id,
                    )
                    for e in f.evidence
                ],
            )
            for f in page
        ],
    )
