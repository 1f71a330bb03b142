"""Every entitlement a person holds to one benefit, across all communes and cases.

Invariant (DOMAIN §5.5): for any person, at most one active entitlement per benefit for any
month. Entitlements are separate aggregates, one per case, so no single entitlement can see
another case of the same person: this ledger can. An approval whose months overlap an
entitlement still running is held here, not enrolled; it is enrolled by itself, from the
month after, once the running entitlement stops (a relocation decided as a new case, a
duplicate approval stopped by the commune). The ledger is saved in the same transaction as
the entitlements it speaks of, so the two never disagree.
"""

from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor
from contracts.ids import BTXH_NAMESPACE


def ledger_id(person_key: UUID, benefit: str) -> UUID:
    return uuid5(BTXH_NAMESPACE, f"benefit-ledger/{person_key}/{benefit}")


class BenefitLedger(Aggregate):
    Opened: ClassVar[type[Any]]
    PeriodStarted: ClassVar[type[Any]]
    PeriodEnded: ClassVar[type[Any]]
    EnrolmentHeld: ClassVar[type[Any]]

    @event("Opened")
    def __init__(self, *, id: UUID, person_key: UUID, benefit: str) -> None:
        self.person_key = person_key
        self.benefit = benefit
        # case id -> {"from_month", "until" (first month no longer owed) or None}
        self.periods: dict[str, dict[str, Any]] = {}
        # case id -> the approval held back, with the case it overlapped
        self.held: dict[str, dict[str, Any]] = {}

    def overlapping(self, from_month: str, *, other_than: UUID | None = None) -> UUID | None:
        """The case whose entitlement is owed in `from_month` or later, if any."""
        for case, period in self.periods.items():
            if other_than is not None and case == str(other_than):
                continue
            if period["until"] is None or period["until"] > from_month:
                return UUID(case)
        return None

    def start_period(self, *, case_id: UUID, from_month: str) -> None:
        conflict = self.overlapping(from_month, other_than=case_id)
        if conflict is not None:  # callers check first; this guards the invariant itself
            raise ValueError(f"case {conflict} is still owed from {from_month}")
        self._period_started(case_id=case_id, from_month=from_month)

    @event("PeriodStarted")
    def _period_started(self, *, case_id: UUID, from_month: str) -> None:
        self.periods[str(case_id)] = {"from_month": from_month, "until": None, "reason": None}
        self.held.pop(str(case_id), None)

    def end_period(self, *, case_id: UUID, until: str, reason: str) -> None:
        if str(case_id) in self.periods:
            self._period_ended(case_id=case_id, until=until, reason=reason)

    @event("PeriodEnded")
    def _period_ended(self, *, case_id: UUID, until: str, reason: str) -> None:
        self.periods[str(case_id)].update(until=until, reason=reason)

    def continuation_start(self, from_month: str, earliest: str) -> str:
        """Where a new entitlement starts: the month an entitlement stopped for a move (at or
        after `earliest`), so the new commune continues it without a gap (DOMAIN §5.5);
        otherwise `from_month`."""
        moved = [
            p["until"]
            for p in self.periods.values()
            if p["reason"] == "moved" and p["until"] is not None
        ]
        latest = max(moved, default=None)
        if latest is not None and earliest <= latest < from_month:
            return str(latest)
        return from_month

    def hold(self, *, case_id: UUID, conflicting_case: UUID, approval: dict[str, Any]) -> None:
        """Keep an approval that would overlap `conflicting_case`, to enrol it later."""
        if str(case_id) not in self.held:
            self._enrolment_held(
                case_id=case_id, conflicting_case=conflicting_case, approval=approval
            )

    @event("EnrolmentHeld")
    def _enrolment_held(
        self, *, case_id: UUID, conflicting_case: UUID, approval: dict[str, Any]
    ) -> None:
        self.held[str(case_id)] = {"conflicting_case": conflicting_case, "approval": approval}

    def ended_until(self, case_id: UUID) -> str | None:
        period = self.periods.get(str(case_id))
        return None if period is None else period["until"]


class HeldEnrolment(Aggregate):
    """The published notice that an approval was held back (id derived_id("held-enrolment",
    case_id)): officials see which running entitlement it overlaps and must stop one."""

    Held: ClassVar[type[Any]]

    @event("Held")
    def __init__(
        self,
        *,
        id: UUID,
        case_id: UUID,
        conflicting_case_id: UUID,
        from_month: str,
        decision_number: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.case_id = case_id
        self.conflicting_case_id = conflicting_case_id
        self.from_month = from_month
