"""Subscribers of assessment: events of other services -> use cases."""

from eventsourcing.persistence import Tracking

from backbone.actor import service_actor
from backbone.tracked_consumer import Handler
from contracts.envelope import Envelope
from contracts.intake import (
    DependantsChangedV1,
    DossierReceivedV3,
    DossierSupplementedV1,
    DossierWithdrawnV1,
)
from services.assessment.application import AssessmentApplication


def handlers(app: AssessmentApplication) -> dict[type, Handler]:
    def on_dossier_received(
        event: DossierReceivedV3, envelope: Envelope, tracking: Tracking
    ) -> None:
        """A dossier was received at intake: open assessment's record of the case, with the
        dependants it declares."""
        app.open_case(
            case_id=event.case_id,
            benefit=event.benefit,
            category=event.category,
            residence_scheme=event.residence.scheme,
            residence_code=event.residence.code,
            date_of_birth=event.applicant.date_of_birth,
            dossier_received_on=event.received_on,
            person_id=event.person_id,
            dossier_complete_on=event.complete_on,
            dependants=[d.model_dump(mode="json") for d in event.dependants],
            actor=service_actor("assessment"),
            correlation_id=envelope.correlationid,
            causation_id=envelope.id,
            tracking=tracking,
        )

    def on_dossier_supplemented(
        event: DossierSupplementedV1, envelope: Envelope, tracking: Tracking
    ) -> None:
        """Documents were supplemented: once the dossier is complete, its clock starts."""
        if event.complete_on is None:
            app.record_tracking(tracking)  # still incomplete: nothing changes here
            return
        app.complete_dossier(
            event.case_id,
            event.complete_on,
            correlation_id=envelope.correlationid,
            causation_id=envelope.id,
            tracking=tracking,
        )

    def on_dossier_withdrawn(
        event: DossierWithdrawnV1, envelope: Envelope, tracking: Tracking
    ) -> None:
        """The applicant withdrew: the case closes without a decision."""
        app.close_withdrawn(
            event.case_id,
            event.withdrawn_on,
            correlation_id=envelope.correlationid,
            causation_id=envelope.id,
            tracking=tracking,
        )

    def on_dependants_changed(
        event: DependantsChangedV1, envelope: Envelope, tracking: Tracking
    ) -> None:
        """Dependants were added, changed or removed at intake: hold them as they stand."""
        app.change_dependants(
            event.case_id,
            changed_on=event.changed_on,
            added=[d.model_dump(mode="json") for d in event.added],
            changed=[d.model_dump(mode="json") for d in event.changed],
            removed=list(event.removed),
            correlation_id=envelope.correlationid,
            causation_id=envelope.id,
            tracking=tracking,
        )

    return {
        DossierReceivedV3: on_dossier_received,
        DependantsChangedV1: on_dependants_changed,
        DossierSupplementedV1: on_dossier_supplemented,
        DossierWithdrawnV1: on_dossier_withdrawn,
    }
