"""Funeral support (hỗ trợ chi phí mai táng) is decided once per deceased person.

A person may have held several entitlements over the years (a move, a new case after a
cessation): the death is one, so is its funeral support (Decree 20/2021 Art. 11). The record
is keyed by btxh's person id (derived_id("funeral-support", person_key)) and saved with the
decision, so a second decision for the same death is refused whichever case it names.
"""

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor


class FuneralSupportOnce(Aggregate):
    Decided: ClassVar[type[Any]]

    @event("Decided")
    def __init__(
        self,
        *,
        id: UUID,
        person_key: UUID,
        case_id: UUID,
        decision_number: str,
        signed_on: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        self.person_key = person_key
        self.case_id = case_id
        self.decision_number = decision_number
        self.signed_on = signed_on
