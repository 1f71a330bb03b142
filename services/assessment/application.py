"""Assessment use cases: the only code that loads and saves case assessments."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Tracking

from backbone.actor import Actor
from backbone.eventstore import BtxhApplication
from contracts.ids import derived_id
from reference.policy import PolicyBook, PolicyError, policy_book
from services.assessment.domain.case_assessment import (
    AlreadyDecided,
    CaseAssessment,
    InvalidDecision,
)
from services.assessment.settings import AssessmentSettings


class CaseNotFound(LookupError):
    """Assessment holds no record of this case (not received, or not yet synchronised)."""


@dataclass(frozen=True)
class Approve:
    decision_number: str
    signed_on: date
    signer: str
    authority: str
    legal_basis: list[str]
    monthly_amount: int | None


class AssessmentApplication(BtxhApplication):
    name = "assessment"
    service = "assessment"

    def __init__(self, settings: AssessmentSettings, policy: PolicyBook | None = None) -> None:
        super().__init__(settings)
        self.policy = policy or policy_book()

    def open_case(
        self,
        *,
        case_id: UUID,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        date_of_birth: date,
        dossier_received_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID,
        tracking: Tracking,
    ) -> None:
        """Hold assessment's own record of a dossier received at intake (learned from Kafka)."""
        assessment = CaseAssessment(
            id=derived_id("assessment", case_id),
            case_id=case_id,
            benefit=benefit,
            category=category,
            residence_scheme=residence_scheme,
            residence_code=residence_code,
            date_of_birth=date_of_birth,
            dossier_received_on=dossier_received_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        self.save_tracked(assessment, tracking=tracking)

    def get_case(self, case_id: UUID) -> CaseAssessment:
        try:
            assessment: CaseAssessment = self.repository.get(derived_id("assessment", case_id))
        except AggregateNotFoundError as error:
            raise CaseNotFound(
                f"assessment has no case {case_id}: unknown, or its dossier has not reached "
                "assessment yet"
            ) from error
        assert isinstance(assessment, CaseAssessment)
        return assessment

    def approve(
        self, case_id: UUID, command: Approve, *, actor: Actor, correlation_id: UUID, today: date
    ) -> tuple[CaseAssessment, bool]:
        """Record the approving authority's signed decision granting the allowance.

        The monthly amount is the standard level in force on the signing date times the
        category's coefficient; a stated amount that differs is refused. Repeating the same
        decision (same number) is an idempotent success; a different decision for a decided
        case is a conflict. Returns the case and whether this call recorded the decision.
        """
        assessment = self.get_case(case_id)
        if assessment.decision_number == command.decision_number:
            return assessment, False
        try:
            # Province-level overrides need the commune's province (reference admin units).
            amount = self.policy.in_force(None, command.signed_on).amount({assessment.category: 1})
        except PolicyError as error:
            raise InvalidDecision(str(error)) from error
        if command.monthly_amount is not None and command.monthly_amount != amount.monthly_amount:
            raise InvalidDecision(
                f"monthly_amount {command.monthly_amount} differs from the policy amount "
                f"{amount.monthly_amount} ({amount.standard_level} x {amount.coefficient}, "
                f"policy {amount.policy_version}) for {assessment.category} on {command.signed_on}"
            )
        assessment.approve(
            decision_number=command.decision_number,
            signed_on=command.signed_on,
            signer=command.signer,
            authority=command.authority,
            legal_basis=command.legal_basis,
            policy_version=amount.policy_version,
            standard_level=amount.standard_level,
            coefficient=amount.coefficient,
            monthly_amount=amount.monthly_amount,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(assessment)
        return assessment, True


__all__ = ["AlreadyDecided", "AssessmentApplication", "CaseNotFound", "InvalidDecision"]
