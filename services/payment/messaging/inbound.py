"""Subscribers of payment: events of other services -> use cases."""

from eventsourcing.persistence import Tracking

from backbone.actor import service_actor
from backbone.tracked_consumer import Handler
from contracts.assessment import CaseApprovedV4
from contracts.envelope import Envelope
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

    return {CaseApprovedV4: on_case_approved}
