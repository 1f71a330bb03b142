"""Health-insurance notices of one case (báo tăng, báo giảm; DOMAIN §6.7).

Beneficiaries of the monthly allowance get a health-insurance card paid by the state
budget. The agency issuing cards must hear when a card starts (increase) and when it ends
(decrease). Notices are an aggregate of their own, published on a topic of their own for the
health-insurance service, so the entitlement's stream stays whole on the payment topic.
Card validity dates come from configuration (PaymentSettings), as the rules are not settled.
"""

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor


class HealthInsuranceNotices(Aggregate):
    """Id derived from the case id (contracts.ids.derived_id("health-insurance", case_id)).

    The creation event is the first notice itself: every event of this stream is published,
    so subscribers see its versions without a gap."""

    FirstNoticeIssued: ClassVar[type[Any]]
    NoticeIssued: ClassVar[type[Any]]

    @event("FirstNoticeIssued")
    def __init__(
        self,
        *,
        id: UUID,
        case_id: UUID,
        person_id: UUID | None,
        kind: str,
        card_valid_from: date | None,
        card_valid_until: date | None,
        reason: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.case_id = case_id
        self.person_id = person_id
        self.notices: list[dict[str, Any]] = [
            {"kind": kind, "valid_from": card_valid_from, "valid_until": card_valid_until}
        ]

    @event("NoticeIssued")
    def issue(
        self,
        *,
        case_id: UUID,
        person_id: UUID | None,
        kind: str,
        card_valid_from: date | None,
        card_valid_until: date | None,
        reason: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        """Tell the health-insurance agency a card starts (increase) or ends (decrease)."""
        self.notices.append(
            {"kind": kind, "valid_from": card_valid_from, "valid_until": card_valid_until}
        )
