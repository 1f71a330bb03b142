"""Subscribers of payment: events of other services -> use cases."""

from eventsourcing.persistence import Tracking

from backbone.actor import service_actor
from backbone.tracked_consumer import Handler
from contracts.assessment import CaseApprovedV4
from contracts.envelope import Envelope
from contracts.intake import FuneralClaimReceivedV1, JurisdictionResolvedV1
from services.payment.application import PaymentApplication


def handlers(app: PaymentApplication) -> dict[type, Handler]:
    def on_case_approved(event: CaseApprovedV4, envelope: Envelope, tracking: Tracking) -> None:
        """A grant was decided: enrol the beneficiary from the effective month."""
        app.enrol(
            approval={
                "case_id": event.case_id,
                "person_id": event.person_id,
                "benefit": event.benefit,
                "category": event.category,
                "categories_held": list(event.categories_held),
                "categories": [held.model_dump() for held in event.categories],
                "coefficient": event.coefficient,
                "dependants": [d.model_dump() for d in event.dependants],
                "residence_scheme": event.residence.scheme,
                "residence_code": event.residence.code,
                "monthly_amount": event.monthly_amount,
                "from_month": event.effective_month,
                "decision_number": event.decision_number,
                "signed_on": event.signed_on,
            },
            actor=service_actor("payment"),
            correlation_id=envelope.correlationid,
            causation_id=envelope.id,
            tracking=tracking,
        )

    def on_jurisdiction_resolved(
        event: JurisdictionResolvedV1, envelope: Envelope, tracking: Tracking
    ) -> None:
        """An official chose the 2025 commune of a case of a split old commune: the running
        entitlement (or the one enrolled later) is paid there from July 2025."""
        app.resolve_jurisdiction(
            case_id=event.case_id,
            from_code=event.from_residence.code,
            to_code=event.to_residence.code,
            basis=event.basis,
            decided_on=event.decided_on,
            actor=service_actor("payment"),
            correlation_id=envelope.correlationid,
            tracking=tracking,
        )

    def on_funeral_claim_received(
        event: FuneralClaimReceivedV1, envelope: Envelope, tracking: Tracking
    ) -> None:
        """A commune received a funeral claim for a person of 80 or more with no btxh
        allowance: recorded for its case, where the funeral support is decided."""
        app.record_funeral_claim(
            claim={
                "case_id": event.case_id,
                "person_id": event.person_id,
                "died_on": event.died_on,
                "residence_scheme": event.residence.scheme,
                "residence_code": event.residence.code,
                "ground": event.ground,
                "received_on": event.received_on,
            },
            actor=service_actor("payment"),
            correlation_id=envelope.correlationid,
            causation_id=envelope.id,
            tracking=tracking,
        )

    return {
        CaseApprovedV4: on_case_approved,
        JurisdictionResolvedV1: on_jurisdiction_resolved,
        FuneralClaimReceivedV1: on_funeral_claim_received,
    }
