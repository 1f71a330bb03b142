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
from reference.months import month_of
from services.payment.domain.entitlement import InvalidChange
from services.payment.domain.funeral import decision_problem
from services.payment.domain.lines import issued_amount, new_line_id, settlement_problem


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
    first event (id derived_id("claim-funeral-support", case_id), so it is decided once). It
    is paid to the organiser on a payroll line of the commune where the deceased lived (from
    July 2025 the 2025 commune that took it over), on the channel the decision names, from the
    month it was signed; a line returned unpaid is issued again."""

    Decided: ClassVar[type[Any]]
    LinesIssued: ClassVar[type[Any]]
    LineSettled: ClassVar[type[Any]]

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
        channel: str,
        paid_in: list[dict[str, str]],
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
            channel=channel,
            paid_in=paid_in,
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
        channel: str = "post_office",
        paid_in: list[dict[str, str]] | None = None,
    ) -> None:
        self.case_id = case_id
        self.died_on = died_on
        self.amount = amount
        self.decided: dict[str, Any] = {
            "amount": amount,
            "decision_number": decision_number,
            "signed_on": signed_on,
            "organiser": organiser,
            "channel": channel,
        }
        self.from_month = month_of(signed_on)
        #: Where the line is paid, from which month: [{from_month, scheme, code}].
        self.paid_in = list(paid_in or [])
        self.lines: dict[str, dict[str, Any]] = {}

    def owed(self) -> int:
        """The support not yet issued on a line (or returned unpaid)."""
        return max(0, self.amount - issued_amount(self.lines, "funeral_support"))

    def issue_lines(
        self,
        *,
        payroll_id: str,
        payroll_month: str,
        commune: str,
        channel: str,
        actor: Actor,
        correlation_id: UUID,
    ) -> list[dict[str, Any]]:
        """A funeral-support line for what is owed, on a payroll of the month signed or later;
        issuing again adds nothing."""
        missing = self.owed()
        if missing == 0 or payroll_month < self.from_month:
            return []
        line = {
            "line_id": new_line_id(payroll_id, self.case_id, payroll_month, len(self.lines) + 1),
            "month": payroll_month,
            "amount": missing,
            "kind": "funeral_support",
        }
        self._lines_issued(
            case_id=self.case_id,
            payroll_id=payroll_id,
            payroll_month=payroll_month,
            commune=commune,
            channel=channel,
            lines=[line],
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )
        return [line]

    @event("LinesIssued")
    def _lines_issued(
        self,
        *,
        case_id: UUID,
        payroll_id: str,
        payroll_month: str,
        commune: str,
        channel: str,
        lines: list[dict[str, Any]],
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        for line in lines:
            self.lines[line["line_id"]] = {
                **line,
                "payroll_id": payroll_id,
                "payroll_month": payroll_month,
                "result": None,
            }

    def settle_line(
        self,
        *,
        line_id: str,
        result: str,
        settled_on: date,
        source: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> bool:
        """What the post office or bank did with the line, as for an entitlement's lines (the
        same result again records nothing: False)."""
        line = self.lines.get(line_id)
        problem = settlement_problem(
            line,
            line_id=line_id,
            case_id=self.case_id,
            result=result,
            settled_on=settled_on,
            today=today,
        )
        if problem is not None:
            raise InvalidChange(problem)
        assert line is not None
        if line["result"] == result:
            return False
        self._line_settled(
            case_id=self.case_id,
            line_id=line_id,
            month=line["month"],
            amount=line["amount"],
            result=result,
            settled_on=settled_on,
            source=source,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )
        return True

    @event("LineSettled")
    def _line_settled(
        self,
        *,
        case_id: UUID,
        line_id: str,
        month: str,
        amount: int,
        result: str,
        settled_on: date,
        source: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.lines[line_id] = {**self.lines[line_id], "result": result}
