"""Maps assessment's stored events to published contracts (least exposure: free-text findings
and complaint texts stay in assessment)."""

from typing import Any

from pydantic import BaseModel

from contracts import assessment as contracts
from contracts.values import AdminUnitRef
from services.assessment.domain.case_assessment import CaseAssessment
from services.assessment.domain.dependants import CaseDependants
from services.assessment.domain.disability import DisabilityRecord


def to_contract(event: Any) -> BaseModel | None:
    case_id = event.case_id
    if isinstance(event, CaseDependants.Recorded | CaseDependants.Changed):
        return None  # intake published the dependants; the decision counting them is published
    if isinstance(event, DisabilityRecord.Determined | DisabilityRecord.Redetermined):
        return contracts.DisabilityLevelDeterminedV1(
            case_id=case_id,
            determined_on=event.determined_on,
            level=event.level,
            method=event.method,
            previous_level=event.previous_level,
            redetermination_due_on=event.redetermination_due_on,
        )
    if isinstance(event, CaseAssessment.Opened):
        return contracts.CaseOpenedV2(
            case_id=event.case_id,
            benefit=event.benefit,
            category=event.category,
            residence=AdminUnitRef(scheme=event.residence_scheme, code=event.residence_code),
            dossier_received_on=event.dossier_received_on,
            procedure_version=getattr(event, "procedure_version", None),
            current_step=getattr(event, "current_step", None),
            current_due_on=getattr(event, "current_due_on", None),
        )
    if isinstance(event, CaseAssessment.Reviewed):
        return contracts.CaseReviewedV1(
            case_id=case_id,
            reviewed_on=event.reviewed_on,
            body=event.body,
            outcome=event.outcome,
            population_db_verified=event.population_db_verified,
            next_step=event.next_step,
            next_due_on=event.next_due_on,
        )
    if isinstance(event, CaseAssessment.ResultsPosted):
        return contracts.ResultsPostedV1(
            case_id=case_id,
            posted_from=event.posted_from,
            posted_until=event.posted_until,
            hiv_information_withheld=event.hiv_information_withheld,
            next_step=event.next_step,
            next_due_on=event.next_due_on,
        )
    if isinstance(event, CaseAssessment.ComplaintReceived):
        return contracts.ComplaintReceivedV1(
            case_id=case_id,
            complaint_id=event.complaint_id,
            received_on=event.received_on,
            due_on=event.due_on,
        )
    if isinstance(event, CaseAssessment.ComplaintConcluded):
        return contracts.ComplaintConcludedV1(
            case_id=case_id,
            complaint_id=event.complaint_id,
            concluded_on=event.concluded_on,
            outcome=event.outcome,
            on_time=event.on_time,
        )
    if isinstance(event, CaseAssessment.ProposalSent):
        return contracts.ProposalSentV1(
            case_id=case_id,
            sent_on=event.sent_on,
            next_step=event.next_step,
            next_due_on=event.next_due_on,
        )
    if isinstance(event, CaseAssessment.Appraised):
        return contracts.CaseAppraisedV1(
            case_id=case_id,
            appraised_on=event.appraised_on,
            body=event.body,
            outcome=event.outcome,
            next_step=event.next_step,
            next_due_on=event.next_due_on,
        )
    if isinstance(event, CaseAssessment.Approved):
        held = getattr(event, "categories_held", None) or [event.category]
        with_units = getattr(event, "categories", None)
        return contracts.CaseApprovedV4(
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
            categories_held=held,
            due_on=getattr(event, "due_on", None),
            on_time=getattr(event, "on_time", None),
            person_id=getattr(event, "person_id", None),
            categories=[
                contracts.CategoryHeld(code=code, units=with_units[code] if with_units else None)
                for code in held
            ],
            dependants=[
                contracts.Dependant(
                    dependant_id=d["dependant_id"],
                    relation=d["relation"],
                    date_of_birth=d["date_of_birth"],
                    case_id=d["case_id"],
                )
                for d in getattr(event, "dependants", None) or []
            ],
        )
    if isinstance(event, CaseAssessment.Rejected):
        return contracts.CaseRejectedV1(
            case_id=event.case_id,
            decision_number=event.decision_number,
            signed_on=event.signed_on,
            signer=event.signer,
            authority=event.authority,
            reasons=event.reasons,
            legal_basis=event.legal_basis,
            policy_version=event.policy_version,
            due_on=event.due_on,
            on_time=event.on_time,
        )
    if isinstance(event, CaseAssessment.BecameOverdue):
        return contracts.CaseBecameOverdueV1(
            case_id=case_id, step=event.step, due_on=event.due_on, detected_on=event.detected_on
        )
    if isinstance(event, CaseAssessment.DossierCompleted):
        return contracts.DossierCompletedV1(
            case_id=case_id,
            complete_on=event.complete_on,
            next_step=event.next_step,
            next_due_on=event.next_due_on,
        )
    if isinstance(event, CaseAssessment.Withdrawn):
        return contracts.CaseWithdrawnV1(case_id=case_id, withdrawn_on=event.withdrawn_on)
    if isinstance(event, CaseAssessment.ChangeProposed):
        return contracts.ChangeProposedV2(
            case_id=case_id,
            trigger=event.trigger,
            reached_on=event.reached_on,
            from_category=event.from_category,
            proposal=event.proposal,
            to_category=event.to_category,
            effective_month=event.effective_month,
            legal_basis=event.legal_basis,
            # Absent from proposals recorded before dependants were.
            dependant_id=getattr(event, "dependant_id", None),
            from_units=getattr(event, "from_units", None),
            to_units=getattr(event, "to_units", None),
        )
    raise TypeError(f"no contract for {type(event).__qualname__}: every stored event is published")
