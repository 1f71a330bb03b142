"""Maps assessment's stored events to published contracts."""

from typing import Any

from pydantic import BaseModel

from contracts.assessment import CaseApprovedV1, CaseOpenedV1
from contracts.values import AdminUnitRef
from services.assessment.domain.case_assessment import CaseAssessment


def to_contract(event: Any) -> BaseModel:
    if isinstance(event, CaseAssessment.Opened):
        return CaseOpenedV1(
            case_id=event.case_id,
            benefit=event.benefit,
            category=event.category,
            residence=AdminUnitRef(scheme=event.residence_scheme, code=event.residence_code),
            dossier_received_on=event.dossier_received_on,
        )
    if isinstance(event, CaseAssessment.Approved):
        return CaseApprovedV1(
            case_id=event.case_id,
            benefit=event.benefit,
            category=event.category,
            residence=AdminUnitRef(scheme=event.residence_scheme, code=event.residence_code),
            decision_number=event.decision_number,
            signed_on=event.signed_on,
            signer=event.signer,
            authority=event.authority,
            legal_basis=event.legal_basis,
            policy_version=event.policy_version,
            standard_level=event.standard_level,
            coefficient=event.coefficient,
            monthly_amount=event.monthly_amount,
            effective_month=event.effective_month,
        )
    raise TypeError(f"no contract for {type(event).__qualname__}: every stored event is published")
