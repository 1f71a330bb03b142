"""Subscribers of reporting: every case event -> history, register and payroll lines, tracked."""

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from eventsourcing.persistence import Tracking
from pydantic import BaseModel

from backbone.tracked_consumer import Handler
from contracts.assessment import (
    CaseApprovedV4,
    CaseOpenedV2,
    CaseRejectedV1,
    CaseWithdrawnV1,
    ResultsPostedV1,
)
from contracts.envelope import Envelope
from contracts.intake import DossierReceivedV2, FuneralClaimReceivedV1
from contracts.payment import (
    BeneficiaryEnrolledV1,
    BeneficiaryMovedInV1,
    EntitlementAdjustedV1,
    EntitlementCeasedV1,
    EntitlementSuspendedV1,
    FuneralSupportDecidedV3,
    PayrollLineSettledV1,
    PayrollLinesIssuedV2,
    SuspensionLiftedV1,
)
from services.reporting.projections import history, payments, register, register_periods
from services.reporting.projections.store import ProjectionStore

RegisterUpdate = Callable[[Any, str, Any, datetime], None]


def placing_lines(update: RegisterUpdate) -> RegisterUpdate:
    """An update that may bring a case's residence also places its payroll lines projected
    before the residence was known (the payment topic can be read ahead of the others)."""

    def apply(conn: Any, schema: str, event: Any, at: datetime) -> None:
        update(conn, schema, event, at)
        payments.place_lines(conn, schema, event.case_id)

    return apply


REGISTER_UPDATES: dict[type[BaseModel], RegisterUpdate] = {
    DossierReceivedV2: placing_lines(register.on_dossier_received),
    CaseOpenedV2: register.on_case_opened,
    FuneralClaimReceivedV1: register.on_funeral_claim_received,
    FuneralSupportDecidedV3: register.on_funeral_support_decided,
    CaseApprovedV4: placing_lines(register.on_case_approved),
    CaseRejectedV1: register.on_case_rejected,
    CaseWithdrawnV1: register.on_case_withdrawn,
    ResultsPostedV1: register.on_results_posted,
    BeneficiaryEnrolledV1: register.on_beneficiary_enrolled,
    EntitlementSuspendedV1: register.on_entitlement_suspended,
    SuspensionLiftedV1: register.on_suspension_lifted,
    EntitlementCeasedV1: register.on_entitlement_ceased,
    BeneficiaryMovedInV1: register.on_beneficiary_moved_in,
    PayrollLinesIssuedV2: payments.on_lines_issued,
    PayrollLineSettledV1: payments.on_line_settled,
}


def handlers(store: ProjectionStore) -> tuple[dict[type[BaseModel], Handler], Handler]:
    """Typed handlers per contract, and a fallback that keeps unknown types in the history."""

    def typed(update: RegisterUpdate) -> Handler:
        def apply(event: Any, envelope: Envelope, tracking: Tracking) -> None:
            with store.transaction(tracking) as conn:
                register_periods.lock_case(conn, store.schema, envelope.subject)
                history.record(conn, store.schema, envelope)
                update(conn, store.schema, event, envelope.time)
                register_periods.refresh_if_state_changed(
                    conn, store.schema, envelope.subject, envelope.type, store.valuation
                )

        return apply

    def history_only(conn: Any, schema: str, event: Any, at: datetime) -> None:
        """An event type with no register columns of its own (or one this version does not
        know): still part of the case's history, and of its periods if it changes the state."""

    updates: dict[type[BaseModel], RegisterUpdate] = {
        **REGISTER_UPDATES,
        # Valued by the deployment's policy: the category paid labels the entitlement.
        EntitlementAdjustedV1: partial(register.on_entitlement_adjusted, valuation=store.valuation),
    }
    return {model: typed(update) for model, update in updates.items()}, typed(history_only)
