"""Assessment use cases: the only code that loads and saves case assessments."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Tracking

from backbone.actor import Actor, service_actor
from backbone.eventstore import BtxhApplication
from contracts.categories import MOST_UNITS
from contracts.ids import derived_id
from reference import dependants as dependant_rules
from reference.admin_units import AdminUnits, load_admin_units
from reference.date_bounds import DateBounds
from reference.months import month_after
from reference.policy import (
    Amount,
    PolicyBook,
    PolicyError,
    PolicyInForce,
    ProcedureVersion,
    age_on,
    policy_book,
)
from reference.working_days import WorkingDayCalendar, load_calendar
from services.assessment.deadline_register import (
    DeadlineRegister,
    InMemoryDeadlineRegister,
    PostgresDeadlineRegister,
)
from services.assessment.deadlines import Planner
from services.assessment.domain.case_assessment import (
    AlreadyDecided,
    CaseAssessment,
    InvalidDecision,
    StepOutOfOrder,
)
from services.assessment.domain.dependants import CaseDependants, DependantFacts
from services.assessment.domain.disability import DisabilityRecord, InvalidDetermination
from services.assessment.messaging import outbound
from services.assessment.settings import AssessmentSettings


class CaseNotFound(LookupError):
    """Assessment holds no record of this case (not received, or not yet synchronised)."""


class WrongAuthority(PermissionError):
    """The decision names an authority the procedure in force does not give the decision to."""


@dataclass(frozen=True)
class Review:
    reviewed_on: date
    outcome: str
    findings: str
    population_db_verified: bool = False
    members_present: int | None = None
    members_total: int | None = None


@dataclass(frozen=True)
class Appraisal:
    appraised_on: date
    outcome: str
    findings: str


@dataclass(frozen=True)
class Determination:
    determined_on: date
    types: list[str]
    level: str
    method: str
    council: str
    referral_reason: str | None = None
    certificate_number: str | None = None
    certificate_date: date | None = None
    reason: str | None = None


#: What a category requiring a disability needs the person's level to be.
DISABILITY_LEVELS = {
    "disability_special_severe": "SPECIAL_SEVERE",
    "disability_severe": "SEVERE",
}


@dataclass(frozen=True)
class Approve:
    decision_number: str
    signed_on: date
    signer: str
    #: None: the deciding authority of the procedure in force on signed_on.
    authority: str | None = None
    #: None: the provisions in force on signed_on (PolicyInForce.decision_basis).
    legal_basis: list[str] | None = None
    monthly_amount: int | None = None
    #: Categories held with their units; None units (or no categories): count the dependants.
    categories: Mapping[str, int | None] | None = None


@dataclass(frozen=True)
class Reject:
    decision_number: str
    signed_on: date
    signer: str
    reasons: list[str]
    authority: str | None = None
    legal_basis: list[str] | None = None


class AssessmentApplication(BtxhApplication):
    name = "assessment"
    service = "assessment"
    to_contract = staticmethod(outbound.to_contract)

    def __init__(
        self,
        settings: AssessmentSettings,
        policy: PolicyBook | None = None,
        calendar: WorkingDayCalendar | None = None,
        admin_units: AdminUnits | None = None,
    ) -> None:
        super().__init__(settings)
        self.settings = settings
        self.policy = policy or policy_book(settings.policy_dir)
        self.calendar = calendar or load_calendar(settings.extra_days_file)
        self.admin_units = admin_units or load_admin_units()
        self.dates = DateBounds.of(self.policy, self.calendar)
        self.planner = Planner(self.policy, self.calendar)

    def open_deadline_register(self) -> DeadlineRegister:
        """The read model of open deadlines and approved cases' birthdays (the daily jobs),
        kept from this application's events in the same store."""
        return self.beside_events(
            postgres=lambda: PostgresDeadlineRegister(
                self, self.settings.database_url, self.settings.schema_name(self.service)
            ),
            memory=lambda: InMemoryDeadlineRegister(self),
        )

    # --- opening ---------------------------------------------------------------------------

    def open_case(
        self,
        *,
        case_id: UUID,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        date_of_birth: date,
        dossier_received_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID,
        tracking: Tracking,
        person_id: UUID | None = None,
        dossier_complete_on: date | None = None,
        dependants: list[dict[str, Any]] | None = None,
    ) -> None:
        """Hold assessment's own record of a dossier received at intake (learned from Kafka),
        and the dependants it declares (no names).

        The procedure version in force on the day of receipt sets the case's deadlines.
        """
        procedure = self.policy.procedure_on(dossier_received_on)
        first = self.planner.next_step(procedure, {}, dossier_received_on, dossier_complete_on)
        assessment = CaseAssessment(
            id=derived_id("assessment", case_id),
            case_id=case_id,
            person_id=person_id,
            benefit=benefit,
            category=category,
            residence_scheme=residence_scheme,
            residence_code=residence_code,
            date_of_birth=date_of_birth,
            dossier_received_on=dossier_received_on,
            procedure_version=procedure.version,
            current_step=first.step,
            current_due_on=first.due_on,
            dossier_complete_on=dossier_complete_on,
            dossier_incomplete=dossier_complete_on is None,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        if not dependants:
            self.save_tracked(assessment, tracking=tracking)
            return
        record = CaseDependants(
            id=derived_id("dependants", case_id),
            case_id=case_id,
            recorded_on=dossier_received_on,
            dependants=[DependantFacts.from_event_data(d).as_event_data() for d in dependants],
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        self.save_tracked(assessment, record, tracking=tracking)

    def change_dependants(
        self,
        case_id: UUID,
        *,
        changed_on: date,
        added: list[dict[str, Any]],
        changed: list[dict[str, Any]],
        removed: list[UUID],
        correlation_id: UUID,
        causation_id: UUID,
        tracking: Tracking,
    ) -> None:
        """Intake added, changed or removed the case's dependants: hold them as they stand.
        A decision already taken is not changed by itself: where a dependant who counted for
        an approved category paid per dependant no longer counts (a child of 17 who left
        school, one removed), a decision is proposed from the next month, naming them."""
        case = self.get_case(case_id)  # its dossier reached assessment first
        actor = service_actor("assessment")
        record = self.dependants_of(case_id)
        if record is None:  # a case received before dependants were recorded
            record = CaseDependants(
                id=derived_id("dependants", case_id),
                case_id=case_id,
                recorded_on=changed_on,
                dependants=[],
                actor=actor,
                correlation_id=correlation_id,
                causation_id=causation_id,
            )
        before = list(record.dependants)
        record.change(
            changed_on=changed_on,
            added=[DependantFacts.from_event_data(d) for d in added],
            changed=[DependantFacts.from_event_data(d) for d in changed],
            removed=removed,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        self._propose_when_fewer_count(case, before, record.dependants, changed_on, actor)
        self.save_tracked(record, case, tracking=tracking)  # the case: only what it proposed

    def _propose_when_fewer_count(
        self,
        case: CaseAssessment,
        before: list[DependantFacts],
        after: list[DependantFacts],
        on: date,
        actor: Actor,
    ) -> None:
        """Propose adjusting the units (or ending the category, when none is left) for each
        dependant who stopped counting on `on`."""
        if case.decision != "approved":
            return
        try:
            policy = self.policy.in_force(self._province(case), on)
        except PolicyError:
            return
        units: dict[str, int] = getattr(case, "categories", None) or {}
        effective = month_after(on)
        for code in case.categories_held:
            category = policy.categories.get(code)
            per = category.per if category is not None else None
            stopped, left = dependant_rules.stopped_counting(before, after, code, per, on)
            for dependant in stopped:
                case.propose_change(
                    trigger="stopped_counting",
                    reached_on=on,
                    from_category=code,
                    proposal="adjust" if left else "cease",
                    to_category=code if left else None,
                    effective_month=effective,
                    legal_basis=dependant_rules.STOPPED_COUNTING_BASIS.get(
                        dependant.relation, "NĐ 20/2021"
                    ),
                    actor=actor,
                    correlation_id=uuid4(),
                    dependant_id=dependant.dependant_id,
                    from_units=units.get(code),
                    to_units=left,
                )

    def dependants_of(self, case_id: UUID) -> CaseDependants | None:
        """The case's dependants; None for a case received before they were recorded."""
        return self.find(derived_id("dependants", case_id), CaseDependants)

    def complete_dossier(
        self,
        case_id: UUID,
        complete_on: date,
        *,
        correlation_id: UUID,
        causation_id: UUID,
        tracking: Tracking,
    ) -> None:
        """Documents supplemented at intake completed the dossier: start the clock."""
        case = self.get_case(case_id)
        step = self.planner.after(case, dossier_complete=complete_on)
        if case.complete_dossier(
            complete_on=complete_on,
            next_step=step.step,
            next_due_on=step.due_on,
            actor=service_actor("assessment"),
            correlation_id=correlation_id,
            causation_id=causation_id,
        ):
            self.save_tracked(case, tracking=tracking)
        else:
            self.record_tracking(tracking)

    def close_withdrawn(
        self,
        case_id: UUID,
        withdrawn_on: date,
        *,
        correlation_id: UUID,
        causation_id: UUID,
        tracking: Tracking,
    ) -> None:
        """The applicant withdrew the dossier at intake: close the case without a decision."""
        case = self.get_case(case_id)
        if case.withdraw(
            withdrawn_on=withdrawn_on,
            actor=service_actor("assessment"),
            correlation_id=correlation_id,
            causation_id=causation_id,
        ):
            self.save_tracked(case, tracking=tracking)
        else:
            self.record_tracking(tracking)

    def places_of(self, case_id: UUID) -> list[tuple[str | None, str | None]] | None:
        """Where the case is recorded, or None when assessment holds no such case."""
        found = self.find(derived_id("assessment", case_id), CaseAssessment)
        return None if found is None else [(found.residence_scheme, found.residence_code)]

    def get_case(self, case_id: UUID) -> CaseAssessment:
        try:
            assessment: CaseAssessment = self.repository.get(derived_id("assessment", case_id))
        except AggregateNotFoundError as error:
            raise CaseNotFound(
                f"assessment has no case {case_id}: unknown, or its dossier has not reached "
                "assessment yet"
            ) from error
        assert isinstance(assessment, CaseAssessment)
        return assessment

    # --- disability ------------------------------------------------------------------------

    def _disability_id(self, case: CaseAssessment) -> UUID:
        return derived_id("disability", case.person_id or case.case_id)

    def disability_of(self, case: CaseAssessment) -> DisabilityRecord | None:
        return self.find(self._disability_id(case), DisabilityRecord)

    def determine_disability(
        self,
        case_id: UUID,
        command: Determination,
        *,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> DisabilityRecord:
        """Record the disability level determined for the case's person (or its
        re-determination, which must give a reason); the history of levels is kept. A
        determination may predate the first procedure version (the law on persons with
        disabilities came first), never today in Vietnam."""
        self.dates.fact("determined_on", command.determined_on, today, before_policy=True)
        if command.certificate_date is not None:
            self.dates.fact("certificate_date", command.certificate_date, today, before_policy=True)
        case = self.get_case(case_id)
        fields = {
            "case_id": case.case_id,
            "determined_on": command.determined_on,
            "types": command.types,
            "level": command.level,
            "method": command.method,
            "council": command.council,
            "referral_reason": command.referral_reason,
            "certificate_number": command.certificate_number,
            "certificate_date": command.certificate_date,
            "reason": command.reason,
            "today": today,
            "actor": actor,
            "correlation_id": correlation_id,
        }
        record = self.disability_of(case)
        if record is None:
            record = DisabilityRecord.first(
                id=self._disability_id(case),
                person_id=case.person_id or case.case_id,
                date_of_birth=case.date_of_birth,
                **fields,
            )
        else:
            record.redetermine(**fields)
        self.save(record)
        return record

    def _check_disability(self, case: CaseAssessment, held: dict[str, int], on: date) -> None:
        policy = self.policy.in_force(None, on)
        needed = {
            DISABILITY_LEVELS[r]
            for code in held
            if code in policy.categories
            for r in policy.category(code).requires
            if r in DISABILITY_LEVELS
        }
        if not needed:
            return
        record = self.disability_of(case)
        level = record.level_on(on) if record else None
        if level is None:
            raise InvalidDecision(
                f"categories {sorted(held)} need a disability level determination made on or "
                f"before {on}; none is recorded for this person"
            )
        if level not in needed:
            raise InvalidDecision(
                f"the person's disability level on {on} is {level}; categories {sorted(held)} "
                f"need {', '.join(sorted(needed))}"
            )

    # --- steps before the decision ---------------------------------------------------------

    def review(
        self, case_id: UUID, command: Review, *, actor: Actor, correlation_id: UUID, today: date
    ) -> CaseAssessment:
        """Record the review body's conclusion. Councils (procedure versions 0, A and B) need a
        quorum of two thirds; from 01/07/2025 the data must be verified against the National
        Population Database."""
        self.dates.fact("reviewed_on", command.reviewed_on, today)
        case = self.get_case(case_id)
        procedure = self.planner.procedure_for(case)
        if procedure.population_db_check_required and not command.population_db_verified:
            raise InvalidDecision(
                f"procedure {procedure.version} requires verifying the applicant against the "
                "National Population Database before review (population_db_verified: true)"
            )
        council = procedure.review_body == "COMMUNE_REVIEW_COUNCIL"
        if council and command.members_total is None:
            raise InvalidDecision(
                f"under {procedure.version} a review council decides: give members_present "
                "and members_total from its minutes"
            )
        step = self.planner.after(case, review=command.reviewed_on)
        case.review(
            reviewed_on=command.reviewed_on,
            body=procedure.review_body,
            outcome=command.outcome,
            findings=command.findings,
            population_db_verified=command.population_db_verified,
            members_present=command.members_present,
            members_total=command.members_total,
            next_step=step.step,
            next_due_on=step.due_on,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(case)
        return case

    def post_results(
        self, case_id: UUID, posted_from: date, *, actor: Actor, correlation_id: UUID, today: date
    ) -> CaseAssessment:
        """Post the review's result at the commune for the procedure's working days; anything
        about HIV is withheld from the posted list."""
        self.dates.fact("posted_from", posted_from, today)
        case = self.get_case(case_id)
        procedure = self.planner.procedure_for(case)
        if procedure.public_posting_days == 0:
            raise StepOutOfOrder(f"procedure {procedure.version} has no public posting")
        posted_until = self.planner.posting_window(procedure, posted_from)
        step = self.planner.after(
            case, review=case.reviewed_on or posted_from, posting_end=posted_until
        )
        case.post_results(
            posted_from=posted_from,
            posted_until=posted_until,
            hiv_information_withheld=self._involves_hiv(case.category, posted_from),
            next_step=step.step,
            next_due_on=step.due_on,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(case)
        return case

    def receive_complaint(
        self,
        case_id: UUID,
        *,
        received_on: date,
        summary: str,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> tuple[CaseAssessment, str]:
        """Register a complaint about the posted result; it must be concluded within the
        procedure's complaint window (working days) and blocks the decision until then."""
        self.dates.fact("complaint received_on", received_on, today)
        case = self.get_case(case_id)
        procedure = self.planner.procedure_for(case)
        complaint_id = uuid4().hex[:12]
        case.receive_complaint(
            complaint_id=complaint_id,
            received_on=received_on,
            summary=summary,
            due_on=self.planner.complaint_due(procedure, received_on),
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(case)
        return case, complaint_id

    def conclude_complaint(
        self,
        case_id: UUID,
        complaint_id: str,
        *,
        concluded_on: date,
        outcome: str,
        conclusion: str,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> CaseAssessment:
        """Record the verified conclusion of a complaint."""
        self.dates.fact("complaint concluded_on", concluded_on, today)
        case = self.get_case(case_id)
        posting_end = max(d for d in (case.posted_until, concluded_on) if d is not None)
        step = self.planner.after(case, posting_end=posting_end)
        case.conclude_complaint(
            complaint_id=complaint_id,
            concluded_on=concluded_on,
            outcome=outcome,
            conclusion=conclusion,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
            next_step=step.step,
            next_due_on=step.due_on,
        )
        self.save(case)
        return case

    def send_proposal(
        self, case_id: UUID, sent_on: date, *, actor: Actor, correlation_id: UUID, today: date
    ) -> CaseAssessment:
        """The commune's written proposal to the district, where the procedure has one."""
        self.dates.fact("sent_on", sent_on, today)
        case = self.get_case(case_id)
        procedure = self.planner.procedure_for(case)
        if procedure.step("proposal") is None:
            raise StepOutOfOrder(f"procedure {procedure.version} has no proposal step")
        step = self.planner.after(case, proposal=sent_on)
        case.send_proposal(
            sent_on=sent_on,
            next_step=step.step,
            next_due_on=step.due_on,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(case)
        return case

    def appraise(
        self, case_id: UUID, command: Appraisal, *, actor: Actor, correlation_id: UUID, today: date
    ) -> CaseAssessment:
        """The appraisal body's conclusion, where the procedure version has one."""
        self.dates.fact("appraised_on", command.appraised_on, today)
        case = self.get_case(case_id)
        procedure = self.planner.procedure_for(case)
        if procedure.appraisal_body is None:
            raise StepOutOfOrder(f"procedure {procedure.version} has no appraisal")
        if procedure.step("proposal") is not None and case.proposal_sent_on is None:
            raise StepOutOfOrder("the commune's proposal must reach the appraisal body first")
        step = self.planner.after(case, appraisal=command.appraised_on)
        case.appraise(
            appraised_on=command.appraised_on,
            body=procedure.appraisal_body,
            outcome=command.outcome,
            findings=command.findings,
            next_step=step.step,
            next_due_on=step.due_on,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(case)
        return case

    # --- the decision ----------------------------------------------------------------------

    def approve(
        self, case_id: UUID, command: Approve, *, actor: Actor, correlation_id: UUID, today: date
    ) -> tuple[CaseAssessment, bool]:
        """Record the deciding authority's signed decision granting the allowance.

        The authority, the steps that must come first and the amount follow the rules in force
        on the signing date: standard level (national, or the province's where higher) times
        the highest coefficient of the categories held for the monthly allowance, or the sum
        over the grounds held for care support; a stated amount that differs is refused.
        A category paid per child raised or per person cared for is paid for the dependants who
        count on the signing date (a child raised under 16, or 16 to 22 and studying; each
        child taken in or person cared for): without units given they are the units, and units
        that differ from them are refused naming who was counted (a case received before
        dependants were recorded takes the units given). The decision carries the dependants it
        counts. Without an authority, the one the procedure in force names is recorded; without
        a legal basis, the provisions in force that day: each category's (e.g. Decree 136/2013
        Art. 5 in 2016, Decree 20/2021 Art. 5 from 01/07/2021) and the procedure's (Decree
        136/2013 Art. 8 to 2021, Decree 147/2025 Art. 5 from 01/07/2025). Entitlement starts
        in the month of signing. Repeating the same decision (same number) is an idempotent
        success; a different decision for a decided case is a conflict. Returns the case and
        whether this call recorded the decision.
        """
        self.dates.fact("signed_on", command.signed_on, today)
        case = self.get_case(case_id)
        if case.decision == "approved" and case.decision_number == command.decision_number:
            return case, False
        procedure = self._check_authority(command.authority, command.signed_on)
        given: Mapping[str, int | None] = command.categories or {case.category: None}
        legal_basis = self._legal_basis(
            command.legal_basis, case, dict.fromkeys(given, 1), command.signed_on, procedure
        )
        case.check_decision_allowed(
            command.signed_on,
            legal_basis,
            today,
            procedure.public_posting_days > 0,
            procedure.appraisal_body is not None,
        )
        try:
            policy = self.policy.in_force(self._province(case), command.signed_on)
            age = age_on(case.date_of_birth, command.signed_on)
            for code in given:
                policy.check_age(code, age)
            held, counted = self._units(case, given, policy, command.signed_on)
            amount = policy.amount(held)
        except PolicyError as error:
            raise InvalidDecision(str(error)) from error
        self._check_disability(case, held, command.signed_on)
        if amount.benefit != case.benefit:
            raise InvalidDecision(
                f"the categories held are {amount.benefit}, the case is {case.benefit}"
            )
        if command.monthly_amount is not None and command.monthly_amount != amount.monthly_amount:
            raise InvalidDecision(
                f"monthly_amount {command.monthly_amount} differs from the policy amount "
                f"{amount.monthly_amount} ({_valued(amount)}, policy {amount.policy_version}) for "
                f"{', '.join(p.category for p in amount.parts)} on {command.signed_on}"
            )
        case.approve(
            decision_number=command.decision_number,
            signed_on=command.signed_on,
            signer=command.signer,
            authority=procedure.decision_authority,
            legal_basis=legal_basis,
            policy_version=amount.policy_version,
            standard_level=amount.standard_level,
            coefficient=amount.total_coefficient,
            monthly_amount=amount.monthly_amount,
            categories_held=sorted(held),
            categories=dict(sorted(held.items())),
            dependants=[d.as_event_data() for d in counted],
            requires_posting=procedure.public_posting_days > 0,
            requires_appraisal=procedure.appraisal_body is not None,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(case)
        return case, True

    def _units(
        self,
        case: CaseAssessment,
        given: Mapping[str, int | None],
        policy: PolicyInForce,
        on: date,
    ) -> tuple[dict[str, int], list[DependantFacts]]:
        """The units of each category held and the dependants the decision counts."""
        record = self.dependants_of(case.case_id)
        listed = record.dependants if record is not None else []
        held: dict[str, int] = {}
        counted: dict[UUID, DependantFacts] = {}
        for code, units in given.items():
            if units is not None and units > MOST_UNITS:
                raise InvalidDecision(
                    f"{code}: {units} units given; a decision pays a category for at most "
                    f"{MOST_UNITS}"
                )
            category = policy.category(code)
            found = dependant_rules.counted(code, category.per, listed, on)
            counted.update((d.dependant_id, d) for d in found)
            if category.per is None:
                held[code] = 1 if units is None else units
                continue
            relation = dependant_rules.relation_for(code, category.per)
            others = [d for d in listed if d.relation == relation and d not in found]
            not_counted = (
                "; not counted: "
                + ", ".join(
                    f"{d.describe()}, {dependant_rules.why_not_counted(d, on)}" for d in others
                )
                if others
                else ""
            )
            if units is None:
                if not found:
                    legacy = (
                        ", or give the units (categories) for a case received before dependants "
                        "were recorded"
                        if record is None
                        else ""
                    )
                    raise InvalidDecision(
                        f"{code} is paid for each {relation}, and none counts on {on}"
                        f"{not_counted}: record them at intake "
                        f"(POST /dossiers/{case.case_id}/dependants){legacy}"
                    )
                units = len(found)
            elif record is not None and units != len(found):
                who = ", ".join(d.describe() for d in found) or "nobody"
                raise InvalidDecision(
                    f"{code} is paid for each {relation} who counts on {on}: {units} given, "
                    f"{len(found)} counted ({who}){not_counted}. Leave the units out to pay for "
                    "those counted, or record the change of dependants at intake first"
                )
            held[code] = units
        return held, list(counted.values())

    def reject(
        self, case_id: UUID, command: Reject, *, actor: Actor, correlation_id: UUID, today: date
    ) -> tuple[CaseAssessment, bool]:
        """Refuse the application with written reasons (mandatory), by the authority the
        procedure in force on the signing date names (recorded when none is given). Without a
        legal basis, the provisions in force that day: the category applied for, where it is
        in force then, and the procedure's. Repeating it is an idempotent success."""
        self.dates.fact("signed_on", command.signed_on, today)
        case = self.get_case(case_id)
        if case.decision == "rejected" and case.decision_number == command.decision_number:
            return case, False
        procedure = self._check_authority(command.authority, command.signed_on)
        try:
            policy = self.policy.in_force(self._province(case), command.signed_on)
        except PolicyError as error:
            raise InvalidDecision(str(error)) from error
        applied_for = [case.category] if case.category in policy.categories else []
        legal_basis = (
            list(command.legal_basis)
            if command.legal_basis is not None
            else list(policy.decision_basis(applied_for))
        )
        case.reject(
            decision_number=command.decision_number,
            signed_on=command.signed_on,
            signer=command.signer,
            authority=procedure.decision_authority,
            reasons=command.reasons,
            legal_basis=legal_basis,
            policy_version=policy.version,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(case)
        return case, True

    def _legal_basis(
        self,
        given: list[str] | None,
        case: CaseAssessment,
        held: dict[str, int],
        signed_on: date,
        procedure: ProcedureVersion,
    ) -> list[str]:
        """The legal basis stated, or else the provisions in force on the signing date for the
        categories held. A category not in force that day is refused later, with the amount;
        until then the procedure's provision stands in, so the steps are checked first."""
        if given is not None:
            return list(given)
        try:
            return list(self.policy.in_force(self._province(case), signed_on).decision_basis(held))
        except PolicyError:
            return [procedure.legal_basis]

    def _check_authority(self, authority: str | None, signed_on: date) -> ProcedureVersion:
        """The procedure version in force on the signing date; a stated authority must be the
        one it gives the decision to (none stated: that one is recorded)."""
        try:
            procedure = self.policy.procedure_on(signed_on)
        except PolicyError as error:
            raise InvalidDecision(str(error)) from error
        if authority is not None and authority != procedure.decision_authority:
            raise WrongAuthority(
                f"on {signed_on} the procedure {procedure.version} gives the decision to "
                f"{procedure.decision_authority}, not {authority}"
            )
        return procedure

    def _province(self, case: CaseAssessment) -> str | None:
        """The province whose overrides apply: that of the commune of residence."""
        return self.admin_units.province_code(case.residence_scheme, case.residence_code)

    def _involves_hiv(self, category: str, on: date) -> bool:
        try:
            found = self.policy.in_force(None, on).category(category)
        except PolicyError:
            return True  # unknown: withhold rather than risk disclosing an HIV status
        return "hiv" in found.requires

    # --- deadlines -------------------------------------------------------------------------

    def mark_overdue(
        self, case_id: UUID, *, step: str, due_on: date, detected_on: date, actor: Actor
    ) -> bool:
        """Record once that a step of a case passed its due date (the daily deadline job)."""
        case = self.get_case(case_id)
        if case.mark_overdue(
            step=step, due_on=due_on, detected_on=detected_on, actor=actor, correlation_id=uuid4()
        ):
            self.save(case)
            return True
        return False

    def propose_change(
        self,
        case_id: UUID,
        *,
        trigger: str,
        reached_on: date,
        from_category: str,
        proposal: str,
        to_category: str | None,
        effective_month: str,
        legal_basis: str,
        actor: Actor,
    ) -> bool:
        """Propose a decision for a condition reached on a date (the daily trigger job)."""
        case = self.get_case(case_id)
        if case.propose_change(
            trigger=trigger,
            reached_on=reached_on,
            from_category=from_category,
            proposal=proposal,
            to_category=to_category,
            effective_month=effective_month,
            legal_basis=legal_basis,
            actor=actor,
            correlation_id=uuid4(),
        ):
            self.save(case)
            return True
        return False

    def propose_for_dependant(
        self,
        case_id: UUID,
        dependant_id: UUID,
        *,
        on: date,
        effective_month: str,
        actor: Actor,
    ) -> int:
        """Propose the decisions a dependant's birthday on `on` calls for in each category the
        approved case holds (the daily trigger job), naming the dependant: a single parent's
        child who stops counting (16 and not studying, or 22) adjusts the units to those still
        counting, or ends the allowance with the last one; a child taken in turning 4 moves to
        CARE_TAKER_CHILD_4P and turning 16 ends the care support; a child of a parent with a
        disability reaching 36 months ends it, unless a younger one keeps it. Nothing changes
        by itself. Returns how many proposals this call recorded."""
        case = self.get_case(case_id)
        record = self.dependants_of(case_id)
        if case.decision != "approved" or record is None or dependant_id not in record.listed:
            return 0
        try:
            policy = self.policy.in_force(self._province(case), on)
        except PolicyError:
            return 0
        units: dict[str, int] = getattr(case, "categories", None) or {}
        proposed = 0
        for code in case.categories_held:
            category = policy.categories.get(code)
            per = category.per if category is not None else None
            for found in dependant_rules.proposals_for(
                record.listed[dependant_id], record.dependants, code, per, on
            ):
                if case.propose_change(
                    trigger=found.trigger,
                    reached_on=on,
                    from_category=code,
                    proposal=found.proposal,
                    to_category=found.to_category,
                    effective_month=effective_month,
                    legal_basis=found.legal_basis,
                    actor=actor,
                    correlation_id=uuid4(),
                    dependant_id=dependant_id,
                    from_units=units.get(code) if per is not None else None,
                    to_units=found.to_units,
                ):
                    proposed += 1
        if proposed:
            self.save(case)
        return proposed


def _valued(amount: Amount) -> str:
    """How an amount was valued: "500000 x 1.5", "270000 x 1.5 x 2" or, for a sum of grounds,
    "500000 x (2.5 + 1.0)"."""
    terms = [
        f"{p.coefficient}{f' x {p.units_counted}' if p.units_counted > 1 else ''}"
        for p in amount.parts
    ]
    factor = terms[0] if len(terms) == 1 else f"({' + '.join(terms)})"
    return f"{amount.standard_level} x {factor}"


__all__ = [
    "AlreadyDecided",
    "AssessmentApplication",
    "CaseNotFound",
    "InvalidDecision",
    "InvalidDetermination",
    "StepOutOfOrder",
    "WrongAuthority",
]
