"""Which 2025 commune pays a case of an old commune split in the 2025 reorganisation.

The decision is made by an official at intake (who knows the village or street) and reaches
payment as jurisdiction_resolved; payment keeps it per case (id derived from the case id), so
an approval that arrives after it is transferred too (DOMAIN §9.2: never guessed).
"""

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor


class JurisdictionDecision(Aggregate):
    Recorded: ClassVar[type[Any]]

    @event("Recorded")
    def __init__(
        self,
        *,
        id: UUID,
        case_id: UUID,
        from_code: str,
        to_code: str,
        basis: str,
        decided_on: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        self.case_id = case_id
        self.from_code = from_code
        self.to_code = to_code
        self.basis = basis
        self.decided_on = decided_on
