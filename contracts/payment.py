"""Events published by payment (chi trả) on the payment topic."""

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import AdminUnitRef, Benefit, Month, Vnd


class BeneficiaryEnrolledV1(BaseModel):
    """An approved beneficiary was put on the payment rolls from the effective month."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: Literal["beneficiary_enrolled"] = "beneficiary_enrolled"
    case_id: UUID
    entitlement_id: UUID
    benefit: Benefit
    category: str = Field(pattern=r"^[A-Z0-9_]+$")
    residence: AdminUnitRef
    monthly_amount: Vnd
    from_month: Month
    decision_number: str
