"""Payment use cases: the only code that loads and saves entitlements and payrolls."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Tracking

from backbone.actor import Actor
from backbone.eventstore import BtxhApplication
from contracts.ids import derived_id
from reference.admin_units import AdminUnits, load_admin_units
from reference.policy import PolicyBook, PolicyError, policy_book
from services.payment.domain.entitlement import Entitlement, InvalidChange
from services.payment.domain.months import add_months, first_day, months_between
from services.payment.domain.payroll import CHANNELS, PayrollError, PayrollRun, payroll_id
from services.payment.result_files import parse_date, read_rows
from services.payment.settings import PaymentSettings

log = logging.getLogger(__name__)

#: How far back a payroll looks for months owed and unpaid (arrears). Configuration later.
LOOK_BACK_MONTHS = 36

#: Funeral support is at least this many times the standard level (Decree 20/2021 Art. 11).
FUNERAL_MULTIPLE = 20


class EntitlementNotFound(LookupError):
    """No entitlement for this case (not approved, or the approval has not arrived yet)."""


@dataclass(frozen=True)
class MonthOwed:
    """What an entitlement owes for one month, valued by the policy in force that month."""

    month: str
    status: str  # "payable" | "not_started" | "suspended" | "ceased"
    categories: dict[str, int] | None
    amount: int
    policy_version: str | None


class PaymentApplication(BtxhApplication):
    name = "payment"
    service = "payment"

    def __init__(
        self,
        settings: PaymentSettings,
        policy: PolicyBook | None = None,
        admin_units: AdminUnits | None = None,
    ) -> None:
        super().__init__(settings)
        self.policy = policy or policy_book()
        self.admin_units = admin_units or load_admin_units()

    def enrol(
        self,
        *,
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
        causation_id: UUID,
        tracking: Tracking,
        categories_held: list[str] | None = None,
    ) -> None:
        """Put an approved beneficiary on the rolls from the decision's effective month.

        The entitlement id is derived from the case id, so a re-delivered approval can never
        enrol twice: the event store refuses a second creation.
        """
        entitlement = Entitlement(
            id=derived_id("entitlement", case_id),
            case_id=case_id,
            benefit=benefit,
            category=category,
            residence_scheme=residence_scheme,
            residence_code=residence_code,
            monthly_amount=monthly_amount,
            from_month=from_month,
            decision_number=decision_number,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
            categories_held=list(categories_held or [category]),
        )
        self.save_tracked(entitlement, tracking=tracking)

    def get_entitlement(self, case_id: UUID) -> Entitlement:
        try:
            entitlement: Entitlement = self.repository.get(derived_id("entitlement", case_id))
        except AggregateNotFoundError as error:
            raise EntitlementNotFound(f"no entitlement for case {case_id}") from error
        assert isinstance(entitlement, Entitlement)
        return entitlement

    # --- changes decided after enrolment ---------------------------------------------------

    def adjust(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **change: Any
    ) -> Entitlement:
        """New categories from the month after the condition changed (e.g. a child turned 4)."""
        entitlement = self.get_entitlement(case_id)
        province = self._province(entitlement)
        for code in change["categories"]:
            try:
                self.policy.in_force(province, change["changed_on"]).category(code)
            except PolicyError as error:
                raise InvalidChange(str(error)) from error
        entitlement.adjust(actor=actor, correlation_id=correlation_id, **change)
        self.save(entitlement)
        return entitlement

    def suspend(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """Suspend payment (3 months not collected, refusing re-determination, detention)."""
        entitlement = self.get_entitlement(case_id)
        entitlement.suspend(actor=actor, correlation_id=correlation_id, **decision)
        self.save(entitlement)
        return entitlement

    def lift_suspension(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """Pay again from the month after the decision lifting the suspension."""
        entitlement = self.get_entitlement(case_id)
        entitlement.lift_suspension(actor=actor, correlation_id=correlation_id, **decision)
        self.save(entitlement)
        return entitlement

    def cease(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """Stop for good from the month after the event: death, no longer eligible, moved,
        refused, imprisoned, missing, or non-compliance 3 months after a suspension."""
        entitlement = self.get_entitlement(case_id)
        entitlement.cease(actor=actor, correlation_id=correlation_id, **decision)
        self.save(entitlement)
        return entitlement

    def decide_funeral_support(
        self,
        case_id: UUID,
        *,
        decision_number: str,
        signed_on: date,
        organiser: str,
        amount: int | None,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> Entitlement:
        """Funeral support for a beneficiary who died: at least 20 x the standard level in
        force on the day of death (the province may pay more); by default exactly that."""
        entitlement = self.get_entitlement(case_id)
        died_on = entitlement.ceased_on
        if entitlement.cessation_reason != "death" or died_on is None:
            raise InvalidChange("funeral support follows a cessation for death")
        policy = self.policy.in_force(self._province(entitlement), died_on)
        minimum = FUNERAL_MULTIPLE * policy.standard_level
        entitlement.decide_funeral_support(
            amount=minimum if amount is None else amount,
            minimum=minimum,
            standard_level=policy.standard_level,
            policy_version=policy.version,
            decision_number=decision_number,
            signed_on=signed_on,
            organiser=organiser,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(entitlement)
        return entitlement

    # --- what is owed ----------------------------------------------------------------------

    def months_owed(self, case_id: UUID, first: str, last: str) -> list[MonthOwed]:
        """Each month's status and amount, from the policy in force in that month."""
        entitlement = self.get_entitlement(case_id)
        province = self._province(entitlement)
        owed: list[MonthOwed] = []
        for month in months_between(first, last):
            held = entitlement.held_in(month)
            if held is None:
                owed.append(MonthOwed(month, self._why_not(entitlement, month), None, 0, None))
                continue
            amount = self.policy.in_force(province, first_day(month)).amount(held)
            owed.append(
                MonthOwed(month, "payable", held, amount.monthly_amount, amount.policy_version)
            )
        return owed

    @staticmethod
    def _why_not(entitlement: Entitlement, month: str) -> str:
        if month < entitlement.from_month:
            return "not_started"
        if entitlement.ceased_from is not None and month >= entitlement.ceased_from:
            return "ceased"
        return "suspended"

    def _province(self, entitlement: Entitlement) -> str | None:
        return self.admin_units.province_code(
            entitlement.residence_scheme, entitlement.residence_code
        )

    # --- the monthly payroll ---------------------------------------------------------------

    def generate_payroll(
        self,
        *,
        commune: str,
        channel: str,
        month: str,
        entitlements: Callable[[str, str, str], Any],
        actor: Actor,
        correlation_id: UUID,
        progress: Callable[[int, int], None] | None = None,
    ) -> PayrollRun:
        """One line per beneficiary owed for the month, plus arrears for earlier months owed
        and unpaid (within the look-back window), valued by the policy in force in each month.
        Generating again adds only what is missing, so a second run changes nothing."""
        if channel not in CHANNELS:
            raise PayrollError(f"channel must be one of {', '.join(CHANNELS)}")
        run_id = payroll_id(commune, channel, month)
        try:
            run: PayrollRun = self.repository.get(run_id)
        except AggregateNotFoundError:
            run = PayrollRun(id=run_id, commune=commune, channel=channel, month=month, actor=actor)
        run.check_open()  # before any line is issued
        window_start = add_months(month, 1 - LOOK_BACK_MONTHS)
        valued: dict[tuple[str | None, str, frozenset[tuple[str, int]]], int] = {}
        checked = beneficiaries = lines = total = arrears = 0
        for batch in entitlements(commune, channel, window_start):
            for case_id in batch:
                checked += 1
                entitlement = self.get_entitlement(case_id)
                province = self._province(entitlement)
                owed: dict[str, int] = {}
                first = max(entitlement.from_month, window_start)
                for owed_month in months_between(first, month):
                    held = entitlement.held_in(owed_month)
                    if held is None:
                        continue
                    key = (province, owed_month, frozenset(held.items()))
                    if key not in valued:
                        policy = self.policy.in_force(province, first_day(owed_month))
                        valued[key] = policy.amount(held).monthly_amount
                    owed[owed_month] = valued[key]
                issued = entitlement.issue_lines(
                    payroll_id=str(run_id),
                    payroll_month=month,
                    owed=owed,
                    actor=actor,
                    correlation_id=correlation_id,
                )
                if issued:
                    self.save(entitlement)
                    beneficiaries += 1
                    lines += len(issued)
                    total += sum(line["amount"] for line in issued)
                    arrears += sum(x["amount"] for x in issued if x["kind"] == "arrears")
            if progress:
                progress(checked, lines)
        run.record_generation(
            beneficiaries=beneficiaries, lines=lines, total=total, arrears=arrears, actor=actor
        )
        self.save(run)
        log.info(
            "payroll %s %s %s: %s beneficiaries, %s lines, %s VND (%s arrears)",
            commune,
            channel,
            month,
            beneficiaries,
            lines,
            total,
            arrears,
        )
        return run

    def check_payroll_open(self, commune: str, channel: str, month: str) -> None:
        """Refuse (PayrollError) to generate a payroll that was approved: it is closed."""
        if channel not in CHANNELS:
            raise PayrollError(f"channel must be one of {', '.join(CHANNELS)}")
        try:
            run: PayrollRun = self.repository.get(payroll_id(commune, channel, month))
        except AggregateNotFoundError:
            return
        run.check_open()

    def approve_payroll(
        self,
        *,
        commune: str,
        channel: str,
        month: str,
        approved_on: date,
        actor: Actor,
        today: date,
    ) -> PayrollRun:
        """The commune approves the generated list before it is released for payment."""
        run = self.get_payroll(commune, channel, month)
        run.approve(approved_on=approved_on, today=today, actor=actor)
        self.save(run)
        return run

    def record_results(
        self,
        *,
        commune: str,
        channel: str,
        month: str,
        results: list[dict[str, Any]],
        source: str,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> list[dict[str, Any]]:
        """Record what was paid, line by line, once the payroll is approved. Every row gets an
        outcome (recorded, repeated, unknown line, another month's payroll, refused): nothing
        is dropped silently, and sending the same results again changes nothing."""
        run = self.get_payroll(commune, channel, month)
        if run.approved_on is None:
            raise PayrollError(f"the payroll of {month} is not approved: nothing was paid yet")
        prefix = f"{run.id}:"
        report: list[dict[str, Any]] = []
        for number, row in enumerate(results, start=1):
            line_id = str(row.get("line_id", ""))
            outcome: dict[str, Any] = {"row": number, "line_id": line_id}
            if not line_id.startswith(prefix):
                other = line_id.count(":") == 3
                outcome["outcome"] = "other_payroll" if other else "unknown_line"
                report.append(outcome)
                continue
            try:
                case_id = UUID(line_id.split(":")[1])
                entitlement = self.get_entitlement(case_id)
                recorded = entitlement.settle_line(
                    line_id=line_id,
                    result=str(row.get("result")),
                    settled_on=row["settled_on"],
                    source=source,
                    today=today,
                    actor=actor,
                    correlation_id=correlation_id,
                )
            except (ValueError, KeyError, EntitlementNotFound) as error:
                outcome.update(outcome="refused", reason=str(error))
            else:
                if recorded:
                    self.save(entitlement)
                outcome["outcome"] = "recorded" if recorded else "repeated"
            report.append(outcome)
        return report

    def import_results(
        self,
        *,
        commune: str,
        channel: str,
        month: str,
        filename: str,
        content: bytes,
        content_type: str,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> list[dict[str, Any]]:
        """Results from a post-office or bank file (CSV or Excel). Unreadable rows are
        reported with their row number; importing the same file twice changes nothing."""
        report: list[dict[str, Any]] = []
        readable: list[dict[str, Any]] = []
        for row in read_rows(content, content_type):
            try:
                readable.append({**row, "settled_on": parse_date(row["settled_on"])})
            except ValueError as error:
                report.append(
                    {
                        "row": row["row"],
                        "line_id": row["line_id"],
                        "outcome": "refused",
                        "reason": str(error),
                    }
                )
        recorded = self.record_results(
            commune=commune,
            channel=channel,
            month=month,
            results=readable,
            source=f"file:{filename}",
            actor=actor,
            correlation_id=correlation_id,
            today=today,
        )
        for outcome, row in zip(recorded, readable, strict=True):
            report.append({**outcome, "row": row["row"]})
        return sorted(report, key=lambda r: r["row"])

    def get_payroll(self, commune: str, channel: str, month: str) -> PayrollRun:
        try:
            run: PayrollRun = self.repository.get(payroll_id(commune, channel, month))
        except AggregateNotFoundError as error:
            raise EntitlementNotFound(
                f"no payroll for commune {commune}, channel {channel}, month {month}"
            ) from error
        return run


__all__ = [
    "EntitlementNotFound",
    "InvalidChange",
    "MonthOwed",
    "PaymentApplication",
    "PayrollError",
]
