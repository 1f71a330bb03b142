"""A beneficiary's entitlement to a monthly benefit, from the decision's effective month."""

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor


class Entitlement(Aggregate):
    """Id derived from the case id (contracts.ids.derived_id("entitlement", case_id))."""

    # Event classes made by @event below; declared so type checkers know them.
    Enrolled: ClassVar[type[Any]]

    @event("Enrolled")
    def __init__(
        self,
        *,
        id: UUID,
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
        causation_id: UUID | None,
    ) -> None:
        self.case_id = case_id
        self.benefit = benefit
        self.category = category
        self.residence_scheme = residence_scheme
        self.residence_code = residence_code
        self.monthly_amount = monthly_amount
        self.from_month = from_month
        self.decision_number = decision_number
