"""Events published by assessment (xét duyệt, quyết định) on the assessment topic."""

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.categories import CODE_PATTERN, MOST_DEPENDANTS, MOST_HELD, MOST_UNITS
from contracts.values import (
    AdminUnitRef,
    Benefit,
    Coefficient,
    DependantRelation,
    Month,
    Vnd,
)


class CaseOpenedV1(BaseModel):
    """Assessment learned of a dossier and holds its own record of the case."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: Literal["case_opened"] = "case_opened"
    case_id: UUID
    benefit: Benefit
    category: str = Field(pattern=r"^[A-Z0-9_]+$")
    residence: AdminUnitRef
    dossier_received_on: date


class CaseApprovedV1(BaseModel):
    """The deciding authority signed a decision granting the allowance (quyết định trợ cấp)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: Literal["case_approved"] = "case_approved"
    case_id: UUID
    benefit: Benefit
    category: str = Field(pattern=r"^[A-Z0-9_]+$")
    residence: AdminUnitRef
    decision_number: str = Field(min_length=1, max_length=60)
    signed_on: date
    signer: str = Field(min_length=1, max_length=200)
    authority: str = Field(description="Role that decided, e.g. COMMUNE_CHAIRMAN.")
    legal_basis: list[str] = Field(min_length=1)
    policy_version: str
    standard_level: Vnd
    coefficient: Coefficient
    monthly_amount: Vnd
    effective_month: Month = Field(description="Entitlement starts in the month of signing.")


class CaseOpenedV2(CaseOpenedV1):
    """Assessment holds its record of the case, under the procedure version in force at receipt.

    v2 adds the procedure version and the first step's due date (None when unknown).
    """

    procedure_version: str | None = None
    current_step: str | None = None
    current_due_on: date | None = None


def upcast_case_opened_v1(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "procedure_version": None, "current_step": None, "current_due_on": None}


class StepRecorded(BaseModel):
    """What every step event says about the case's clock: the next step and its due date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: UUID
    next_step: str | None = Field(description="Next step of the procedure, None when decided.")
    next_due_on: date | None = Field(description="Its due date in working days, if running.")


class CaseReviewedV1(StepRecorded):
    """The review body concluded (council minutes or the official's review). Findings stay in
    assessment: they may describe health or family circumstances."""

    event: Literal["case_reviewed"] = "case_reviewed"
    reviewed_on: date
    body: str
    outcome: Literal["eligible", "ineligible"]
    population_db_verified: bool


class ResultsPostedV1(StepRecorded):
    """The result was posted publicly at the commune (niêm yết); HIV information is withheld."""

    event: Literal["results_posted"] = "results_posted"
    posted_from: date
    posted_until: date
    hiv_information_withheld: bool


class ComplaintReceivedV1(BaseModel):
    """A complaint about the posted result was received; its text stays in assessment."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["complaint_received"] = "complaint_received"
    case_id: UUID
    complaint_id: str
    received_on: date
    due_on: date | None


class ComplaintConcludedV1(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["complaint_concluded"] = "complaint_concluded"
    case_id: UUID
    complaint_id: str
    concluded_on: date
    outcome: Literal["upheld", "dismissed"]
    on_time: bool


class ProposalSentV1(StepRecorded):
    """The commune chairman sent the written proposal to the district (procedure versions A-C)."""

    event: Literal["proposal_sent"] = "proposal_sent"
    sent_on: date


class CaseAppraisedV1(StepRecorded):
    """The appraisal body concluded (thẩm định; district division under versions A-C)."""

    event: Literal["case_appraised"] = "case_appraised"
    appraised_on: date
    body: str
    outcome: Literal["eligible", "ineligible"]


class CaseApprovedV2(CaseApprovedV1):
    """The deciding authority granted the allowance. v2 adds the categories held, the due date
    of the decision and whether it was signed on time."""

    categories_held: list[str] = Field(min_length=1)
    due_on: date | None
    on_time: bool | None


def upcast_case_approved_v1(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "categories_held": [data["category"]], "due_on": None, "on_time": None}


class CaseApprovedV3(CaseApprovedV2):
    """v3 adds btxh's person id (never the citizen ID number), so payment can keep at most one
    running entitlement per person and benefit across cases and communes."""

    person_id: UUID | None = Field(
        description="btxh's own person id; None for decisions recorded before it travelled."
    )


def upcast_case_approved_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "person_id": None}


class CategoryHeld(BaseModel):
    """A category held by a decision, with the units it is paid for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=CODE_PATTERN)
    units: int | None = Field(
        ge=1,
        le=MOST_UNITS,
        description="Children raised or persons cared for where the category is paid per child "
        "or per person, else 1. None only on approvals recorded before units travelled (v3 and "
        "older): a subscriber derives them from the decision's coefficient.",
    )


class Dependant(BaseModel):
    """A person a decision counts without being its beneficiary: a child raised by a single
    parent, a child taken in, a person cared for. Least exposure: no name, no ID number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dependant_id: UUID
    relation: DependantRelation
    date_of_birth: date
    case_id: UUID | None = Field(
        default=None, description="The dependant's own case, when they have one."
    )


class CaseApprovedV4(CaseApprovedV3):
    """v4 carries each category held with its units (v3 carried the codes only, so a single
    parent raising three children was paid for one), and the dependants the decision counts."""

    categories: list[CategoryHeld] = Field(min_length=1, max_length=MOST_HELD)
    dependants: list[Dependant] = Field(default_factory=list, max_length=MOST_DEPENDANTS)


def upcast_case_approved_v3(data: dict[str, Any]) -> dict[str, Any]:
    return {
        **data,
        "categories": [{"code": code, "units": None} for code in data["categories_held"]],
        "dependants": [],
    }


class CaseRejectedV1(BaseModel):
    """The deciding authority refused the application with written reasons."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["case_rejected"] = "case_rejected"
    case_id: UUID
    decision_number: str = Field(min_length=1, max_length=60)
    signed_on: date
    signer: str
    authority: str
    reasons: list[str] = Field(min_length=1)
    legal_basis: list[str] = Field(min_length=1)
    policy_version: str
    due_on: date | None
    on_time: bool


class CaseBecameOverdueV1(BaseModel):
    """A step of the case passed its due date without being done (detected by the daily job)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["case_became_overdue"] = "case_became_overdue"
    case_id: UUID
    step: str
    due_on: date
    detected_on: date


class ChangeProposedV1(BaseModel):
    """A condition of an active case changed on a date (an age reached): a decision to adjust,
    stop or re-determine is proposed to the deciding authority. Nothing changes by itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["change_proposed"] = "change_proposed"
    case_id: UUID
    trigger: str = Field(description="e.g. age_16")
    reached_on: date
    from_category: str
    proposal: Literal["adjust", "cease", "cease_or_studying", "redetermine_disability"]
    to_category: str | None
    effective_month: Month = Field(description="The month after the month the condition changed")
    legal_basis: str


class ChangeProposedV2(ChangeProposedV1):
    """A condition of an active case changed on a date: the person's own age, or a dependant's
    (a single parent's child turning 16 or 22, a child taken in turning 4 or 16, a child of a
    parent with a disability reaching 36 months). v2 names the dependant and, for a category
    paid per dependant, the units before and after. Nothing changes by itself."""

    dependant_id: UUID | None = Field(
        description="The dependant whose age was reached; None for the person's own age."
    )
    from_units: int | None = Field(
        ge=0,
        le=MOST_UNITS,
        description="Units the decision pays from_category for, where it is paid per dependant "
        "(None otherwise, and for the person's own age).",
    )
    to_units: int | None = Field(
        ge=0,
        le=MOST_UNITS,
        description="Dependants still counting in from_category after the change, where it is "
        "paid per dependant: 'adjust' to the same category pays that many; 'adjust' to another "
        "to_category moves the named dependant there; 'cease' when none is left.",
    )


def upcast_change_proposed_v1(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "dependant_id": None, "from_units": None, "to_units": None}


class DisabilityLevelDeterminedV1(BaseModel):
    """A person's disability level was determined or re-determined. Least exposure: the types
    of disability, the council's findings and the certificate stay in assessment."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["disability_level_determined"] = "disability_level_determined"
    case_id: UUID
    determined_on: date
    level: Literal["SPECIAL_SEVERE", "SEVERE", "MILD"]
    method: Literal["observation_questionnaire", "medical_assessment"]
    previous_level: Literal["SPECIAL_SEVERE", "SEVERE", "MILD"] | None
    redetermination_due_on: date | None = Field(
        description="The 6th birthday of a child determined before 6: determine again then."
    )


class DossierCompletedV1(StepRecorded):
    """Documents supplemented at intake completed the dossier; steps counted from a complete
    dossier run from `complete_on`."""

    event: Literal["dossier_completed"] = "dossier_completed"
    complete_on: date


class CaseWithdrawnV1(BaseModel):
    """The case closed without a decision because the applicant withdrew the dossier."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["case_withdrawn"] = "case_withdrawn"
    case_id: UUID
    withdrawn_on: date
