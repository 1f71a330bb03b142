"""Assessment's record of a case: opened from the dossier, decided by the approving authority."""

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor


class InvalidDecision(ValueError):
    """The decision breaks a rule; nothing is recorded."""


class AlreadyDecided(Exception):
    """The case has a decision already; decisions are never overwritten."""


class CaseAssessment(Aggregate):
    """Id derived from the case id (contracts.ids.derived_id("assessment", case_id))."""

    # Event classes made by @event below; declared so type checkers know them.
    Opened: ClassVar[type[Any]]
    Approved: ClassVar[type[Any]]

    @event("Opened")
    def __init__(
        self,
        *,
        id: UUID,
        case_id: UUID,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        date_of_birth: date,
        dossier_received_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.case_id = case_id
        self.benefit = benefit
        self.category = category
        self.residence_scheme = residence_scheme
        self.residence_code = residence_code
        self.date_of_birth = date_of_birth
        self.dossier_received_on = dossier_received_on
        self.decision_number: str | None = None
        self.signed_on: date | None = None
        self.monthly_amount: int | None = None
        self.effective_month: str | None = None

    def approve(
        self,
        *,
        decision_number: str,
        signed_on: date,
        signer: str,
        authority: str,
        legal_basis: list[str],
        policy_version: str,
        standard_level: int,
        coefficient: Decimal,
        monthly_amount: int,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Grant the allowance. Entitlement starts in the month of signing, never earlier."""
        if self.decision_number is not None:
            raise AlreadyDecided(
                f"case {self.case_id} was already decided by decision {self.decision_number} "
                f"signed on {self.signed_on}"
            )
        if signed_on > today:
            raise InvalidDecision(f"signed_on {signed_on} is in the future")
        if signed_on < self.dossier_received_on:
            raise InvalidDecision(
                f"a decision cannot be signed ({signed_on}) before the dossier was received "
                f"({self.dossier_received_on})"
            )
        if not legal_basis or not all(basis.strip() for basis in legal_basis):
            raise InvalidDecision("legal_basis must name at least one provision")
        self._approve(
            case_id=self.case_id,
            benefit=self.benefit,
            category=self.category,
            residence_scheme=self.residence_scheme,
            residence_code=self.residence_code,
            decision_number=decision_number,
            signed_on=signed_on,
            signer=signer,
            authority=authority,
            legal_basis=list(legal_basis),
            policy_version=policy_version,
            standard_level=standard_level,
            coefficient=str(coefficient),
            monthly_amount=monthly_amount,
            effective_month=f"{signed_on.year:04d}-{signed_on.month:02d}",
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("Approved")
    def _approve(
        self,
        *,
        case_id: UUID,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        decision_number: str,
        signed_on: date,
        signer: str,
        authority: str,
        legal_basis: list[str],
        policy_version: str,
        standard_level: int,
        coefficient: str,
        monthly_amount: int,
        effective_month: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.decision_number = decision_number
        self.signed_on = signed_on
        self.monthly_amount = monthly_amount
        self.effective_month = effective_month
