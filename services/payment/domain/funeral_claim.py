"""A funeral-support claim as payment knows it: the case intake opened for a person of 80 or
more who received a survivor or other monthly allowance and no btxh allowance (Decree 20/2021
Art. 11), recorded from funeral_claim_received; its funeral support is decided on it.

Ids derived from the case id (contracts.ids.derived_id), so a re-delivered claim is refused by
the event store instead of recorded twice, and so is a second decision. The record and the
decision are two streams: a stream is either internal or published from its first event (a
subscriber counts versions, and would wait forever for one never published).
"""

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor
from services.payment.domain.entitlement import InvalidChange
from services.payment.domain.funeral import decision_problem


class FuneralClaim(Aggregate):
    """The claim as recorded; internal (intake published it), so never on the bus."""

    Recorded: ClassVar[type[Any]]

    @event("Recorded")
    def __init__(
        self,
        *,
        id: UUID,
        case_id: UUID,
        person_id: UUID,
        died_on: date,
        residence_scheme: str,
        residence_code: str,
        ground: str,
        received_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.case_id = case_id
        self.person_id = person_id
        self.died_on = died_on
        self.residence_scheme = residence_scheme
        self.residence_code = residence_code
        self.ground = ground
        self.received_on = received_on


class ClaimFuneralSupport(Aggregate):
    """The funeral support decided on a claim case: a stream of its own, published from its
    first event (id derived_id("claim-funeral-support", case_id), so it is decided once)."""

    Decided: ClassVar[type[Any]]

    @classmethod
    def decide(
        cls,
        claim: FuneralClaim,
        *,
        id: UUID,
        amount: int,
        minimum: int,
        standard_level: int,
        policy_version: str,
        decision_number: str,
        signed_on: date,
        organiser: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> "ClaimFuneralSupport":
        """Funeral support (hỗ trợ chi phí mai táng) for the deceased of the claim, not before
        the claim was received."""
        problem = decision_problem(
            amount=amount,
            minimum=minimum,
            standard_level=standard_level,
            signed_on=signed_on,
            today=today,
            not_before=(claim.received_on, "the claim was received"),
            organiser=organiser,
        )
        if problem is not None:
            raise InvalidChange(problem)
        return cls(
            id=id,
            case_id=claim.case_id,
            amount=amount,
            standard_level=standard_level,
            policy_version=policy_version,
            decision_number=decision_number,
            signed_on=signed_on,
            organiser=organiser.strip(),
            died_on=claim.died_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("Decided")
    def __init__(
        self,
        *,
        id: UUID,
        case_id: UUID,
        amount: int,
        standard_level: int,
        policy_version: str,
        decision_number: str,
        signed_on: date,
        organiser: str,
        died_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.case_id = case_id
        self.died_on = died_on
        self.decided = {
            "amount": amount,
            "decision_number": decision_number,
            "signed_on": signed_on,
            "organiser": organiser,
        }
