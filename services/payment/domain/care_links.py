"""Who receives care support for a person: the care-support cases that count a person's own
case among their dependants (id derived_id("cared-for-by", the person's case id)).

Care support stops when the person cared for dies (DOMAIN §2.3); the death is recorded on the
person's own case, so payment follows this link to propose ending each care support that
counts them. Nothing stops by itself: the commune decides.
"""

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class CaredForBy(Aggregate):
    Opened: ClassVar[type[Any]]
    Linked: ClassVar[type[Any]]

    @event("Opened")
    def __init__(self, *, id: UUID, cared_case_id: UUID) -> None:
        self.cared_case_id = cared_case_id
        self.care_cases: list[UUID] = []

    def link(self, care_case_id: UUID) -> None:
        """A care-support case counts this person (once)."""
        if care_case_id not in self.care_cases:
            self._linked(care_case_id=care_case_id)

    @event("Linked")
    def _linked(self, *, care_case_id: UUID) -> None:
        self.care_cases.append(care_case_id)
