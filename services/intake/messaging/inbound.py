"""Subscribers of intake: decisions of assessment that end a person's open application."""

from eventsourcing.persistence import Tracking

from backbone.tracked_consumer import Handler
from contracts.assessment import CaseRejectedV1
from contracts.envelope import Envelope
from services.intake.application import IntakeApplication


def handlers(app: IntakeApplication) -> dict[type, Handler]:
    def on_case_rejected(event: CaseRejectedV1, envelope: Envelope, tracking: Tracking) -> None:
        """The application was refused: the person may apply again for the same benefit."""
        app.release_after_rejection(event.case_id, tracking)

    return {CaseRejectedV1: on_case_rejected}
