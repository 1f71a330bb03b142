"""Subscribers of payment: events of other services -> use cases."""

from eventsourcing.persistence import Tracking

from backbone.actor import service_actor
from backbone.tracked_consumer import Handler
from contracts.assessment import CaseApprovedV2
from contracts.envelope import Envelope
from services.payment.application import PaymentApplication


def handlers(app: PaymentApplication) -> dict[type, Handler]:
    def on_case_approved(event: CaseApprovedV2, envelope: Envelope, tracking: Tracking) -> None:
        """A grant was decided: enrol the beneficiary from the effective month."""
        app.enrol(
            case_id=event.case_id,
            benefit=event.benefit,
            category=event.category,
            residence_scheme=event.residence.scheme,
            residence_code=event.residence.code,
            monthly_amount=event.monthly_amount,
            from_month=event.effective_month,
            decision_number=event.decision_number,
            categories_held=event.categories_held,
            actor=service_actor("payment"),
            correlation_id=envelope.correlationid,
            causation_id=envelope.id,
            tracking=tracking,
        )

    return {CaseApprovedV2: on_case_approved}
