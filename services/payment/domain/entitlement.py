"""A beneficiary's entitlement to a monthly benefit: from the decision's effective month,
adjusted, suspended or stopped from the month after the event (Decree 20/2021 Art. 8;
Circular 02/2021 Art. 2; Decree 147/2025 Art. 5.2.d).

The entitlement never stores amounts per month: what is owed for a month is the categories
held that month, valued by the policy in force that month (so a standard level raised on
1 July applies from July to everyone already on the rolls).
"""

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor
from services.payment.domain.months import month_after, month_of

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


LINE_RESULTS = ("paid_at_point", "paid_at_home", "not_collected", "failed")


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
    ) -> None:
        self.case_id = case_id
        self.benefit = benefit
        self.category = category
        self.residence_scheme = residence_scheme
        self.residence_code = residence_code
        self.monthly_amount = monthly_amount
        self.from_month = from_month
        self.decision_number = decision_number
        # (from month, categories held with units), in order: the plan of every month.
        self.plan: list[tuple[str, dict[str, int]]] = [
            (from_month, {c: 1 for c in (categories_held or [category])})
        ]
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

    # --- queries ---------------------------------------------------------------------------

    @property
    def status(self) -> str:
        if self.ceased_from is not None:
            return "ceased"
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
        held = None
        for start, categories in self.plan:
            if start <= month:
                held = categories
        return held

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
    ) -> None:
        """New categories from the month after the condition changed."""
        self._check_live("adjustment")
        if not categories or any(units < 1 for units in categories.values()):
            raise InvalidChange("categories must name at least one category with units >= 1")
        if signed_on > today or changed_on > signed_on:
            raise InvalidChange(
                f"the change ({changed_on}) must precede the decision ({signed_on}), which "
                "cannot be in the future"
            )
        if not reason.strip():
            raise InvalidChange("reason must say what changed")
        from_month = max(month_after(changed_on), self.from_month)
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
        )

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
    ) -> None:
        self.plan = [p for p in self.plan if p[0] < from_month] + [(from_month, categories)]
        self.category = max(categories, key=lambda c: categories[c])

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

    # --- payroll lines ---------------------------------------------------------------------

    def issued_for(self, month: str) -> int:
        """What was issued for a month and not returned unpaid (not collected or failed)."""
        return sum(
            line["amount"]
            for line in self.lines.values()
            if line["month"] == month and line["result"] not in ("not_collected", "failed")
        )

    def issue_lines(
        self,
        *,
        payroll_id: str,
        payroll_month: str,
        owed: dict[str, int],
        actor: Actor,
        correlation_id: UUID,
    ) -> list[dict[str, Any]]:
        """Lines for what `owed` (month -> amount due) exceeds what was issued: the payroll
        month itself, and arrears for earlier months owed and unpaid (late decision, level
        raised after the month's payroll, lines not collected). Issuing again adds nothing."""
        lines = []
        for month in sorted(owed):
            if month > payroll_month:
                continue
            missing = owed[month] - self.issued_for(month)
            if missing > 0:
                earlier = sum(1 for x in self.lines.values() if x["month"] == month)
                lines.append(
                    {
                        "line_id": f"{payroll_id}:{self.case_id}:{month}:{earlier + 1}",
                        "month": month,
                        "amount": missing,
                        "kind": "current" if month == payroll_month else "arrears",
                    }
                )
        if lines:
            self._lines_issued(
                case_id=self.case_id,
                payroll_id=payroll_id,
                payroll_month=payroll_month,
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
    ) -> None:
        for line in lines:
            self.lines[line["line_id"]] = {**line, "payroll_id": payroll_id, "result": None}

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
        if line is None:
            raise InvalidChange(f"case {self.case_id} has no payroll line {line_id}")
        if result not in LINE_RESULTS:
            raise InvalidChange(f"result must be one of {', '.join(LINE_RESULTS)}")
        if settled_on > today:
            raise InvalidChange(f"settled_on {settled_on} is in the future")
        if line["result"] == result:
            return False
        if line["result"] is not None:
            raise InvalidChange(
                f"line {line_id} was already settled as {line['result']}; a correction needs "
                "its own decision"
            )
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
        death) is an overpayment, recorded once with its amount."""
        if self.ceased_from is None:
            return
        found = {
            line_id: line["amount"]
            for line_id, line in self.lines.items()
            if line["month"] >= self.ceased_from
            and line["result"] in ("paid_at_point", "paid_at_home")
            and line_id not in self.overpaid
        }
        if found:
            self._overpayment_detected(
                case_id=self.case_id,
                lines=found,
                amount=sum(found.values()),
                months=sorted({self.lines[i]["month"] for i in found}),
                reason=f"paid after the entitlement stopped from {self.ceased_from} "
                f"({self.cessation_reason})",
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
    ) -> None:
        """Funeral support (hỗ trợ chi phí mai táng) for a beneficiary who died receiving the
        allowance: at least 20 x the standard level in force at the death; decided once."""
        if self.cessation_reason != "death":
            raise InvalidChange("funeral support follows a cessation for death")
        if self.funeral_support is not None:
            raise InvalidChange(
                f"funeral support was decided by {self.funeral_support['decision_number']}"
            )
        if amount < minimum:
            raise InvalidChange(
                f"funeral support {amount} is below the minimum {minimum} (20 x {standard_level})"
            )
        if signed_on > today:
            raise InvalidChange(f"signed_on {signed_on} is in the future")
        if not organiser.strip():
            raise InvalidChange("organiser must name who organised the funeral (Form 04)")
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
    ) -> None:
        self.funeral_support = {
            "amount": amount,
            "decision_number": decision_number,
            "signed_on": signed_on,
            "organiser": organiser,
        }
