"""Inspection checks (kiểm tra, thanh tra — DOMAIN.md §7.3): findings, each with the events
that prove it.

A check reads the projection as it stands and judges it on an inspection date `on`. Facts take
effect on their own dates (a decision on its signing date, a step on the day it was done, a
payroll line on the day it was settled), so a past `on` answers what was true then, from every
event known now. A health-insurance notice is the exception: sending it is the act judged, so
it counts from the day it was recorded.

SQL selects the few events, lines and periods a check needs; the rules are plain functions over
those rows, so they are tested without a database. Findings name cases, communes, dates and
amounts, never a name, an ID number or its digest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from reference.months import first_day, last_day, month_of, next_month
from reference.valuation import Valuation
from reference.working_days import WorkingDayCalendar, load_calendar
from services.reporting.labels import BENEFITS, CESSATION_REASONS
from services.reporting.projections.case_state import (
    CaseState,
    Residence,
    monthly_amount,
    recorded_day,
    short_type,
    standard_level,
)

PAID = ("paid_at_point", "paid_at_home")
UNPAID = ("not_collected", "failed")
#: Line kinds that pay the monthly allowance (funeral support has a line of its own).
ALLOWANCE_KINDS = ("current", "arrears")
#: Statuses of a case that is paid (a suspended entitlement is still held).
IN_PAYMENT = ("active", "suspended")
#: Statuses after which nothing more is owed to or asked of the person.
ENDED = ("ceased", "rejected", "withdrawn")
#: Consecutive payroll months not collected that call for a suspension (Circular 02/2021
#: Art. 2.3).
NOT_COLLECTED_MONTHS = 3


def _type(service: str, name: str) -> str:
    return f"vn.btxh.{service}.{name}"


OPENED = _type("assessment", "case_opened")
APPROVED = _type("assessment", "case_approved")
REJECTED = _type("assessment", "case_rejected")
WITHDRAWN = _type("assessment", "case_withdrawn")
OVERDUE = _type("assessment", "case_became_overdue")
DETERMINED = _type("assessment", "disability_level_determined")
DOSSIER_WITHDRAWN = _type("intake", "dossier_withdrawn")
ENROLLED = _type("payment", "beneficiary_enrolled")
CEASED = _type("payment", "entitlement_ceased")
SUSPENDED = _type("payment", "entitlement_suspended")
PROPOSED = _type("payment", "suspension_proposed")
FUNERAL_DECIDED = _type("payment", "funeral_support_decided")
LINES_ISSUED = _type("payment", "payroll_lines_issued")
LINE_SETTLED = _type("payment", "payroll_line_settled")
NOTICE = _type("payment", "health_insurance_notice")

#: Step events of the procedure and the field holding the day the step was done; each says
#: which step comes next and by when (case_opened: the first step).
STEP_DONE_ON = {
    "case_opened": "dossier_received_on",
    "dossier_completed": "complete_on",
    "case_reviewed": "reviewed_on",
    "results_posted": "posted_from",
    "proposal_sent": "sent_on",
    "case_appraised": "appraised_on",
}
STEPS = tuple(_type("assessment", name) for name in STEP_DONE_ON)

#: Steps of the procedure as officials name them.
STEP_NAMES = {
    "completion": "bổ sung, hoàn thiện hồ sơ",
    "review": "xét duyệt",
    "posting": "niêm yết công khai",
    "proposal": "gửi văn bản đề nghị",
    "appraisal": "thẩm định",
    "decision": "quyết định",
}


# --- what a finding is made of ------------------------------------------------------------


@dataclass(frozen=True)
class EventRef:
    """Where an event is kept: enough to find it in the case history and on the bus."""

    case_id: UUID
    source: str
    originator_id: UUID
    version: int
    type: str
    recorded_at: datetime
    message_id: UUID

    @classmethod
    def of(cls, row: Mapping[str, Any], prefix: str = "") -> EventRef:
        return cls(
            case_id=row["case_id"],
            source=row[prefix + "source"],
            originator_id=row[prefix + "originator_id"],
            version=int(row[prefix + "version"]),
            type=row[prefix + "type"],
            recorded_at=row[prefix + "recorded_at"],
            message_id=row[prefix + "message_id"],
        )

    def order(self) -> tuple[datetime, str, int]:
        return (self.recorded_at, self.source, self.version)


@dataclass(frozen=True)
class Event:
    """One event of the case history with its payload."""

    ref: EventRef
    data: Mapping[str, Any]

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Event:
        return cls(EventRef.of(row), row["data"])

    @property
    def name(self) -> str:
        return short_type(self.ref.type)

    def day(self, key: str) -> date | None:
        raw = self.data.get(key)
        return date.fromisoformat(str(raw)) if raw else None

    @property
    def recorded_on(self) -> date:
        return recorded_day(self.ref.recorded_at)


@dataclass(frozen=True)
class Line:
    """A payroll line as issued and (perhaps) settled, with the events that say so."""

    line_id: str
    case_id: UUID
    payroll_month: str
    month: str
    amount: int
    kind: str
    commune: str | None
    result: str | None
    settled_on: date | None
    issued: EventRef | None
    settled: EventRef | None

    def result_on(self, on: date) -> str | None:
        """The result known for the line on `on` (None: not settled by then)."""
        if self.result is None or (self.settled_on is not None and self.settled_on > on):
            return None
        return self.result

    def paid_by(self, on: date) -> bool:
        return self.result_on(on) in PAID

    def returned_unpaid_before(self, other: Line) -> bool:
        """Whether the line was reported unpaid before `other` was issued (payment then owes
        its month again, so `other` may carry it)."""
        if self.result not in UNPAID:
            return False
        if self.settled is None or other.issued is None:
            return True
        return self.settled.order() <= other.issued.order()

    def issue_order(self) -> tuple[datetime, str, int, str]:
        if self.issued is None:
            return (datetime.min.replace(tzinfo=UTC), "", 0, self.line_id)
        return (*self.issued.order(), self.line_id)

    def refs(self) -> list[EventRef]:
        return [ref for ref in (self.issued, self.settled) if ref is not None]


@dataclass(frozen=True)
class Period:
    """A register period of a case (see register_periods): what was in force from valid_from
    until the day before valid_to (None: still in force)."""

    case_id: UUID
    valid_from: date
    valid_to: date | None
    status: str
    benefit: str | None
    categories_held: Mapping[str, int]
    coefficient: str | None
    residence_scheme: str | None
    residence_code: str | None
    person_id: UUID | None = None

    def holds_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def state(self, on: date) -> CaseState:
        residence = (
            Residence(self.residence_scheme, self.residence_code)
            if self.residence_scheme and self.residence_code
            else None
        )
        return CaseState(
            case_id=self.case_id,
            on=on,
            status=self.status,
            benefit=self.benefit,
            categories_held=dict(self.categories_held),
            coefficient=self.coefficient,
            residence=residence,
        )


@dataclass(frozen=True)
class Finding:
    case_id: UUID
    commune: str | None
    kind: str
    summary: str
    details: dict[str, Any]
    evidence: tuple[EventRef, ...]

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.commune or "", str(self.case_id), self.kind, self.summary)


@dataclass(frozen=True)
class Scope:
    """What an inspector asks about: the inspection date, and optionally one commune (code of
    either scheme: the case's recorded or 2025 commune, or a payroll's) or one case."""

    on: date
    commune: str | None = None
    case_id: UUID | None = None


@dataclass(frozen=True)
class Limits:
    """Thresholds the law leaves unclear [U]: configured (ReportingSettings), never guessed here."""

    notice_days: int = 5
    notice_in_working_days: bool = True


def _evidence(refs: Iterable[EventRef | None]) -> tuple[EventRef, ...]:
    """Each event once, in the order it was recorded."""
    unique = {(r.source, r.originator_id, r.version): r for r in refs if r is not None}
    return tuple(sorted(unique.values(), key=lambda r: (*r.order(), str(r.originator_id))))


# --- how findings read --------------------------------------------------------------------


def vnd(amount: int) -> str:
    """750000 -> '750.000 đồng' (Vietnamese groups thousands with dots)."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def day_vi(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def month_vi(month: str) -> str:
    """'2025-01' -> '01/2025'."""
    year, number = month.split("-")
    return f"{number}/{year}"


def months_vi(months: Iterable[str]) -> str:
    return ", ".join(month_vi(m) for m in months)


def coefficient_vi(coefficient: str | None) -> str:
    return (coefficient or "?").replace(".", ",")


@cache
def _calendar() -> WorkingDayCalendar:
    return load_calendar()


def working_days_between(start: date, end: date) -> int | None:
    """Working days after `start` up to `end` (None when the calendar does not cover them)."""
    try:
        return _calendar().working_days_between(start, end)
    except ValueError:
        return None


def lateness_vi(due: date, until: date) -> str:
    """How late `until` is after `due`, in working days when the calendar knows them."""
    working = working_days_between(due, until)
    if working:
        return f"{working} ngày làm việc"
    return f"{(until - due).days} ngày"


def _late(due: date, until: date) -> dict[str, Any]:
    return {"days_late": (until - due).days, "working_days_late": working_days_between(due, until)}


def deadline(start: date, limits: Limits) -> date:
    """The last day a notice is on time for an event that took effect on `start`."""
    if limits.notice_in_working_days:
        try:
            return _calendar().add_working_days(start, limits.notice_days)
        except ValueError:
            pass  # outside the calendar's years: count calendar days
    return start + timedelta(days=limits.notice_days)


# --- 1. payments after death --------------------------------------------------------------


def _deaths(events: Iterable[Event]) -> dict[UUID, Event]:
    """Each case's cessation for death (the earliest death date if recorded twice)."""
    found: dict[UUID, Event] = {}
    for event in events:
        if event.name != "entitlement_ceased" or event.data.get("reason") != "death":
            continue
        known = found.get(event.ref.case_id)
        if known is None or (event.day("event_date") or date.max) < (
            known.day("event_date") or date.max
        ):
            found[event.ref.case_id] = event
    return found


def _line_details(line: Line, on: date) -> dict[str, Any]:
    return {
        "line_id": line.line_id,
        "payroll_month": line.payroll_month,
        "month": line.month,
        "kind": line.kind,
        "amount": line.amount,
        "result": line.result_on(on),
        "settled_on": line.settled_on.isoformat() if line.settled_on else None,
    }


def payments_after_death(
    ceased: Iterable[Event],
    lines: Iterable[Line],
    on: date,
    communes: Mapping[UUID, str | None],
    funeral_decisions: Iterable[Event] = (),
) -> list[Finding]:
    """Allowance paid for a month after the month of death (stopped from the month after,
    Decree 20/2021 Art. 8 — any later month is an overpayment); and funeral support paid to a
    family who also received allowance after the death."""
    by_case: dict[UUID, list[Line]] = defaultdict(list)
    for line in lines:
        by_case[line.case_id].append(line)
    decided = {e.ref.case_id: e for e in funeral_decisions}
    findings = []
    for case_id, death in _deaths(ceased).items():
        died_on = death.day("event_date")
        if died_on is None or died_on > on:
            continue
        death_month = month_of(died_on)
        after = sorted(
            (
                x
                for x in by_case[case_id]
                if x.kind in ALLOWANCE_KINDS and x.month > death_month and x.paid_by(on)
            ),
            key=lambda x: (x.month, x.issue_order()),
        )
        if not after:
            continue
        months = sorted({x.month for x in after})
        total = sum(x.amount for x in after)
        decision = death.data.get("decision_number")
        commune = after[0].commune or communes.get(case_id)
        common = {
            "died_on": died_on.isoformat(),
            "death_month": death_month,
            "decision_number": decision,
            "months": months,
            "amount": total,
            "lines": [_line_details(x, on) for x in after],
        }
        findings.append(
            Finding(
                case_id=case_id,
                commune=commune,
                kind="paid_after_death",
                summary=(
                    f"Người hưởng chết ngày {day_vi(died_on)} (quyết định thôi hưởng số "
                    f"{decision}) nhưng vẫn được chi trợ cấp {len(months)} tháng sau tháng chết "
                    f"({months_vi(months)}), tổng {vnd(total)}."
                ),
                details=common,
                evidence=_evidence([death.ref, *(r for x in after for r in x.refs())]),
            )
        )
        funeral = [x for x in by_case[case_id] if x.kind == "funeral_support" and x.paid_by(on)]
        if funeral:
            funeral_total = sum(x.amount for x in funeral)
            findings.append(
                Finding(
                    case_id=case_id,
                    commune=funeral[0].commune or commune,
                    kind="funeral_support_while_allowance_paid",
                    summary=(
                        f"Đã chi hỗ trợ chi phí mai táng {vnd(funeral_total)} (kỳ "
                        f"{months_vi(sorted({x.payroll_month for x in funeral}))}) trong khi "
                        f"trợ cấp hằng tháng sau tháng chết ({day_vi(died_on)}) vẫn được chi "
                        f"({months_vi(months)}, {vnd(total)})."
                    ),
                    details={
                        **common,
                        "funeral_support_amount": funeral_total,
                        "funeral_support_lines": [_line_details(x, on) for x in funeral],
                    },
                    evidence=_evidence(
                        [
                            death.ref,
                            decided[case_id].ref if case_id in decided else None,
                            *(r for x in funeral for r in x.refs()),
                            *(r for x in after for r in x.refs()),
                        ]
                    ),
                )
            )
    return findings


# --- 2. overdue dossiers ------------------------------------------------------------------


def _decision_vi(event: Event) -> str:
    return "trợ cấp" if event.name == "case_approved" else "không hưởng"


def _step_vi(step: str | None) -> str:
    return STEP_NAMES.get(step or "", step or "không rõ")


def _by_case(events: Iterable[Event]) -> dict[UUID, list[Event]]:
    grouped: dict[UUID, list[Event]] = defaultdict(list)
    for event in events:
        grouped[event.ref.case_id].append(event)
    for found in grouped.values():
        found.sort(key=lambda e: e.ref.order())
    return grouped


def _decided_late(decision: Event, marked: Sequence[Event], commune: str | None) -> Finding:
    signed = decision.day("signed_on")
    due = decision.day("due_on")
    assert signed is not None
    number = decision.data.get("decision_number")
    return Finding(
        case_id=decision.ref.case_id,
        commune=commune,
        kind="decided_late",
        summary=(
            f"Quyết định {_decision_vi(decision)} số {number} ký ngày {day_vi(signed)}, sau hạn "
            + (f"{day_vi(due)} (chậm {lateness_vi(due, signed)})." if due else "giải quyết.")
        ),
        details={
            "decision": decision.name,
            "decision_number": number,
            "signed_on": signed.isoformat(),
            "due_on": due.isoformat() if due else None,
            **(_late(due, signed) if due else {}),
            "recorded_overdue": _marked_details(marked),
        },
        evidence=_evidence([decision.ref, *(e.ref for e in marked)]),
    )


def _marked_details(marked: Iterable[Event]) -> list[dict[str, Any]]:
    return [
        {
            "step": e.data.get("step"),
            "due_on": e.data.get("due_on"),
            "detected_on": e.data.get("detected_on"),
        }
        for e in marked
    ]


def overdue_dossiers(
    events: Iterable[Event], on: date, communes: Mapping[UUID, str | None]
) -> list[Finding]:
    """Dossiers not decided by `on` whose current step is past its due date (`overdue`) or
    that the daily job recorded overdue at an earlier step (`was_overdue`); and decisions
    signed after their due date (`decided_late`)."""
    findings = []
    for case_id, case_events in _by_case(events).items():
        marked = [
            e
            for e in case_events
            if e.name == "case_became_overdue" and (e.day("detected_on") or date.max) <= on
        ]
        marked_details = _marked_details(marked)
        decisions = [
            e
            for e in case_events
            if e.name in ("case_approved", "case_rejected")
            and (e.day("signed_on") or date.max) <= on
        ]
        closed = decisions or [
            e
            for e in case_events
            if e.name in ("case_withdrawn", "dossier_withdrawn")
            and (e.day("withdrawn_on") or date.max) <= on
        ]
        findings += [
            _decided_late(decision, marked, communes.get(case_id))
            for decision in decisions
            if decision.data.get("on_time") is False
        ]
        if closed:
            continue
        steps = [
            e
            for e in case_events
            if e.name in STEP_DONE_ON and (e.day(STEP_DONE_ON[e.name]) or e.recorded_on) <= on
        ]
        latest = steps[-1] if steps else None
        step: str | None = None
        due: date | None = None
        if latest is not None:
            if latest.name == "case_opened":
                step, due = latest.data.get("current_step"), latest.day("current_due_on")
            else:
                step, due = latest.data.get("next_step"), latest.day("next_due_on")
        if latest is not None and step and due and due < on:
            findings.append(
                Finding(
                    case_id=case_id,
                    commune=communes.get(case_id),
                    kind="overdue",
                    summary=(
                        f"Hồ sơ quá hạn ở bước {_step_vi(step)}: hạn {day_vi(due)}, đến "
                        f"{day_vi(on)} chưa giải quyết (quá {lateness_vi(due, on)})."
                    ),
                    details={
                        "step": step,
                        "due_on": due.isoformat(),
                        **_late(due, on),
                        "recorded_overdue": marked_details,
                    },
                    evidence=_evidence([latest.ref, *(e.ref for e in marked)]),
                )
            )
        elif marked:
            last = marked[-1]
            findings.append(
                Finding(
                    case_id=case_id,
                    commune=communes.get(case_id),
                    kind="was_overdue",
                    summary=(
                        f"Hồ sơ đã quá hạn ở bước {_step_vi(last.data.get('step'))} (hạn "
                        f"{day_vi(last.day('due_on') or on)}, ghi nhận ngày "
                        f"{day_vi(last.day('detected_on') or on)}) và đến {day_vi(on)} vẫn "
                        "chưa có quyết định."
                    ),
                    details={
                        "step": step,
                        "due_on": due.isoformat() if due else None,
                        "recorded_overdue": marked_details,
                    },
                    evidence=_evidence(e.ref for e in marked),
                )
            )
    return findings


# --- 3. disability re-determination due ---------------------------------------------------


def redetermination_due(
    determinations: Iterable[tuple[str, Event]],
    on: date,
    statuses: Mapping[UUID, str],
    communes: Mapping[UUID, str | None],
    in_scope: Callable[[UUID], bool] = lambda _: True,
) -> list[Finding]:
    """A person whose latest determination (made by `on`) set a re-determination date on or
    before `on` (a child determined before 6 is determined again at 6, Circular 01/2019), and
    whose case has not ended by then. `determinations` pairs each event with its person key."""
    latest: dict[str, Event] = {}
    for person, event in determinations:
        made = event.day("determined_on")
        if made is None or made > on:
            continue
        known = latest.get(person)
        if known is None or (made, event.ref.order()) > (
            known.day("determined_on") or date.min,
            known.ref.order(),
        ):
            latest[person] = event
    findings = []
    for event in latest.values():
        case_id = event.ref.case_id
        due = event.day("redetermination_due_on")
        if due is None or due > on or statuses.get(case_id) in ENDED or not in_scope(case_id):
            continue
        made = event.day("determined_on")
        assert made is not None
        findings.append(
            Finding(
                case_id=case_id,
                commune=communes.get(case_id),
                kind="redetermination_due",
                summary=(
                    f"Đến hạn xác định lại mức độ khuyết tật ngày {day_vi(due)} (lần xác định "
                    f"gần nhất ngày {day_vi(made)}, khi trẻ chưa đủ 6 tuổi) mà đến {day_vi(on)} "
                    "chưa xác định lại."
                ),
                details={
                    "determined_on": made.isoformat(),
                    "redetermination_due_on": due.isoformat(),
                    "days_overdue": (on - due).days,
                },
                evidence=(event.ref,),
            )
        )
    return findings


# --- 4. the same person paid twice --------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who a case is about, as far as linking goes: btxh's person id, which intake gives the
    same to every dossier of one ID number (the number and its digest stay in intake)."""

    case_id: UUID
    person_id: UUID | None
    in_scope: bool = True


def linked_cases(identities: Iterable[Identity]) -> list[set[UUID]]:
    """Cases of one person: those of the same person id (a case whose person is unknown is
    linked to none)."""
    groups: dict[UUID, set[UUID]] = defaultdict(set)
    for identity in identities:
        if identity.person_id is not None:
            groups[identity.person_id].add(identity.case_id)
    return [g for g in groups.values() if len(g) > 1]


def _paid_spans(
    periods: Iterable[Period], on: date
) -> dict[tuple[UUID, str], list[tuple[date, date]]]:
    """Per case and benefit, the days [from, to) it was in payment, up to `on` included."""
    spans: dict[tuple[UUID, str], list[tuple[date, date]]] = defaultdict(list)
    end_of_view = on + timedelta(days=1)
    for period in sorted(periods, key=lambda p: (p.case_id, p.valid_from)):
        if period.status not in IN_PAYMENT or period.valid_from > on or period.benefit is None:
            continue
        end = min(period.valid_to or end_of_view, end_of_view)
        key = (period.case_id, period.benefit)
        if spans[key] and spans[key][-1][1] == period.valid_from:
            spans[key][-1] = (spans[key][-1][0], end)  # the next period of the same stretch
        else:
            spans[key].append((period.valid_from, end))
    return spans


def _overlap(a: list[tuple[date, date]], b: list[tuple[date, date]]) -> tuple[date, date] | None:
    """The first and last day (exclusive) on which both cases were in payment."""
    found = [
        (max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if max(s1, s2) < min(e1, e2)
    ]
    if not found:
        return None
    return min(s for s, _ in found), max(e for _, e in found)


def active_twice(
    identities: Iterable[Identity],
    periods: Iterable[Period],
    enrolments: Iterable[Event],
    on: date,
    communes: Mapping[UUID, str | None],
) -> list[Finding]:
    """The same person in payment of one benefit in two or more cases at once (two communes,
    two categories): at most one entitlement per benefit is allowed (DOMAIN.md §5.5).
    `active_twice` when both still are on `on`, `overlapped` when they were earlier."""
    known = {i.case_id: i for i in identities}
    spans = _paid_spans(periods, on)
    events = _by_case(enrolments)
    findings = []
    for group in linked_cases(known.values()):
        benefits = {benefit for (case, benefit) in spans if case in group}
        for benefit in sorted(benefits):
            for case_id in sorted(group, key=str):
                if not known[case_id].in_scope or (case_id, benefit) not in spans:
                    continue
                others = []
                for other in sorted(group - {case_id}, key=str):
                    both = _overlap(spans[(case_id, benefit)], spans.get((other, benefit), []))
                    if both is not None:
                        others.append((other, both))
                if not others:
                    continue
                start = min(s for _, (s, _) in others)
                end = max(e for _, (_, e) in others)
                now = end > on
                label = BENEFITS.get(benefit, benefit)
                label = label[:1].lower() + label[1:]
                listed = "; ".join(
                    f"hồ sơ {other} (xã {communes.get(other) or 'không rõ'}, trùng từ "
                    f"{day_vi(s)}{'' if e > on else ' đến ' + day_vi(e - timedelta(days=1))})"
                    for other, (s, e) in others
                )
                summary = (
                    f"Cùng một người đang hưởng {label} ở {len(others) + 1} hồ sơ cùng lúc: hồ sơ "
                    f"này (xã {communes.get(case_id) or 'không rõ'}) và {listed}."
                    if now
                    else f"Cùng một người đã hưởng {label} trùng ở {len(others) + 1} hồ sơ từ "
                    f"{day_vi(start)} đến {day_vi(end - timedelta(days=1))}: hồ sơ này và {listed}."
                )
                findings.append(
                    Finding(
                        case_id=case_id,
                        commune=communes.get(case_id),
                        kind="active_twice" if now else "overlapped",
                        summary=summary,
                        details={
                            "benefit": benefit,
                            "overlap_from": start.isoformat(),
                            "overlap_until": (end - timedelta(days=1)).isoformat(),
                            "other_cases": [
                                {
                                    "case_id": str(other),
                                    "commune": communes.get(other),
                                    "overlap_from": s.isoformat(),
                                    "overlap_until": (e - timedelta(days=1)).isoformat(),
                                    "matched_by": "person_id",
                                }
                                for other, (s, e) in others
                            ],
                        },
                        evidence=_evidence(
                            e.ref
                            for case in (case_id, *(o for o, _ in others))
                            for e in events.get(case, [])
                        ),
                    )
                )
    return findings


# --- 5. wrong amounts ---------------------------------------------------------------------


def owed_by_periods(
    periods: Sequence[Period], valuation: Valuation
) -> Callable[[str], tuple[int, Period] | None]:
    """What a case was owed for a month: the standard level in force on the 1st of the month
    in the province it lived in, times the coefficient of the categories it held that month
    (the state at the month's last day: everything but the approval changes on the 1st, and
    the approval counts for its whole signing month). None: nothing owed that month."""

    def owed(month: str) -> tuple[int, Period] | None:
        end = last_day(month)
        period = next((p for p in periods if p.holds_on(end)), None)
        if period is None or period.status not in IN_PAYMENT:
            return None
        amount = monthly_amount(period.state(end), valuation, first_day(month))
        return None if amount is None else (amount, period)

    return owed


def expected_amounts(
    lines: Sequence[Line], owed: Mapping[str, int]
) -> list[tuple[Line, int, int, int]]:
    """Each allowance line of one case, in the order issued, with (owed for its month, issued
    for the month before it and not returned unpaid, what the line should be). A later line
    for a month pays only what is still owed (a level raised afterwards, a line returned
    unpaid), as payment issues it. Months missing from `owed` owe nothing and are left out."""
    ordered = sorted((x for x in lines if x.kind in ALLOWANCE_KINDS), key=Line.issue_order)
    judged = []
    for index, line in enumerate(ordered):
        due = owed.get(line.month)
        if due is None:
            continue
        before = sum(
            x.amount
            for x in ordered[:index]
            if x.month == line.month and not x.returned_unpaid_before(line)
        )
        judged.append((line, due, before, max(due - before, 0)))
    return judged


def amount_mismatch(
    lines: Iterable[Line], periods: Iterable[Period], on: date, valuation: Valuation
) -> list[Finding]:
    """An allowance line whose amount is not the standard level × coefficient in force for its
    month where the beneficiary lived (less what the month had already been paid)."""
    by_case: dict[UUID, list[Line]] = defaultdict(list)
    for line in lines:
        by_case[line.case_id].append(line)
    periods_of: dict[UUID, list[Period]] = defaultdict(list)
    for period in periods:
        periods_of[period.case_id].append(period)
    findings = []
    for case_id, case_lines in by_case.items():
        valued = owed_by_periods(periods_of[case_id], valuation)
        found = {m: v for m in {x.month for x in case_lines} if (v := valued(m)) is not None}
        owed = {month: amount for month, (amount, _) in found.items()}
        for line, due, before, expected in expected_amounts(case_lines, owed):
            if line.amount == expected:
                continue
            period = found[line.month][1]
            state = period.state(last_day(line.month))
            level = standard_level(state, valuation, first_day(line.month))
            difference = line.amount - expected
            already = f", đã chi trước {vnd(before)} cho tháng này" if before else ""
            findings.append(
                Finding(
                    case_id=case_id,
                    commune=line.commune,
                    kind="too_high" if difference > 0 else "too_low",
                    summary=(
                        f"Dòng chi trả tháng {month_vi(line.month)} (kỳ "
                        f"{month_vi(line.payroll_month)}) là {vnd(line.amount)}, trong khi mức "
                        f"đúng là {vnd(expected)} (mức chuẩn "
                        f"{vnd(level) if level is not None else 'không rõ'}, hệ số "
                        f"{coefficient_vi(period.coefficient)}{already}): "
                        f"{'thừa' if difference > 0 else 'thiếu'} {vnd(abs(difference))}."
                    ),
                    details={
                        **_line_details(line, on),
                        "expected": expected,
                        "owed_for_month": due,
                        "already_issued_for_month": before,
                        "difference": difference,
                        "standard_level": level,
                        "coefficient": period.coefficient,
                        "categories_held": dict(period.categories_held),
                    },
                    evidence=_evidence(line.refs()),
                )
            )
    return findings


# --- 6. not collected for three months ----------------------------------------------------


def not_collected_runs(
    lines: Iterable[Line], on: date, minimum: int = NOT_COLLECTED_MONTHS
) -> list[list[str]]:
    """Runs of `minimum` or more consecutive payroll months in which every allowance line of
    the case was reported not collected (by `on`)."""
    by_payroll: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        if line.kind in ALLOWANCE_KINDS:
            by_payroll[line.payroll_month].append(line)
    missed = sorted(
        month
        for month, found in by_payroll.items()
        if all(x.result_on(on) == "not_collected" for x in found)
    )
    runs: list[list[str]] = []
    for month in missed:
        if runs and next_month(runs[-1][-1]) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [run for run in runs if len(run) >= minimum]


def not_collected(
    lines: Iterable[Line],
    follow_ups: Iterable[Event],
    on: date,
    communes: Mapping[UUID, str | None],
) -> list[Finding]:
    """Three or more consecutive payroll months not collected (Circular 02/2021 Art. 2.3: a
    ground for suspension), and what followed: a suspension decided, only proposed, or nothing."""
    by_case: dict[UUID, list[Line]] = defaultdict(list)
    for line in lines:
        by_case[line.case_id].append(line)
    later = _by_case(follow_ups)
    findings = []
    for case_id, case_lines in by_case.items():
        for run in not_collected_runs(case_lines, on):
            in_run = [x for x in case_lines if x.payroll_month in run and x.kind in ALLOWANCE_KINDS]
            current = [x for x in in_run if x.kind == "current"] or in_run
            amount = sum(x.amount for x in current)
            suspended = [
                e
                for e in later.get(case_id, [])
                if e.name == "entitlement_suspended"
                and str(e.data.get("from_month", "")) >= run[0]
                and (e.day("decided_on") or e.recorded_on) <= on
            ]
            proposed = [
                e
                for e in later.get(case_id, [])
                # made by payment when the run's last month was reported: in effect with it
                if e.name == "suspension_proposed" and set(e.data.get("months") or ()) & set(run)
            ]
            if suspended:
                kind = "suspended"
                decision = suspended[0]
                follow = (
                    f"đã tạm dừng từ tháng {month_vi(str(decision.data.get('from_month')))} "
                    f"(quyết định số {decision.data.get('decision_number')})"
                )
            elif proposed:
                kind, follow = "suspension_proposed", "đã đề xuất tạm dừng nhưng chưa có quyết định"
            else:
                kind, follow = "no_action", "chưa đề xuất tạm dừng"
            findings.append(
                Finding(
                    case_id=case_id,
                    commune=in_run[-1].commune or communes.get(case_id),
                    kind=kind,
                    summary=(
                        f"Không nhận trợ cấp {len(run)} tháng liên tiếp (kỳ chi "
                        f"{months_vi(run)}), {vnd(amount)} chưa nhận; {follow}."
                    ),
                    details={
                        "payroll_months": run,
                        "amount_not_collected": amount,
                        "lines": [
                            _line_details(x, on) for x in sorted(in_run, key=Line.issue_order)
                        ],
                        "suspension_proposed": bool(proposed),
                        "suspended": bool(suspended),
                    },
                    evidence=_evidence(
                        [
                            *(x.settled for x in in_run),
                            *(e.ref for e in proposed),
                            *(e.ref for e in suspended),
                        ]
                    ),
                )
            )
    return findings


# --- 7. health-insurance notices ----------------------------------------------------------


@dataclass(frozen=True)
class NoticeDue:
    """An event that calls for a notice, and the day from which the notice is owed."""

    kind: str
    required_on: date
    reason: str
    events: tuple[EventRef, ...]


def notices_due(case_events: Sequence[Event]) -> list[NoticeDue]:
    """An increase (báo tăng) from the day the entitlement was decided to start: the approval's
    signing, or the 1st of the first month paid when that is later (an enrolment held behind
    another case); a decrease (báo giảm) from the signing of the cessation decision."""
    approvals = [e for e in case_events if e.name == "case_approved"]
    due = []
    for event in case_events:
        if event.name == "beneficiary_enrolled":
            approval = approvals[-1] if approvals else None
            start = first_day(str(event.data["from_month"]))
            signed = approval.day("signed_on") if approval else None
            required = max(signed, start) if signed else max(event.recorded_on, start)
            number = event.data.get("decision_number")
            due.append(
                NoticeDue(
                    "increase",
                    required,
                    f"hưởng từ tháng {month_vi(str(event.data['from_month']))} theo quyết định "
                    f"số {number}",
                    tuple(x.ref for x in (approval, event) if x is not None),
                )
            )
        elif event.name == "entitlement_ceased":
            reason = str(event.data.get("reason"))
            due.append(
                NoticeDue(
                    "decrease",
                    event.day("signed_on") or event.recorded_on,
                    f"thôi hưởng ({CESSATION_REASONS.get(reason, reason).lower()}) theo quyết "
                    f"định số {event.data.get('decision_number')}",
                    (event.ref,),
                )
            )
    return due


NOTICE_KINDS_VI = {"increase": "báo tăng", "decrease": "báo giảm"}


def late_notices(
    events: Iterable[Event], on: date, limits: Limits, communes: Mapping[UUID, str | None]
) -> list[Finding]:
    """Each enrolment and cessation in force by `on`, paired in order with the case's notices
    of the same kind recorded by `on`: `*_late` when the notice was recorded after the
    deadline, `*_missing` when there is none and the deadline has passed."""
    unit = "working" if limits.notice_in_working_days else "calendar"
    findings = []
    for case_id, case_events in _by_case(events).items():
        sent: dict[str, list[Event]] = defaultdict(list)
        for event in case_events:
            if event.name == "health_insurance_notice" and event.recorded_on <= on:
                sent[str(event.data.get("kind"))].append(event)
        owed: dict[str, int] = defaultdict(int)
        for need in notices_due(case_events):
            index = owed[need.kind]
            owed[need.kind] += 1
            if need.required_on > on:
                continue
            notice = sent[need.kind][index] if index < len(sent[need.kind]) else None
            last = deadline(need.required_on, limits)
            word = NOTICE_KINDS_VI[need.kind]
            common = {
                "notice": need.kind,
                "required_on": need.required_on.isoformat(),
                "due_on": last.isoformat(),
                "threshold": {"days": limits.notice_days, "unit": unit},
            }
            if notice is not None:
                if notice.recorded_on <= last:
                    continue
                findings.append(
                    Finding(
                        case_id=case_id,
                        commune=communes.get(case_id),
                        kind=f"{need.kind}_late",
                        summary=(
                            f"{word.capitalize()} BHYT chậm: phát sinh ngày "
                            f"{day_vi(need.required_on)} ({need.reason}), hạn {day_vi(last)}, "
                            f"gửi ngày {day_vi(notice.recorded_on)} (chậm "
                            f"{lateness_vi(last, notice.recorded_on)})."
                        ),
                        details={
                            **common,
                            "sent_on": notice.recorded_on.isoformat(),
                            **_late(last, notice.recorded_on),
                        },
                        evidence=_evidence([*need.events, notice.ref]),
                    )
                )
            elif on > last:
                findings.append(
                    Finding(
                        case_id=case_id,
                        commune=communes.get(case_id),
                        kind=f"{need.kind}_missing",
                        summary=(
                            f"Chưa {word} BHYT: phát sinh ngày {day_vi(need.required_on)} "
                            f"({need.reason}), hạn {day_vi(last)}, đến {day_vi(on)} chưa gửi "
                            f"(quá {lateness_vi(last, on)})."
                        ),
                        details={**common, "sent_on": None, **_late(last, on)},
                        evidence=_evidence(need.events),
                    )
                )
    return findings


# --- reading the projection ---------------------------------------------------------------


def _params(scope: Scope, **extra: Any) -> dict[str, Any]:
    return {"on": scope.on, "case_id": scope.case_id, "commune": scope.commune, **extra}


def _in_scope(schema: str, column: sql.Composable) -> sql.Composed:
    """Whether the case in `column` is asked about: the one case, or a case whose recorded or
    2025 commune is the commune, or that a payroll of the commune paid."""
    return sql.SQL(
        "((%(case_id)s::uuid IS NULL OR {col} = %(case_id)s::uuid)"
        " AND (%(commune)s::text IS NULL OR {col} IN ("
        "SELECT case_id FROM {register} WHERE residence_code = %(commune)s"
        " OR commune_code = %(commune)s"
        " UNION SELECT case_id FROM {lines} WHERE commune = %(commune)s)))"
    ).format(
        col=column,
        register=sql.Identifier(schema, "register"),
        lines=sql.Identifier(schema, "payroll_line"),
    )


EVENT_COLUMNS = sql.SQL(
    "h.case_id, h.source, h.originator_id, h.version, h.type, h.recorded_at, h.message_id, h.data"
)


def events_in_scope(
    conn: psycopg.Connection[Any], schema: str, scope: Scope, types: Sequence[str]
) -> list[Event]:
    rows = conn.execute(
        sql.SQL(
            "SELECT {columns} FROM {history} AS h WHERE h.type = ANY(%(types)s) AND {scope}"
            " ORDER BY h.case_id, h.recorded_at, h.source, h.version"
        ).format(
            columns=EVENT_COLUMNS,
            history=sql.Identifier(schema, "case_history"),
            scope=_in_scope(schema, sql.SQL("h.case_id")),
        ),
        _params(scope, types=list(types)),
    ).fetchall()
    return [Event.of(row) for row in rows]


def events_of(
    conn: psycopg.Connection[Any], schema: str, case_ids: Iterable[UUID], types: Sequence[str]
) -> list[Event]:
    rows = conn.execute(
        sql.SQL(
            "SELECT {columns} FROM {history} AS h WHERE h.case_id = ANY(%s) AND h.type = ANY(%s)"
            " ORDER BY h.case_id, h.recorded_at, h.source, h.version"
        ).format(columns=EVENT_COLUMNS, history=sql.Identifier(schema, "case_history")),
        (list(case_ids), list(types)),
    ).fetchall()
    return [Event.of(row) for row in rows]


def communes_of(
    conn: psycopg.Connection[Any], schema: str, case_ids: Iterable[UUID]
) -> dict[UUID, str | None]:
    """Each case's commune: its 2025 commune, else the code recorded (a split commune)."""
    rows = conn.execute(
        sql.SQL(
            "SELECT case_id, coalesce(commune_code, residence_code) AS commune FROM {}"
            " WHERE case_id = ANY(%s)"
        ).format(sql.Identifier(schema, "register")),
        (list(case_ids),),
    ).fetchall()
    return {row["case_id"]: row["commune"] for row in rows}


_REF_COLUMNS = ("source", "originator_id", "version", "type", "recorded_at", "message_id")


def lines_in_scope(
    conn: psycopg.Connection[Any],
    schema: str,
    scope: Scope,
    *,
    kinds: Sequence[str] | None = None,
    case_ids: Iterable[UUID] | None = None,
) -> list[Line]:
    """Payroll lines of payrolls up to `on`'s month, with the event that issued each line and
    the latest that settled it."""
    history = sql.Identifier(schema, "case_history")
    refs = sql.SQL(", ").join(sql.Identifier(c) for c in _REF_COLUMNS)

    def aliased(prefix: str) -> sql.Composed:
        return sql.SQL(", ").join(
            sql.SQL("{}.{} AS {}").format(
                sql.Identifier(prefix), sql.Identifier(c), sql.Identifier(f"{prefix}_{c}")
            )
            for c in _REF_COLUMNS
        )

    condition = (
        sql.SQL("l.case_id = ANY(%(cases)s)")
        if case_ids is not None
        else _in_scope(schema, sql.SQL("l.case_id"))
    )
    rows = conn.execute(
        sql.SQL(
            "SELECT l.line_id, l.case_id, l.payroll_month, l.month, l.amount, l.kind, l.commune,"
            " l.result, l.settled_on, {issued}, {settled} FROM {lines} AS l"
            " LEFT JOIN LATERAL (SELECT {refs} FROM {history} AS h WHERE h.case_id = l.case_id"
            " AND h.type = %(issued_type)s"
            " AND h.data -> 'lines' @> jsonb_build_array(jsonb_build_object('line_id', l.line_id))"
            " ORDER BY h.recorded_at, h.version LIMIT 1) AS i ON true"
            " LEFT JOIN LATERAL (SELECT {refs} FROM {history} AS h WHERE h.case_id = l.case_id"
            " AND h.type = %(settled_type)s AND h.data ->> 'line_id' = l.line_id"
            " ORDER BY h.recorded_at DESC, h.version DESC LIMIT 1) AS s ON true"
            " WHERE l.payroll_month <= to_char(%(on)s::date, 'YYYY-MM')"
            " AND (%(kinds)s::text[] IS NULL OR l.kind = ANY(%(kinds)s::text[])) AND {condition}"
        ).format(
            issued=aliased("i"),
            settled=aliased("s"),
            lines=sql.Identifier(schema, "payroll_line"),
            refs=refs,
            history=history,
            condition=condition,
        ),
        _params(
            scope,
            kinds=list(kinds) if kinds is not None else None,
            cases=list(case_ids) if case_ids is not None else None,
            issued_type=LINES_ISSUED,
            settled_type=LINE_SETTLED,
        ),
    ).fetchall()
    return [
        Line(
            line_id=row["line_id"],
            case_id=row["case_id"],
            payroll_month=row["payroll_month"],
            month=row["month"],
            amount=int(row["amount"]),
            kind=row["kind"],
            commune=row["commune"],
            result=row["result"],
            settled_on=row["settled_on"],
            issued=EventRef.of(row, "i_") if row["i_source"] is not None else None,
            settled=EventRef.of(row, "s_") if row["s_source"] is not None else None,
        )
        for row in rows
    ]


def periods_of(
    conn: psycopg.Connection[Any], schema: str, case_ids: Iterable[UUID]
) -> list[Period]:
    rows = conn.execute(
        sql.SQL(
            "SELECT case_id, valid_from, valid_to, status, benefit, categories_held, coefficient,"
            " residence_scheme, residence_code, person_id FROM {} WHERE case_id = ANY(%s)"
            " ORDER BY case_id, valid_from"
        ).format(sql.Identifier(schema, "register_period")),
        (list(case_ids),),
    ).fetchall()
    return [
        Period(
            case_id=row["case_id"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            status=row["status"],
            benefit=row["benefit"],
            categories_held={str(k): int(v) for k, v in (row["categories_held"] or {}).items()},
            coefficient=row["coefficient"],
            residence_scheme=row["residence_scheme"],
            residence_code=row["residence_code"],
            person_id=row["person_id"],
        )
        for row in rows
    ]


def _run_payments_after_death(
    conn: psycopg.Connection[Any],
    schema: str,
    scope: Scope,
    limits: Limits,
    valuation: Valuation,
) -> list[Finding]:
    ceased = [
        e for e in events_in_scope(conn, schema, scope, [CEASED]) if e.data.get("reason") == "death"
    ]
    cases = sorted({e.ref.case_id for e in ceased}, key=str)
    if not cases:
        return []
    lines = lines_in_scope(conn, schema, scope, case_ids=cases)
    funerals = events_of(conn, schema, cases, [FUNERAL_DECIDED])
    return payments_after_death(ceased, lines, scope.on, communes_of(conn, schema, cases), funerals)


def _run_overdue(
    conn: psycopg.Connection[Any],
    schema: str,
    scope: Scope,
    limits: Limits,
    valuation: Valuation,
) -> list[Finding]:
    events = events_in_scope(
        conn,
        schema,
        scope,
        [*STEPS, OVERDUE, APPROVED, REJECTED, WITHDRAWN, DOSSIER_WITHDRAWN],
    )
    cases = {e.ref.case_id for e in events}
    return overdue_dossiers(events, scope.on, communes_of(conn, schema, cases))


def _run_redetermination(
    conn: psycopg.Connection[Any],
    schema: str,
    scope: Scope,
    limits: Limits,
    valuation: Valuation,
) -> list[Finding]:
    rows = conn.execute(
        sql.SQL(
            "WITH d AS (SELECT {columns}, coalesce(r.person_id::text, h.case_id::text) AS person,"
            " {scope} AS in_scope FROM {history} AS h LEFT JOIN {register} AS r"
            " ON r.case_id = h.case_id WHERE h.type = %(type)s"
            " AND (h.data ->> 'determined_on')::date <= %(on)s)"
            " SELECT * FROM d WHERE person IN (SELECT person FROM d WHERE in_scope)"
        ).format(
            columns=EVENT_COLUMNS,
            scope=_in_scope(schema, sql.SQL("h.case_id")),
            history=sql.Identifier(schema, "case_history"),
            register=sql.Identifier(schema, "register"),
        ),
        _params(scope, type=DETERMINED),
    ).fetchall()
    if not rows:
        return []
    cases = {row["case_id"] for row in rows}
    chosen = {row["case_id"] for row in rows if row["in_scope"]}
    statuses = {
        p.case_id: p.status for p in periods_of(conn, schema, cases) if p.holds_on(scope.on)
    }
    return redetermination_due(
        [(row["person"], Event.of(row)) for row in rows],
        scope.on,
        statuses,
        communes_of(conn, schema, cases),
        chosen.__contains__,
    )


def _run_active_twice(
    conn: psycopg.Connection[Any],
    schema: str,
    scope: Scope,
    limits: Limits,
    valuation: Valuation,
) -> list[Finding]:
    register = sql.Identifier(schema, "register")
    periods = sql.Identifier(schema, "register_period")
    rows = conn.execute(
        sql.SQL(
            "WITH ids AS (SELECT r.case_id, coalesce(r.person_id, (SELECT p.person_id FROM"
            " {periods} AS p WHERE p.case_id = r.case_id AND p.person_id IS NOT NULL"
            " ORDER BY p.valid_from DESC LIMIT 1)) AS person_id"
            " FROM {register} AS r),"
            " shared AS (SELECT * FROM ids WHERE person_id IN (SELECT person_id FROM ids"
            " WHERE person_id IS NOT NULL GROUP BY person_id HAVING count(*) > 1))"
            " SELECT s.case_id, s.person_id, {scope} AS in_scope FROM shared AS s"
        ).format(periods=periods, register=register, scope=_in_scope(schema, sql.SQL("s.case_id"))),
        _params(scope),
    ).fetchall()
    if not rows:
        return []
    identities = [Identity(row["case_id"], row["person_id"], bool(row["in_scope"])) for row in rows]
    cases = [i.case_id for i in identities]
    return active_twice(
        identities,
        periods_of(conn, schema, cases),
        events_of(conn, schema, cases, [APPROVED, ENROLLED]),
        scope.on,
        communes_of(conn, schema, cases),
    )


def _run_amount_mismatch(
    conn: psycopg.Connection[Any],
    schema: str,
    scope: Scope,
    limits: Limits,
    valuation: Valuation,
) -> list[Finding]:
    lines = lines_in_scope(conn, schema, scope, kinds=ALLOWANCE_KINDS)
    if not lines:
        return []
    cases = {x.case_id for x in lines}
    return amount_mismatch(lines, periods_of(conn, schema, cases), scope.on, valuation)


def _run_not_collected(
    conn: psycopg.Connection[Any],
    schema: str,
    scope: Scope,
    limits: Limits,
    valuation: Valuation,
) -> list[Finding]:
    lines = lines_in_scope(conn, schema, scope, kinds=ALLOWANCE_KINDS)
    cases = {x.case_id for x in lines if x.result == "not_collected"}
    if not cases:
        return []
    mine = [x for x in lines if x.case_id in cases]
    follow_ups = events_of(conn, schema, cases, [PROPOSED, SUSPENDED])
    return not_collected(mine, follow_ups, scope.on, communes_of(conn, schema, cases))


def _run_notices(
    conn: psycopg.Connection[Any],
    schema: str,
    scope: Scope,
    limits: Limits,
    valuation: Valuation,
) -> list[Finding]:
    events = events_in_scope(conn, schema, scope, [APPROVED, ENROLLED, CEASED, NOTICE])
    cases = {e.ref.case_id for e in events}
    return late_notices(events, scope.on, limits, communes_of(conn, schema, cases))


# --- the catalogue ------------------------------------------------------------------------


Runner = Callable[[psycopg.Connection[Any], str, Scope, Limits, Valuation], list[Finding]]


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    description: str
    run: Runner = field(repr=False)


CHECKS: dict[str, Check] = {
    check.code: check
    for check in (
        Check(
            "payments_after_death",
            "Chi trả sau khi chết",
            "Allowance lines paid for a month after the month of death (the allowance stops "
            "from the month after, Decree 20/2021 Art. 8): kind paid_after_death; and funeral "
            "support paid while allowance after the death was also paid: kind "
            "funeral_support_while_allowance_paid. Evidence: the cessation for death, the "
            "events that issued and settled each line.",
            _run_payments_after_death,
        ),
        Check(
            "overdue_dossiers",
            "Hồ sơ quá hạn",
            "Dossiers without a decision on `on` whose current step is past its due date "
            "(overdue), or that were recorded overdue at an earlier step (was_overdue); and "
            "decisions signed after their due date (decided_late). Evidence: the step event "
            "that set the due date, the overdue records, the decision.",
            _run_overdue,
        ),
        Check(
            "redetermination_due",
            "Chưa xác định lại mức độ khuyết tật",
            "A person whose latest disability determination set a re-determination date (the "
            "6th birthday of a child determined before 6) on or before `on`, with no later "
            "determination and a case still open. Evidence: the determination.",
            _run_redetermination,
        ),
        Check(
            "active_twice",
            "Hưởng trùng",
            "The same person (btxh person id, or the same ID number) in payment of one benefit "
            "in two or more cases at once: still on `on` (active_twice) or earlier "
            "(overlapped). Evidence: each case's approval and enrolment.",
            _run_active_twice,
        ),
        Check(
            "amount_mismatch",
            "Sai mức trợ cấp",
            "A current or arrears line whose amount is not the standard level in force on the "
            "1st of its month in the beneficiary's province × the coefficient of the "
            "categories held that month (less what the month was already paid): too_high or "
            "too_low. Evidence: the event that issued the line (and settled it).",
            _run_amount_mismatch,
        ),
        Check(
            "not_collected_3_months",
            "Không nhận trợ cấp 3 tháng liên tiếp",
            "Three or more consecutive payroll months whose allowance lines were all reported "
            "not collected (Circular 02/2021 Art. 2.3), by what followed: suspended, "
            "suspension_proposed or no_action. Evidence: the settlements, the proposal and "
            "the suspension.",
            _run_not_collected,
        ),
        Check(
            "late_health_insurance_notices",
            "Báo tăng/giảm BHYT chậm",
            "Health-insurance increase (from the approval's signing or the first month paid) "
            "and decrease (from the cessation's signing) notices recorded after the deadline "
            "(increase_late, decrease_late) or not recorded by `on` although it passed "
            "(increase_missing, decrease_missing). The deadline is configured "
            "(BTXH_HEALTH_INSURANCE_NOTICE_DAYS, default 5 working days) because the law "
            "found gives none. Evidence: the approval, enrolment or cessation, and the notice.",
            _run_notices,
        ),
    )
}


def run_check(
    conn: psycopg.Connection[Any],
    schema: str,
    code: str,
    scope: Scope,
    limits: Limits,
    valuation: Valuation,
) -> list[Finding]:
    """Every finding of a check for the scope, in a stable order (commune, case, kind)."""
    found = CHECKS[code].run(conn, schema, scope, limits, valuation)
    return sorted(found, key=Finding.sort_key)
