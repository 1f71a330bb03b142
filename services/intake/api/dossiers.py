"""HTTP routes for dossiers."""

from datetime import date
from typing import Annotated, Literal, get_args
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from backbone.access_log import PersonalDataRead, personal_data_reader
from backbone.actor import Actor
from backbone.auth import require_roles
from backbone.correlation import correlation_id
from backbone.http import no_repeats
from contracts.categories import CODE_PATTERN, MOST_DEPENDANTS
from contracts.values import DependantRelation
from reference.jurisdiction import shown_category
from reference.working_days import today_in_vietnam
from services.intake.application import (
    ChangeDependants,
    DependantGiven,
    IntakeApplication,
    ReceiveDossier,
)
from services.intake.domain.dependants import Dependant

router = APIRouter(prefix="/dossiers", tags=["dossiers"])

Receiver = Annotated[Actor, Depends(require_roles("commune_officer"))]
Reader = Annotated[
    PersonalDataRead,
    Depends(
        personal_data_reader("commune_officer", "assessor", "approver", "inspector", "operator")
    ),
]
Correlation = Annotated[UUID, Depends(correlation_id)]


def application(request: Request) -> IntakeApplication:
    app: IntakeApplication = request.app.state.application
    return app


Intake = Annotated[IntakeApplication, Depends(application)]


class ApplicantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=1, max_length=200, examples=["Nguyễn Văn An"])
    date_of_birth: date
    sex: Literal["male", "female"]
    personal_id: str = Field(
        max_length=20,
        description="12-digit personal ID number (or 9-digit legacy CMND)",
        examples=["001052000123"],
    )


class ResidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheme: Literal["DVHC_2025_2LEVEL", "DVHC_2004_3LEVEL"] = "DVHC_2025_2LEVEL"
    code: str = Field(pattern=r"^\d{5}$", description="Commune code (mã xã), 5 digits")


class HouseholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    poverty_status: Literal["poor", "near_poor", "none", "not_declared"] = Field(
        description="On the commune's poor / near-poor household list (hộ nghèo, hộ cận nghèo)"
    )
    certificate_number: str | None = Field(default=None, max_length=60)


class RepresentativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=1, max_length=200)
    relationship: str = Field(
        min_length=1, max_length=60, examples=["guardian", "mother", "organisation"]
    )


DocumentCode = Literal[
    "personal_id_card",
    "population_db_notice",
    "residence_confirmation",
    "birth_certificate",
    "hiv_confirmation",
    "pregnancy_confirmation",
    "disability_certificate",
    "poverty_certificate",
    "school_confirmation",
]
#: Documents shown, each once: no more than there are kinds of document.
DocumentCodes = Annotated[
    list[DocumentCode],
    Field(max_length=len(get_args(DocumentCode)), json_schema_extra={"uniqueItems": True}),
    AfterValidator(no_repeats),
]


class CaredForIn(BaseModel):
    """Deprecated: list the person in `dependants`."""

    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date
    relationship: str = Field(min_length=1, max_length=60, examples=["son", "taken in"])


class DependantIn(BaseModel):
    """A person the application is for besides the applicant: a child raised, a child taken
    in, the person cared for. Name and ID number stay in intake."""

    model_config = ConfigDict(extra="forbid")

    relation: DependantRelation = Field(
        description="child_raised (a single parent's child; a child under 36 months of a parent "
        "with a disability), child_taken_in (CARE_TAKER_CHILD_*), person_cared_for"
    )
    full_name: str = Field(min_length=1, max_length=200, examples=["Trần Văn Bình"])
    date_of_birth: date = Field(description="Not in the future, not before 1900")
    studying: bool = Field(
        default=False,
        description="In school or vocational training: a child raised counts from 16 to 22 only so",
    )
    case_id: UUID | None = Field(default=None, description="The dependant's own btxh case, if any")
    personal_id: str | None = Field(
        default=None,
        pattern=r"^\d{12}$",
        description="12-digit personal ID number, if any; checked against the date of birth",
    )


class DependantChangeIn(DependantIn):
    dependant_id: UUID = Field(description="As the dossier lists it")


#: The dependants one request lists.
Dependants = Annotated[list[DependantIn], Field(max_length=MOST_DEPENDANTS)]


class DossierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    applicant: ApplicantIn
    household: HouseholdIn = Field(
        default_factory=lambda: HouseholdIn(poverty_status="not_declared")
    )
    representative: RepresentativeIn | None = Field(
        default=None, description="Guardian or representative who submits (required for a child)"
    )
    documents_presented: DocumentCodes = Field(
        default_factory=list, description="Documents shown to check the declared data, each once"
    )
    dependants: Dependants = Field(
        default_factory=list,
        description=f"At most {MOST_DEPENDANTS}. SINGLE_PARENT_POOR: at least one child_raised "
        "under 16, or 16 to 22 and studying, on received_on (each one counted is a unit). Care "
        "support: the person it is for (CARE_TAKER_CHILD_*: a child_taken_in; "
        "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE, CARE_TAKER_PWD_SPECIAL_SEVERE, CARE_TAKER_ELDERLY: a "
        "person_cared_for; CARE_PWD_PREGNANT_*: a child_raised under 36 months, unless a "
        "pregnancy_confirmation is presented). Each gets a dependant_id.",
    )
    cared_for: CaredForIn | None = Field(
        default=None,
        deprecated=True,
        description="Deprecated, kept for older clients: the person cared for (forms 2a/2b), "
        "recorded as one dependant (child_taken_in for CARE_TAKER_CHILD_*, child_raised for "
        "CARE_PWD_PREGNANT_*, else person_cared_for). Give `dependants` instead.",
    )
    benefit: Literal["monthly_allowance", "care_support"] = "monthly_allowance"
    category: str = Field(pattern=CODE_PATTERN, examples=["PWD_SEVERE"])
    residence: ResidenceIn
    received_on: date
    channel: Literal["in_person", "post", "online"] = "in_person"


class DependantOut(BaseModel):
    dependant_id: UUID
    relation: str
    full_name: str
    date_of_birth: date
    studying: bool
    case_id: UUID | None
    has_personal_id: bool


class DependantChangeOut(BaseModel):
    changed_on: date
    reason: str
    added: list[UUID]
    changed: list[UUID]
    removed: list[UUID]
    recorded_by: str


class DossierOut(BaseModel):
    case_id: UUID
    person_id: UUID
    full_name: str
    date_of_birth: date
    sex: str
    personal_id_legacy: bool
    benefit: str
    category: str | None = Field(
        description="None, with the form and documents that would tell it, to a role that does "
        "not need it when it reveals HIV or a disability (reference/jurisdiction.py)"
    )
    residence: ResidenceIn
    received_on: date
    channel: str
    received_by: str
    form: str
    household_poverty: str
    representative: dict[str, str] | None
    documents_presented: list[str]
    missing_documents: list[str]
    complete_on: date | None
    withdrawn_on: date | None
    cared_for: dict[str, str] | None
    dependants: list[DependantOut]
    dependant_changes: list[DependantChangeOut]
    version: int


def _dependant_view(dependant: Dependant) -> DependantOut:
    return DependantOut(
        dependant_id=dependant.dependant_id,
        relation=dependant.relation,
        full_name=dependant.full_name,
        date_of_birth=dependant.date_of_birth,
        studying=dependant.studying,
        case_id=dependant.case_id,
        has_personal_id=dependant.personal_id is not None,
    )


def _given(dependant: DependantIn) -> DependantGiven:
    return DependantGiven(
        relation=dependant.relation,
        full_name=dependant.full_name,
        date_of_birth=dependant.date_of_birth,
        studying=dependant.studying,
        case_id=dependant.case_id,
        personal_id=dependant.personal_id,
        dependant_id=getattr(dependant, "dependant_id", None),
    )


def _view(dossier: object) -> DossierOut:
    from services.intake.domain.dossier import Dossier

    assert isinstance(dossier, Dossier)
    return DossierOut(
        case_id=dossier.id,
        person_id=dossier.person_id,
        full_name=dossier.full_name,
        date_of_birth=dossier.date_of_birth,
        sex=dossier.sex,
        personal_id_legacy=dossier.personal_id_legacy,
        benefit=dossier.benefit,
        category=dossier.category,
        residence=ResidenceIn(scheme=dossier.residence_scheme, code=dossier.residence_code),  # type: ignore[arg-type]
        received_on=dossier.received_on,
        channel=dossier.channel,
        received_by=dossier.received_by.user_id,
        form=dossier.form,
        household_poverty=dossier.household_poverty,
        representative=dossier.representative,
        documents_presented=dossier.documents_presented,
        missing_documents=dossier.missing_documents,
        complete_on=dossier.complete_on,
        withdrawn_on=dossier.withdrawn_on,
        cared_for=dossier.cared_for,
        dependants=[_dependant_view(d) for d in dossier.dependants_listed],
        dependant_changes=[DependantChangeOut(**change) for change in dossier.dependant_changes],
        version=dossier.version,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Receive a dossier and open a case (tiếp nhận hồ sơ)",
    description=IntakeApplication.receive_dossier.__doc__,
)
def receive_dossier(
    body: DossierIn, actor: Receiver, intake: Intake, correlation: Correlation
) -> DossierOut:
    dossier = intake.receive_dossier(
        ReceiveDossier(
            full_name=body.applicant.full_name,
            date_of_birth=body.applicant.date_of_birth,
            sex=body.applicant.sex,
            personal_id=body.applicant.personal_id,
            benefit=body.benefit,
            category=body.category,
            residence_scheme=body.residence.scheme,
            residence_code=body.residence.code,
            received_on=body.received_on,
            channel=body.channel,
            household_poverty=body.household.poverty_status,
            poverty_certificate=body.household.certificate_number,
            representative=body.representative.model_dump() if body.representative else None,
            documents_presented=tuple(body.documents_presented),
            cared_for=body.cared_for.model_dump(mode="json") if body.cared_for else None,
            dependants=tuple(_given(d) for d in body.dependants),
        ),
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return _view(dossier)


@router.get("/{case_id}", summary="A dossier as received")
def get_dossier(case_id: UUID, reader: Reader, intake: Intake) -> DossierOut:
    dossier = _view(intake.get_dossier(case_id))
    shown = shown_category(reader.actor.role, dossier.category)
    if shown != dossier.category:
        hidden: dict[str, object] = {
            "category": shown,
            "form": "",
            "documents_presented": [],
            "missing_documents": [],
        }
        dossier = dossier.model_copy(update=hidden)
    reader.record("dossier", [case_id])
    return dossier


class SupplementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: DocumentCodes = Field(min_length=1)
    supplemented_on: date


class JurisdictionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commune: str = Field(pattern=r"^\d{5}$", description="The 2025 commune the case belongs to")
    basis: str = Field(min_length=1, max_length=1000, description="Village or street, document")
    decided_on: date


class DependantsChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changed_on: date = Field(description="When the change happened: from receipt to today")
    reason: str = Field(min_length=1, max_length=1000, examples=["Con thứ ba ra đời"])
    add: Dependants = Field(default_factory=list, description="New dependants; each gets an id")
    change: list[DependantChangeIn] = Field(
        default_factory=list,
        max_length=MOST_DEPENDANTS,
        description="Dependants on file, by dependant_id, with every field given again",
    )
    remove: list[UUID] = Field(
        default_factory=list, max_length=MOST_DEPENDANTS, description="dependant_ids to remove"
    )


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    withdrawn_on: date
    reason: str = Field(min_length=1, max_length=1000)


@router.post(
    "/{case_id}/supplements",
    summary="Documents presented after receipt (bổ sung hồ sơ)",
    description=IntakeApplication.supplement_dossier.__doc__,
)
def supplement_dossier(
    case_id: UUID, body: SupplementIn, actor: Receiver, intake: Intake, correlation: Correlation
) -> DossierOut:
    dossier = intake.supplement_dossier(
        case_id,
        documents=list(body.documents),
        supplemented_on=body.supplemented_on,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return _view(dossier)


@router.post(
    "/{case_id}/dependants",
    summary="Add, change or remove dependants after receipt (bổ sung, điều chỉnh người phụ thuộc)",
    description=IntakeApplication.change_dependants.__doc__,
)
def change_dependants(
    case_id: UUID,
    body: DependantsChangeIn,
    actor: Receiver,
    intake: Intake,
    correlation: Correlation,
) -> DossierOut:
    dossier = intake.change_dependants(
        case_id,
        ChangeDependants(
            changed_on=body.changed_on,
            reason=body.reason,
            add=tuple(_given(d) for d in body.add),
            change=tuple(_given(d) for d in body.change),
            remove=tuple(body.remove),
        ),
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return _view(dossier)


@router.post(
    "/{case_id}/withdrawal",
    summary="The applicant withdraws the dossier (rút hồ sơ)",
    description=IntakeApplication.withdraw_dossier.__doc__,
)
def withdraw_dossier(
    case_id: UUID, body: WithdrawalIn, actor: Receiver, intake: Intake, correlation: Correlation
) -> DossierOut:
    dossier = intake.withdraw_dossier(
        case_id,
        withdrawn_on=body.withdrawn_on,
        reason=body.reason,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return _view(dossier)


@router.post(
    "/{case_id}/jurisdiction",
    summary="Assign a case of a split old commune to its 2025 commune (xác định địa bàn mới)",
    description=IntakeApplication.resolve_jurisdiction.__doc__,
)
def resolve_jurisdiction(
    case_id: UUID, body: JurisdictionIn, actor: Receiver, intake: Intake, correlation: Correlation
) -> DossierOut:
    dossier = intake.resolve_jurisdiction(
        case_id,
        commune=body.commune,
        basis=body.basis,
        decided_on=body.decided_on,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return _view(dossier)
