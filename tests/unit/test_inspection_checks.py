"""The rules of the inspection checks, over rows as the projection holds them (no database)."""

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from reference.valuation import Valuation
from services.reporting.projections.checks import (
    Event,
    EventRef,
    Identity,
    Limits,
    Line,
    Period,
    active_twice,
    amount_mismatch,
    expected_amounts,
    late_notices,
    linked_cases,
    not_collected,
    not_collected_runs,
    overdue_dossiers,
    payments_after_death,
    redetermination_due,
    vnd,
)

CASE = uuid4()
_versions = itertools.count(1)
CATEGORY = "ELDERLY_POOR_NO_SUPPORTER_60_80"


def ref(case_id: UUID, name: str, recorded: str, service: str = "payment") -> EventRef:
    return EventRef(
        case_id=case_id,
        source=f"btxh/{service}",
        originator_id=case_id,
        version=next(_versions),
        type=f"vn.btxh.{service}.{name}",
        recorded_at=datetime.fromisoformat(recorded).replace(tzinfo=UTC),
        message_id=uuid4(),
    )


def event(
    name: str, recorded: str, case_id: UUID = CASE, service: str = "payment", **data: Any
) -> Event:
    return Event(ref(case_id, name, recorded, service), {"case_id": str(case_id), **data})


def line(
    month: str,
    amount: int,
    *,
    payroll_month: str | None = None,
    kind: str = "current",
    result: str | None = None,
    settled_on: str | None = None,
    issued: str = "2025-01-05T01:00:00",
    settled: str | None = None,
    case_id: UUID = CASE,
) -> Line:
    payroll = payroll_month or month
    return Line(
        line_id=f"{payroll}:{case_id}:{month}:{next(_versions)}",
        case_id=case_id,
        payroll_month=payroll,
        month=month,
        amount=amount,
        kind=kind,
        commune="02053",
        result=result,
        settled_on=date.fromisoformat(settled_on) if settled_on else None,
        issued=ref(case_id, "payroll_lines_issued", issued),
        settled=ref(case_id, "payroll_line_settled", settled or issued) if result else None,
    )


def death(died_on: str, recorded: str = "2025-01-25T03:00:00") -> Event:
    return event(
        "entitlement_ceased",
        recorded,
        reason="death",
        event_date=died_on,
        from_month="2025-01",
        decision_number="60/QĐ-UBND",
        signed_on="2025-01-25",
    )


ON = date(2025, 6, 1)

# --- payments after death ---------------------------------------------------------------


def test_a_month_paid_after_the_month_of_death_is_a_finding_the_month_of_death_is_not() -> None:
    december = line("2024-12", 750_000, result="paid_at_point", settled_on="2024-12-20")
    january = line("2025-01", 750_000, result="paid_at_home", settled_on="2025-01-20")
    [finding] = payments_after_death([death("2024-12-10")], [december, january], ON, {})
    assert finding.kind == "paid_after_death"
    assert finding.details["months"] == ["2025-01"]
    assert finding.details["amount"] == 750_000
    assert "10/12/2024" in finding.summary
    assert "750.000 đồng" in finding.summary
    assert {e.type.rsplit(".", 1)[-1] for e in finding.evidence} == {
        "entitlement_ceased",
        "payroll_lines_issued",
        "payroll_line_settled",
    }


def test_lines_not_collected_or_settled_after_the_inspection_date_were_not_paid() -> None:
    returned = line("2025-01", 750_000, result="not_collected", settled_on="2025-01-20")
    later = line("2025-02", 750_000, result="paid_at_point", settled_on="2025-07-01")
    assert payments_after_death([death("2024-12-10")], [returned, later], ON, {}) == []


def test_funeral_support_paid_while_allowance_after_the_death_was_paid_is_its_own_finding() -> None:
    january = line("2025-01", 750_000, result="paid_at_point", settled_on="2025-01-20")
    funeral = line(
        "2025-03",
        10_000_000,
        kind="funeral_support",
        result="paid_at_home",
        settled_on="2025-03-20",
    )
    found = payments_after_death([death("2024-12-10")], [january, funeral], ON, {})
    assert [f.kind for f in found] == ["paid_after_death", "funeral_support_while_allowance_paid"]
    assert found[1].details["funeral_support_amount"] == 10_000_000
    assert "10.000.000 đồng" in found[1].summary


def test_funeral_support_alone_after_a_death_is_no_finding() -> None:
    funeral = line(
        "2025-03",
        10_000_000,
        kind="funeral_support",
        result="paid_at_home",
        settled_on="2025-03-20",
    )
    december = line("2024-12", 750_000, result="paid_at_point", settled_on="2024-12-20")
    assert payments_after_death([death("2024-12-10")], [december, funeral], ON, {}) == []


# --- overdue dossiers -------------------------------------------------------------------


def opened(due: str) -> Event:
    return event(
        "case_opened",
        "2026-02-10T02:00:00",
        service="assessment",
        dossier_received_on="2026-02-10",
        current_step="review",
        current_due_on=due,
    )


def test_a_dossier_is_overdue_the_day_after_its_due_date_not_on_it() -> None:
    events = [opened("2026-03-03")]
    assert overdue_dossiers(events, date(2026, 3, 3), {}) == []
    [finding] = overdue_dossiers(events, date(2026, 3, 4), {CASE: "02020"})
    assert (finding.kind, finding.commune) == ("overdue", "02020")
    assert finding.details["step"] == "review"
    assert finding.details["working_days_late"] == 1
    assert "03/03/2026" in finding.summary


def test_the_latest_step_done_by_the_date_sets_the_due_date() -> None:
    reviewed = event(
        "case_reviewed",
        "2026-02-20T02:00:00",
        service="assessment",
        reviewed_on="2026-02-20",
        next_step="posting",
        next_due_on="2026-03-20",
    )
    events = [opened("2026-03-03"), reviewed]
    assert overdue_dossiers(events, date(2026, 3, 10), {}) == []
    # before the review was done, the first step was the late one
    assert [f.kind for f in overdue_dossiers(events, date(2026, 2, 19), {})] == []
    assert [f.details["step"] for f in overdue_dossiers(events, date(2026, 3, 21), {})] == [
        "posting"
    ]


def test_a_decided_dossier_is_not_overdue_but_a_late_decision_is_a_finding() -> None:
    rejected = event(
        "case_rejected",
        "2026-03-10T02:00:00",
        service="assessment",
        decision_number="9/TB-UBND",
        signed_on="2026-03-10",
        due_on="2026-03-03",
        on_time=False,
    )
    events = [opened("2026-03-03"), rejected]
    assert [f.kind for f in overdue_dossiers(events, date(2026, 3, 9), {})] == ["overdue"]
    [late] = overdue_dossiers(events, date(2026, 3, 11), {})
    assert late.kind == "decided_late"
    assert late.details["due_on"] == "2026-03-03"
    assert late.evidence == (rejected.ref,)


def test_a_dossier_recorded_overdue_earlier_and_still_undecided_was_overdue() -> None:
    marked = event(
        "case_became_overdue",
        "2026-03-04T02:00:00",
        service="assessment",
        step="review",
        due_on="2026-03-03",
        detected_on="2026-03-04",
    )
    reviewed = event(
        "case_reviewed",
        "2026-03-05T02:00:00",
        service="assessment",
        reviewed_on="2026-03-05",
        next_step="posting",
        next_due_on="2026-03-20",
    )
    [finding] = overdue_dossiers([opened("2026-03-03"), marked, reviewed], date(2026, 3, 10), {})
    assert finding.kind == "was_overdue"
    assert finding.details["recorded_overdue"][0]["due_on"] == "2026-03-03"
    withdrawn = event(
        "case_withdrawn", "2026-03-06T02:00:00", service="assessment", withdrawn_on="2026-03-06"
    )
    closed = [opened("2026-03-03"), marked, reviewed, withdrawn]
    assert overdue_dossiers(closed, date(2026, 3, 10), {}) == []


# --- disability re-determination ----------------------------------------------------------


def determined(on: str, due: str | None, case_id: UUID = CASE) -> Event:
    return event(
        "disability_level_determined",
        f"{on}T02:00:00",
        case_id=case_id,
        service="assessment",
        determined_on=on,
        level="SEVERE",
        redetermination_due_on=due,
    )


def test_a_child_determined_before_6_is_due_again_at_6_until_determined_again() -> None:
    first = determined("2026-01-10", "2026-06-01")
    assert redetermination_due([("p", first)], date(2026, 5, 31), {}, {}) == []
    [finding] = redetermination_due([("p", first)], date(2026, 6, 1), {}, {})
    assert finding.details["redetermination_due_on"] == "2026-06-01"
    assert "SEVERE" not in finding.summary  # the level is health data: not shown
    again = determined("2026-06-10", None)
    assert redetermination_due([("p", first), ("p", again)], date(2026, 7, 1), {}, {}) == []
    # a determination after the inspection date does not count yet
    assert len(redetermination_due([("p", first), ("p", again)], date(2026, 6, 5), {}, {})) == 1


def test_a_determination_of_another_case_of_the_same_person_counts_and_ended_cases_do_not() -> None:
    other = uuid4()
    first = determined("2026-01-10", "2026-06-01")
    again = determined("2026-06-10", None, case_id=other)
    assert redetermination_due([("p", first), ("p", again)], date(2026, 7, 1), {}, {}) == []
    assert redetermination_due([("p", first)], date(2026, 7, 1), {CASE: "ceased"}, {}) == []


# --- the same person twice ----------------------------------------------------------------


def test_cases_link_by_person_id_and_a_case_of_no_known_person_links_to_none() -> None:
    a, b, c, d = (uuid4() for _ in range(4))
    person = uuid4()
    groups = linked_cases(
        [Identity(a, person), Identity(b, None), Identity(c, person), Identity(d, uuid4())]
    )
    assert groups == [{a, c}]
    assert linked_cases([Identity(a, None), Identity(b, None)]) == []


def period(case_id: UUID, start: str, end: str | None, status: str = "active", **kw: Any) -> Period:
    return Period(
        case_id=case_id,
        valid_from=date.fromisoformat(start),
        valid_to=date.fromisoformat(end) if end else None,
        status=status,
        benefit=kw.get("benefit", "monthly_allowance"),
        categories_held=kw.get("held", {CATEGORY: 1}),
        coefficient=kw.get("coefficient", "1.5"),
        residence_scheme="DVHC_2004_3LEVEL",
        residence_code="02053",
    )


def test_two_cases_of_one_person_in_payment_at_once_are_each_a_finding() -> None:
    a, b = uuid4(), uuid4()
    person = uuid4()
    ids = [Identity(a, person), Identity(b, person)]
    periods = [period(a, "2024-06-03", None), period(b, "2024-09-01", None, status="suspended")]
    approvals = [event("case_approved", "2024-06-03T01:00:00", case_id=x) for x in (a, b)]
    found = active_twice(ids, periods, approvals, date(2025, 1, 1), {a: "02020", b: "00004"})
    assert [(f.case_id, f.kind) for f in found] == sorted(
        [(a, "active_twice"), (b, "active_twice")], key=lambda x: str(x[0])
    )
    mine = next(f for f in found if f.case_id == a)
    assert mine.details["other_cases"][0]["matched_by"] == "person_id"
    assert mine.details["overlap_from"] == "2024-09-01"
    assert len(mine.evidence) == 2
    assert "00004" in mine.summary


def test_a_past_overlap_is_reported_and_consecutive_or_held_cases_are_not() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    person = uuid4()
    ids = [Identity(a, person), Identity(b, person), Identity(c, person)]
    periods = [
        period(a, "2024-06-03", "2024-11-01"),
        period(a, "2024-11-01", None, status="ceased"),
        period(b, "2024-10-01", None),
        period(c, "2024-06-03", None, status="approved"),  # held behind the others
    ]
    found = active_twice(ids, periods, [], date(2025, 1, 1), {})
    assert {f.kind for f in found} == {"overlapped"}
    assert found[0].details["overlap_until"] == "2024-10-31"
    assert active_twice(ids, periods, [], date(2024, 9, 30), {}) == []
    care = [period(b, "2024-06-03", None, benefit="care_support"), period(a, "2024-06-03", None)]
    assert active_twice(ids, care, [], date(2025, 1, 1), {}) == []


# --- amounts ------------------------------------------------------------------------------


def test_a_later_line_for_a_month_is_valued_at_what_is_still_owed() -> None:
    first = line("2024-07", 540_000, issued="2024-07-05T01:00:00")
    top_up = line(
        "2024-07", 210_000, kind="arrears", payroll_month="2024-09", issued="2024-09-05T01:00:00"
    )
    judged = expected_amounts([first, top_up], {"2024-07": 750_000})
    assert [(x.amount, expected) for x, _, _, expected in judged] == [
        (540_000, 750_000),
        (210_000, 210_000),
    ]


def test_a_line_returned_unpaid_is_owed_again_in_full_and_a_second_full_line_is_not() -> None:
    returned = line(
        "2024-07",
        750_000,
        result="not_collected",
        settled_on="2024-07-20",
        issued="2024-07-05T01:00:00",
        settled="2024-07-20T01:00:00",
    )
    again = line(
        "2024-07", 750_000, kind="arrears", payroll_month="2024-08", issued="2024-08-05T01:00:00"
    )
    twice = line(
        "2024-07", 750_000, kind="arrears", payroll_month="2024-09", issued="2024-09-05T01:00:00"
    )
    judged = expected_amounts([returned, again, twice], {"2024-07": 750_000})
    assert [expected for *_, expected in judged] == [750_000, 750_000, 0]


def test_a_line_below_the_standard_level_times_coefficient_of_its_month_is_a_finding() -> None:
    periods = [
        period(CASE, "2024-05-06", "2024-06-03", status="received", held={}),
        period(CASE, "2024-06-03", None),
    ]
    june = line("2024-06", 540_000, issued="2024-06-05T01:00:00")  # 360,000 x 1.5
    july = line(
        "2024-07", 540_000, kind="arrears", payroll_month="2024-08", issued="2024-08-05T01:00:00"
    )
    august = line("2024-08", 750_000, payroll_month="2024-08", issued="2024-08-05T01:00:00")
    [finding] = amount_mismatch([june, july, august], periods, ON, Valuation.of())
    assert finding.kind == "too_low"
    assert finding.details["line_id"] == july.line_id
    assert (finding.details["expected"], finding.details["difference"]) == (750_000, -210_000)
    assert finding.details["standard_level"] == 500_000
    assert "thiếu 210.000 đồng" in finding.summary
    assert finding.evidence == (july.issued,)


# --- not collected ------------------------------------------------------------------------


def missed(payroll: str, *, month: str | None = None, result: str = "not_collected") -> Line:
    return line(
        month or payroll,
        750_000,
        payroll_month=payroll,
        kind="current" if month is None else "arrears",
        result=result,
        settled_on=f"{payroll}-20",
        issued=f"{payroll}-05T01:00:00",
        settled=f"{payroll}-20T01:00:00",
    )


def test_three_consecutive_payroll_months_not_collected_make_a_run() -> None:
    lines = [
        missed("2024-07"),
        missed("2024-08"),
        missed("2024-09"),
        missed("2024-09", month="2024-07"),
    ]
    assert not_collected_runs(lines, ON) == [["2024-07", "2024-08", "2024-09"]]
    assert not_collected_runs(lines, date(2024, 9, 19)) == []  # September not reported yet
    gap = [missed("2024-07"), missed("2024-08"), missed("2024-10"), missed("2024-11")]
    assert not_collected_runs(gap, ON) == []
    paid = [missed("2024-07"), missed("2024-08", result="paid_at_point"), missed("2024-09")]
    assert not_collected_runs([*paid, missed("2024-08", month="2024-07")], ON) == []


def test_what_followed_three_months_not_collected_is_the_kind_of_finding() -> None:
    lines = [missed("2024-07"), missed("2024-08"), missed("2024-09")]
    [bare] = not_collected(lines, [], ON, {})
    assert (bare.kind, bare.details["amount_not_collected"]) == ("no_action", 2_250_000)
    assert "2.250.000 đồng" in bare.summary
    proposal = event(
        "suspension_proposed", "2024-09-20T02:00:00", months=["2024-07", "2024-08", "2024-09"]
    )
    [proposed] = not_collected(lines, [proposal], ON, {})
    assert proposed.kind == "suspension_proposed"
    suspension = event(
        "entitlement_suspended",
        "2024-10-01T02:00:00",
        from_month="2024-10",
        decided_on="2024-10-01",
        decision_number="40/QĐ-UBND",
        ground="not_collected_3_months",
    )
    [suspended] = not_collected(lines, [proposal, suspension], ON, {})
    assert suspended.kind == "suspended"
    assert suspension.ref in suspended.evidence
    assert len(suspended.evidence) == 5  # three settlements, the proposal, the decision


# --- health-insurance notices -------------------------------------------------------------


def enrolment(signed: str, recorded: str, notice: str | None) -> list[Event]:
    found = [
        event(
            "case_approved",
            recorded,
            service="assessment",
            signed_on=signed,
            decision_number="61/QĐ-UBND",
        ),
        event(
            "beneficiary_enrolled",
            recorded,
            from_month=signed[:7],
            decision_number="61/QĐ-UBND",
        ),
    ]
    if notice is not None:
        found.append(event("health_insurance_notice", notice, kind="increase"))
    return found


def test_an_increase_notice_within_5_working_days_of_the_decision_is_on_time() -> None:
    # Monday 3 June 2024: the 5th working day after is Monday 10 June
    on_time = enrolment("2024-06-03", "2024-06-03T03:00:00", "2024-06-10T09:00:00")
    assert late_notices(on_time, ON, Limits(), {}) == []
    late = enrolment("2024-06-03", "2024-06-03T03:00:00", "2024-06-11T03:00:00")
    [finding] = late_notices(late, ON, Limits(), {})
    assert finding.kind == "increase_late"
    assert (finding.details["due_on"], finding.details["sent_on"]) == ("2024-06-10", "2024-06-11")
    assert finding.details["working_days_late"] == 1
    assert len(finding.evidence) == 3
    assert late_notices(late, ON, Limits(notice_days=8, notice_in_working_days=False), {}) == []


def test_a_notice_not_sent_by_the_date_is_missing_once_the_deadline_passed() -> None:
    never = enrolment("2024-06-03", "2024-06-03T03:00:00", None)
    assert late_notices(never, date(2024, 6, 10), Limits(), {}) == []
    [finding] = late_notices(never, date(2024, 6, 20), Limits(), {})
    assert finding.kind == "increase_missing"
    # a notice recorded after the inspection date was not there on it
    sent_later = enrolment("2024-06-03", "2024-06-03T03:00:00", "2024-07-01T03:00:00")
    assert [f.kind for f in late_notices(sent_later, date(2024, 6, 20), Limits(), {})] == [
        "increase_missing"
    ]


def test_a_decrease_is_owed_from_the_cessation_decision() -> None:
    events = [
        *enrolment("2024-06-03", "2024-06-03T03:00:00", "2024-06-03T03:00:00"),
        death("2024-12-10", recorded="2025-03-01T03:00:00"),
        event("health_insurance_notice", "2025-03-01T03:00:00", kind="decrease"),
    ]
    [finding] = late_notices(events, ON, Limits(), {})
    assert finding.kind == "decrease_late"
    assert finding.details["required_on"] == "2025-01-25"


# --- how findings read --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"), [(0, "0 đồng"), (750_000, "750.000 đồng"), (10_000_000, "10.000.000 đồng")]
)
def test_amounts_read_in_vietnamese(amount: int, text: str) -> None:
    assert vnd(amount) == text


def test_findings_never_carry_time_zone_naive_instants() -> None:
    unissued = Line("x", CASE, "2024-07", "2024-07", 1, "current", None, None, None, None, None)
    issued = line("2024-07", 1)
    assert sorted([issued, unissued], key=Line.issue_order)[0] is unissued
    assert issued.issued is not None
    assert issued.issued.recorded_at.utcoffset() == timedelta(0)
