"""Due dates of a case's steps: the procedure version's working-day limits on the calendar.

A step's clock starts at its anchor (dossier received or complete, end of posting, or an
earlier step) and runs for the step's working days. Deadlines follow the procedure version in
force when the dossier was received; who may decide, and which steps must precede the decision,
follow the version in force on the signing date (a case open on 01/07/2025 is decided by the
commune chairman, since the district level no longer exists).
"""

from dataclasses import dataclass
from datetime import date

from reference.policy import PolicyBook, ProcedureVersion
from reference.working_days import WorkingDayCalendar
from services.assessment.domain.case_assessment import CaseAssessment


@dataclass(frozen=True)
class NextStep:
    step: str | None
    due_on: date | None


class Planner:
    def __init__(self, policy: PolicyBook, calendar: WorkingDayCalendar) -> None:
        self.policy = policy
        self.calendar = calendar

    def procedure_for(self, case: CaseAssessment) -> ProcedureVersion:
        if case.procedure_version:
            return self.policy.procedure(case.procedure_version)
        return self.policy.procedure_on(case.dossier_received_on)

    def posting_window(self, procedure: ProcedureVersion, posted_from: date) -> date:
        """Last day of posting: `public_posting_days` working days from the first one."""
        first = self.calendar.add_working_days(posted_from, 0)
        return self.calendar.add_working_days(first, max(procedure.public_posting_days - 1, 0))

    def complaint_due(self, procedure: ProcedureVersion, received_on: date) -> date:
        return self.calendar.add_working_days(received_on, procedure.complaint_window_days)

    def next_step(
        self,
        procedure: ProcedureVersion,
        done: dict[str, date],
        received_on: date,
        complete_on: date | None,
    ) -> NextStep:
        """The first step of the procedure not yet done, and its due date if its clock runs
        (a step counted from the complete dossier waits while documents are missing)."""
        anchors: dict[str, date] = {"dossier_received": received_on, **done}
        if complete_on is not None:
            anchors["dossier_complete"] = complete_on
        for step in procedure.steps:
            if step.code in done:
                continue
            start = anchors.get(step.after)
            due = self.calendar.add_working_days(start, step.days) if start else None
            return NextStep(step.code, due)
        return NextStep(None, None)

    def done_steps(
        self, case: CaseAssessment, procedure: ProcedureVersion, **facts: date
    ) -> dict[str, date]:
        """Dates of what the case has done (plus `facts` about to be recorded), under the names
        procedure steps anchor on. Without posting in the procedure, posting ends with review."""
        done: dict[str, date] = {}
        if case.reviewed_on:
            done["review"] = case.reviewed_on
        if case.posted_until:
            # Steps after the posting count from its end, or from the last complaint's
            # conclusion when one came later (DOMAIN §5.2, version C step 4).
            concluded = [c.concluded_on for c in case.complaints.values() if c.concluded_on]
            done["posting_end"] = max([case.posted_until, *concluded])
        if case.proposal_sent_on:
            done["proposal"] = case.proposal_sent_on
        if case.appraised_on:
            done["appraisal"] = case.appraised_on
        done.update(facts)
        if procedure.public_posting_days == 0 and "review" in done:
            done.setdefault("posting_end", done["review"])
        if "posting_end" not in done:
            # Where results are posted, the review step's limit covers the posting too.
            done.pop("review", None)
        return done

    def after(self, case: CaseAssessment, **facts: date) -> NextStep:
        """The next step once `facts` (e.g. review=..., posting_end=...) are recorded."""
        procedure = self.procedure_for(case)
        done = self.done_steps(case, procedure, **facts)
        return self.next_step(
            procedure,
            done,
            case.dossier_received_on,
            facts.get("dossier_complete") or case.dossier_complete_on,
        )
