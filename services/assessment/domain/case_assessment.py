"""Assessment's record of a case: from the dossier through review, posting, complaints and
appraisal to the signed decision (xét duyệt, niêm yết, khiếu nại, thẩm định, quyết định).

Which steps a case needs, who decides and how many working days each step may take come from
the procedure version (reference.policy) and are computed by the application; the aggregate
checks the order of steps and records every fact with its dates, so an inspector can replay
what was known and decided on any day. Fields added to an event later carry defaults, so
events stored before them still replay.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor

OUTCOMES = ("eligible", "ineligible")
COMPLAINT_OUTCOMES = ("upheld", "dismissed")


class InvalidDecision(ValueError):
    """The decision or step breaks a rule; nothing is recorded."""


class AlreadyDecided(Exception):
    """The case has a decision already; decisions are never overwritten."""


class StepOutOfOrder(ValueError):
    """A step was recorded before the steps the procedure puts first."""


@dataclass(frozen=True)
class Complaint:
    complaint_id: str
    received_on: date
    summary: str
    due_on: date | None
    concluded_on: date | None = None
    outcome: str | None = None


class CaseAssessment(Aggregate):
    """Id derived from the case id (contracts.ids.derived_id("assessment", case_id))."""

    # Event classes made by @event below; declared so type checkers know them.
    Opened: ClassVar[type[Any]]
    Reviewed: ClassVar[type[Any]]
    ResultsPosted: ClassVar[type[Any]]
    ComplaintReceived: ClassVar[type[Any]]
    ComplaintConcluded: ClassVar[type[Any]]
    ProposalSent: ClassVar[type[Any]]
    Appraised: ClassVar[type[Any]]
    Approved: ClassVar[type[Any]]
    Rejected: ClassVar[type[Any]]
    BecameOverdue: ClassVar[type[Any]]
    ChangeProposed: ClassVar[type[Any]]
    DossierCompleted: ClassVar[type[Any]]
    Withdrawn: ClassVar[type[Any]]

    @event("Opened")
    def __init__(
        self,
        *,
        id: UUID,
        case_id: UUID,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        date_of_birth: date,
        dossier_received_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
        person_id: UUID | None = None,
        procedure_version: str | None = None,
        current_step: str | None = None,
        current_due_on: date | None = None,
        dossier_complete_on: date | None = None,
        dossier_incomplete: bool = False,
    ) -> None:
        self.case_id = case_id
        # Cases opened before completeness was tracked were complete on receipt.
        self.dossier_complete_on = (
            None if dossier_incomplete else (dossier_complete_on or dossier_received_on)
        )
        self.withdrawn_on: date | None = None
        self.person_id = person_id
        self.benefit = benefit
        self.category = category
        self.residence_scheme = residence_scheme
        self.residence_code = residence_code
        self.date_of_birth = date_of_birth
        self.dossier_received_on = dossier_received_on
        self.procedure_version = procedure_version
        self.current_step = current_step
        self.current_due_on = current_due_on
        self.reviewed_on: date | None = None
        self.review_outcome: str | None = None
        self.posted_from: date | None = None
        self.posted_until: date | None = None
        self.proposal_sent_on: date | None = None
        self.appraised_on: date | None = None
        self.appraisal_outcome: str | None = None
        self.complaints: dict[str, Complaint] = {}
        self.overdue_steps: set[str] = set()
        self.decision: str | None = None  # "approved" | "rejected"
        self.decision_number: str | None = None
        self.signed_on: date | None = None
        self.on_time: bool | None = None
        self.monthly_amount: int | None = None
        self.effective_month: str | None = None
        self.reasons: list[str] = []
        self.categories_held: list[str] = [category]
        # Counted by the decision (relation, date of birth, id); none before they were recorded.
        self.dependants_counted: list[dict[str, Any]] = []
        self.proposals: set[str] = set()

    # --- queries ---------------------------------------------------------------------------

    @property
    def status(self) -> str:
        if self.decision is not None:
            return self.decision
        if self.withdrawn_on is not None:
            return "withdrawn"
        if any(c.concluded_on is None for c in self.complaints.values()):
            return "complaint_open"
        if self.appraised_on is not None:
            return "appraised"
        if self.posted_from is not None:
            return "posted"
        if self.reviewed_on is not None:
            return "reviewed"
        return "under_review"

    @property
    def open_complaints(self) -> list[Complaint]:
        return [c for c in self.complaints.values() if c.concluded_on is None]

    def _check_open(self) -> None:
        if self.withdrawn_on is not None:
            raise AlreadyDecided(
                f"case {self.case_id} was withdrawn by the applicant on {self.withdrawn_on}"
            )
        if self.decision is not None:
            raise AlreadyDecided(
                f"case {self.case_id} was already {self.decision} by decision "
                f"{self.decision_number} signed on {self.signed_on}"
            )

    def _check_not_before_receipt(self, day: date, what: str, today: date) -> None:
        if day > today:
            raise InvalidDecision(f"{what} {day} is in the future")
        if day < self.dossier_received_on:
            raise InvalidDecision(
                f"{what} ({day}) cannot be before the dossier was received "
                f"({self.dossier_received_on})"
            )

    # --- review and posting ----------------------------------------------------------------

    def review(
        self,
        *,
        reviewed_on: date,
        body: str,
        outcome: str,
        findings: str,
        population_db_verified: bool,
        members_present: int | None,
        members_total: int | None,
        next_step: str | None,
        next_due_on: date | None,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """The review body's conclusion (council minutes, or the official's review)."""
        self._check_open()
        self._check_not_before_receipt(reviewed_on, "reviewed_on", today)
        if outcome not in OUTCOMES:
            raise InvalidDecision(f"outcome must be one of {', '.join(OUTCOMES)}")
        if not findings.strip():
            raise InvalidDecision("findings must say what the review found")
        if members_total is not None:
            if members_present is None or not 0 < members_present <= members_total:
                raise InvalidDecision("members_present must be between 1 and members_total")
            if members_present * 3 < members_total * 2:
                raise InvalidDecision(
                    f"the council has no quorum: {members_present} of {members_total} present, "
                    "at least two thirds are needed"
                )
        self._reviewed(
            case_id=self.case_id,
            reviewed_on=reviewed_on,
            body=body,
            outcome=outcome,
            findings=findings,
            population_db_verified=population_db_verified,
            members_present=members_present,
            members_total=members_total,
            next_step=next_step,
            next_due_on=next_due_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("Reviewed")
    def _reviewed(
        self,
        *,
        case_id: UUID,
        reviewed_on: date,
        body: str,
        outcome: str,
        findings: str,
        population_db_verified: bool,
        members_present: int | None,
        members_total: int | None,
        next_step: str | None,
        next_due_on: date | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.reviewed_on = reviewed_on
        self.review_outcome = outcome
        self.current_step, self.current_due_on = next_step, next_due_on

    def post_results(
        self,
        *,
        posted_from: date,
        posted_until: date,
        hiv_information_withheld: bool,
        next_step: str | None,
        next_due_on: date | None,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Public posting of the review's result at the commune (niêm yết công khai)."""
        self._check_open()
        if self.reviewed_on is None:
            raise StepOutOfOrder("results can be posted only after the review")
        if self.review_outcome != "eligible":
            raise StepOutOfOrder(
                "only an eligible review is posted; reject the application instead"
            )
        if self.posted_from is not None:
            raise StepOutOfOrder(f"results were already posted from {self.posted_from}")
        self._check_not_before_receipt(posted_from, "posted_from", today)
        if posted_from < self.reviewed_on:
            raise StepOutOfOrder(
                f"posting ({posted_from}) cannot start before the review ({self.reviewed_on})"
            )
        if posted_until < posted_from:
            raise InvalidDecision(
                f"posting cannot end ({posted_until}) before it starts ({posted_from})"
            )
        self._results_posted(
            case_id=self.case_id,
            posted_from=posted_from,
            posted_until=posted_until,
            hiv_information_withheld=hiv_information_withheld,
            next_step=next_step,
            next_due_on=next_due_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("ResultsPosted")
    def _results_posted(
        self,
        *,
        case_id: UUID,
        posted_from: date,
        posted_until: date,
        hiv_information_withheld: bool,
        next_step: str | None,
        next_due_on: date | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.posted_from, self.posted_until = posted_from, posted_until
        self.current_step, self.current_due_on = next_step, next_due_on

    # --- complaints ------------------------------------------------------------------------

    def receive_complaint(
        self,
        *,
        complaint_id: str,
        received_on: date,
        summary: str,
        due_on: date | None,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """A complaint or denunciation about the posted result (khiếu nại, tố cáo)."""
        self._check_open()
        if self.posted_from is None:
            raise StepOutOfOrder("complaints are received about posted results; nothing is posted")
        self._check_not_before_receipt(received_on, "received_on", today)
        if received_on < self.posted_from:
            raise StepOutOfOrder(
                f"a complaint about the posted result ({received_on}) cannot precede the "
                f"posting ({self.posted_from})"
            )
        if complaint_id in self.complaints:
            raise InvalidDecision(f"complaint {complaint_id} is already registered")
        if not summary.strip():
            raise InvalidDecision("summary must say what the complaint is about")
        self._complaint_received(
            case_id=self.case_id,
            complaint_id=complaint_id,
            received_on=received_on,
            summary=summary,
            due_on=due_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("ComplaintReceived")
    def _complaint_received(
        self,
        *,
        case_id: UUID,
        complaint_id: str,
        received_on: date,
        summary: str,
        due_on: date | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.complaints[complaint_id] = Complaint(complaint_id, received_on, summary, due_on)

    def conclude_complaint(
        self,
        *,
        complaint_id: str,
        concluded_on: date,
        outcome: str,
        conclusion: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
        next_step: str | None = None,
        next_due_on: date | None = None,
    ) -> None:
        """The verified conclusion on a complaint, published like the result was."""
        complaint = self.complaints.get(complaint_id)
        if complaint is None:
            raise InvalidDecision(f"case {self.case_id} has no complaint {complaint_id}")
        if complaint.concluded_on is not None:
            raise StepOutOfOrder(
                f"complaint {complaint_id} was concluded on {complaint.concluded_on}"
            )
        if outcome not in COMPLAINT_OUTCOMES:
            raise InvalidDecision(f"outcome must be one of {', '.join(COMPLAINT_OUTCOMES)}")
        if not conclusion.strip():
            raise InvalidDecision("conclusion must state what was verified and concluded")
        if concluded_on < complaint.received_on or concluded_on > today:
            raise InvalidDecision(
                f"concluded_on {concluded_on} must lie between the complaint's receipt "
                f"({complaint.received_on}) and today"
            )
        self._complaint_concluded(
            case_id=self.case_id,
            complaint_id=complaint_id,
            concluded_on=concluded_on,
            outcome=outcome,
            conclusion=conclusion,
            on_time=complaint.due_on is None or concluded_on <= complaint.due_on,
            next_step=next_step,
            next_due_on=next_due_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("ComplaintConcluded")
    def _complaint_concluded(
        self,
        *,
        case_id: UUID,
        complaint_id: str,
        concluded_on: date,
        outcome: str,
        conclusion: str,
        on_time: bool,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
        next_step: str | None = None,
        next_due_on: date | None = None,
    ) -> None:
        if next_step is not None:
            self.current_step, self.current_due_on = next_step, next_due_on
        old = self.complaints[complaint_id]
        self.complaints[complaint_id] = Complaint(
            old.complaint_id, old.received_on, old.summary, old.due_on, concluded_on, outcome
        )

    # --- proposal and appraisal (district level, procedure versions A-C) -------------------

    def send_proposal(
        self,
        *,
        sent_on: date,
        next_step: str | None,
        next_due_on: date | None,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """The commune chairman's written proposal to the district (versions with appraisal)."""
        self._check_open()
        self._check_after_posting(sent_on, "the proposal")
        self._check_not_before_receipt(sent_on, "sent_on", today)
        if self.proposal_sent_on is not None:
            raise StepOutOfOrder(f"the proposal was already sent on {self.proposal_sent_on}")
        self._proposal_sent(
            case_id=self.case_id,
            sent_on=sent_on,
            next_step=next_step,
            next_due_on=next_due_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("ProposalSent")
    def _proposal_sent(
        self,
        *,
        case_id: UUID,
        sent_on: date,
        next_step: str | None,
        next_due_on: date | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.proposal_sent_on = sent_on
        self.current_step, self.current_due_on = next_step, next_due_on

    def appraise(
        self,
        *,
        appraised_on: date,
        body: str,
        outcome: str,
        findings: str,
        next_step: str | None,
        next_due_on: date | None,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """The appraisal body's conclusion (thẩm định) before the decision."""
        self._check_open()
        if self.review_outcome == "ineligible":
            raise StepOutOfOrder("the review found the applicant ineligible: reject with reasons")
        if self.appraised_on is not None:
            raise StepOutOfOrder(f"the appraisal was already recorded on {self.appraised_on}")
        self._check_after_posting(appraised_on, "the appraisal")
        self._check_not_before_receipt(appraised_on, "appraised_on", today)
        if outcome not in OUTCOMES:
            raise InvalidDecision(f"outcome must be one of {', '.join(OUTCOMES)}")
        if not findings.strip():
            raise InvalidDecision("findings must say what the appraisal found")
        self._appraised(
            case_id=self.case_id,
            appraised_on=appraised_on,
            body=body,
            outcome=outcome,
            findings=findings,
            next_step=next_step,
            next_due_on=next_due_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("Appraised")
    def _appraised(
        self,
        *,
        case_id: UUID,
        appraised_on: date,
        body: str,
        outcome: str,
        findings: str,
        next_step: str | None,
        next_due_on: date | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.appraised_on = appraised_on
        self.appraisal_outcome = outcome
        self.current_step, self.current_due_on = next_step, next_due_on

    def _check_after_posting(self, day: date, what: str) -> None:
        if self.reviewed_on is None:
            raise StepOutOfOrder(f"{what} needs the review first")
        if self.posted_until is not None and day <= self.posted_until:
            raise StepOutOfOrder(
                f"{what} ({day}) must come after the posting ends ({self.posted_until})"
            )
        if self.open_complaints:
            raise StepOutOfOrder(
                f"{what} must wait for the conclusion of complaint "
                f"{self.open_complaints[0].complaint_id}"
            )

    # --- the decision ----------------------------------------------------------------------

    def approve(
        self,
        *,
        decision_number: str,
        signed_on: date,
        signer: str,
        authority: str,
        legal_basis: list[str],
        policy_version: str,
        standard_level: int,
        coefficient: Decimal,
        monthly_amount: int,
        categories_held: list[str] | None = None,
        categories: dict[str, int] | None = None,
        dependants: list[dict[str, Any]] | None = None,
        requires_posting: bool = False,
        requires_appraisal: bool = False,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Grant the allowance. Entitlement starts in the month of signing, never earlier.
        `dependants`: those the decision counts (no names), published with it."""
        self._check_open()
        self.check_decision_allowed(
            signed_on, legal_basis, today, requires_posting, requires_appraisal
        )
        if self.review_outcome == "ineligible" or self.appraisal_outcome == "ineligible":
            raise InvalidDecision(
                "the review or appraisal found the applicant ineligible: reject with reasons, or "
                "record a new review"
            )
        self._approve(
            case_id=self.case_id,
            benefit=self.benefit,
            category=self.category,
            residence_scheme=self.residence_scheme,
            residence_code=self.residence_code,
            decision_number=decision_number,
            signed_on=signed_on,
            signer=signer,
            authority=authority,
            legal_basis=list(legal_basis),
            policy_version=policy_version,
            standard_level=standard_level,
            coefficient=str(coefficient),
            monthly_amount=monthly_amount,
            effective_month=f"{signed_on.year:04d}-{signed_on.month:02d}",
            categories_held=list(categories_held or [self.category]),
            categories=dict(categories or {c: 1 for c in categories_held or [self.category]}),
            dependants=list(dependants or []),
            due_on=self.current_due_on,
            on_time=self.current_due_on is None or signed_on <= self.current_due_on,
            person_id=self.person_id,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    def check_decision_allowed(
        self,
        signed_on: date,
        legal_basis: list[str],
        today: date,
        requires_posting: bool,
        requires_appraisal: bool,
    ) -> None:
        if signed_on > today:
            raise InvalidDecision(f"signed_on {signed_on} is in the future")
        if signed_on < self.dossier_received_on:
            raise InvalidDecision(
                f"a decision cannot be signed ({signed_on}) before the dossier was received "
                f"({self.dossier_received_on})"
            )
        if not legal_basis or not all(basis.strip() for basis in legal_basis):
            raise InvalidDecision("legal_basis must name at least one provision")
        if self.open_complaints:
            raise StepOutOfOrder(
                f"complaint {self.open_complaints[0].complaint_id} is not concluded: the decision "
                "must wait for its conclusion"
            )
        if requires_posting:
            if self.posted_until is None:
                raise StepOutOfOrder(
                    "the procedure requires public posting of the review's result before the "
                    "decision; nothing was posted"
                )
            if signed_on <= self.posted_until:
                raise InvalidDecision(
                    f"the decision ({signed_on}) is signed before the posting window ends "
                    f"({self.posted_until})"
                )
        if requires_appraisal and self.appraised_on is None:
            raise StepOutOfOrder("the procedure requires the appraisal before the decision")
        if self.reviewed_on is None and (requires_posting or requires_appraisal):
            raise StepOutOfOrder("the procedure requires the review before the decision")

    @event("Approved")
    def _approve(
        self,
        *,
        case_id: UUID,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        decision_number: str,
        signed_on: date,
        signer: str,
        authority: str,
        legal_basis: list[str],
        policy_version: str,
        standard_level: int,
        coefficient: str,
        monthly_amount: int,
        effective_month: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
        categories_held: list[str] | None = None,
        due_on: date | None = None,
        on_time: bool | None = None,
        person_id: UUID | None = None,
        categories: dict[str, int] | None = None,
        dependants: list[dict[str, Any]] | None = None,
    ) -> None:
        self.decision = "approved"
        self.dependants_counted = list(dependants or [])
        self.categories_held = list(categories_held or [category])
        # With units; None on decisions recorded before units were (derive from coefficient).
        self.categories: dict[str, int] | None = dict(categories) if categories else None
        self.decision_number = decision_number
        self.signed_on = signed_on
        self.monthly_amount = monthly_amount
        self.effective_month = effective_month
        self.on_time = on_time
        self.current_step, self.current_due_on = None, None

    def reject(
        self,
        *,
        decision_number: str,
        signed_on: date,
        signer: str,
        authority: str,
        reasons: list[str],
        legal_basis: list[str],
        policy_version: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Refuse the application with written reasons, which the law makes mandatory."""
        self._check_open()
        reasons = [r.strip() for r in reasons if r.strip()]
        if not reasons:
            raise InvalidDecision("a rejection must state its reasons in writing (at least one)")
        self.check_decision_allowed(signed_on, legal_basis, today, False, False)
        self._rejected(
            case_id=self.case_id,
            decision_number=decision_number,
            signed_on=signed_on,
            signer=signer,
            authority=authority,
            reasons=reasons,
            legal_basis=list(legal_basis),
            policy_version=policy_version,
            due_on=self.current_due_on,
            on_time=self.current_due_on is None or signed_on <= self.current_due_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("Rejected")
    def _rejected(
        self,
        *,
        case_id: UUID,
        decision_number: str,
        signed_on: date,
        signer: str,
        authority: str,
        reasons: list[str],
        legal_basis: list[str],
        policy_version: str,
        due_on: date | None,
        on_time: bool,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.decision = "rejected"
        self.decision_number = decision_number
        self.signed_on = signed_on
        self.reasons = reasons
        self.on_time = on_time
        self.current_step, self.current_due_on = None, None

    # --- deadlines -------------------------------------------------------------------------

    def mark_overdue(
        self, *, step: str, due_on: date, detected_on: date, actor: Actor, correlation_id: UUID
    ) -> bool:
        """Record once that a step passed its due date; returns whether this call recorded it."""
        key = f"{step}@{due_on.isoformat()}"
        if self.decision is not None or key in self.overdue_steps or detected_on <= due_on:
            return False
        self._became_overdue(
            case_id=self.case_id,
            step=step,
            due_on=due_on,
            detected_on=detected_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )
        return True

    @event("BecameOverdue")
    def _became_overdue(
        self,
        *,
        case_id: UUID,
        step: str,
        due_on: date,
        detected_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.overdue_steps.add(f"{step}@{due_on.isoformat()}")

    # --- proposals from date triggers ------------------------------------------------------

    def propose_change(
        self,
        *,
        trigger: str,
        reached_on: date,
        from_category: str,
        proposal: str,
        to_category: str | None,
        effective_month: str,
        legal_basis: str,
        actor: Actor,
        correlation_id: UUID,
        dependant_id: UUID | None = None,
        from_units: int | None = None,
        to_units: int | None = None,
    ) -> bool:
        """Propose a decision because a condition changed (e.g. the child turned 16): never a
        silent change. Recorded once per trigger (and dependant, for a dependant's age);
        returns whether this call recorded it."""
        key = _proposal_key(trigger, from_category, dependant_id)
        if self.decision != "approved" or key in self.proposals:
            return False
        self._change_proposed(
            case_id=self.case_id,
            trigger=trigger,
            reached_on=reached_on,
            from_category=from_category,
            proposal=proposal,
            to_category=to_category,
            effective_month=effective_month,
            legal_basis=legal_basis,
            dependant_id=dependant_id,
            from_units=from_units,
            to_units=to_units,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )
        return True

    @event("ChangeProposed")
    def _change_proposed(
        self,
        *,
        case_id: UUID,
        trigger: str,
        reached_on: date,
        from_category: str,
        proposal: str,
        to_category: str | None,
        effective_month: str,
        legal_basis: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
        dependant_id: UUID | None = None,
        from_units: int | None = None,
        to_units: int | None = None,
    ) -> None:
        self.proposals.add(_proposal_key(trigger, from_category, dependant_id))

    # --- facts learned from intake after receipt -------------------------------------------

    def complete_dossier(
        self,
        *,
        complete_on: date,
        next_step: str | None,
        next_due_on: date | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> bool:
        """The dossier became complete (documents supplemented): steps counted from a
        complete dossier start their clock now. Returns whether this was news."""
        if self.dossier_complete_on is not None or self.decision or self.withdrawn_on:
            return False
        self._dossier_completed(
            case_id=self.case_id,
            complete_on=complete_on,
            next_step=next_step,
            next_due_on=next_due_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        return True

    @event("DossierCompleted")
    def _dossier_completed(
        self,
        *,
        case_id: UUID,
        complete_on: date,
        next_step: str | None,
        next_due_on: date | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.dossier_complete_on = complete_on
        self.current_step, self.current_due_on = next_step, next_due_on

    def withdraw(
        self, *, withdrawn_on: date, actor: Actor, correlation_id: UUID, causation_id: UUID | None
    ) -> bool:
        """The applicant withdrew the dossier at intake: the case ends without a decision.
        A case already decided keeps its decision (returns False)."""
        if self.decision is not None or self.withdrawn_on is not None:
            return False
        self._withdrawn(
            case_id=self.case_id,
            withdrawn_on=withdrawn_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        return True

    @event("Withdrawn")
    def _withdrawn(
        self,
        *,
        case_id: UUID,
        withdrawn_on: date,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.withdrawn_on = withdrawn_on
        self.current_step, self.current_due_on = None, None


def _proposal_key(trigger: str, from_category: str, dependant_id: UUID | None) -> str:
    """Once per trigger and category, and per dependant for a dependant's age (twins)."""
    key = f"{trigger}:{from_category}"
    return f"{key}:{dependant_id}" if dependant_id is not None else key
