"""HTTP routes for funeral-support claims of persons of 80 or more with no btxh allowance."""

from datetime import date
from typing import Annotated, Literal, get_args
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from backbone.http import no_repeats
from contracts.intake import FuneralGround
from reference.working_days import today_in_vietnam
from services.intake.api.dossiers import (
    Correlation,
    Intake,
    Reader,
    Receiver,
    ResidenceIn,
)
from services.intake.application import IntakeApplication, ReceiveFuneralClaim
from services.intake.domain.funeral_claim import DOCUMENTS, FuneralClaim

router = APIRouter(prefix="/funeral-claims", tags=["funeral claims"])

FuneralDocument = Literal["death_certificate", "allowance_stop_decision", "personal_id_card"]
FuneralDocuments = Annotated[
    list[FuneralDocument],
    Field(max_length=len(get_args(FuneralDocument)), json_schema_extra={"uniqueItems": True}),
    AfterValidator(no_repeats),
]


class DeceasedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=1, max_length=200, examples=["Nguyễn Văn An"])
    date_of_birth: date
    sex: Literal["male", "female"]
    personal_id: str = Field(
        pattern=r"^\d{12}$",
        description="12-digit personal ID number; checked against the date of birth and sex",
        examples=["001040000123"],
    )


class OrganiserIn(BaseModel):
    """Who organised the funeral and files Form 04: an agency, organisation, family member or
    other person."""

    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=1, max_length=200, examples=["Con trai"])
    relationship: str = Field(
        min_length=1, max_length=60, examples=["son", "daughter", "organisation"]
    )


class FuneralClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deceased: DeceasedIn = Field(description="The person who died (người đã mất)")
    residence: ResidenceIn = Field(description="The commune the person lived in on died_on")
    died_on: date = Field(description="Day of death; the person was 80 or more (completed years)")
    ground: FuneralGround = Field(
        description="survivor_allowance_80_plus: receiving a monthly social-insurance survivor "
        "allowance (trợ cấp tuất hằng tháng); other_monthly_allowance_80_plus: another monthly "
        "allowance (Decree 20/2021 Art. 11)"
    )
    allowance_stopped_by: str = Field(
        min_length=1,
        max_length=200,
        description="Number and date of the decision or list stopping that allowance",
        examples=["Quyết định 123/QĐ-BHXH ngày 25/02/2026"],
    )
    organiser: OrganiserIn
    documents_presented: FuneralDocuments = Field(
        description="Copies presented: death_certificate and allowance_stop_decision are needed"
    )
    received_on: date


class FuneralClaimOut(BaseModel):
    case_id: UUID
    person_id: UUID
    full_name: str
    date_of_birth: date
    sex: str
    personal_id_legacy: bool
    residence: ResidenceIn
    died_on: date
    ground: str
    allowance_stopped_by: str
    organiser: dict[str, str]
    documents_presented: list[str]
    documents_labels: dict[str, str] = Field(description="Vietnamese names of the documents")
    received_on: date
    received_by: str
    version: int


def _view(claim: FuneralClaim) -> FuneralClaimOut:
    return FuneralClaimOut(
        case_id=claim.id,
        person_id=claim.person_id,
        full_name=claim.full_name,
        date_of_birth=claim.date_of_birth,
        sex=claim.sex,
        personal_id_legacy=claim.personal_id_legacy,
        residence=ResidenceIn(scheme=claim.residence_scheme, code=claim.residence_code),  # type: ignore[arg-type]
        died_on=claim.died_on,
        ground=claim.ground,
        allowance_stopped_by=claim.allowance_stopped_by,
        organiser=claim.organiser,
        documents_presented=claim.documents_presented,
        documents_labels={d: DOCUMENTS[d] for d in claim.documents_presented},
        received_on=claim.received_on,
        received_by=claim.received_by.user_id,
        version=claim.version,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Receive a funeral-support claim and open the deceased's case "
    "(tiếp nhận tờ khai đề nghị hỗ trợ chi phí mai táng)",
    description=IntakeApplication.receive_funeral_claim.__doc__,
)
def receive_funeral_claim(
    body: FuneralClaimIn, actor: Receiver, intake: Intake, correlation: Correlation
) -> FuneralClaimOut:
    claim = intake.receive_funeral_claim(
        ReceiveFuneralClaim(
            full_name=body.deceased.full_name,
            date_of_birth=body.deceased.date_of_birth,
            sex=body.deceased.sex,
            personal_id=body.deceased.personal_id,
            residence_scheme=body.residence.scheme,
            residence_code=body.residence.code,
            died_on=body.died_on,
            ground=body.ground,
            allowance_stopped_by=body.allowance_stopped_by,
            organiser=body.organiser.model_dump(),
            received_on=body.received_on,
            documents_presented=tuple(body.documents_presented),
        ),
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return _view(claim)


@router.get("/{case_id}", summary="A funeral-support claim as received")
def get_funeral_claim(case_id: UUID, reader: Reader, intake: Intake) -> FuneralClaimOut:
    claim = _view(intake.get_funeral_claim(case_id))
    reader.record("funeral_claim", [case_id])
    return claim
