"""Events published by payment (chi trả) on the payment topic."""

from datetime import date
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


class EntitlementAdjustedV1(BaseModel):
    """The categories held change from `from_month` (the month after the change)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["entitlement_adjusted"] = "entitlement_adjusted"
    case_id: UUID
    from_month: Month
    categories: dict[str, int]
    decision_number: str
    signed_on: date


class EntitlementSuspendedV1(BaseModel):
    """Payment is suspended from `from_month` on a ground of Circular 02/2021 Art. 2.3."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["entitlement_suspended"] = "entitlement_suspended"
    case_id: UUID
    from_month: Month
    ground: Literal["not_collected_3_months", "refused_redetermination", "detention_1_month"]
    decided_on: date
    decision_number: str


class SuspensionLiftedV1(BaseModel):
    """Payment resumes from `from_month`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["suspension_lifted"] = "suspension_lifted"
    case_id: UUID
    from_month: Month
    decided_on: date
    decision_number: str


class EntitlementCeasedV1(BaseModel):
    """The entitlement stops for good from `from_month`, the month after the event."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["entitlement_ceased"] = "entitlement_ceased"
    case_id: UUID
    from_month: Month
    reason: Literal[
        "death",
        "missing",
        "no_longer_eligible",
        "moved",
        "refused",
        "imprisoned",
        "non_compliance_after_suspension",
    ]
    event_date: date
    decision_number: str
    signed_on: date


class PayrollLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    line_id: str
    month: Month
    amount: Vnd
    kind: Literal["current", "arrears"]


class PayrollLinesIssuedV1(BaseModel):
    """Lines of a monthly payroll for one beneficiary: the month itself and any arrears."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["payroll_lines_issued"] = "payroll_lines_issued"
    case_id: UUID
    payroll_id: str
    payroll_month: Month
    lines: list[PayrollLine] = Field(min_length=1)


class PayrollLineSettledV1(BaseModel):
    """What the post office or bank did with a payroll line; not collected or failed lines
    are owed again and come back as arrears in the next payroll."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["payroll_line_settled"] = "payroll_line_settled"
    case_id: UUID
    line_id: str
    month: Month
    amount: Vnd
    result: Literal["paid_at_point", "paid_at_home", "not_collected", "failed"]
    settled_on: date
    source: str = Field(description="api, or the name of the imported file")


class OverpaymentDetectedV1(BaseModel):
    """Lines were paid for months the entitlement no longer owed (e.g. after the month of
    death): the amount is owed back, pending a recovery decision."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["overpayment_detected"] = "overpayment_detected"
    case_id: UUID
    amount: Vnd
    months: list[Month] = Field(min_length=1)
    reason: str


class FuneralSupportDecidedV1(BaseModel):
    """Funeral support decided for a beneficiary who died (at least 20 x the standard level)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["funeral_support_decided"] = "funeral_support_decided"
    case_id: UUID
    amount: Vnd
    standard_level: Vnd
    policy_version: str
    decision_number: str
    signed_on: date
