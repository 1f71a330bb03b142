"""Payment use cases: the only code that loads and saves entitlements and payrolls."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Tracking

from backbone.actor import Actor
from backbone.eventstore import BtxhApplication
from contracts.ids import derived_id
from reference.admin_units import (
    DVHC_2004_3LEVEL,
    DVHC_2025_2LEVEL,
    REORGANISATION_DAY,
    AdminUnitNotInForce,
    AdminUnits,
    UnknownAdminUnit,
    load_admin_units,
    scheme_of_month,
)
from reference.date_bounds import DateBounds, DateOutOfRange
from reference.months import add_months, first_day, month_of, months_between
from reference.policy import PolicyBook, PolicyError, policy_book
from reference.valuation import Valuation, units_from_decision
from reference.working_days import load_calendar
from services.payment.domain.care_links import CaredForBy
from services.payment.domain.entitlement import Entitlement, InvalidChange
from services.payment.domain.funeral import FUNERAL_MULTIPLE, FuneralSupportOnce
from services.payment.domain.funeral_claim import ClaimFuneralSupport, FuneralClaim
from services.payment.domain.health_insurance import HealthInsuranceNotices
from services.payment.domain.jurisdiction import JurisdictionDecision
from services.payment.domain.ledger import BenefitLedger, HeldEnrolment, ledger_id
from services.payment.domain.lines import CHANNELS
from services.payment.domain.payroll import (
    CommuneNotPaying,
    PayrollError,
    PayrollRun,
    payroll_id,
)
from services.payment.messaging import outbound
from services.payment.payroll_register import (
    InMemoryPayrollRegister,
    PayrollRegister,
    PostgresPayrollRegister,
)
from services.payment.result_files import ResultFile, ResultsReport, parse_date
from services.payment.settings import PaymentSettings

log = logging.getLogger(__name__)

#: How far back a payroll pays months owed and unpaid (arrears) by itself; older months owed
#: are recorded as awaiting an arrears decision and paid once it is taken.
LOOK_BACK_MONTHS = 36

#: A payroll's progress is reported, and its entitlements saved, after this many beneficiaries.
PROGRESS_EVERY = 100

#: Rows of a results file settled together: what an import holds in memory at once.
SETTLE_CHUNK = 1000

#: A payroll is prepared for the current month, or for the next one ahead of it: a list for a
#: later month would issue lines for months nobody can be paid yet.
PAYROLL_MONTHS_AHEAD = 1

#: The longest span of months one question about what is owed may cover.
MAX_MONTHS_ASKED = 240

#: The first month paid by the 2025 communes (two-level local government, DOMAIN §9.1).
REORGANISED_FROM = month_of(REORGANISATION_DAY)
#: Earlier than any month owed: "not ceased before" it takes every entitlement.
EARLIEST_MONTH = "0001-01"


class EntitlementNotFound(LookupError):
    """No entitlement for this case (not approved, or the approval has not arrived yet)."""


class EnrolmentHeld(LookupError):
    """The case was approved but not enrolled: it overlaps another entitlement of the person."""


@dataclass(frozen=True)
class FuneralTerms:
    """What a funeral-support decision rests on (PaymentApplication._funeral_terms)."""

    once_id: UUID
    deceased: UUID
    minimum: int
    standard_level: int
    policy_version: str

    def once(
        self,
        case_id: UUID,
        decision_number: str,
        signed_on: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> FuneralSupportOnce:
        """The record that makes the decision the only one for this deceased person."""
        return FuneralSupportOnce(
            id=self.once_id,
            person_key=self.deceased,
            case_id=case_id,
            decision_number=decision_number,
            signed_on=signed_on,
            actor=actor,
            correlation_id=correlation_id,
        )


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
    to_contract = staticmethod(outbound.to_contract)

    def __init__(
        self,
        settings: PaymentSettings,
        policy: PolicyBook | None = None,
        admin_units: AdminUnits | None = None,
    ) -> None:
        super().__init__(settings)
        self.settings = settings
        self.policy = policy or policy_book(settings.policy_dir)
        self.admin_units = admin_units or load_admin_units()
        self.dates = DateBounds.of(self.policy, load_calendar())
        # The one valuation payment and reporting share: policy and units given, not global.
        self.valuation = Valuation(self.policy, self.admin_units)

    def _check_dates(self, decision: dict[str, Any], *fields: str) -> None:
        """A decision's dates, before anything is loaded or computed: covered by the policy
        tables and not after today in Vietnam (its history is the entitlement's to check)."""
        for name in fields:
            self.dates.fact(name, decision[name], decision["today"])

    def open_payroll_register(self) -> PayrollRegister:
        """The read model that says whom a commune's payroll pays (and holds its lines),
        kept from this application's events in the same store."""
        return self.beside_events(
            postgres=lambda: PostgresPayrollRegister(
                self, self.settings.database_url, self.settings.schema_name(self.service)
            ),
            memory=lambda: InMemoryPayrollRegister(self),
        )

    def enrol(
        self,
        *,
        approval: dict[str, Any],
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID,
        tracking: Tracking,
    ) -> None:
        """Put an approved beneficiary on the rolls from the decision's effective month.

        `approval` holds case_id, person_id, benefit, category, categories_held, residence
        scheme and code, monthly_amount, from_month, decision_number and signed_on. The
        entitlement id is derived from the case id, so a re-delivered approval can never
        enrol twice. An approval that would overlap another running entitlement of the same
        person and benefit is held instead (BenefitLedger) and published as enrolment_held.
        """
        case_id: UUID = approval["case_id"]
        ledger = self._ledger(
            approval["person_id"] or case_id, self._ledger_benefit(approval["benefit"], case_id)
        )
        earliest = add_months(approval["from_month"], -self.settings.relocation_months)
        start = ledger.continuation_start(approval["from_month"], earliest)
        conflict = ledger.overlapping(start, other_than=case_id)
        if conflict is not None:
            ledger.hold(case_id=case_id, conflicting_case=conflict, approval=approval)
            held = HeldEnrolment(
                id=derived_id("held-enrolment", case_id),
                case_id=case_id,
                conflicting_case_id=conflict,
                from_month=start,
                decision_number=approval["decision_number"],
                actor=actor,
                correlation_id=correlation_id,
                causation_id=causation_id,
            )
            log.warning("approval of case %s held: case %s is still owed", case_id, conflict)
            self.save_tracked(ledger, held, tracking=tracking)
            return
        enrolled = self._enrolled(
            approval, start, ledger, actor=actor, correlation_id=correlation_id
        )
        self.save_tracked(*enrolled, ledger, tracking=tracking)

    def _enrolled(
        self,
        approval: dict[str, Any],
        start: str,
        ledger: BenefitLedger,
        *,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None = None,
    ) -> list[Any]:
        """A new entitlement from `start`, its period on the ledger, and the increase notice
        for health insurance (báo tăng)."""
        case_id: UUID = approval["case_id"]
        held, paid = self._held_by(approval)
        entitlement = Entitlement(
            id=derived_id("entitlement", case_id),
            case_id=case_id,
            benefit=approval["benefit"],
            category=paid,
            residence_scheme=approval["residence_scheme"],
            residence_code=approval["residence_code"],
            monthly_amount=approval["monthly_amount"],
            from_month=start,
            decision_number=approval["decision_number"],
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
            categories_held=list(approval["categories_held"]),
            categories=held,
            dependants=list(approval.get("dependants") or []),
            channel="post_office",
            person_id=approval["person_id"],
            granted_on=approval["signed_on"],
        )
        ledger.start_period(case_id=case_id, from_month=start)
        self._reorganise(entitlement, actor=actor, correlation_id=correlation_id)
        links = self._link_persons_cared_for(entitlement)
        if not self._insured_by_the_state(entitlement):
            return [entitlement, *links]
        valid_from = (
            approval["signed_on"]
            if self.settings.health_insurance_card_start == "decision_date"
            else first_day(start)
        )
        notices = self._notify_health_insurance(
            entitlement,
            kind="increase",
            valid_from=valid_from,
            valid_until=None,
            reason=f"enrolled from {start} by decision {approval['decision_number']}",
            actor=actor,
            correlation_id=correlation_id,
        )
        return [entitlement, notices, *links]

    def _link_persons_cared_for(self, entitlement: Entitlement) -> list[CaredForBy]:
        """A care-support case that counts persons with cases of their own is linked from each
        of them, so that their death proposes ending it."""
        if entitlement.benefit != "care_support":
            return []
        links = []
        for dependant in entitlement.dependants:
            cared: UUID | None = dependant.get("case_id")
            if cared is None:
                continue
            link_id = derived_id("cared-for-by", cared)
            try:
                link: CaredForBy = self.repository.get(link_id)
            except AggregateNotFoundError:
                link = CaredForBy(id=link_id, cared_case_id=cared)
            link.link(entitlement.case_id)
            links.append(link)
        return links

    def _propose_ending_care_support(
        self, deceased: Entitlement, *, actor: Actor, correlation_id: UUID
    ) -> list[Entitlement]:
        """The person cared for died: propose ending each care support that counts them (from
        the month after the death). The commune decides; nothing stops by itself."""
        if deceased.cessation_reason != "death" or deceased.ceased_on is None:
            return []
        try:
            link: CaredForBy = self.repository.get(derived_id("cared-for-by", deceased.case_id))
        except AggregateNotFoundError:
            return []
        proposed = []
        for care_case in link.care_cases:
            try:
                care = self.get_entitlement(care_case)
            except (EntitlementNotFound, EnrolmentHeld):
                continue
            if care.propose_cessation(
                ground="death_of_person_cared_for",
                cause=str(deceased.case_id),
                event_date=deceased.ceased_on,
                actor=actor,
                correlation_id=correlation_id,
            ):
                proposed.append(care)
        return proposed

    @staticmethod
    def _insured_by_the_state(entitlement: Entitlement) -> bool:
        """Health insurance paid by the state budget goes with the monthly allowance (Decree
        146/2018 as amended by Decree 75/2023): the beneficiary's card. A caregiver's care
        support gives the caregiver no card, so it sends no increase or decrease notice."""
        return entitlement.benefit == "monthly_allowance"

    def _held_by(self, approval: dict[str, Any]) -> tuple[dict[str, int], str]:
        """The categories an approval holds with their units, and the category paid (the
        highest, valued on the signing date where the beneficiary lived). Approvals from
        before units travelled (and approvals held since then) derive units from their
        coefficient."""
        listed = approval.get("categories") or [
            {"code": code, "units": None} for code in approval["categories_held"]
        ]
        residence = (approval["residence_scheme"], approval["residence_code"])
        held = self.valuation.held_by_approval(
            listed, approval.get("coefficient") or "0", residence, approval["signed_on"]
        )
        try:
            return held, self.valuation.amount(held, residence, approval["signed_on"]).category
        except PolicyError:
            return held, approval["category"]

    def _notify_health_insurance(
        self,
        entitlement: Entitlement,
        *,
        kind: str,
        valid_from: date | None,
        valid_until: date | None,
        reason: str,
        actor: Actor,
        correlation_id: UUID,
    ) -> HealthInsuranceNotices:
        notice: dict[str, Any] = {
            "case_id": entitlement.case_id,
            "person_id": entitlement.person_id,
            "kind": kind,
            "card_valid_from": valid_from,
            "card_valid_until": valid_until,
            "reason": reason,
            "category": entitlement.category,
            "residence_scheme": entitlement.residence_scheme,
            "residence_code": entitlement.residence_code,
            "actor": actor,
            "correlation_id": correlation_id,
            "causation_id": None,
        }
        notices_id = derived_id("health-insurance", entitlement.case_id)
        try:
            notices: HealthInsuranceNotices = self.repository.get(notices_id)
        except AggregateNotFoundError:
            return HealthInsuranceNotices(id=notices_id, **notice)
        notices.issue(**notice)
        return notices

    @staticmethod
    def _ledger_benefit(benefit: str, case_id: UUID) -> str:
        """What "one running entitlement per person" is counted over. The monthly allowance: one
        per person, whatever the case or commune (only the highest is paid). Care support is a
        benefit of its own, paid for each person cared for: each case stands alone (intake
        keeps one open case per caregiver and person cared for), never held against another
        care support or against the caregiver's own allowance."""
        return benefit if benefit == "monthly_allowance" else f"{benefit}:{case_id}"

    def _ledger(self, person_key: UUID, benefit: str) -> BenefitLedger:
        try:
            ledger: BenefitLedger = self.repository.get(ledger_id(person_key, benefit))
        except AggregateNotFoundError:
            ledger = BenefitLedger(
                id=ledger_id(person_key, benefit), person_key=person_key, benefit=benefit
            )
        return ledger

    def get_entitlement(self, case_id: UUID) -> Entitlement:
        try:
            entitlement: Entitlement = self.repository.get(derived_id("entitlement", case_id))
        except AggregateNotFoundError as error:
            try:
                held: HeldEnrolment = self.repository.get(derived_id("held-enrolment", case_id))
            except AggregateNotFoundError:
                raise EntitlementNotFound(f"no entitlement for case {case_id}") from error
            raise EnrolmentHeld(
                f"the approval of case {case_id} is held: the same person's entitlement of "
                f"case {held.conflicting_case_id} is still owed from {held.from_month}; stop "
                "one of them (cessation) and the other is enrolled from the month after"
            ) from error
        assert isinstance(entitlement, Entitlement)
        return entitlement

    def places_of(self, case_id: UUID) -> list[tuple[str | None, str | None]] | None:
        """Where payment holds the case now: its entitlement's residence (a move or the 2025
        transfer changes it) and, while a move is pending, the commune it moves to; the
        funeral claim's; for an approval held back, the entitlement's it overlaps; None when
        payment holds no such case."""
        entitlement = self.find(derived_id("entitlement", case_id), Entitlement)
        if entitlement is not None:
            places: list[tuple[str | None, str | None]] = [
                (entitlement.residence_scheme, entitlement.residence_code)
            ]
            if entitlement.moving is not None:
                places.append((entitlement.moving["to_scheme"], entitlement.moving["to_code"]))
            return places
        claim = self._funeral_claim(case_id)
        if claim is not None:
            return [(claim.residence_scheme, claim.residence_code)]
        held = self.find(derived_id("held-enrolment", case_id), HeldEnrolment)
        if held is not None and held.conflicting_case_id != case_id:
            return self.places_of(held.conflicting_case_id)
        return None

    def _payee(self, case_id: UUID) -> Entitlement | ClaimFuneralSupport:
        """Whoever keeps a case's payroll lines: its entitlement, or the funeral support
        decided on a funeral claim case (which has no entitlement)."""
        try:
            return self.get_entitlement(case_id)
        except EntitlementNotFound:
            support = self.claim_funeral_support(case_id)
            if support is None:
                raise
            return support

    # --- changes decided after enrolment ---------------------------------------------------

    def _decide(
        self, case_id: UUID, command: Callable[..., object], /, **arguments: Any
    ) -> Entitlement:
        """Apply one decision (an Entitlement command) to the case's entitlement and save it;
        a refused decision raises before anything is saved."""
        entitlement = self.get_entitlement(case_id)
        command(entitlement, **arguments)
        self.save(entitlement)
        return entitlement

    def adjust(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **change: Any
    ) -> Entitlement:
        """New categories from the month after the condition changed (e.g. a child turned 4)."""
        self._check_dates(change, "changed_on", "signed_on")
        entitlement = self.get_entitlement(case_id)
        residence = (entitlement.residence_scheme, entitlement.residence_code)
        policy = self.valuation.in_force(residence, change["changed_on"])
        try:
            for code in change["categories"]:
                policy.category(code)
            paid = policy.amount(change["categories"]).category
        except PolicyError as error:
            raise InvalidChange(str(error)) from error

        def value(month: str, held: dict[str, int]) -> int:
            """What a month is owed with these categories, where the beneficiary lived then."""
            return self.valuation.month(held, entitlement.residence_in(month), month)

        entitlement.adjust(
            actor=actor, correlation_id=correlation_id, paid_category=paid, value=value, **change
        )
        self.save(entitlement)
        return entitlement

    def suspend(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """Suspend payment (3 months not collected, refusing re-determination, detention)."""
        self._check_dates(decision, "decided_on")
        return self._decide(
            case_id, Entitlement.suspend, actor=actor, correlation_id=correlation_id, **decision
        )

    def lift_suspension(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """Pay again from the month after the decision lifting the suspension."""
        self._check_dates(decision, "decided_on")
        return self._decide(
            case_id,
            Entitlement.lift_suspension,
            actor=actor,
            correlation_id=correlation_id,
            **decision,
        )

    def cease(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """Stop for good from the month after the event: death, no longer eligible, moved,
        refused, imprisoned, missing, or non-compliance 3 months after a suspension. The card
        ends (báo giảm), and an approval held because it overlapped is enrolled now."""
        self._check_dates(decision, "event_date", "signed_on")
        entitlement = self.get_entitlement(case_id)
        entitlement.cease(actor=actor, correlation_id=correlation_id, **decision)
        assert entitlement.ceased_from is not None
        assert entitlement.ceased_on is not None
        valid_until = (
            entitlement.ceased_on
            if self.settings.health_insurance_card_end == "event_date"
            else first_day(entitlement.ceased_from) - timedelta(days=1)
        )
        changed: list[Any] = [entitlement]
        if self._insured_by_the_state(entitlement):
            changed.append(
                self._notify_health_insurance(
                    entitlement,
                    kind="decrease",
                    valid_from=None,
                    valid_until=valid_until,
                    reason=f"ceased from {entitlement.ceased_from} "
                    f"({entitlement.cessation_reason})",
                    actor=actor,
                    correlation_id=correlation_id,
                )
            )
        ledger = self._ledger(
            entitlement.person_key, self._ledger_benefit(entitlement.benefit, entitlement.case_id)
        )
        ledger.end_period(
            case_id=case_id,
            until=entitlement.ceased_from,
            reason=str(entitlement.cessation_reason),
        )
        changed += self._propose_ending_care_support(
            entitlement, actor=actor, correlation_id=correlation_id
        )
        for held_case in sorted(ledger.held):
            approval = ledger.held[held_case]["approval"]
            start = ledger.continuation_start(
                max(approval["from_month"], entitlement.ceased_from),
                add_months(approval["from_month"], -self.settings.relocation_months),
            )
            if ledger.overlapping(start, other_than=UUID(held_case)) is None:
                changed += self._enrolled(
                    approval, start, ledger, actor=actor, correlation_id=correlation_id
                )
        self.save(*changed, ledger)
        return entitlement

    # --- moves, channel, recovery --------------------------------------------------------

    def move_out(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """The old commune stops paying from the month after the move (chuyển nơi cư trú)."""
        self._check_dates(decision, "moved_on", "signed_on")
        entitlement = self.get_entitlement(case_id)
        try:
            self.admin_units.validate_commune(
                decision["to_scheme"], decision["to_code"], on=decision["moved_on"]
            )
        except ValueError as error:
            raise InvalidChange(f"to: {error}") from error
        entitlement.move_out(actor=actor, correlation_id=correlation_id, **decision)
        self.save(entitlement)
        return entitlement

    def move_in(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """The new commune continues the allowance from the month the old one stopped."""
        self._check_dates(decision, "signed_on")
        return self._decide(
            case_id, Entitlement.move_in, actor=actor, correlation_id=correlation_id, **decision
        )

    def change_channel(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """Pay through the post-office point, at home, or to a bank account."""
        self._check_dates(decision, "decided_on")
        return self._decide(
            case_id,
            Entitlement.change_channel,
            actor=actor,
            correlation_id=correlation_id,
            **decision,
        )

    def decide_recovery(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """Recover an overpayment in instalments, or waive it."""
        self._check_dates(decision, "signed_on")
        return self._decide(
            case_id,
            Entitlement.decide_recovery,
            actor=actor,
            correlation_id=correlation_id,
            **decision,
        )

    def receive_repayment(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **receipt: Any
    ) -> bool:
        """An instalment received; the same receipt again records nothing (False)."""
        self._check_dates(receipt, "received_on")
        entitlement = self.get_entitlement(case_id)
        recorded = entitlement.receive_repayment(
            actor=actor, correlation_id=correlation_id, **receipt
        )
        if recorded:
            self.save(entitlement)
        return recorded

    def decide_arrears(
        self, case_id: UUID, *, actor: Actor, correlation_id: UUID, **decision: Any
    ) -> Entitlement:
        """Pay months owed and unpaid older than the payroll's look-back (36 months): they wait
        for this decision, by the authority that decides the allowance, and the next payroll
        pays them as arrears."""
        self._check_dates(decision, "signed_on")
        return self._decide(
            case_id,
            Entitlement.decide_arrears,
            actor=actor,
            correlation_id=correlation_id,
            **decision,
        )

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
        dependant_id: UUID | None = None,
        died_on: date | None = None,
        channel: str | None = None,
        paying_commune: str | None = None,
    ) -> Entitlement | FuneralClaim:
        """Funeral support for a beneficiary who died receiving the monthly allowance: at least
        20 x the standard level in force on the day of death (the province may pay more); by
        default exactly that. Decided once per deceased person, on the deceased's own case:
        never on a caregiver's care support for the death of the person cared for. A child a
        poor single parent was paid for (`dependant_id`, `died_on`) has no case of its own: its
        funeral support is decided on the parent's case. A person of 80 or more who received a
        survivor or other monthly allowance and no btxh allowance has the case intake opened
        for the funeral claim (POST /funeral-claims): decided there, valued on the day of death
        in the province of the residence the claim states (Decree 20/2021 Art. 11), and paid
        on a line of the payroll of that commune (of the 2025 commune that took it over from
        July 2025; `paying_commune` where the old commune was split) on `channel` (by default
        the post office). An allowance case's support is paid on its own payroll."""
        self.dates.fact("signed_on", signed_on, today)
        try:
            entitlement = self.get_entitlement(case_id)
        except EntitlementNotFound:
            claim = self._funeral_claim(case_id)
            if claim is None:
                raise
            if dependant_id is not None or died_on is not None:
                raise InvalidChange(
                    "a funeral claim case is the deceased's own: give neither dependant_id nor "
                    f"died_on (the claim says the death: {claim.died_on})"
                ) from None
            return self._decide_funeral_on_claim(
                claim,
                decision_number=decision_number,
                signed_on=signed_on,
                organiser=organiser,
                amount=amount,
                channel=channel or "post_office",
                paid_in=self._claim_paid_in(claim, signed_on, paying_commune),
                actor=actor,
                correlation_id=correlation_id,
                today=today,
            )
        if channel is not None or paying_commune is not None:
            raise InvalidChange(
                "channel and paying_commune are for a funeral claim case; an allowance case's "
                "funeral support is paid on its own payroll (its commune and channel)"
            )
        if dependant_id is not None:
            if died_on is None:
                raise InvalidChange("died_on is needed for the funeral support of a child raised")
            self.dates.fact("died_on", died_on, today)
        else:
            died_on = entitlement.ceased_on
        if entitlement.benefit != "monthly_allowance":
            raise InvalidChange(
                "funeral support is decided on the deceased's own monthly allowance case; care "
                "support ends with the death of the person cared for and pays no funeral support"
            )
        if dependant_id is None and (entitlement.cessation_reason != "death" or died_on is None):
            raise InvalidChange("funeral support follows a cessation for death")
        assert died_on is not None
        deceased = dependant_id if dependant_id is not None else entitlement.person_key
        terms = self._funeral_terms(
            deceased,
            (entitlement.residence_scheme, entitlement.residence_code),
            died_on,
            "the death (the cessation's event_date)" if dependant_id is None else "died_on",
        )
        entitlement.decide_funeral_support(
            amount=terms.minimum if amount is None else amount,
            minimum=terms.minimum,
            standard_level=terms.standard_level,
            policy_version=terms.policy_version,
            decision_number=decision_number,
            signed_on=signed_on,
            organiser=organiser,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
            dependant_id=dependant_id,
            died_on=died_on if dependant_id is not None else None,
        )
        once = terms.once(case_id, decision_number, signed_on, actor, correlation_id)
        self.save(entitlement, once)
        return entitlement

    def _decide_funeral_on_claim(
        self,
        claim: FuneralClaim,
        *,
        decision_number: str,
        signed_on: date,
        organiser: str,
        amount: int | None,
        channel: str,
        paid_in: list[dict[str, str]],
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> FuneralClaim:
        """Funeral support on a funeral claim case: the deceased is the claim's person."""
        if channel not in CHANNELS:
            raise InvalidChange(f"channel must be one of {', '.join(CHANNELS)}")
        terms = self._funeral_terms(
            claim.person_id,
            (claim.residence_scheme, claim.residence_code),
            claim.died_on,
            "the claim's died_on",
        )
        earlier = self.claim_funeral_support(claim.case_id)
        if earlier is not None:  # the person's record says so first; kept if one is missing
            raise InvalidChange(
                f"funeral support was decided by {earlier.decided['decision_number']}"
            )
        decided = ClaimFuneralSupport.decide(
            claim,
            id=derived_id("claim-funeral-support", claim.case_id),
            amount=terms.minimum if amount is None else amount,
            minimum=terms.minimum,
            standard_level=terms.standard_level,
            policy_version=terms.policy_version,
            decision_number=decision_number,
            signed_on=signed_on,
            organiser=organiser,
            channel=channel,
            paid_in=paid_in,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        once = terms.once(claim.case_id, decision_number, signed_on, actor, correlation_id)
        self.save(decided, once)
        return claim

    def _claim_paid_in(
        self, claim: FuneralClaim, signed_on: date, paying_commune: str | None
    ) -> list[dict[str, str]]:
        """Where a claim's funeral support is paid, from which month: the commune where the
        deceased lived; a pre-2025 commune's support still unpaid in July 2025 by the 2025
        commune that took it over (by the official table, or `paying_commune`, one of its
        successors, where it was split: never guessed)."""
        signed = month_of(signed_on)
        if claim.residence_scheme == DVHC_2025_2LEVEL:
            if paying_commune not in (None, claim.residence_code):
                raise InvalidChange(
                    f"the deceased lived in 2025 commune {claim.residence_code}: it pays "
                    "(leave paying_commune out)"
                )
            return [
                {"from_month": signed, "scheme": DVHC_2025_2LEVEL, "code": claim.residence_code}
            ]
        paid_in = []
        if signed < REORGANISED_FROM:
            paid_in.append(
                {"from_month": signed, "scheme": DVHC_2004_3LEVEL, "code": claim.residence_code}
            )
        try:
            successors = [s.code for s in self.admin_units.successors(claim.residence_code)]
        except UnknownAdminUnit:
            successors = []
        whole = successors if len(successors) == 1 else []
        if paying_commune is None and whole:
            paying_commune = whole[0]
        if paying_commune is None or paying_commune not in successors:
            raise InvalidChange(
                f"commune {claim.residence_code} ceased on 30/06/2025 and went into "
                f"{', '.join(successors) or 'no 2025 commune in the official table'}: "
                "paying_commune must name the one where the deceased lived (it pays from "
                f"{REORGANISED_FROM})"
            )
        paid_in.append(
            {
                "from_month": max(signed, REORGANISED_FROM),
                "scheme": DVHC_2025_2LEVEL,
                "code": paying_commune,
            }
        )
        return paid_in

    def claim_funeral_support(self, case_id: UUID) -> ClaimFuneralSupport | None:
        """The funeral support decided on a funeral claim case, if any."""
        return self.find(derived_id("claim-funeral-support", case_id), ClaimFuneralSupport)

    def _funeral_terms(
        self, deceased: UUID, residence: tuple[str, str], died_on: date, death: str
    ) -> FuneralTerms:
        """What every funeral-support decision rests on, whatever case it is decided on: none
        decided before for this deceased person (once per death, keyed by btxh's person id or
        the child's dependant id), and the minimum, 20 x the standard level in force on the day
        of death in the province where they lived."""
        once_id = derived_id("funeral-support", deceased)
        earlier = self.find(once_id, FuneralSupportOnce)
        if earlier is not None:
            raise InvalidChange(
                f"funeral support for this person was decided by {earlier.decision_number} "
                f"on {earlier.signed_on} (case {earlier.case_id}): once per deceased person"
            )
        # A death recorded before these checks existed may lie outside the policy tables.
        self.dates.query(death, died_on)
        policy = self.valuation.in_force(residence, died_on)
        return FuneralTerms(
            once_id=once_id,
            deceased=deceased,
            minimum=FUNERAL_MULTIPLE * policy.standard_level,
            standard_level=policy.standard_level,
            policy_version=policy.version,
        )

    def _funeral_claim(self, case_id: UUID) -> FuneralClaim | None:
        return self.find(derived_id("funeral-claim", case_id), FuneralClaim)

    def get_funeral_claim(self, case_id: UUID) -> FuneralClaim:
        claim = self._funeral_claim(case_id)
        if claim is None:
            raise EntitlementNotFound(
                f"no entitlement and no funeral claim for case {case_id} (a claim received at "
                "intake arrives here shortly)"
            )
        return claim

    def record_funeral_claim(
        self,
        *,
        claim: dict[str, Any],
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID,
        tracking: Tracking,
    ) -> None:
        """Record a funeral claim intake received (funeral_claim_received) for its case, so its
        funeral support can be decided there. The record's id is derived from the case id: a
        re-delivered claim is refused by the event store, never recorded twice."""
        case_id: UUID = claim["case_id"]
        recorded = FuneralClaim(
            id=derived_id("funeral-claim", case_id),
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
            **claim,
        )
        self.save_tracked(recorded, tracking=tracking)

    # --- the 2025 reorganisation -------------------------------------------------------------

    def _reorganise(
        self,
        entitlement: Entitlement,
        *,
        actor: Actor,
        correlation_id: UUID,
        decided: JurisdictionDecision | None = None,
    ) -> list[str] | None:
        """Transfer an entitlement still recorded under a pre-2025 commune to the 2025 commune
        that took it over, effective July 2025: by the official table when the old commune went
        whole into one new commune, by the official's decision (jurisdiction_resolved) when it
        was split. Returns None when nothing remains to do, else the candidate communes of a
        split nobody has decided yet (the beneficiary is held up, never silently dropped)."""
        if (
            entitlement.residence_scheme != DVHC_2004_3LEVEL
            or not entitlement.owed_from(REORGANISED_FROM)
            or entitlement.moving is not None
        ):
            return None
        old_code = entitlement.residence_code
        try:
            successors = self.admin_units.successors(old_code)
        except UnknownAdminUnit:
            return []  # not in the official table: listed, for an official to decide
        decided = decided or self._jurisdiction_decision(entitlement.case_id)
        if decided is not None:
            to_code, method, basis = decided.to_code, "decision", decided.basis
            decided_on: date | None = decided.decided_on
        elif len(successors) == 1 and not successors[0].partial:
            to_code, method, decided_on = successors[0].code, "table", None
            basis = f"Bảng chuyển đổi đơn vị hành chính 2025: xã {old_code} nhập vào xã {to_code}"
        else:
            return [successor.code for successor in successors]
        entitlement.transfer_by_reorganisation(
            reorganised_from=REORGANISED_FROM,
            to_scheme=DVHC_2025_2LEVEL,
            to_code=to_code,
            method=method,
            mapping_version=self.admin_units.source,
            basis=basis,
            decided_on=decided_on,
            actor=actor,
            correlation_id=correlation_id,
        )
        return None

    def _jurisdiction_decision(self, case_id: UUID) -> JurisdictionDecision | None:
        return self.find(derived_id("jurisdiction", case_id), JurisdictionDecision)

    def resolve_jurisdiction(
        self,
        *,
        case_id: UUID,
        from_code: str,
        to_code: str,
        basis: str,
        decided_on: date,
        actor: Actor,
        correlation_id: UUID,
        tracking: Tracking,
    ) -> None:
        """An official decided which 2025 commune a case of a split old commune belongs to
        (intake's jurisdiction_resolved). Kept for the case, so an approval arriving later is
        transferred too; a running entitlement is transferred now, effective July 2025."""
        changed: list[Any] = []
        if self._jurisdiction_decision(case_id) is None:  # intake decides once per case
            changed.append(
                JurisdictionDecision(
                    id=derived_id("jurisdiction", case_id),
                    case_id=case_id,
                    from_code=from_code,
                    to_code=to_code,
                    basis=basis,
                    decided_on=decided_on,
                    actor=actor,
                    correlation_id=correlation_id,
                )
            )
        try:
            entitlement = self.get_entitlement(case_id)
        except (EntitlementNotFound, EnrolmentHeld):
            pass
        else:
            self._reorganise(
                entitlement,
                actor=actor,
                correlation_id=correlation_id,
                decided=changed[0] if changed else None,
            )
            changed.append(entitlement)
        self.save_tracked(*changed, tracking=tracking)

    def reorganise_all(self, *, actor: Actor, correlation_id: UUID) -> dict[str, Any]:
        """Transfer every entitlement still recorded under a pre-2025 commune and owed from July
        2025 (the operator's run; each payroll also does it for its own commune). Returns how
        many were transferred and the ones still waiting for an official's decision."""
        register = self.open_payroll_register()
        transferred, waiting = self._transfer_old_communes(register, None, actor, correlation_id)
        return {"transferred": transferred, "awaiting_decision": waiting}

    # --- units of enrolments made before they travelled -------------------------------------

    def restore_units_from_enrolments(
        self, *, actor: Actor, correlation_id: UUID, shown: int = 1000
    ) -> dict[str, Any]:
        """The operator's run after upgrading: every entitlement enrolled from an approval that
        carried no units held each category at one unit, so a single parent raising three
        children was paid for one. The approval's monthly amount over the standard level in
        force in its first month is the coefficient it decided; units_from_decision turns it
        into units (the same rule that upcasts an old approval message). Restored from the
        first month: the next payroll pays what the months already paid were short of.
        Entitlements adjusted since are listed for an official, not changed. Idempotent."""
        register = self.open_payroll_register()
        checked = 0
        restored: list[dict[str, Any]] = []
        to_review: list[dict[str, Any]] = []
        for scheme in (DVHC_2004_3LEVEL, DVHC_2025_2LEVEL):
            for batch in register.under_scheme(scheme, EARLIEST_MONTH):
                unsaved: list[Entitlement] = []
                for case_id in batch:
                    entitlement = self.get_entitlement(case_id)
                    checked += 1
                    if entitlement.units_recorded:
                        continue
                    if not entitlement.units_to_restore():
                        to_review.append(
                            {"case_id": str(case_id), "why": "adjusted since its enrolment"}
                        )
                        continue
                    found = self._units_decided(entitlement)
                    if isinstance(found, str):
                        to_review.append({"case_id": str(case_id), "why": found})
                        continue
                    units, coefficient = found
                    if units == entitlement.plan[0][1]:
                        continue  # one unit each is what was decided
                    entitlement.restore_units(
                        categories=units,
                        coefficient=coefficient,
                        basis=(
                            f"approval {entitlement.decision_number}: "
                            f"{entitlement.monthly_amount} VND a month = coefficient "
                            f"{coefficient} x the standard level"
                        ),
                        actor=actor,
                        correlation_id=correlation_id,
                    )
                    unsaved.append(entitlement)
                    restored.append(
                        {"case_id": str(case_id), "categories": units, "coefficient": coefficient}
                    )
                self._save_all(unsaved)
        return {
            "checked": checked,
            "restored_count": len(restored),
            "restored": restored[:shown],
            "to_review_count": len(to_review),
            "to_review": to_review[:shown],
        }

    def _units_decided(self, entitlement: Entitlement) -> tuple[dict[str, int], str] | str:
        """The units an enrolment's approval decided, with its coefficient; or why not known."""
        residence = entitlement.residence_in(entitlement.from_month)
        try:
            policy = self.valuation.in_force(residence, first_day(entitlement.from_month))
        except PolicyError as error:
            return f"no policy for its first month: {error}"
        coefficient = Decimal(entitlement.monthly_amount) / Decimal(policy.standard_level)
        if coefficient != coefficient.quantize(Decimal("0.1")):
            return (
                f"its monthly amount {entitlement.monthly_amount} is not a coefficient times the"
                f" standard level {policy.standard_level} of {entitlement.from_month}"
            )
        coefficient = coefficient.quantize(Decimal("0.1"))
        return units_from_decision(policy, entitlement.plan[0][1], coefficient), str(coefficient)

    def _take_over_old_communes(
        self, commune: str, register: PayrollRegister, actor: Actor, correlation_id: UUID
    ) -> list[dict[str, Any]]:
        """Before a 2025 commune's payroll: transfer the entitlements still recorded under the
        old communes that went into it, and return those waiting for an official's decision
        because their old commune was split (with the candidate communes)."""
        old_codes = [p.code for p in self.admin_units.predecessors(commune)]
        _, waiting = self._transfer_old_communes(register, old_codes, actor, correlation_id)
        return [held for held in waiting if commune in held["candidates"]]

    def _transfer_old_communes(
        self,
        register: PayrollRegister,
        old_codes: list[str] | None,
        actor: Actor,
        correlation_id: UUID,
    ) -> tuple[int, list[dict[str, Any]]]:
        """Transfer the entitlements still under these old communes (None: any), a batch per
        transaction; how many were, and those of split communes awaiting a decision."""
        transferred = 0
        waiting: list[dict[str, Any]] = []
        for batch in register.under_scheme(DVHC_2004_3LEVEL, REORGANISED_FROM, old_codes):
            unsaved: list[Entitlement] = []
            for case_id in batch:
                entitlement = self.get_entitlement(case_id)
                before = entitlement.residence_code
                candidates = self._reorganise(
                    entitlement, actor=actor, correlation_id=correlation_id
                )
                if candidates is not None:
                    waiting.append(
                        {"case_id": str(case_id), "old_commune": before, "candidates": candidates}
                    )
                elif entitlement.residence_scheme == DVHC_2025_2LEVEL:
                    unsaved.append(entitlement)
            transferred += len(unsaved)
            self._save_all(unsaved)
        return transferred, waiting

    def _payroll_scheme(self, commune: str, month: str) -> str:
        """The scheme a payroll's commune code is read in: 2025 communes pay from July 2025,
        the old ones before. An old commune's code for a later month is refused, naming the
        communes that took it over."""
        scheme = scheme_of_month(month)
        try:
            self.admin_units.validate_commune(scheme, commune, first_day(month))
        except AdminUnitNotInForce as error:
            raise CommuneNotPaying(str(error)) from error
        except UnknownAdminUnit as error:
            if scheme == DVHC_2025_2LEVEL and self.admin_units.get(DVHC_2004_3LEVEL, commune):
                successors = ", ".join(s.code for s in self.admin_units.successors(commune))
                raise CommuneNotPaying(
                    f"commune {commune} ceased on 30/06/2025 (2025 reorganisation): payrolls "
                    f"from {REORGANISED_FROM} are generated by the commune(s) that took it "
                    f"over: {successors}"
                ) from error
            raise CommuneNotPaying(str(error)) from error
        return scheme

    # --- what is owed ----------------------------------------------------------------------

    def months_owed(self, case_id: UUID, first: str, last: str) -> list[MonthOwed]:
        """Each month's status and amount, from the policy in force in that month (months the
        policy tables and the calendar cover, first <= last, at most 240 of them)."""
        self.dates.month("first", first)
        self.dates.month("last", last)
        if last < first or len(months_between(first, last)) > MAX_MONTHS_ASKED:
            raise DateOutOfRange(
                f"first {first} and last {last}: give first <= last, at most "
                f"{MAX_MONTHS_ASKED} months apart"
            )
        entitlement = self.get_entitlement(case_id)
        owed: list[MonthOwed] = []
        for month in months_between(first, last):
            held = entitlement.held_in(month)
            if held is None:
                owed.append(MonthOwed(month, self._why_not(entitlement, month), None, 0, None))
                continue
            amount = self.valuation.amount(held, entitlement.residence_in(month), first_day(month))
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

    # --- the monthly payroll ---------------------------------------------------------------

    def generate_payroll(
        self,
        *,
        commune: str,
        channel: str,
        month: str,
        register: PayrollRegister,
        actor: Actor,
        correlation_id: UUID,
        progress: Callable[[int, int], None] | None = None,
    ) -> PayrollRun:
        """One line per beneficiary owed for the month, plus arrears for earlier months owed
        and unpaid (within the look-back window), valued by the policy in force in each month.
        Generating again adds only what is missing, so a second run changes nothing.

        From July 2025 the commune is a 2025 commune: beneficiaries still recorded under an old
        commune that went into it are transferred first (by the official table), and those of a
        split old commune nobody has assigned yet are listed on the payroll as held up."""
        self.dates.month("payroll month", month)
        if channel not in CHANNELS:
            raise PayrollError(f"channel must be one of {', '.join(CHANNELS)}")
        scheme = self._payroll_scheme(commune, month)
        run_id = payroll_id(commune, channel, month)
        try:
            run: PayrollRun = self.repository.get(run_id)
        except AggregateNotFoundError:
            run = PayrollRun(id=run_id, commune=commune, channel=channel, month=month, actor=actor)
        run.check_open()  # before any line is issued
        held_up = (
            self._take_over_old_communes(commune, register, actor, correlation_id)
            if scheme == DVHC_2025_2LEVEL
            else []
        )
        window_start = add_months(month, 1 - LOOK_BACK_MONTHS)
        beyond_look_back: list[dict[str, Any]] = []
        valued: dict[tuple[tuple[str, str], str, frozenset[tuple[str, int]]], int] = {}
        checked = beneficiaries = lines = total = arrears = 0
        unsaved: list[Entitlement | ClaimFuneralSupport] = []  # saved a hundred at a time
        for batch in register.entitlements(
            commune, channel, window_start, scheme=scheme, living_in=month
        ):
            for case_id in batch:
                checked += 1
                entitlement = self._payee(case_id)
                if isinstance(entitlement, ClaimFuneralSupport):
                    issued = entitlement.issue_lines(
                        payroll_id=str(run_id),
                        payroll_month=month,
                        commune=commune,
                        channel=channel,
                        actor=actor,
                        correlation_id=correlation_id,
                    )
                    if issued:
                        unsaved.append(entitlement)
                        beneficiaries += 1
                        lines += 1
                        total += issued[0]["amount"]
                    continue
                owed: dict[str, int] = {}
                for owed_month in months_between(entitlement.from_month, month):
                    held = entitlement.held_in(owed_month)
                    if held is None:
                        continue
                    residence = entitlement.residence_in(owed_month)
                    key = (residence, owed_month, frozenset(held.items()))
                    if key not in valued:
                        valued[key] = self.valuation.month(held, residence, owed_month)
                    owed[owed_month] = valued[key]
                flagged = len(entitlement.arrears_awaiting)
                awaiting = entitlement.flag_arrears_beyond_look_back(
                    owed=owed,
                    look_back_from=window_start,
                    actor=actor,
                    correlation_id=correlation_id,
                )
                if awaiting:
                    beyond_look_back.append(
                        {
                            "case_id": str(case_id),
                            "months": sorted(awaiting),
                            "amount": sum(awaiting.values()),
                        }
                    )
                owed = {
                    owed_month: amount
                    for owed_month, amount in owed.items()
                    if owed_month >= window_start or owed_month in entitlement.arrears_decided
                }
                issued = entitlement.issue_lines(
                    payroll_id=str(run_id),
                    payroll_month=month,
                    commune=commune,
                    channel=channel,
                    owed=owed,
                    actor=actor,
                    correlation_id=correlation_id,
                )
                if issued or len(entitlement.arrears_awaiting) != flagged:
                    unsaved.append(entitlement)
                if issued:
                    beneficiaries += 1
                    lines += len(issued)
                    total += sum(line["amount"] for line in issued)
                    arrears += sum(x["amount"] for x in issued if x["kind"] == "arrears")
                if checked % PROGRESS_EVERY == 0:
                    self._save_all(unsaved)
                    if progress:
                        progress(checked, lines)
        self._save_all(unsaved)
        if progress:
            progress(checked, lines)
        run.record_generation(
            beneficiaries=beneficiaries,
            lines=lines,
            total=total,
            arrears=arrears,
            actor=actor,
            held_up=held_up,
            arrears_awaiting_decision=beyond_look_back,
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

    def check_payroll_open(self, commune: str, channel: str, month: str, *, today: date) -> None:
        """Refuse to generate a payroll for a month the policy tables do not cover or more
        than a month ahead of today in Vietnam (DateOutOfRange), or one that was approved: it
        is closed (PayrollError)."""
        self.dates.month("payroll month", month)
        latest = add_months(month_of(today), PAYROLL_MONTHS_AHEAD)
        if month > latest:
            raise DateOutOfRange(
                f"payroll month {month} is after {latest}: a payroll is prepared for the current "
                f"month or the next one (today in Vietnam is {today.isoformat()})"
            )
        if channel not in CHANNELS:
            raise PayrollError(f"channel must be one of {', '.join(CHANNELS)}")
        self._payroll_scheme(commune, month)
        try:
            run: PayrollRun = self.repository.get(payroll_id(commune, channel, month))
        except AggregateNotFoundError:
            return
        run.check_open()

    def _save_all(self, unsaved: list[Any]) -> None:
        """Save these aggregates in one transaction (all or none), then forget them."""
        if unsaved:
            self.save(*unsaved)
            unsaved.clear()

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
        self.dates.fact("approved_on", approved_on, today)
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
        run = self._approved_payroll(commune, channel, month)
        numbered = list(enumerate(results, start=1))
        return self._settle(run, numbered, source, actor, correlation_id, today)

    def _approved_payroll(self, commune: str, channel: str, month: str) -> PayrollRun:
        run = self.get_payroll(commune, channel, month)
        if run.approved_on is None:
            raise PayrollError(f"the payroll of {month} is not approved: nothing was paid yet")
        return run

    def _settle(
        self,
        run: PayrollRun,
        results: list[tuple[int, dict[str, Any]]],
        source: str,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> list[dict[str, Any]]:
        """Settle these (row number, row) of the run's lines; each row's outcome, in order."""
        approved_on = run.approved_on
        assert approved_on is not None, "only an approved payroll is settled"
        prefix = f"{run.id}:"
        report: list[dict[str, Any]] = []
        # Rows grouped by beneficiary: each entitlement is loaded and saved once per call.
        by_case: dict[UUID | None, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        for number, row in results:
            line_id = str(row.get("line_id") or "")
            outcome: dict[str, Any] = {"row": number, "line_id": line_id}
            report.append(outcome)
            if not line_id.startswith(prefix):
                other = line_id.count(":") == 3
                outcome["outcome"] = "other_payroll" if other else "unknown_line"
                continue
            try:
                case_id: UUID | None = UUID(line_id.split(":")[1])
            except ValueError:
                case_id = None
            by_case.setdefault(case_id, []).append((row, outcome))
        unsaved: list[Entitlement | ClaimFuneralSupport] = []  # saved a hundred at a time
        for case_id, rows in by_case.items():
            changed = self._settle_rows(
                case_id, rows, source, actor, correlation_id, today, approved_on
            )
            if changed is not None:
                unsaved.append(changed)
            if len(unsaved) >= PROGRESS_EVERY:
                self._save_all(unsaved)
        self._save_all(unsaved)
        return report

    def _settle_rows(
        self,
        case_id: UUID | None,
        rows: list[tuple[dict[str, Any], dict[str, Any]]],
        source: str,
        actor: Actor,
        correlation_id: UUID,
        today: date,
        approved_on: date,
    ) -> Entitlement | ClaimFuneralSupport | None:
        """Settle one beneficiary's rows, filling in each row's outcome; the entitlement when
        something was recorded (to be saved), else None. A line is paid once its payroll is
        approved, and not after today in Vietnam."""
        try:
            if case_id is None:
                raise EntitlementNotFound("the line id does not name a case")
            entitlement = self._payee(case_id)
        except (EntitlementNotFound, EnrolmentHeld) as error:
            for _, outcome in rows:
                outcome.update(outcome="refused", reason=str(error))
            return None
        changed = False
        for row, outcome in rows:
            try:
                settled_on = self.dates.fact("settled_on", row["settled_on"], today)
                if settled_on < approved_on:
                    raise InvalidChange(
                        f"settled_on {settled_on.isoformat()} is before the payroll was approved "
                        f"({approved_on.isoformat()}): a line is paid once its payroll is approved"
                    )
                recorded = entitlement.settle_line(
                    line_id=outcome["line_id"],
                    result=str(row.get("result")),
                    settled_on=row["settled_on"],
                    source=source,
                    today=today,
                    actor=actor,
                    correlation_id=correlation_id,
                )
            except (ValueError, KeyError) as error:
                outcome.update(outcome="refused", reason=str(error))
            else:
                changed = changed or recorded
                outcome["outcome"] = "recorded" if recorded else "repeated"
        return entitlement if changed else None

    def import_results(
        self,
        *,
        commune: str,
        channel: str,
        month: str,
        filename: str,
        upload: ResultFile,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> ResultsReport:
        """Results from a post-office or bank file (CSV or Excel). The file is read through
        once first: a wrong header or encoding, or more rows than one import takes, refuses
        it before anything is settled. Then it is settled a thousand rows at a time, so that
        neither memory nor the answer grows with the file (a beneficiary whose rows fall in
        two chunks is loaded twice; settling is idempotent per line). Unreadable rows are
        reported with their row number; importing the same file twice changes nothing."""
        run = self._approved_payroll(commune, channel, month)
        upload.check(self.settings.result_file_max_rows)
        report = ResultsReport()
        rows = upload.rows()
        while chunk := list(islice(rows, SETTLE_CHUNK)):
            outcomes: list[dict[str, Any]] = []
            readable: list[tuple[int, dict[str, Any]]] = []
            for row in chunk:
                try:
                    readable.append(
                        (row["row"], {**row, "settled_on": parse_date(row["settled_on"])})
                    )
                except ValueError as error:
                    outcomes.append(
                        {
                            "row": row["row"],
                            "line_id": str(row["line_id"] or ""),
                            "outcome": "refused",
                            "reason": str(error),
                        }
                    )
            outcomes.extend(
                self._settle(run, readable, f"file:{filename}", actor, correlation_id, today)
            )
            for outcome in sorted(outcomes, key=lambda o: int(o["row"])):
                report.add(outcome)
        return report

    def get_payroll(self, commune: str, channel: str, month: str) -> PayrollRun:
        try:
            run: PayrollRun = self.repository.get(payroll_id(commune, channel, month))
        except AggregateNotFoundError as error:
            raise EntitlementNotFound(
                f"no payroll for commune {commune}, channel {channel}, month {month}"
            ) from error
        return run


__all__ = [
    "CommuneNotPaying",
    "EnrolmentHeld",
    "EntitlementNotFound",
    "InvalidChange",
    "MonthOwed",
    "PaymentApplication",
    "PayrollError",
]
