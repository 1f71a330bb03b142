"""Subscribers of assessment: events of other services -> use cases."""

from eventsourcing.persistence import Tracking

from backbone.actor import service_actor
from backbone.tracked_consumer import Handler
from contracts.envelope import Envelope
from contracts.intake import DossierReceivedV1
from services.assessment.application import AssessmentApplication


def handlers(app: AssessmentApplication) -> dict[type, Handler]:
    def on_dossier_received(
        event: DossierReceivedV1, envelope: Envelope, tracking: Tracking
    ) -> None:
        """A dossier was received at intake: open assessment's record of the case."""
        app.open_case(
            case_id=event.case_id,
            benefit=event.benefit,
            category=event.category,
            residence_scheme=event.residence.scheme,
            residence_code=event.residence.code,
            date_of_birth=event.applicant.date_of_birth,
            dossier_received_on=event.received_on,
            person_id=event.person_id,
            actor=service_actor("assessment"),
            correlation_id=envelope.correlationid,
            causation_id=envelope.id,
            tracking=tracking,
        )

    return {DossierReceivedV1: on_dossier_received}
