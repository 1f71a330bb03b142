"""Subscribers of reporting: every case event -> history and register, with tracking."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking
from pydantic import BaseModel

from backbone.tracked_consumer import Handler
from contracts.assessment import (
    CaseApprovedV2,
    CaseOpenedV2,
    CaseRejectedV1,
    CaseWithdrawnV1,
    ResultsPostedV1,
)
from contracts.envelope import Envelope
from contracts.intake import DossierReceivedV2
from contracts.payment import (
    BeneficiaryEnrolledV1,
    EntitlementAdjustedV1,
    EntitlementCeasedV1,
    EntitlementSuspendedV1,
    SuspensionLiftedV1,
)
from services.reporting.projections import history, register
from services.reporting.projections.store import ProjectionStore

RegisterUpdate = Callable[[Any, str, Any, datetime], None]

REGISTER_UPDATES: dict[type[BaseModel], RegisterUpdate] = {
    DossierReceivedV2: register.on_dossier_received,
    CaseOpenedV2: register.on_case_opened,
    CaseApprovedV2: register.on_case_approved,
    CaseRejectedV1: register.on_case_rejected,
    CaseWithdrawnV1: register.on_case_withdrawn,
    ResultsPostedV1: register.on_results_posted,
    BeneficiaryEnrolledV1: register.on_beneficiary_enrolled,
    EntitlementSuspendedV1: register.on_entitlement_suspended,
    SuspensionLiftedV1: register.on_suspension_lifted,
    EntitlementCeasedV1: register.on_entitlement_ceased,
    EntitlementAdjustedV1: register.on_entitlement_adjusted,
}


def handlers(store: ProjectionStore) -> tuple[dict[type[BaseModel], Handler], Handler]:
    """Typed handlers per contract, and a fallback that keeps unknown types in the history."""

    def typed(update: RegisterUpdate) -> Handler:
        def apply(event: Any, envelope: Envelope, tracking: Tracking) -> None:
            with store.transaction(tracking) as conn:
                history.record(conn, store.schema, envelope)
                update(conn, store.schema, event, envelope.time)

        return apply

    def on_other_event(_: Any, envelope: Envelope, tracking: Tracking) -> None:
        """An event type this version does not project: still part of the case's history."""
        with store.transaction(tracking) as conn:
            history.record(conn, store.schema, envelope)

    return {model: typed(update) for model, update in REGISTER_UPDATES.items()}, on_other_event
