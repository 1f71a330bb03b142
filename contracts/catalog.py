"""The catalogue of every published event: type, current version, topic, model, upcasters.

A subscriber decodes `Envelope.data` with `decode(envelope)`: older schema versions are
upcast step by step to the current model, so stored and republished old events keep working.
"""

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from contracts import assessment, intake, payment, topics
from contracts.envelope import Envelope

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EventContract:
    """One event type as published: where, at which version, and how old versions upcast."""

    type: str
    source: str
    topic: str
    version: int
    model: builtins.type[BaseModel]  # `type` is also a field name here
    #: upcasters[n] turns a version-n payload into version n+1.
    upcasters: dict[int, Upcaster] = field(default_factory=dict)
    #: Models of earlier versions a subscriber may still name its handler by: the current
    #: model subclasses each, so such a handler keeps working until it moves to the new one.
    earlier_models: tuple[builtins.type[BaseModel], ...] = ()

    @property
    def schema_id(self) -> str:
        return f"{self.type}.v{self.version}"


class ContractViolation(ValueError):
    """The message does not satisfy the contract it claims."""


CONTRACTS: tuple[EventContract, ...] = (
    EventContract(
        type="vn.btxh.intake.dossier_received",
        source="btxh/intake",
        topic=topics.INTAKE_EVENTS,
        version=3,
        model=intake.DossierReceivedV3,
        upcasters={
            1: intake.upcast_dossier_received_v1,
            2: intake.upcast_dossier_received_v2,
        },
        earlier_models=(intake.DossierReceivedV2,),
    ),
    EventContract(
        type="vn.btxh.intake.dependants_changed",
        source="btxh/intake",
        topic=topics.INTAKE_EVENTS,
        version=1,
        model=intake.DependantsChangedV1,
    ),
    EventContract(
        type="vn.btxh.intake.dossier_supplemented",
        source="btxh/intake",
        topic=topics.INTAKE_EVENTS,
        version=1,
        model=intake.DossierSupplementedV1,
    ),
    EventContract(
        type="vn.btxh.intake.dossier_withdrawn",
        source="btxh/intake",
        topic=topics.INTAKE_EVENTS,
        version=1,
        model=intake.DossierWithdrawnV1,
    ),
    EventContract(
        type="vn.btxh.intake.jurisdiction_resolved",
        source="btxh/intake",
        topic=topics.INTAKE_EVENTS,
        version=1,
        model=intake.JurisdictionResolvedV1,
    ),
    EventContract(
        type="vn.btxh.intake.funeral_claim_received",
        source="btxh/intake",
        topic=topics.INTAKE_EVENTS,
        version=1,
        model=intake.FuneralClaimReceivedV1,
    ),
    EventContract(
        type="vn.btxh.assessment.case_opened",
        source="btxh/assessment",
        topic=topics.ASSESSMENT_EVENTS,
        version=2,
        model=assessment.CaseOpenedV2,
        upcasters={1: assessment.upcast_case_opened_v1},
    ),
    *(
        EventContract(
            type=f"vn.btxh.assessment.{name}",
            source="btxh/assessment",
            topic=topics.ASSESSMENT_EVENTS,
            version=1,
            model=model,
        )
        for name, model in (
            ("case_reviewed", assessment.CaseReviewedV1),
            ("results_posted", assessment.ResultsPostedV1),
            ("complaint_received", assessment.ComplaintReceivedV1),
            ("complaint_concluded", assessment.ComplaintConcludedV1),
            ("proposal_sent", assessment.ProposalSentV1),
            ("case_appraised", assessment.CaseAppraisedV1),
            ("case_rejected", assessment.CaseRejectedV1),
            ("case_became_overdue", assessment.CaseBecameOverdueV1),
            ("disability_level_determined", assessment.DisabilityLevelDeterminedV1),
            ("dossier_completed", assessment.DossierCompletedV1),
            ("case_withdrawn", assessment.CaseWithdrawnV1),
        )
    ),
    EventContract(
        type="vn.btxh.assessment.change_proposed",
        source="btxh/assessment",
        topic=topics.ASSESSMENT_EVENTS,
        version=2,
        model=assessment.ChangeProposedV2,
        upcasters={1: assessment.upcast_change_proposed_v1},
        earlier_models=(assessment.ChangeProposedV1,),
    ),
    EventContract(
        type="vn.btxh.assessment.case_approved",
        source="btxh/assessment",
        topic=topics.ASSESSMENT_EVENTS,
        version=4,
        model=assessment.CaseApprovedV4,
        upcasters={
            1: assessment.upcast_case_approved_v1,
            2: assessment.upcast_case_approved_v2,
            3: assessment.upcast_case_approved_v3,
        },
    ),
    EventContract(
        type="vn.btxh.payment.funeral_support_decided",
        source="btxh/payment",
        topic=topics.PAYMENT_EVENTS,
        version=3,
        model=payment.FuneralSupportDecidedV3,
        upcasters={
            1: payment.upcast_funeral_support_decided_v1,
            2: payment.upcast_funeral_support_decided_v2,
        },
        earlier_models=(payment.FuneralSupportDecidedV2,),
    ),
    EventContract(
        type="vn.btxh.payment.beneficiary_enrolled",
        source="btxh/payment",
        topic=topics.PAYMENT_EVENTS,
        version=1,
        model=payment.BeneficiaryEnrolledV1,
    ),
    *(
        EventContract(
            type=f"vn.btxh.payment.{name}",
            source="btxh/payment",
            topic=topics.PAYMENT_EVENTS,
            version=1,
            model=model,
        )
        for name, model in (
            ("entitlement_adjusted", payment.EntitlementAdjustedV1),
            ("entitlement_suspended", payment.EntitlementSuspendedV1),
            ("suspension_lifted", payment.SuspensionLiftedV1),
            ("entitlement_ceased", payment.EntitlementCeasedV1),
            ("payroll_line_settled", payment.PayrollLineSettledV1),
            ("overpayment_detected", payment.OverpaymentDetectedV1),
            ("suspension_proposed", payment.SuspensionProposedV1),
            ("recovery_decided", payment.RecoveryDecidedV1),
            ("recovery_waived", payment.RecoveryWaivedV1),
            ("repayment_received", payment.RepaymentReceivedV1),
            ("payment_channel_changed", payment.PaymentChannelChangedV1),
            (
                "beneficiary_transferred_by_reorganisation",
                payment.BeneficiaryTransferredByReorganisationV1,
            ),
            ("arrears_awaiting_decision", payment.ArrearsAwaitingDecisionV1),
            ("arrears_decided", payment.ArrearsDecidedV1),
            ("entitlement_units_restored", payment.EntitlementUnitsRestoredV1),
            ("cessation_proposed", payment.CessationProposedV1),
            ("beneficiary_moved_out", payment.BeneficiaryMovedOutV1),
            ("beneficiary_moved_in", payment.BeneficiaryMovedInV1),
            ("enrolment_held", payment.EnrolmentHeldV1),
        )
    ),
    EventContract(
        type="vn.btxh.payment.payroll_lines_issued",
        source="btxh/payment",
        topic=topics.PAYMENT_EVENTS,
        version=2,
        model=payment.PayrollLinesIssuedV2,
        upcasters={1: payment.upcast_payroll_lines_issued_v1},
    ),
    EventContract(
        type="vn.btxh.payment.health_insurance_notice",
        source="btxh/payment",
        topic=topics.HEALTH_INSURANCE_NOTICES,
        version=2,
        model=payment.HealthInsuranceNoticeV2,
        upcasters={1: payment.upcast_health_insurance_notice_v1},
    ),
)

BY_TYPE: dict[str, EventContract] = {c.type: c for c in CONTRACTS}
BY_MODEL: dict[type[BaseModel], EventContract] = {
    model: c for c in CONTRACTS for model in (c.model, *c.earlier_models)
}


def contract_for(model: type[BaseModel]) -> EventContract:
    return BY_MODEL[model]


def decode(envelope: Envelope) -> BaseModel:
    """Validate the envelope's data against its contract, upcasting older versions first."""
    contract = BY_TYPE.get(envelope.type)
    if contract is None:
        raise ContractViolation(f"unknown event type {envelope.type!r}")
    if envelope.source != contract.source:
        raise ContractViolation(
            f"{envelope.type} must come from {contract.source}, not {envelope.source}"
        )
    if envelope.schemaversion > contract.version:
        raise ContractViolation(
            f"{envelope.type} schema version {envelope.schemaversion} is newer than the "
            f"{contract.version} this subscriber knows; upgrade the contracts package"
        )
    data = dict(envelope.data)
    for version in range(envelope.schemaversion, contract.version):
        upcast = contract.upcasters.get(version)
        if upcast is None:
            raise ContractViolation(f"no upcaster from {envelope.type} v{version}")
        data = upcast(data)
    if str(data.get("case_id")) != str(envelope.subject):
        raise ContractViolation("data.case_id differs from the envelope subject")
    try:
        return contract.model.model_validate(data)
    except ValueError as error:
        raise ContractViolation(f"{envelope.type} v{contract.version}: {error}") from error
