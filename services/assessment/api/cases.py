"""HTTP routes for assessment's cases and decisions."""

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from backbone.access_log import PersonalDataRead, personal_data_reader
from backbone.actor import Actor
from backbone.auth import require_roles
from backbone.correlation import correlation_id
from services.assessment.application import Approve, AssessmentApplication
from services.assessment.domain.case_assessment import CaseAssessment

router = APIRouter(prefix="/cases", tags=["cases"])

Approver = Annotated[Actor, Depends(require_roles("approver"))]
Reader = Annotated[
    PersonalDataRead,
    Depends(
        personal_data_reader("assessor", "approver", "commune_officer", "inspector", "operator")
    ),
]
Correlation = Annotated[UUID, Depends(correlation_id)]


def application(request: Request) -> AssessmentApplication:
    app: AssessmentApplication = request.app.state.application
    return app


Assessment = Annotated[AssessmentApplication, Depends(application)]


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_number: str = Field(min_length=1, max_length=60, examples=["125/QĐ-UBND"])
    signed_on: date
    signer: str = Field(min_length=1, max_length=200, description="Name of the signing chairman")
    authority: str = Field(default="COMMUNE_CHAIRMAN", pattern=r"^[A-Z_]+$")
    legal_basis: list[str] = Field(
        default_factory=lambda: ["NĐ 20/2021/NĐ-CP Đ5", "NĐ 147/2025/NĐ-CP Đ5 K1"], min_length=1
    )
    monthly_amount: int | None = Field(
        default=None, ge=0, description="If given, must equal the policy amount (integer VND)."
    )


class CaseOut(BaseModel):
    case_id: UUID
    benefit: str
    category: str
    residence_code: str
    dossier_received_on: date
    status: str
    decision_number: str | None
    signed_on: date | None
    monthly_amount: int | None
    effective_month: str | None
    version: int


def _view(case: CaseAssessment) -> CaseOut:
    return CaseOut(
        case_id=case.case_id,
        benefit=case.benefit,
        category=case.category,
        residence_code=case.residence_code,
        dossier_received_on=case.dossier_received_on,
        status="approved" if case.decision_number else "under_review",
        decision_number=case.decision_number,
        signed_on=case.signed_on,
        monthly_amount=case.monthly_amount,
        effective_month=case.effective_month,
        version=case.version,
    )


@router.get("/{case_id}", summary="Assessment's record of a case")
def get_case(case_id: UUID, reader: Reader, assessment: Assessment) -> CaseOut:
    case = _view(assessment.get_case(case_id))
    reader.record("assessment case", [case_id])
    return case


@router.post(
    "/{case_id}/approval",
    status_code=status.HTTP_201_CREATED,
    summary="Record the signed decision granting the allowance (quyết định trợ cấp)",
    description=AssessmentApplication.approve.__doc__,
    responses={200: {"description": "The same decision was recorded before (idempotent)"}},
)
def approve(
    case_id: UUID,
    body: ApprovalIn,
    actor: Approver,
    assessment: Assessment,
    correlation: Correlation,
    response: Response,
) -> CaseOut:
    case, recorded = assessment.approve(
        case_id,
        Approve(
            decision_number=body.decision_number,
            signed_on=body.signed_on,
            signer=body.signer,
            authority=body.authority,
            legal_basis=body.legal_basis,
            monthly_amount=body.monthly_amount,
        ),
        actor=actor,
        correlation_id=correlation,
        today=date.today(),
    )
    if not recorded:
        response.status_code = status.HTTP_200_OK
    return _view(case)
