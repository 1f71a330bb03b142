"""Maps payment's stored events to published contracts."""

from typing import Any

from pydantic import BaseModel

from contracts.payment import BeneficiaryEnrolledV1
from contracts.values import AdminUnitRef
from services.payment.domain.entitlement import Entitlement


def to_contract(event: Any) -> BaseModel:
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
    raise TypeError(f"no contract for {type(event).__qualname__}: every stored event is published")
