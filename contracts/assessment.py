"""Events published by assessment (xét duyệt, quyết định) on the assessment topic."""

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import AdminUnitRef, Benefit, Coefficient, Month, Vnd


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
