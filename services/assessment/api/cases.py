"""HTTP routes for assessment's cases: review, posting, complaints, appraisal and decisions."""

from datetime import date
from typing import Annotated, Any, Literal, get_args
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from backbone.access_log import PersonalDataRead, personal_data_reader
from backbone.actor import Actor
from backbone.auth import require_roles
from backbone.correlation import correlation_id
from backbone.http import no_repeats
from contracts.categories import CODE_PATTERN, MOST_HELD
from reference.jurisdiction import HEALTH_READERS, shown_category
from reference.working_days import today_in_vietnam
from services.assessment.application import (
    Appraisal,
    Approve,
    AssessmentApplication,
    Determination,
    Reject,
    Review,
)
from services.assessment.domain.case_assessment import CaseAssessment

router = APIRouter(prefix="/cases", tags=["cases"])

Approver = Annotated[Actor, Depends(require_roles("approver"))]
Assessor = Annotated[Actor, Depends(require_roles("assessor"))]
CommuneLead = Annotated[Actor, Depends(require_roles("assessor", "approver"))]
Reader = Annotated[
    PersonalDataRead,
    Depends(
        personal_data_reader("assessor", "approver", "commune_officer", "inspector", "operator")
    ),
]
#: Disability determinations: the roles that need what reveals a disability only.
HealthReader = Annotated[PersonalDataRead, Depends(personal_data_reader(*HEALTH_READERS))]
Correlation = Annotated[UUID, Depends(correlation_id)]


def application(request: Request) -> AssessmentApplication:
    app: AssessmentApplication = request.app.state.application
    return app


Assessment = Annotated[AssessmentApplication, Depends(application)]

Authority = Literal["COMMUNE_CHAIRMAN", "DISTRICT_CHAIRMAN"]
#: One provision of law a decision rests on, e.g. "NĐ 20/2021/NĐ-CP Đ5 K1".
Provision = Annotated[str, StringConstraints(min_length=1, max_length=300)]
#: A written reason for a refusal.
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
CategoryCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewIn(Strict):
    reviewed_on: date
    outcome: Literal["eligible", "ineligible"]
    findings: str = Field(min_length=1, max_length=4000, description="What the review found")
    population_db_verified: bool = Field(
        default=False, description="Checked against the National Population Database (from 2025)"
    )
    members_present: int | None = Field(default=None, ge=1, description="Council versions 0-B")
    members_total: int | None = Field(default=None, ge=1)


class PostingIn(Strict):
    posted_from: date = Field(description="First day of public posting at the commune")


class ComplaintIn(Strict):
    received_on: date
    summary: str = Field(min_length=1, max_length=4000)


class ConclusionIn(Strict):
    concluded_on: date
    outcome: Literal["upheld", "dismissed"]
    conclusion: str = Field(min_length=1, max_length=4000)


class ProposalIn(Strict):
    sent_on: date


class AppraisalIn(Strict):
    appraised_on: date
    outcome: Literal["eligible", "ineligible"]
    findings: str = Field(min_length=1, max_length=4000)


class DecisionIn(Strict):
    decision_number: str = Field(min_length=1, max_length=60, examples=["125/QĐ-UBND"])
    signed_on: date
    signer: str = Field(min_length=1, max_length=200, description="Name of the signing chairman")
    authority: Authority | None = Field(
        default=None,
        description="The deciding authority of the procedure in force on signed_on "
        "(DISTRICT_CHAIRMAN before 01/07/2025, COMMUNE_CHAIRMAN from then); if given, it must "
        "be that one. Omitted: that one is recorded.",
    )
    legal_basis: list[Provision] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="Provisions the decision rests on. Omitted: those in force on signed_on, "
        "each category's (e.g. 'NĐ 136/2013/NĐ-CP Đ5 K4; Đ6 K1' in 2016, 'NĐ 20/2021/NĐ-CP "
        "Đ5 K4; Đ6 K1' from 01/07/2021) and the procedure's ('NĐ 136/2013/NĐ-CP Đ8' to "
        "30/06/2021, 'NĐ 20/2021/NĐ-CP Đ8', 'NĐ 147/2025/NĐ-CP Đ5 K1' from 01/07/2025), as "
        "GET /policy?on= lists them.",
    )


class ApprovalIn(DecisionIn):
    monthly_amount: int | None = Field(
        default=None, ge=0, description="If given, must equal the policy amount (integer VND)."
    )
    categories: dict[CategoryCode, int | None] | None = Field(
        default=None,
        max_length=MOST_HELD,
        description="Categories held with units (children raised, persons cared for); "
        "by default the dossier's category. The monthly allowance pays only the highest; care "
        "support pays each ground held (only the highest of an exclusive group), and units "
        "beyond a category's max_units are not paid. A category paid per child or per person "
        "takes as units the dependants who count on signed_on (leave the units out, or null); "
        "units that differ are refused naming who was counted.",
    )


class RejectionIn(DecisionIn):
    reasons: list[Reason] = Field(
        max_length=20, description="Written reasons: mandatory, at least one"
    )


class ComplaintOut(BaseModel):
    complaint_id: str
    received_on: date
    due_on: date | None
    concluded_on: date | None
    outcome: str | None


class CaseOut(BaseModel):
    case_id: UUID
    benefit: str
    category: str | None = Field(
        description="None to a role that does not need it when it reveals HIV or a disability"
    )
    residence_scheme: str
    residence_code: str
    dossier_received_on: date
    procedure_version: str | None
    status: str
    current_step: str | None
    current_due_on: date | None
    reviewed_on: date | None
    review_outcome: str | None
    posted_from: date | None
    posted_until: date | None
    proposal_sent_on: date | None
    appraised_on: date | None
    complaints: list[ComplaintOut]
    decision_number: str | None
    signed_on: date | None
    on_time: bool | None
    monthly_amount: int | None
    effective_month: str | None
    categories: dict[str, int] | None = Field(description="Held by the decision, with units")
    dependants_counted: list[dict[str, Any]] = Field(
        description="Counted by the decision: dependant_id, relation, date_of_birth, studying, "
        "case_id (names stay in intake)"
    )
    rejection_reasons: list[str]
    version: int


def _view(case: CaseAssessment) -> CaseOut:
    return CaseOut(
        case_id=case.case_id,
        benefit=case.benefit,
        category=case.category,
        residence_scheme=case.residence_scheme,
        residence_code=case.residence_code,
        dossier_received_on=case.dossier_received_on,
        procedure_version=case.procedure_version,
        status=case.status,
        current_step=case.current_step,
        current_due_on=case.current_due_on,
        reviewed_on=case.reviewed_on,
        review_outcome=case.review_outcome,
        posted_from=case.posted_from,
        posted_until=case.posted_until,
        proposal_sent_on=case.proposal_sent_on,
        appraised_on=case.appraised_on,
        complaints=[
            ComplaintOut(
                complaint_id=c.complaint_id,
                received_on=c.received_on,
                due_on=c.due_on,
                concluded_on=c.concluded_on,
                outcome=c.outcome,
            )
            for c in case.complaints.values()
        ],
        decision_number=case.decision_number,
        signed_on=case.signed_on,
        on_time=case.on_time,
        monthly_amount=case.monthly_amount,
        effective_month=case.effective_month,
        categories=getattr(case, "categories", None),
        dependants_counted=list(case.dependants_counted),
        rejection_reasons=case.reasons,
        version=case.version,
    )


@router.get(
    "/{case_id}", summary="Assessment's record of a case, with its current step and due date"
)
def get_case(case_id: UUID, reader: Reader, assessment: Assessment) -> CaseOut:
    case = _view(assessment.get_case(case_id))
    shown = shown_category(reader.actor.role, case.category)
    if shown != case.category:
        case = case.model_copy(update={"category": shown})
    reader.record("assessment case", [case_id])
    return case


@router.post(
    "/{case_id}/review",
    summary="Record the review (xét duyệt): council minutes or the official's review",
    description=AssessmentApplication.review.__doc__,
)
def review(
    case_id: UUID, body: ReviewIn, actor: Assessor, assessment: Assessment, correlation: Correlation
) -> CaseOut:
    case = assessment.review(
        case_id,
        Review(**body.model_dump()),
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return _view(case)


@router.post(
    "/{case_id}/posting",
    summary="Post the result publicly at the commune (niêm yết công khai)",
    description=AssessmentApplication.post_results.__doc__,
)
def post_results(
    case_id: UUID,
    body: PostingIn,
    actor: Assessor,
    assessment: Assessment,
    correlation: Correlation,
) -> CaseOut:
    case = assessment.post_results(
        case_id, body.posted_from, actor=actor, correlation_id=correlation, today=today_in_vietnam()
    )
    return _view(case)


@router.post(
    "/{case_id}/complaints",
    status_code=status.HTTP_201_CREATED,
    summary="Register a complaint about the posted result (khiếu nại)",
    description=AssessmentApplication.receive_complaint.__doc__,
)
def receive_complaint(
    case_id: UUID,
    body: ComplaintIn,
    actor: Assessor,
    assessment: Assessment,
    correlation: Correlation,
) -> CaseOut:
    case, _ = assessment.receive_complaint(
        case_id,
        received_on=body.received_on,
        summary=body.summary,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return _view(case)


@router.post(
    "/{case_id}/complaints/{complaint_id}/conclusion",
    summary="Record the conclusion of a complaint",
)
def conclude_complaint(
    case_id: UUID,
    complaint_id: Annotated[str, Path(max_length=64, description="As the complaint's answer")],
    body: ConclusionIn,
    actor: CommuneLead,
    assessment: Assessment,
    correlation: Correlation,
) -> CaseOut:
    case = assessment.conclude_complaint(
        case_id,
        complaint_id,
        concluded_on=body.concluded_on,
        outcome=body.outcome,
        conclusion=body.conclusion,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return _view(case)


@router.post(
    "/{case_id}/proposal",
    summary="The commune's written proposal to the district (procedure versions A-C)",
)
def send_proposal(
    case_id: UUID,
    body: ProposalIn,
    actor: CommuneLead,
    assessment: Assessment,
    correlation: Correlation,
) -> CaseOut:
    case = assessment.send_proposal(
        case_id, body.sent_on, actor=actor, correlation_id=correlation, today=today_in_vietnam()
    )
    return _view(case)


@router.post(
    "/{case_id}/appraisal",
    summary="Record the appraisal (thẩm định) where the procedure has one",
    description=AssessmentApplication.appraise.__doc__,
)
def appraise(
    case_id: UUID,
    body: AppraisalIn,
    actor: Assessor,
    assessment: Assessment,
    correlation: Correlation,
) -> CaseOut:
    case = assessment.appraise(
        case_id,
        Appraisal(**body.model_dump()),
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return _view(case)


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
            categories=body.categories,
        ),
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    if not recorded:
        response.status_code = status.HTTP_200_OK
    return _view(case)


@router.post(
    "/{case_id}/rejection",
    status_code=status.HTTP_201_CREATED,
    summary="Refuse the application with written reasons (trả lời bằng văn bản)",
    description=AssessmentApplication.reject.__doc__,
    responses={200: {"description": "The same rejection was recorded before (idempotent)"}},
)
def reject(
    case_id: UUID,
    body: RejectionIn,
    actor: Approver,
    assessment: Assessment,
    correlation: Correlation,
    response: Response,
) -> CaseOut:
    case, recorded = assessment.reject(
        case_id,
        Reject(
            decision_number=body.decision_number,
            signed_on=body.signed_on,
            signer=body.signer,
            authority=body.authority,
            reasons=body.reasons,
            legal_basis=body.legal_basis,
        ),
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    if not recorded:
        response.status_code = status.HTTP_200_OK
    return _view(case)


DisabilityType = Literal[
    "MOBILITY", "HEARING_SPEECH", "VISION", "NEURO_MENTAL", "INTELLECTUAL", "OTHER"
]


class DeterminationIn(Strict):
    determined_on: date
    types: Annotated[
        list[DisabilityType],
        Field(
            min_length=1,
            max_length=len(get_args(DisabilityType)),
            json_schema_extra={"uniqueItems": True},
            description="Dạng tật, each once",
        ),
        AfterValidator(no_repeats),
    ]
    level: Literal["SPECIAL_SEVERE", "SEVERE", "MILD"] = Field(description="Mức độ khuyết tật")
    method: Literal["observation_questionnaire", "medical_assessment"]
    council: str = Field(min_length=1, max_length=200, description="Council that determined")
    referral_reason: (
        Literal["council_could_not_conclude", "person_disagrees", "evidence_of_bias"] | None
    ) = Field(default=None, description="Why the medical assessment council decided")
    certificate_number: str | None = Field(default=None, max_length=60)
    certificate_date: date | None = None
    reason: str | None = Field(
        default=None, max_length=1000, description="Why a re-determination (required then)"
    )


@router.post(
    "/{case_id}/disability-determinations",
    status_code=status.HTTP_201_CREATED,
    summary="Record a disability level determination for the case's person (xác định mức độ khuyết tật)",
    description=AssessmentApplication.determine_disability.__doc__,
)
def determine_disability(
    case_id: UUID,
    body: DeterminationIn,
    actor: Assessor,
    assessment: Assessment,
    correlation: Correlation,
) -> dict[str, Any]:
    record = assessment.determine_disability(
        case_id,
        Determination(**body.model_dump()),
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return {"person_id": str(record.person_id), "determinations": record.determinations}


@router.get(
    "/{case_id}/disability-determinations",
    summary="The person's disability determinations, oldest first (sensitive: access is logged)",
)
def disability_history(
    case_id: UUID, reader: HealthReader, assessment: Assessment
) -> dict[str, Any]:
    case = assessment.get_case(case_id)
    record = assessment.disability_of(case)
    reader.record("disability determinations", [case_id])
    return {
        "person_id": str(record.person_id) if record else None,
        "determinations": record.determinations if record else [],
    }
