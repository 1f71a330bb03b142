"""Maps payment's stored events to published contracts."""

from typing import Any

from pydantic import BaseModel

from contracts import payment as contracts
from contracts.payment import BeneficiaryEnrolledV1
from contracts.values import AdminUnitRef
from services.payment.domain.entitlement import Entitlement
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
    if isinstance(event, Entitlement.LinesIssued):
        return contracts.PayrollLinesIssuedV1(
            case_id=event.case_id,
            payroll_id=event.payroll_id,
            payroll_month=event.payroll_month,
            lines=[contracts.PayrollLine(**line) for line in event.lines],
        )
    if isinstance(event, Entitlement.LineSettled):
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
        return contracts.FuneralSupportDecidedV1(
            case_id=event.case_id,
            amount=event.amount,
            standard_level=event.standard_level,
            policy_version=event.policy_version,
            decision_number=event.decision_number,
            signed_on=event.signed_on,
        )
    if isinstance(event, PayrollRun.Started | PayrollRun.Generated | PayrollRun.Approved):
        return None  # a payroll run is internal bookkeeping: its lines are on the bus
    raise TypeError(f"no contract for {type(event).__qualname__}: every stored event is published")
