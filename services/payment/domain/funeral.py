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

#: Funeral support is at least this many times the standard level (Decree 20/2021 Art. 11).
FUNERAL_MULTIPLE = 20


def decision_problem(
    *,
    amount: int,
    minimum: int,
    standard_level: int,
    signed_on: date,
    today: date,
    not_before: tuple[date, str] | None,
    organiser: str,
) -> str | None:
    """What is wrong with a funeral-support decision, whichever case it is decided on (None:
    nothing): at least 20 x the standard level in force at the death, signed neither in the
    future nor before `not_before` (a day, and what happened on it: the death, the claim's
    receipt), naming who organised the funeral."""
    if amount < minimum:
        return (
            f"funeral support {amount} is below the minimum {minimum} "
            f"({FUNERAL_MULTIPLE} x {standard_level})"
        )
    if signed_on > today:
        return f"signed_on {signed_on} is in the future"
    if not_before is not None and signed_on < not_before[0]:
        day, what = not_before
        return f"signed_on {signed_on.isoformat()} is before {what} ({day.isoformat()})"
    if not organiser.strip():
        return "organiser must name who organised the funeral (Form 04)"
    return None


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
