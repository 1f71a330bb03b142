"""Payment use cases: the only code that loads and saves entitlements."""

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Tracking

from backbone.actor import Actor
from backbone.eventstore import BtxhApplication
from contracts.ids import derived_id
from services.payment.domain.entitlement import Entitlement


class EntitlementNotFound(LookupError):
    """No entitlement for this case (not approved, or the approval has not arrived yet)."""


class PaymentApplication(BtxhApplication):
    name = "payment"
    service = "payment"

    def enrol(
        self,
        *,
        case_id: UUID,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        monthly_amount: int,
        from_month: str,
        decision_number: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID,
        tracking: Tracking,
    ) -> None:
        """Put an approved beneficiary on the rolls from the decision's effective month.

        The entitlement id is derived from the case id, so a re-delivered approval can never
        enrol twice: the event store refuses a second creation.
        """
        entitlement = Entitlement(
            id=derived_id("entitlement", case_id),
            case_id=case_id,
            benefit=benefit,
            category=category,
            residence_scheme=residence_scheme,
            residence_code=residence_code,
            monthly_amount=monthly_amount,
            from_month=from_month,
            decision_number=decision_number,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        self.save_tracked(entitlement, tracking=tracking)

    def get_entitlement(self, case_id: UUID) -> Entitlement:
        try:
            entitlement: Entitlement = self.repository.get(derived_id("entitlement", case_id))
        except AggregateNotFoundError as error:
            raise EntitlementNotFound(f"no entitlement for case {case_id}") from error
        assert isinstance(entitlement, Entitlement)
        return entitlement
