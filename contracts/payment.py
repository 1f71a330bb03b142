"""Events published by payment (chi trả) on the payment topic."""

from datetime import date
from typing import Any, Final, Literal
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


PaymentChannel = Literal["post_office", "home_delivery", "bank_account"]


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


class PayrollLineV2(PayrollLine):
    kind: Literal["current", "arrears", "funeral_support"]  # type: ignore[assignment]


class PayrollLinesIssuedV2(BaseModel):
    """Lines of a monthly payroll for one beneficiary: the month itself, any arrears, and
    funeral support decided after a death. v2 adds the funeral_support kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["payroll_lines_issued"] = "payroll_lines_issued"
    case_id: UUID
    payroll_id: str
    payroll_month: Month
    commune: str | None = Field(description="Commune code of the payroll; None before v2")
    channel: PaymentChannel | None = Field(description="Channel of the payroll; None before v2")
    lines: list[PayrollLineV2] = Field(min_length=1)


def upcast_payroll_lines_issued_v1(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "commune": None, "channel": None}  # v1 kinds are all v2 kinds


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


class FuneralSupportDecidedV2(FuneralSupportDecidedV1):
    """v2 says whose funeral: the beneficiary's own, or a child a poor single parent was paid
    for (Decree 20/2021 Art. 11), decided on the parent's case (`dependant_id`, `died_on`)."""

    deceased: Literal["beneficiary", "child_raised"]
    dependant_id: UUID | None
    died_on: date | None


def upcast_funeral_support_decided_v1(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "deceased": "beneficiary", "dependant_id": None, "died_on": None}


class FuneralSupportDecidedV3(FuneralSupportDecidedV2):
    """v3 adds a funeral decided on a funeral claim case (`person_80_plus`): a person of 80 or
    more who received a survivor or other monthly allowance and no btxh allowance, whose case
    intake opened for the claim (funeral_claim_received); `died_on` is then always given."""

    deceased: Literal["beneficiary", "child_raised", "person_80_plus"]  # type: ignore[assignment]


def upcast_funeral_support_decided_v2(data: dict[str, Any]) -> dict[str, Any]:
    return data  # every v2 payload is a v3 payload


class SuspensionProposedV1(BaseModel):
    """Nothing was collected for consecutive payroll months (3 or more): a suspension is
    proposed to the commune (Circular 02/2021 Art. 2.3). Nothing changes until it decides."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["suspension_proposed"] = "suspension_proposed"
    case_id: UUID
    ground: Literal["not_collected_3_months"]
    months: list[Month] = Field(min_length=3)
    amount_not_collected: Vnd


class CessationProposedV1(BaseModel):
    """A fact ends the entitlement's ground (the person cared for died): a cessation from
    `from_month` is proposed to the commune. Nothing changes until it decides."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["cessation_proposed"] = "cessation_proposed"
    case_id: UUID
    ground: Literal["death_of_person_cared_for"]
    cause: str = Field(max_length=100, description="The case of the person cared for")
    event_date: date
    from_month: Month


class RecoveryDecidedV1(BaseModel):
    """An overpayment is to be recovered in instalments (thu hồi)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["recovery_decided"] = "recovery_decided"
    case_id: UUID
    amount: Vnd
    instalments: int = Field(ge=1)
    instalment_amount: Vnd
    basis: str
    decision_number: str
    signed_on: date


class RecoveryWaivedV1(BaseModel):
    """An overpayment (or part of it) is waived and will not be recovered."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["recovery_waived"] = "recovery_waived"
    case_id: UUID
    amount: Vnd
    basis: str
    decision_number: str
    signed_on: date


class RepaymentReceivedV1(BaseModel):
    """An instalment of a recovery was received; `outstanding` is what remains to recover."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["repayment_received"] = "repayment_received"
    case_id: UUID
    receipt_number: str
    amount: Vnd
    received_on: date
    outstanding: Vnd


class PaymentChannelChangedV1(BaseModel):
    """The beneficiary is paid through another channel from the next payroll."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["payment_channel_changed"] = "payment_channel_changed"
    case_id: UUID
    channel: PaymentChannel
    previous: PaymentChannel
    decided_on: date
    reason: str


class BeneficiaryMovedOutV1(BaseModel):
    """The old commune stops paying from `from_month` (the month after the move) and sends
    the file to the new commune (DOMAIN §5.5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["beneficiary_moved_out"] = "beneficiary_moved_out"
    case_id: UUID
    from_month: Month
    moved_on: date
    from_residence: AdminUnitRef
    to_residence: AdminUnitRef
    decision_number: str
    signed_on: date


class BeneficiaryMovedInV1(BaseModel):
    """The new commune continues the allowance from `from_month`, the month the old commune
    stopped: no gap, no overlap; months already passed are paid as arrears."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["beneficiary_moved_in"] = "beneficiary_moved_in"
    case_id: UUID
    from_month: Month
    residence: AdminUnitRef
    decision_number: str
    signed_on: date


class BeneficiaryTransferredByReorganisationV1(BaseModel):
    """The 2025 reorganisation: from `from_month` (July 2025) the 2025 commune that took over
    the beneficiary's old commune pays, and its province's level applies; months before keep
    the old units. `method` is "table" where the old commune went whole into one new commune,
    "decision" where an official chose among the communes a split old one went into."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["beneficiary_transferred_by_reorganisation"] = (
        "beneficiary_transferred_by_reorganisation"
    )
    case_id: UUID
    from_month: Month
    from_residence: AdminUnitRef
    to_residence: AdminUnitRef
    method: Literal["table", "decision"]
    mapping_version: str = Field(max_length=200)
    basis: str = Field(max_length=1000)
    decided_on: date | None


class ArrearsAwaitingDecisionV1(BaseModel):
    """Months owed and unpaid older than the payroll's look-back were found: no payroll pays
    them on its own; they are shown as owed until an arrears decision names them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["arrears_awaiting_decision"] = "arrears_awaiting_decision"
    case_id: UUID
    months: dict[Month, Vnd] = Field(max_length=600, description="Month -> amount owed")
    amount: Vnd
    look_back_from: Month = Field(description="The first month the payroll paid by itself")


class ArrearsDecidedV1(BaseModel):
    """The deciding authority decided to pay months owed beyond the look-back (truy lĩnh):
    the next payroll pays them as arrears."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["arrears_decided"] = "arrears_decided"
    case_id: UUID
    months: list[Month] = Field(max_length=600)
    amount: Vnd
    decision_number: str
    signed_on: date
    basis: str


class EntitlementUnitsRestoredV1(BaseModel):
    """An entitlement enrolled before units travelled with the approval held each category at
    one unit (a single parent of three paid for one child). Its units are restored from what
    the approval decided: the monthly amount it recorded over the standard level then is the
    coefficient decided (units_from_decision). From its first month: the next payroll pays
    what the months already paid were short of (older than the look-back: awaiting an arrears
    decision)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["entitlement_units_restored"] = "entitlement_units_restored"
    case_id: UUID
    from_month: Month
    categories: dict[str, int] = Field(max_length=20)
    coefficient: str = Field(max_length=20, description="The coefficient the approval decided")
    basis: str = Field(max_length=1000)


class EnrolmentHeldV1(BaseModel):
    """An approval was not enrolled: the person already has an entitlement to the benefit
    owed from `from_month` (case `conflicting_case_id`). It is enrolled by itself, from the
    month after, once that entitlement stops; until then officials must resolve it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["enrolment_held"] = "enrolment_held"
    case_id: UUID
    conflicting_case_id: UUID
    from_month: Month
    decision_number: str


class HealthInsuranceNoticeV1(BaseModel):
    """Báo tăng / báo giảm for the health-insurance service: a state-paid card starts
    (increase) or ends (decrease). Least exposure: btxh's person id, never the citizen ID
    number or health data; the health-insurance service reads identity through its own
    authorised, logged channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["health_insurance_notice"] = "health_insurance_notice"
    case_id: UUID
    person_id: UUID | None
    kind: Literal["increase", "decrease"]
    card_valid_from: date | None
    card_valid_until: date | None
    reason: str
    category: str = Field(pattern=r"^[A-Z0-9_]+$")
    residence: AdminUnitRef


#: [U] The group of state-paid health insurance every beneficiary of a monthly social allowance
#: belongs to (Decree 146/2018 as amended, DOMAIN.md §6.7); the card's group code at the
#: social-insurance agency is theirs to map. One value: the category, which reveals HIV or a
#: disability, is not the health-insurance service's to know.
INSURED_GROUP: Final = "monthly_social_allowance"


class HealthInsuranceNoticeV2(BaseModel):
    """Báo tăng / báo giảm for the health-insurance service: a state-paid card starts
    (increase) or ends (decrease). Least exposure: btxh's person id and the insured group,
    never the citizen ID number, the category or other health data; the health-insurance
    service reads identity through its own authorised, logged channel. v2 drops the category
    (it revealed HIV or a disability) for the insured group."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["health_insurance_notice"] = "health_insurance_notice"
    case_id: UUID
    person_id: UUID | None
    kind: Literal["increase", "decrease"]
    card_valid_from: date | None
    card_valid_until: date | None
    reason: str
    insured_group: Literal["monthly_social_allowance"]
    residence: AdminUnitRef


def upcast_health_insurance_notice_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 notice read again (a rebuild) loses its category as v2 does."""
    kept = {k: v for k, v in data.items() if k != "category"}
    return {**kept, "insured_group": INSURED_GROUP}
