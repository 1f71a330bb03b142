"""A beneficiary's entitlement to a monthly benefit: from the decision's effective month,
adjusted, suspended or stopped from the month after the event (Decree 20/2021 Art. 8;
Circular 02/2021 Art. 2; Decree 147/2025 Art. 5.2.d).

The entitlement never stores amounts per month: what is owed for a month is the categories
held that month, valued by the policy in force that month (so a standard level raised on
1 July applies from July to everyone already on the rolls).

Every date a command gives is checked against the entitlement's own history before anything is
recorded: an event (a death, a change, a move) not before the entitlement started, a decision
not before the decision that granted the allowance, a lifting not before its suspension, a
funeral decision not before the death, a recovery not before the cessation, a receipt not
before the recovery decided.
"""

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor
from reference.months import add_months, first_day, month_after, month_of
from services.payment.domain.funeral import decision_problem
from services.payment.domain.lines import (
    CHANNELS,
    PAID,
    UNPAID,
    issued_amount,
    new_line_id,
    settlement_problem,
)

SUSPENSION_GROUNDS = ("not_collected_3_months", "refused_redetermination", "detention_1_month")
CESSATION_REASONS = (
    "death",
    "missing",
    "no_longer_eligible",
    "moved",
    "refused",
    "imprisoned",
    "non_compliance_after_suspension",
)


#: Line kinds that pay the monthly allowance (funeral support is paid on its own line).
ALLOWANCE_KINDS = ("current", "arrears")

#: Consecutive payroll months with nothing collected before a suspension is proposed
#: (Circular 02/2021 Art. 2.3).
NOT_COLLECTED_MONTHS = 3


class InvalidChange(ValueError):
    """The change breaks a rule of the entitlement; nothing is recorded."""


class Entitlement(Aggregate):
    """Id derived from the case id (contracts.ids.derived_id("entitlement", case_id))."""

    # Event classes made by @event below; declared so type checkers know them.
    Enrolled: ClassVar[type[Any]]
    Adjusted: ClassVar[type[Any]]
    Suspended: ClassVar[type[Any]]
    SuspensionLifted: ClassVar[type[Any]]
    Ceased: ClassVar[type[Any]]
    LinesIssued: ClassVar[type[Any]]
    LineSettled: ClassVar[type[Any]]
    OverpaymentDetected: ClassVar[type[Any]]
    FuneralSupportDecided: ClassVar[type[Any]]
    SuspensionProposed: ClassVar[type[Any]]
    RecoveryDecided: ClassVar[type[Any]]
    RecoveryWaived: ClassVar[type[Any]]
    RepaymentReceived: ClassVar[type[Any]]
    ChannelChanged: ClassVar[type[Any]]
    MovedOut: ClassVar[type[Any]]
    MovedIn: ClassVar[type[Any]]
    TransferredByReorganisation: ClassVar[type[Any]]
    ArrearsAwaitingDecision: ClassVar[type[Any]]
    ArrearsDecided: ClassVar[type[Any]]
    CessationProposed: ClassVar[type[Any]]
    UnitsRestored: ClassVar[type[Any]]

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
        categories_held: list[str] | None = None,
        channel: str = "post_office",
        person_id: UUID | None = None,
        granted_on: date | None = None,
        categories: dict[str, int] | None = None,
        dependants: list[dict[str, Any]] | None = None,
    ) -> None:
        self.case_id = case_id
        # Children raised, children taken in, persons cared for, as the approval counted them
        # (dependant_id, relation, date_of_birth, case_id): no names.
        self.dependants: list[dict[str, Any]] = list(dependants or [])
        # Cessations proposed to the commune, by ground and cause, each once.
        self.proposed_cessations: list[str] = []
        # Funeral support for a child raised who died (Decree 20/2021 Art. 11): by dependant.
        self.dependant_funerals: dict[str, dict[str, Any]] = {}
        self.channel = channel
        # The day the decision granting the allowance was signed; None for enrolments made
        # before it was recorded (the first day of from_month stands for it then).
        self.granted_on = granted_on
        self.suspended_on: date | None = None
        self.ceased_signed_on: date | None = None
        self.recovery_signed_on: date | None = None
        # btxh's person id (never the citizen ID number); None for enrolments made before it
        # travelled with the approval: the case then stands for the person.
        self.person_id = person_id
        self.benefit = benefit
        self.category = category
        self.residence_scheme = residence_scheme
        self.residence_code = residence_code
        self.monthly_amount = monthly_amount
        self.from_month = from_month
        self.decision_number = decision_number
        # (from month, categories held with units), in order: the plan of every month.
        self.plan: list[tuple[str, dict[str, int]]] = [
            (from_month, dict(categories or {c: 1 for c in categories_held or [category]}))
        ]
        # False for an enrolment from an approval that carried no units (one unit per
        # category was assumed then): restore_units corrects it from the amount decided.
        self.units_recorded = categories is not None
        # (from month, to month or None): months without payment while suspended.
        self.suspensions: list[tuple[str, str | None]] = []
        self.ceased_from: str | None = None
        self.cessation_reason: str | None = None
        self.ceased_on: date | None = None
        # Payroll lines: id -> {"month", "amount", "payroll_id", "kind", "result"}.
        self.lines: dict[str, dict[str, Any]] = {}
        # Line ids paid for months no longer owed, each detected once.
        self.overpaid: dict[str, int] = {}
        self.funeral_support: dict[str, Any] | None = None
        # First payroll month of each not-collected streak a suspension was proposed for.
        self.proposed_streaks: list[str] = []
        # Recovery of overpayments: decided (to collect), waived, received (by receipt).
        self.recovery_decided = 0
        self.recovery_waived = 0
        self.repayments: dict[str, int] = {}
        # (from month, scheme, code): where the beneficiary lived, hence which commune pays
        # and which province's level applies, month by month.
        self.residences: list[tuple[str, str, str]] = [
            (from_month, residence_scheme, residence_code)
        ]
        # A move decided by the old commune and not yet taken up by the new one.
        self.moving: dict[str, Any] | None = None
        # Months owed and unpaid older than the payroll's look-back: shown, never dropped;
        # paid once an arrears decision names them (month -> amount owed when found).
        self.arrears_awaiting: dict[str, int] = {}
        self.arrears_decided: dict[str, str] = {}  # month -> decision number
        # What a later downward adjustment says each month paid is owed (overpayment check).
        self.owed_after_change: dict[str, int] = {}

    # --- queries ---------------------------------------------------------------------------

    @property
    def person_key(self) -> UUID:
        return self.person_id or self.case_id

    @property
    def status(self) -> str:
        if self.ceased_from is not None:
            return "ceased"
        if self.moving is not None:
            return "relocating"
        if self.suspensions and self.suspensions[-1][1] is None:
            return "suspended"
        return "active"

    def held_in(self, month: str) -> dict[str, int] | None:
        """Categories (with units) payable for `month`, or None when nothing is owed."""
        if month < self.from_month or (self.ceased_from is not None and month >= self.ceased_from):
            return None
        for start, end in self.suspensions:
            if start <= month and (end is None or month < end):
                return None
        if self.moving is not None and month >= self.moving["from_month"]:
            return None  # owed again once the new commune takes the beneficiary up
        held = None
        for start, categories in self.plan:
            if start <= month:
                held = categories
        return held

    def residence_in(self, month: str) -> tuple[str, str]:
        """(scheme, code) of the commune the beneficiary lived in that month."""
        found = self.residences[0][1:]
        for start, scheme, code in self.residences:
            if start <= month:
                found = (scheme, code)
        return found

    @property
    def started_on(self) -> date:
        """The first day of the first month owed."""
        return first_day(self.from_month)

    def _check_not_before(self, field: str, day: date, bound: date, what: str) -> None:
        if day < bound:
            raise InvalidChange(f"{field} {day.isoformat()} is before {what} ({bound.isoformat()})")

    def _check_event(self, field: str, day: date) -> None:
        """An event that ends or changes the entitlement happened after it started."""
        self._check_not_before(field, day, self.started_on, "the entitlement started")

    def _check_decided(self, field: str, day: date) -> None:
        """A decision about the entitlement is signed after the decision that granted it."""
        if self.granted_on is None:
            self._check_event(field, day)
        else:
            self._check_not_before(
                field, day, self.granted_on, "the decision granting the allowance was signed"
            )

    def _check_live(self, what: str) -> None:
        if self.ceased_from is not None:
            raise InvalidChange(
                f"the entitlement stopped from {self.ceased_from} ({self.cessation_reason}): "
                f"no {what} after that"
            )

    # --- commands --------------------------------------------------------------------------

    def adjust(
        self,
        *,
        changed_on: date,
        categories: dict[str, int],
        decision_number: str,
        signed_on: date,
        reason: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
        paid_category: str | None = None,
        value: Callable[[str, dict[str, int]], int] | None = None,
    ) -> None:
        """New categories from the month after the condition changed; `paid_category` is the
        one the policy pays (the highest), which labels the entitlement from then on.

        A decision signed late may reach back over months already paid: `value` (month,
        categories -> amount owed) values them again, and what was paid above the new amount
        is an overpayment, detected now (and when a line of such a month is paid later)."""
        self._check_live("adjustment")
        if not categories or any(units < 1 for units in categories.values()):
            raise InvalidChange("categories must name at least one category with units >= 1")
        if signed_on > today or changed_on > signed_on:
            raise InvalidChange(
                f"the change ({changed_on}) must precede the decision ({signed_on}), which "
                "cannot be in the future"
            )
        self._check_event("changed_on", changed_on)
        self._check_decided("signed_on", signed_on)
        if not reason.strip():
            raise InvalidChange("reason must say what changed")
        from_month = max(month_after(changed_on), self.from_month)
        issued_months = sorted({line["month"] for line in self.lines.values()})
        owed_after = (
            {m: value(m, dict(categories)) for m in issued_months if m >= from_month}
            if value is not None
            else {}
        )
        self._adjusted(
            case_id=self.case_id,
            from_month=from_month,
            categories=dict(categories),
            decision_number=decision_number,
            signed_on=signed_on,
            reason=reason.strip(),
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
            category=paid_category,
            owed_after=owed_after,
        )
        self._detect_overpayments(actor=actor, correlation_id=correlation_id)

    @event("Adjusted")
    def _adjusted(
        self,
        *,
        case_id: UUID,
        from_month: str,
        categories: dict[str, int],
        decision_number: str,
        signed_on: date,
        reason: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
        category: str | None = None,
        owed_after: dict[str, int] | None = None,
    ) -> None:
        self.plan = [p for p in self.plan if p[0] < from_month] + [(from_month, categories)]
        self.owed_after_change.update(owed_after or {})
        # Adjustments recorded before the category paid was: the label they had then.
        self.category = category or max(categories, key=lambda c: categories[c])

    def suspend(
        self,
        *,
        ground: str,
        decided_on: date,
        decision_number: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Stop paying from the month after the decision, keeping the entitlement."""
        self._check_live("suspension")
        if ground not in SUSPENSION_GROUNDS:
            raise InvalidChange(f"ground must be one of {', '.join(SUSPENSION_GROUNDS)}")
        if decided_on > today:
            raise InvalidChange(f"decided_on {decided_on} is in the future")
        self._check_decided("decided_on", decided_on)
        if self.status == "suspended":
            raise InvalidChange(f"the entitlement is suspended since {self.suspensions[-1][0]}")
        self._suspended(
            case_id=self.case_id,
            from_month=max(month_after(decided_on), self.from_month),
            ground=ground,
            decided_on=decided_on,
            decision_number=decision_number,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("Suspended")
    def _suspended(
        self,
        *,
        case_id: UUID,
        from_month: str,
        ground: str,
        decided_on: date,
        decision_number: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.suspensions.append((from_month, None))
        self.suspended_on = decided_on

    def lift_suspension(
        self,
        *,
        decided_on: date,
        decision_number: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Pay again from the month after the decision lifting the suspension. Whether the
        suspended months are paid back is not established (DOMAIN §6.3, U): they are not."""
        self._check_live("lifting")
        if self.status != "suspended":
            raise InvalidChange("the entitlement is not suspended")
        if decided_on > today:
            raise InvalidChange(f"decided_on {decided_on} is in the future")
        if self.suspended_on is not None:
            self._check_not_before(
                "decided_on", decided_on, self.suspended_on, "the suspension was decided"
            )
        start = self.suspensions[-1][0]
        until = max(month_after(decided_on), start)
        self._suspension_lifted(
            case_id=self.case_id,
            from_month=until,
            decided_on=decided_on,
            decision_number=decision_number,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("SuspensionLifted")
    def _suspension_lifted(
        self,
        *,
        case_id: UUID,
        from_month: str,
        decided_on: date,
        decision_number: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        start, _ = self.suspensions[-1]
        self.suspensions[-1] = (start, from_month)

    def cease(
        self,
        *,
        reason: str,
        event_date: date,
        decision_number: str,
        signed_on: date,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Stop for good from the month after the event (death, no longer eligible, moved...)."""
        self._check_live("cessation")
        if reason not in CESSATION_REASONS:
            raise InvalidChange(f"reason must be one of {', '.join(CESSATION_REASONS)}")
        if signed_on > today or event_date > signed_on:
            raise InvalidChange(
                f"the event ({event_date}) must precede the decision ({signed_on}), which "
                "cannot be in the future"
            )
        self._check_event("event_date", event_date)
        self._check_decided("signed_on", signed_on)
        ceased_from = max(month_after(event_date), self.from_month)
        self._ceased(
            case_id=self.case_id,
            from_month=ceased_from,
            reason=reason,
            event_date=event_date,
            event_month=month_of(event_date),
            decision_number=decision_number,
            signed_on=signed_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )
        self._detect_overpayments(actor=actor, correlation_id=correlation_id)

    @event("Ceased")
    def _ceased(
        self,
        *,
        case_id: UUID,
        from_month: str,
        reason: str,
        event_date: date,
        event_month: str,
        decision_number: str,
        signed_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.ceased_from = from_month
        self.cessation_reason = reason
        self.ceased_on = event_date
        self.ceased_signed_on = signed_on

    # --- payroll lines ---------------------------------------------------------------------

    def issued_for(self, month: str) -> int:
        """What was issued for a month and not returned unpaid (not collected or failed)."""
        return self.issued_by_month().get(month, 0)

    def issued_by_month(self) -> dict[str, int]:
        """What was issued for each month and not returned unpaid, in one pass over the lines."""
        issued: dict[str, int] = {}
        for line in self.lines.values():
            if line["kind"] in ALLOWANCE_KINDS and line["result"] not in UNPAID:
                issued[line["month"]] = issued.get(line["month"], 0) + line["amount"]
        return issued

    def funeral_support_owed(self) -> int:
        """Funeral support decided and not yet issued on a line (or returned unpaid)."""
        decided: int = sum(f["amount"] for f in self.dependant_funerals.values())
        if self.funeral_support is not None:
            decided += self.funeral_support["amount"]
        if decided == 0:
            return 0
        return max(0, decided - issued_amount(self.lines, "funeral_support"))

    def issue_lines(
        self,
        *,
        payroll_id: str,
        payroll_month: str,
        owed: dict[str, int],
        actor: Actor,
        correlation_id: UUID,
        commune: str | None = None,
        channel: str | None = None,
    ) -> list[dict[str, Any]]:
        """Lines for what `owed` (month -> amount due) exceeds what was issued: the payroll
        month itself, and arrears for earlier months owed and unpaid (late decision, level
        raised after the month's payroll, lines not collected), and funeral support decided
        and not yet paid. Issuing again adds nothing."""
        lines = []
        numbered = len(self.lines)
        issued = self.issued_by_month()
        for month in sorted(owed):
            if month > payroll_month:
                continue
            missing = owed[month] - issued.get(month, 0)
            if missing > 0:
                numbered += 1
                lines.append(
                    {
                        "line_id": new_line_id(payroll_id, self.case_id, month, numbered),
                        "month": month,
                        "amount": missing,
                        "kind": "current" if month == payroll_month else "arrears",
                    }
                )
        funeral = self.funeral_support_owed()
        if funeral > 0:
            numbered += 1
            lines.append(
                {
                    "line_id": new_line_id(payroll_id, self.case_id, payroll_month, numbered),
                    "month": payroll_month,
                    "amount": funeral,
                    "kind": "funeral_support",
                }
            )
        if lines:
            self._lines_issued(
                case_id=self.case_id,
                payroll_id=payroll_id,
                payroll_month=payroll_month,
                commune=commune,
                channel=channel,
                lines=lines,
                actor=actor,
                correlation_id=correlation_id,
                causation_id=None,
            )
        return lines

    @event("LinesIssued")
    def _lines_issued(
        self,
        *,
        case_id: UUID,
        payroll_id: str,
        payroll_month: str,
        lines: list[dict[str, Any]],
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
        commune: str | None = None,
        channel: str | None = None,
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
        """What the post office or bank did with a line. The same result again is a no-op
        (returns False); a different result for a settled line is refused. A line not
        collected or failed is owed again: the next payroll carries it as arrears."""
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
        self._detect_overpayments(actor=actor, correlation_id=correlation_id)
        if result == "not_collected":
            self._propose_suspension_if_not_collected(actor=actor, correlation_id=correlation_id)
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

    # --- overpayment and funeral support ---------------------------------------------------

    def _detect_overpayments(self, *, actor: Actor, correlation_id: UUID) -> None:
        """A line paid for a month the entitlement no longer owes (e.g. after the month of
        death), or paid above what a later downward adjustment says the month is owed, is an
        overpayment, recorded once with its amount."""
        if self.ceased_from is None and not self.owed_after_change:
            return
        paid = {
            line_id: line
            for line_id, line in self.lines.items()
            if line["kind"] in ALLOWANCE_KINDS and line["result"] in PAID
        }
        if self.ceased_from is not None:
            ceased_from = self.ceased_from
            after = {
                line_id: line["amount"]
                for line_id, line in paid.items()
                if line["month"] >= ceased_from and line_id not in self.overpaid
            }
            self._record_overpayment(
                after,
                f"paid after the entitlement stopped from {ceased_from} ({self.cessation_reason})",
                actor=actor,
                correlation_id=correlation_id,
            )
        above: dict[str, int] = {}
        for month, owed in sorted(self.owed_after_change.items()):
            of_month = sorted(i for i, line in paid.items() if line["month"] == month)
            excess = (
                sum(paid[i]["amount"] for i in of_month)
                - owed
                - sum(self.overpaid.get(i, 0) for i in of_month)
            )
            for line_id in reversed(of_month):  # the latest lines first
                if excess <= 0:
                    break
                if line_id in self.overpaid:
                    continue
                above[line_id] = min(excess, paid[line_id]["amount"])
                excess -= above[line_id]
        self._record_overpayment(
            above,
            "paid above the amount owed after a later adjustment of the categories",
            actor=actor,
            correlation_id=correlation_id,
        )

    def _record_overpayment(
        self, found: dict[str, int], reason: str, *, actor: Actor, correlation_id: UUID
    ) -> None:
        if found:
            self._overpayment_detected(
                case_id=self.case_id,
                lines=found,
                amount=sum(found.values()),
                months=sorted({self.lines[i]["month"] for i in found}),
                reason=reason,
                actor=actor,
                correlation_id=correlation_id,
                causation_id=None,
            )

    @event("OverpaymentDetected")
    def _overpayment_detected(
        self,
        *,
        case_id: UUID,
        lines: dict[str, int],
        amount: int,
        months: list[str],
        reason: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.overpaid.update(lines)

    def decide_funeral_support(
        self,
        *,
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
        dependant_id: UUID | None = None,
        died_on: date | None = None,
    ) -> None:
        """Funeral support (hỗ trợ chi phí mai táng) for a beneficiary who died receiving the
        allowance, or, with `dependant_id`, for a child a poor single parent was paid for
        (Decree 20/2021 Art. 11): at least 20 x the standard level in force at the death;
        decided once."""
        if dependant_id is not None:
            self._check_child_who_died(dependant_id, died_on)
        elif self.cessation_reason != "death":
            raise InvalidChange("funeral support follows a cessation for death")
        earlier = (
            self.dependant_funerals.get(str(dependant_id))
            if dependant_id is not None
            else self.funeral_support
        )
        if earlier is not None:
            raise InvalidChange(f"funeral support was decided by {earlier['decision_number']}")
        death = died_on if dependant_id is not None else self.ceased_on
        problem = decision_problem(
            amount=amount,
            minimum=minimum,
            standard_level=standard_level,
            signed_on=signed_on,
            today=today,
            not_before=None if death is None else (death, "the death"),
            organiser=organiser,
        )
        if problem is not None:
            raise InvalidChange(problem)
        self._funeral_support_decided(
            case_id=self.case_id,
            amount=amount,
            standard_level=standard_level,
            policy_version=policy_version,
            decision_number=decision_number,
            signed_on=signed_on,
            organiser=organiser.strip(),
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
            dependant_id=dependant_id,
            died_on=died_on,
        )

    def _check_child_who_died(self, dependant_id: UUID, died_on: date | None) -> None:
        """The child is one this single parent's allowance counted, and died while it did."""
        child = next(
            (d for d in self.dependants if str(d.get("dependant_id")) == str(dependant_id)), None
        )
        if child is None or child.get("relation") != "child_raised":
            raise InvalidChange(
                f"dependant {dependant_id} is not a child raised counted by this case's decision"
            )
        if died_on is None:
            raise InvalidChange("died_on is needed for the funeral support of a child raised")
        held = self.held_in(month_of(died_on)) or {}
        if "SINGLE_PARENT_POOR" not in held:
            raise InvalidChange(
                f"on {died_on.isoformat()} this case was not paid as a poor single parent: the "
                "funeral support of a child raised follows that allowance (Decree 20/2021 Art. 11)"
            )

    @event("FuneralSupportDecided")
    def _funeral_support_decided(
        self,
        *,
        case_id: UUID,
        amount: int,
        standard_level: int,
        policy_version: str,
        decision_number: str,
        signed_on: date,
        organiser: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
        dependant_id: UUID | None = None,
        died_on: date | None = None,
    ) -> None:
        decided = {
            "amount": amount,
            "decision_number": decision_number,
            "signed_on": signed_on,
            "organiser": organiser,
        }
        if dependant_id is None:
            self.funeral_support = decided
        else:
            self.dependant_funerals[str(dependant_id)] = {**decided, "died_on": died_on}

    # --- not collected: a suspension is proposed, never decided by the system -------------

    def not_collected_streak(self) -> list[str]:
        """The latest run of consecutive payroll months in which the beneficiary collected
        nothing (every allowance line returned not collected). Months still awaiting
        results at the head are skipped: they are not known yet."""
        results: dict[str, list[str | None]] = {}
        for line in self.lines.values():
            if line["kind"] in ALLOWANCE_KINDS:
                results.setdefault(line["payroll_month"], []).append(line["result"])
        streak: list[str] = []
        for month in sorted(results, reverse=True):
            if not streak and None in results[month]:
                continue
            if any(r != "not_collected" for r in results[month]):
                break
            if streak and month != add_months(streak[-1], -1):
                break
            streak.append(month)
        return sorted(streak)

    def _propose_suspension_if_not_collected(self, *, actor: Actor, correlation_id: UUID) -> None:
        """Three consecutive months not collected: propose a suspension (Circular 02/2021
        Art. 2.3) once per streak. The commune decides; the system only makes it visible."""
        streak = self.not_collected_streak()
        if self.status != "active" or len(streak) < NOT_COLLECTED_MONTHS:
            return
        if streak[0] in self.proposed_streaks:
            return
        self._suspension_proposed(
            case_id=self.case_id,
            ground="not_collected_3_months",
            months=streak,
            amount_not_collected=sum(
                line["amount"]
                for line in self.lines.values()
                if line["kind"] in ALLOWANCE_KINDS
                and line["result"] == "not_collected"
                and line["payroll_month"] in streak
            ),
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("SuspensionProposed")
    def _suspension_proposed(
        self,
        *,
        case_id: UUID,
        ground: str,
        months: list[str],
        amount_not_collected: int,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.proposed_streaks.append(months[0])

    # --- recovery of overpayments (thu hồi) ------------------------------------------------

    @property
    def overpayment_awaiting_decision(self) -> int:
        return sum(self.overpaid.values()) - self.recovery_decided - self.recovery_waived

    @property
    def recovery_outstanding(self) -> int:
        """Decided for recovery and not yet received."""
        return self.recovery_decided - sum(self.repayments.values())

    def decide_recovery(
        self,
        *,
        decision: str,
        amount: int,
        instalments: int | None,
        basis: str,
        decision_number: str,
        signed_on: date,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Recover an overpayment in instalments, or waive it; the decision names its legal
        basis. Together, decisions never exceed what was overpaid."""
        awaiting = self.overpayment_awaiting_decision
        if awaiting <= 0:
            raise InvalidChange("no overpayment of this entitlement awaits a recovery decision")
        if not 0 < amount <= awaiting:
            raise InvalidChange(f"amount must be between 1 and the {awaiting} VND overpaid")
        if signed_on > today:
            raise InvalidChange(f"signed_on {signed_on} is in the future")
        if self.ceased_signed_on is not None:
            self._check_not_before(
                "signed_on", signed_on, self.ceased_signed_on, "the cessation was signed"
            )
        else:
            self._check_decided("signed_on", signed_on)
        if not basis.strip():
            raise InvalidChange("basis must state the legal basis of the decision")
        common: dict[str, Any] = {
            "case_id": self.case_id,
            "amount": amount,
            "basis": basis.strip(),
            "decision_number": decision_number,
            "signed_on": signed_on,
            "actor": actor,
            "correlation_id": correlation_id,
            "causation_id": None,
        }
        if decision == "waiver":
            if instalments is not None:
                raise InvalidChange("a waiver has no instalments")
            self._recovery_waived(**common)
        elif decision == "instalments":
            if instalments is None or not 1 <= instalments <= 120:
                raise InvalidChange("instalments must be between 1 and 120")
            self._recovery_decided(
                instalments=instalments, instalment_amount=-(-amount // instalments), **common
            )
        else:
            raise InvalidChange("decision must be instalments or waiver")

    @event("RecoveryDecided")
    def _recovery_decided(
        self,
        *,
        case_id: UUID,
        amount: int,
        instalments: int,
        instalment_amount: int,
        basis: str,
        decision_number: str,
        signed_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.recovery_decided += amount
        self.recovery_signed_on = self.recovery_signed_on or signed_on

    @event("RecoveryWaived")
    def _recovery_waived(
        self,
        *,
        case_id: UUID,
        amount: int,
        basis: str,
        decision_number: str,
        signed_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.recovery_waived += amount

    def receive_repayment(
        self,
        *,
        receipt_number: str,
        amount: int,
        received_on: date,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> bool:
        """An instalment received against a recovery decision. The same receipt again is a
        no-op (returns False); more than what is outstanding is refused."""
        known = self.repayments.get(receipt_number)
        if known is not None:
            if known == amount:
                return False
            raise InvalidChange(f"receipt {receipt_number} was recorded for {known} VND")
        if not 0 < amount <= self.recovery_outstanding:
            raise InvalidChange(
                f"amount must be between 1 and the {self.recovery_outstanding} VND outstanding"
            )
        if received_on > today:
            raise InvalidChange(f"received_on {received_on} is in the future")
        if self.recovery_signed_on is not None:
            self._check_not_before(
                "received_on", received_on, self.recovery_signed_on, "the recovery was decided"
            )
        self._repayment_received(
            case_id=self.case_id,
            receipt_number=receipt_number,
            amount=amount,
            received_on=received_on,
            outstanding=self.recovery_outstanding - amount,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )
        return True

    @event("RepaymentReceived")
    def _repayment_received(
        self,
        *,
        case_id: UUID,
        receipt_number: str,
        amount: int,
        received_on: date,
        outstanding: int,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.repayments[receipt_number] = amount

    # --- payment channel -------------------------------------------------------------------

    def change_channel(
        self,
        *,
        channel: str,
        decided_on: date,
        reason: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Pay through another channel (post-office point, home delivery, bank account) from
        the next payroll generated; lines already issued stay on their payroll."""
        self._check_live("change of channel")
        if channel not in CHANNELS:
            raise InvalidChange(f"channel must be one of {', '.join(CHANNELS)}")
        if channel == self.channel:
            raise InvalidChange(f"the entitlement is already paid through {channel}")
        if decided_on > today:
            raise InvalidChange(f"decided_on {decided_on} is in the future")
        self._check_decided("decided_on", decided_on)
        if not reason.strip():
            raise InvalidChange("reason must say why (e.g. cannot travel, account opened)")
        self._channel_changed(
            case_id=self.case_id,
            channel=channel,
            previous=self.channel,
            decided_on=decided_on,
            reason=reason.strip(),
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("ChannelChanged")
    def _channel_changed(
        self,
        *,
        case_id: UUID,
        channel: str,
        previous: str,
        decided_on: date,
        reason: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.channel = channel

    # --- change of residence (chuyển nơi cư trú, DOMAIN §5.5) ------------------------------

    def move_out(
        self,
        *,
        moved_on: date,
        to_scheme: str,
        to_code: str,
        decision_number: str,
        signed_on: date,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """The old commune stops paying from the month after the move and sends the file to
        the new commune; nothing is owed for later months until the new commune takes it up."""
        self._check_live("move")
        if self.moving is not None:
            raise InvalidChange(f"a move to commune {self.moving['to_code']} is already pending")
        if (to_scheme, to_code) == (self.residence_scheme, self.residence_code):
            raise InvalidChange("the new commune is the commune the beneficiary lives in")
        if signed_on > today or moved_on > signed_on:
            raise InvalidChange(
                f"the move ({moved_on}) must precede the decision ({signed_on}), which cannot "
                "be in the future"
            )
        self._check_event("moved_on", moved_on)
        self._check_decided("signed_on", signed_on)
        self._moved_out(
            case_id=self.case_id,
            from_month=max(month_after(moved_on), self.from_month),
            moved_on=moved_on,
            from_scheme=self.residence_scheme,
            from_code=self.residence_code,
            to_scheme=to_scheme,
            to_code=to_code,
            decision_number=decision_number,
            signed_on=signed_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("MovedOut")
    def _moved_out(
        self,
        *,
        case_id: UUID,
        from_month: str,
        moved_on: date,
        from_scheme: str,
        from_code: str,
        to_scheme: str,
        to_code: str,
        decision_number: str,
        signed_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.moving = {
            "from_month": from_month,
            "to_scheme": to_scheme,
            "to_code": to_code,
            "decision_number": decision_number,
            "signed_on": signed_on,
        }

    def move_in(
        self,
        *,
        decision_number: str,
        signed_on: date,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """The new commune decides to continue the allowance from the month the old commune
        stopped: neither a gap nor an overlap. Months that passed meanwhile are paid by the new
        commune's next payroll as arrears."""
        if self.moving is None:
            raise InvalidChange("no move is pending for this entitlement")
        if signed_on > today:
            raise InvalidChange(f"signed_on {signed_on} is in the future")
        self._check_not_before(
            "signed_on", signed_on, self.moving["signed_on"], "the old commune decided the move"
        )
        self._moved_in(
            case_id=self.case_id,
            from_month=self.moving["from_month"],
            residence_scheme=self.moving["to_scheme"],
            residence_code=self.moving["to_code"],
            decision_number=decision_number,
            signed_on=signed_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("MovedIn")
    def _moved_in(
        self,
        *,
        case_id: UUID,
        from_month: str,
        residence_scheme: str,
        residence_code: str,
        decision_number: str,
        signed_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.residences.append((from_month, residence_scheme, residence_code))
        self.residence_scheme = residence_scheme
        self.residence_code = residence_code
        self.moving = None

    # --- the 2025 reorganisation (DOMAIN §9.2) ----------------------------------------------

    def owed_from(self, month: str) -> bool:
        """Whether anything may still be owed for `month` or later (not ceased before it)."""
        return self.ceased_from is None or self.ceased_from > month

    def transfer_by_reorganisation(
        self,
        *,
        reorganised_from: str,
        to_scheme: str,
        to_code: str,
        method: str,
        mapping_version: str,
        basis: str,
        decided_on: date | None,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """From `reorganised_from` (July 2025) the commune that took over the beneficiary's old
        commune pays and its province's level applies; months before keep the old units. By the
        official table where the old commune went whole into one new commune, by an official's
        decision where it was split. History is not rewritten: this is one more event."""
        if self.residence_scheme == to_scheme:
            raise InvalidChange(
                f"the beneficiary's commune is already a {to_scheme} unit ({self.residence_code})"
            )
        if method not in ("table", "decision"):
            raise InvalidChange("method must be table or decision")
        if self.moving is not None:
            raise InvalidChange(
                f"a move to commune {self.moving['to_code']} is pending: the new commune takes "
                "the beneficiary up first"
            )
        self._transferred_by_reorganisation(
            case_id=self.case_id,
            from_month=reorganised_from,
            from_scheme=self.residence_scheme,
            from_code=self.residence_code,
            to_scheme=to_scheme,
            to_code=to_code,
            method=method,
            mapping_version=mapping_version,
            basis=basis,
            decided_on=decided_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("TransferredByReorganisation")
    def _transferred_by_reorganisation(
        self,
        *,
        case_id: UUID,
        from_month: str,
        from_scheme: str,
        from_code: str,
        to_scheme: str,
        to_code: str,
        method: str,
        mapping_version: str,
        basis: str,
        decided_on: date | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.residences = sorted(
            [r for r in self.residences if r[0] < from_month] + [(from_month, to_scheme, to_code)]
        )
        self.residence_scheme = to_scheme
        self.residence_code = to_code

    # --- arrears older than the look-back (truy lĩnh, DOMAIN §6.3) ---------------------------

    def flag_arrears_beyond_look_back(
        self, *, owed: dict[str, int], look_back_from: str, actor: Actor, correlation_id: UUID
    ) -> dict[str, int]:
        """Months owed and unpaid before the payroll's look-back window are not paid by a
        payroll on its own: they are recorded as awaiting an arrears decision (once per month)
        and shown, so nothing owed disappears. Returns every month still awaiting one."""
        if not owed or min(owed) >= look_back_from:
            return dict(self.arrears_awaiting)  # nothing before the window: no pass over lines
        issued = self.issued_by_month()
        found = {
            month: amount - issued.get(month, 0)
            for month, amount in owed.items()
            if month < look_back_from
            and amount > issued.get(month, 0)
            and month not in self.arrears_awaiting
            and month not in self.arrears_decided
        }
        if found:
            self._arrears_awaiting_decision(
                case_id=self.case_id,
                months=found,
                amount=sum(found.values()),
                look_back_from=look_back_from,
                actor=actor,
                correlation_id=correlation_id,
                causation_id=None,
            )
        return dict(self.arrears_awaiting)

    @event("ArrearsAwaitingDecision")
    def _arrears_awaiting_decision(
        self,
        *,
        case_id: UUID,
        months: dict[str, int],
        amount: int,
        look_back_from: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.arrears_awaiting.update(months)

    # --- units of an enrolment made before they travelled ---------------------------------

    def units_to_restore(self) -> bool:
        """Enrolled from an approval without units and never adjusted since: its only plan is
        the approval's, at one unit per category. (An adjusted one may have changed the units
        on purpose: an official reviews it.)"""
        return not self.units_recorded and len(self.plan) == 1

    def restore_units(
        self,
        *,
        categories: dict[str, int],
        coefficient: str,
        basis: str,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """The units the approval decided, from the first month (see units_to_restore)."""
        if not self.units_to_restore():
            raise InvalidChange("the units of this entitlement are recorded: nothing to restore")
        if set(categories) != set(self.plan[0][1]) or any(u < 1 for u in categories.values()):
            raise InvalidChange(
                f"restored units must cover the categories held {sorted(self.plan[0][1])}, "
                "each at least 1"
            )
        self._units_restored(
            case_id=self.case_id,
            from_month=self.from_month,
            categories=dict(categories),
            coefficient=coefficient,
            basis=basis,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("UnitsRestored")
    def _units_restored(
        self,
        *,
        case_id: UUID,
        from_month: str,
        categories: dict[str, int],
        coefficient: str,
        basis: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.plan = [(from_month, dict(categories))]
        self.units_recorded = True

    def decide_arrears(
        self,
        *,
        months: list[str],
        decision_number: str,
        signed_on: date,
        basis: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Pay months owed beyond the look-back: the next payroll issues them as arrears."""
        if not months:
            raise InvalidChange("months must name at least one month awaiting a decision")
        unknown = sorted(set(months) - set(self.arrears_awaiting))
        if unknown:
            awaiting = ", ".join(sorted(self.arrears_awaiting)) or "none"
            raise InvalidChange(
                f"months {', '.join(unknown)} do not await an arrears decision (awaiting: "
                f"{awaiting})"
            )
        if signed_on > today:
            raise InvalidChange(f"signed_on {signed_on} is in the future")
        self._check_decided("signed_on", signed_on)
        if not basis.strip():
            raise InvalidChange("basis must state the legal basis of the decision")
        chosen = sorted(set(months))
        self._arrears_decided(
            case_id=self.case_id,
            months=chosen,
            amount=sum(self.arrears_awaiting[m] for m in chosen),
            decision_number=decision_number,
            signed_on=signed_on,
            basis=basis.strip(),
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("ArrearsDecided")
    def _arrears_decided(
        self,
        *,
        case_id: UUID,
        months: list[str],
        amount: int,
        decision_number: str,
        signed_on: date,
        basis: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        for month in months:
            self.arrears_awaiting.pop(month, None)
            self.arrears_decided[month] = decision_number

    # --- a cessation proposed, never decided by the system ----------------------------------

    def propose_cessation(
        self,
        *,
        ground: str,
        cause: str,
        event_date: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> bool:
        """Propose to the commune that the entitlement stop from the month after `event_date`
        (e.g. the death of the person cared for ends care support): once per cause, never
        decided here. Returns whether a proposal was recorded."""
        key = f"{ground}:{cause}"
        if self.ceased_from is not None or key in self.proposed_cessations:
            return False
        self._cessation_proposed(
            case_id=self.case_id,
            ground=ground,
            cause=cause,
            event_date=event_date,
            from_month=max(month_after(event_date), self.from_month),
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )
        return True

    @event("CessationProposed")
    def _cessation_proposed(
        self,
        *,
        case_id: UUID,
        ground: str,
        cause: str,
        event_date: date,
        from_month: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.proposed_cessations.append(f"{ground}:{cause}")
