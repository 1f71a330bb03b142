"""Maps payment's stored events to published contracts."""

from typing import Any

from pydantic import BaseModel

from contracts import payment as contracts
from contracts.payment import BeneficiaryEnrolledV1
from contracts.values import AdminUnitRef
from services.payment.domain.care_links import CaredForBy
from services.payment.domain.entitlement import Entitlement
from services.payment.domain.funeral import FuneralSupportOnce
from services.payment.domain.funeral_claim import ClaimFuneralSupport, FuneralClaim
from services.payment.domain.health_insurance import HealthInsuranceNotices
from services.payment.domain.jurisdiction import JurisdictionDecision
from services.payment.domain.ledger import BenefitLedger, HeldEnrolment
from services.payment.domain.payroll import PayrollRun


def to_contract(event: Any) -> BaseModel | None:
    if isinstance(event, Entitlement.Enrolled):
        return BeneficiaryEnrolledV1(
            case_id=event.case_id,
            entitlement_id=event.originator_id,
            benefit=event.benefit,
            category=event.category,
            residence=AdminUnitRef(scheme=event.residence_scheme, code=event.residence_code),
            monthly_amount=event.monthly_amount,
            from_month=event.from_month,
            decision_number=event.decision_number,
        )
    if isinstance(event, Entitlement.Adjusted):
        return contracts.EntitlementAdjustedV1(
            case_id=event.case_id,
            from_month=event.from_month,
            categories=event.categories,
            decision_number=event.decision_number,
            signed_on=event.signed_on,
        )
    if isinstance(event, Entitlement.Suspended):
        return contracts.EntitlementSuspendedV1(
            case_id=event.case_id,
            from_month=event.from_month,
            ground=event.ground,
            decided_on=event.decided_on,
            decision_number=event.decision_number,
        )
    if isinstance(event, Entitlement.SuspensionLifted):
        return contracts.SuspensionLiftedV1(
            case_id=event.case_id,
            from_month=event.from_month,
            decided_on=event.decided_on,
            decision_number=event.decision_number,
        )
    if isinstance(event, Entitlement.Ceased):
        return contracts.EntitlementCeasedV1(
            case_id=event.case_id,
            from_month=event.from_month,
            reason=event.reason,
            event_date=event.event_date,
            decision_number=event.decision_number,
            signed_on=event.signed_on,
        )
    if isinstance(event, Entitlement.LinesIssued | ClaimFuneralSupport.LinesIssued):
        return contracts.PayrollLinesIssuedV2(
            case_id=event.case_id,
            payroll_id=event.payroll_id,
            payroll_month=event.payroll_month,
            commune=getattr(event, "commune", None),
            channel=getattr(event, "channel", None),
            lines=[contracts.PayrollLineV2(**line) for line in event.lines],
        )
    if isinstance(event, Entitlement.LineSettled | ClaimFuneralSupport.LineSettled):
        return contracts.PayrollLineSettledV1(
            case_id=event.case_id,
            line_id=event.line_id,
            month=event.month,
            amount=event.amount,
            result=event.result,
            settled_on=event.settled_on,
            source=event.source,
        )
    if isinstance(event, Entitlement.OverpaymentDetected):
        return contracts.OverpaymentDetectedV1(
            case_id=event.case_id, amount=event.amount, months=event.months, reason=event.reason
        )
    if isinstance(event, Entitlement.FuneralSupportDecided):
        dependant = getattr(event, "dependant_id", None)
        return contracts.FuneralSupportDecidedV3(
            deceased="beneficiary" if dependant is None else "child_raised",
            dependant_id=dependant,
            died_on=getattr(event, "died_on", None),
            case_id=event.case_id,
            amount=event.amount,
            standard_level=event.standard_level,
            policy_version=event.policy_version,
            decision_number=event.decision_number,
            signed_on=event.signed_on,
        )
    return _later_events(event)


def _later_events(event: Any) -> BaseModel | None:
    """Suspension proposals, recovery, channel, moves, held enrolments, health insurance."""
    if isinstance(event, Entitlement.SuspensionProposed):
        return contracts.SuspensionProposedV1(
            case_id=event.case_id,
            ground=event.ground,
            months=event.months,
            amount_not_collected=event.amount_not_collected,
        )
    if isinstance(event, Entitlement.RecoveryDecided):
        return contracts.RecoveryDecidedV1(
            case_id=event.case_id,
            amount=event.amount,
            instalments=event.instalments,
            instalment_amount=event.instalment_amount,
            basis=event.basis,
            decision_number=event.decision_number,
            signed_on=event.signed_on,
        )
    if isinstance(event, Entitlement.RecoveryWaived):
        return contracts.RecoveryWaivedV1(
            case_id=event.case_id,
            amount=event.amount,
            basis=event.basis,
            decision_number=event.decision_number,
            signed_on=event.signed_on,
        )
    if isinstance(event, Entitlement.RepaymentReceived):
        return contracts.RepaymentReceivedV1(
            case_id=event.case_id,
            receipt_number=event.receipt_number,
            amount=event.amount,
            received_on=event.received_on,
            outstanding=event.outstanding,
        )
    if isinstance(event, Entitlement.ChannelChanged):
        return contracts.PaymentChannelChangedV1(
            case_id=event.case_id,
            channel=event.channel,
            previous=event.previous,
            decided_on=event.decided_on,
            reason=event.reason,
        )
    if isinstance(event, Entitlement.MovedOut):
        return contracts.BeneficiaryMovedOutV1(
            case_id=event.case_id,
            from_month=event.from_month,
            moved_on=event.moved_on,
            from_residence=AdminUnitRef(scheme=event.from_scheme, code=event.from_code),
            to_residence=AdminUnitRef(scheme=event.to_scheme, code=event.to_code),
            decision_number=event.decision_number,
            signed_on=event.signed_on,
        )
    if isinstance(event, Entitlement.MovedIn):
        return contracts.BeneficiaryMovedInV1(
            case_id=event.case_id,
            from_month=event.from_month,
            residence=AdminUnitRef(scheme=event.residence_scheme, code=event.residence_code),
            decision_number=event.decision_number,
            signed_on=event.signed_on,
        )
    if isinstance(event, HeldEnrolment.Held):
        return contracts.EnrolmentHeldV1(
            case_id=event.case_id,
            conflicting_case_id=event.conflicting_case_id,
            from_month=event.from_month,
            decision_number=event.decision_number,
        )
    if isinstance(
        event, HealthInsuranceNotices.FirstNoticeIssued | HealthInsuranceNotices.NoticeIssued
    ):
        return contracts.HealthInsuranceNoticeV2(
            case_id=event.case_id,
            person_id=event.person_id,
            kind=event.kind,
            card_valid_from=event.card_valid_from,
            card_valid_until=event.card_valid_until,
            reason=event.reason,
            insured_group=contracts.INSURED_GROUP,
            residence=AdminUnitRef(scheme=event.residence_scheme, code=event.residence_code),
        )
    if isinstance(event, Entitlement.TransferredByReorganisation):
        return contracts.BeneficiaryTransferredByReorganisationV1(
            case_id=event.case_id,
            from_month=event.from_month,
            from_residence=AdminUnitRef(scheme=event.from_scheme, code=event.from_code),
            to_residence=AdminUnitRef(scheme=event.to_scheme, code=event.to_code),
            method=event.method,
            mapping_version=event.mapping_version,
            basis=event.basis,
            decided_on=event.decided_on,
        )
    if isinstance(event, Entitlement.ArrearsAwaitingDecision):
        return contracts.ArrearsAwaitingDecisionV1(
            case_id=event.case_id,
            months=event.months,
            amount=event.amount,
            look_back_from=event.look_back_from,
        )
    if isinstance(event, Entitlement.ArrearsDecided):
        return contracts.ArrearsDecidedV1(
            case_id=event.case_id,
            months=event.months,
            amount=event.amount,
            decision_number=event.decision_number,
            signed_on=event.signed_on,
            basis=event.basis,
        )
    if isinstance(event, Entitlement.UnitsRestored):
        return contracts.EntitlementUnitsRestoredV1(
            case_id=event.case_id,
            from_month=event.from_month,
            categories=event.categories,
            coefficient=event.coefficient,
            basis=event.basis,
        )
    if isinstance(event, Entitlement.CessationProposed):
        return contracts.CessationProposedV1(
            case_id=event.case_id,
            ground=event.ground,
            cause=event.cause,
            event_date=event.event_date,
            from_month=event.from_month,
        )
    if isinstance(event, CaredForBy.Opened | CaredForBy.Linked):
        return None  # bookkeeping across cases: the proposals it causes are published
    if isinstance(event, ClaimFuneralSupport.Decided):
        return contracts.FuneralSupportDecidedV3(
            deceased="person_80_plus",
            dependant_id=None,
            died_on=event.died_on,
            case_id=event.case_id,
            amount=event.amount,
            standard_level=event.standard_level,
            policy_version=event.policy_version,
            decision_number=event.decision_number,
            signed_on=event.signed_on,
        )
    if isinstance(event, FuneralClaim.Recorded):
        return None  # intake published the claim; the decision is a stream of its own
    if isinstance(event, FuneralSupportOnce.Decided):
        return None  # bookkeeping across cases: the decision itself is published
    if isinstance(event, JurisdictionDecision.Recorded):
        return None  # intake published the decision; the transfer it causes is published
    if isinstance(event, PayrollRun.Started | PayrollRun.Generated | PayrollRun.Approved):
        return None  # a payroll run is internal bookkeeping: its lines are on the bus
    if isinstance(event, BenefitLedger.Opened | BenefitLedger.PeriodStarted):
        return None  # the ledger is bookkeeping across cases; held approvals are published
    if isinstance(event, BenefitLedger.PeriodEnded | BenefitLedger.EnrolmentHeld):
        return None
    raise TypeError(f"no contract for {type(event).__qualname__}: every stored event is published")
