"""The state of a case on any date, folded from its history (what inspectors ask of the register).

Two times matter (DOMAIN.md §7, §9.2): when an event *took effect* (a cessation from the month
after a death, an approval on its signing date, a move from the month the old commune stopped)
and when it was *recorded* (the death may have been reported months later). `state_as_of(on)`
answers what was in force on `on` by effective time, using every event known now, or only
those recorded by `known_at` when given (what the system knew then).

The fold is order-free: events are sorted by their effective date, then by when they were
recorded, so events that reached reporting out of order (an approval before its dossier, a
payment before its enrolment) give the same state as in-order ones, and a duplicate changes
nothing because history keeps one row per (service, stream, version).

Residence codes stay as recorded (old scheme before 1 July 2025); `rolled_up` maps them to a
2025-scheme commune through the versioned old -> new table. An old commune split among
several new ones is never guessed: it needs a per-case resolution (a later residence recorded
in the 2025 scheme), until then the case has no current commune, only candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from reference.admin_units import DVHC_2004_3LEVEL, DVHC_2025_2LEVEL, AdminUnits
from reference.months import first_day
from reference.policy import PolicyError
from reference.valuation import Valuation
from reference.working_days import VIETNAM

#: Event types (the part after "vn.btxh.<service>.") that change the state of a case.
STATE_EVENTS = frozenset(
    {
        "dossier_received",
        "dossier_withdrawn",
        "case_opened",
        "case_approved",
        "case_rejected",
        "case_withdrawn",
        "beneficiary_enrolled",
        "entitlement_adjusted",
        "entitlement_suspended",
        "suspension_lifted",
        "entitlement_ceased",
        "beneficiary_moved_out",
        "beneficiary_moved_in",
        "disability_level_determined",
        "payment_channel_changed",
        "jurisdiction_resolved",
        "beneficiary_transferred_by_reorganisation",
        "funeral_claim_received",
        "funeral_support_decided",
    }
)

#: The benefit of a funeral claim case (a person of 80 or more with no btxh allowance).
FUNERAL_CLAIM_BENEFIT = "funeral_support"

STATUSES = ("received", "approved", "rejected", "withdrawn", "active", "suspended", "ceased")


def short_type(event_type: str) -> str:
    """'vn.btxh.payment.entitlement_ceased' -> 'entitlement_ceased'."""
    return event_type.rsplit(".", 1)[-1]


def _date(raw: Any) -> date | None:
    if raw is None or isinstance(raw, date):
        return raw
    return date.fromisoformat(str(raw))


def recorded_day(recorded_at: datetime) -> date:
    """The date in Vietnam on which an event was recorded."""
    if recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=UTC)
    return recorded_at.astimezone(VIETNAM).date()


def effective_on(event_type: str, data: Mapping[str, Any], recorded_at: datetime) -> date:
    """The date an event took effect: its decision, receipt or first month; else its recording."""
    kind = short_type(event_type)
    found: date | None = None
    if kind == "dossier_received":
        found = _date(data.get("received_on"))
    elif kind == "case_opened":
        found = _date(data.get("dossier_received_on"))
    elif kind in ("case_approved", "case_rejected"):
        found = _date(data.get("signed_on"))
    elif kind in ("case_withdrawn", "dossier_withdrawn"):
        found = _date(data.get("withdrawn_on"))
    elif kind == "disability_level_determined":
        found = _date(data.get("determined_on"))
    elif kind == "payment_channel_changed":
        found = _date(data.get("decided_on"))
    elif kind == "jurisdiction_resolved":
        # Which 2025 commune a split old one means for this case: true of every date.
        found = date.min
    elif data.get("from_month"):
        found = first_day(str(data["from_month"]))
    else:
        found = next((_date(data[key]) for key in ACT_DATES if data.get(key)), None)
    return found or recorded_day(recorded_at)


#: The date an act says it was done on, for events with no rule of their own above.
ACT_DATES = (
    "signed_on",
    "decided_on",
    "reviewed_on",
    "posted_from",
    "sent_on",
    "appraised_on",
    "settled_on",
    "concluded_on",
    "received_on",
    "reached_on",
    "supplemented_on",
    "detected_on",
)


@dataclass(frozen=True)
class Fact:
    """One event of a case, as the fold needs it."""

    type: str
    data: Mapping[str, Any]
    recorded_at: datetime
    effective_on: date
    source: str
    version: int

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Fact:
        data = row["data"]
        return cls(
            type=short_type(row["type"]),
            data=data,
            recorded_at=row["recorded_at"],
            effective_on=effective_on(row["type"], data, row["recorded_at"]),
            source=row["source"],
            version=int(row["version"]),
        )

    def order(self) -> tuple[date, datetime, str, int]:
        return (self.effective_on, self.recorded_at, self.source, self.version)


@dataclass(frozen=True)
class Residence:
    scheme: str
    code: str
    name: str | None = None


@dataclass(frozen=True)
class RolledUp:
    """A recorded residence seen in today's units: the 2025 commune and province, if known."""

    commune_code: str | None
    province_code: str | None
    #: 2025 communes an unresolved split commune went into (empty when resolved).
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseState:
    """What was in force for one case on one date."""

    case_id: UUID
    on: date
    status: str
    benefit: str | None = None
    category: str | None = None
    categories_held: Mapping[str, int] = field(default_factory=dict)
    coefficient: str | None = None
    residence: Residence | None = None
    commune_code: str | None = None
    province_code: str | None = None
    commune_candidates: tuple[str, ...] = ()
    person_id: str | None = None
    full_name: str | None = None
    date_of_birth: date | None = None
    received_on: date | None = None
    #: The grant (or refusal): its number, date, signer, authority and legal basis.
    decision_number: str | None = None
    signed_on: date | None = None
    signer: str | None = None
    authority: str | None = None
    legal_basis: tuple[str, ...] = ()
    decided_amount: int | None = None
    effective_month: str | None = None
    enrolled_from: str | None = None
    channel: str | None = None
    suspended_from: str | None = None
    suspension_ground: str | None = None
    ceased_from: str | None = None
    cessation_reason: str | None = None
    died_on: date | None = None
    disability_level: str | None = None
    redetermination_due_on: date | None = None
    moving_to: Residence | None = None
    rejection_reasons: tuple[str, ...] = ()
    withdrawn_on: date | None = None
    #: The latest decision that changed the case (grant, adjustment, suspension, lift, move,
    #: cessation): what a register row of the period rests on.
    last_decision_number: str | None = None
    last_decision_on: date | None = None

    def period_key(self) -> tuple[Any, ...]:
        """What a register period holds: a new period starts when any of these changes."""
        residence = (self.residence.scheme, self.residence.code) if self.residence else None
        return (
            self.status,
            self.benefit,
            self.category,
            tuple(sorted(self.categories_held.items())),
            self.coefficient,
            residence,
            self.commune_code,
            self.province_code,
            self.person_id,
            self.last_decision_number,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _residence(raw: Any) -> Residence | None:
    if not isinstance(raw, Mapping) or not raw.get("code"):
        return None
    return Residence(str(raw.get("scheme")), str(raw["code"]), raw.get("name"))


def _fill(state: dict[str, Any], **values: Any) -> None:
    """Set what is not known yet: a decision's facts win over the application's."""
    for name, value in values.items():
        if state.get(name) is None:
            state[name] = value


def _apply(state: dict[str, Any], fact: Fact, valuation: Valuation) -> None:
    """One event's contribution; flags decide the status at the end (never arrival order)."""
    data, kind = fact.data, fact.type
    if kind == "dossier_received":
        applicant = data.get("applicant") or {}
        state.update(
            has_dossier=True,
            person_id=state.get("person_id") or data.get("person_id"),
            full_name=applicant.get("full_name"),
            date_of_birth=_date(applicant.get("date_of_birth")),
            received_on=_date(data.get("received_on")),
        )
        _fill(state, benefit=data.get("benefit"), category=data.get("category"))
        if not state.get("decided_residence"):
            state["residence"] = _residence(data.get("residence")) or state.get("residence")
    elif kind == "funeral_claim_received":
        # The deceased's own case: no name on the bus, the death and the place of it.
        state.update(
            has_dossier=True,
            funeral_claim=True,
            person_id=state.get("person_id") or data.get("person_id"),
            received_on=_date(data.get("received_on")),
            died_on=_date(data.get("died_on")),
            benefit=FUNERAL_CLAIM_BENEFIT,
        )
        state["residence"] = _residence(data.get("residence")) or state.get("residence")
    elif kind == "funeral_support_decided":
        # Decided on a funeral claim case, the decision is the case's own: it grants the claim.
        # On an allowance case it changes nothing the register shows (the history keeps it).
        if data.get("deceased") == "person_80_plus":
            state.update(
                approved=True,
                decision_number=data.get("decision_number"),
                signed_on=_date(data.get("signed_on")),
                decided_amount=data.get("amount"),
            )
            _decided(state, data)
    elif kind == "case_opened":
        _fill(
            state,
            benefit=data.get("benefit"),
            category=data.get("category"),
            residence=_residence(data.get("residence")),
        )
    elif kind == "case_approved":
        held = _held_by_approval(data, valuation)
        state.update(
            approved=True,
            benefit=data.get("benefit"),
            category=valuation.category_paid(held, fact.effective_on) or data.get("category"),
            categories_held=held,
            coefficient=data.get("coefficient"),
            decision_number=data.get("decision_number"),
            signed_on=_date(data.get("signed_on")),
            signer=data.get("signer"),
            authority=data.get("authority"),
            legal_basis=tuple(data.get("legal_basis") or ()),
            decided_amount=data.get("monthly_amount"),
            effective_month=data.get("effective_month"),
            person_id=data.get("person_id") or state.get("person_id"),
        )
        _decided(state, data)
        if not state.get("moved_in"):
            state["residence"] = _residence(data.get("residence")) or state.get("residence")
            state["decided_residence"] = True
    elif kind == "case_rejected":
        state.update(
            rejected=True,
            decision_number=data.get("decision_number"),
            signed_on=_date(data.get("signed_on")),
            signer=data.get("signer"),
            authority=data.get("authority"),
            legal_basis=tuple(data.get("legal_basis") or ()),
            rejection_reasons=tuple(data.get("reasons") or ()),
        )
        _decided(state, data)
    elif kind in ("case_withdrawn", "dossier_withdrawn"):
        state["withdrawn_on"] = _date(data.get("withdrawn_on"))
    elif kind == "beneficiary_enrolled":
        state.update(enrolled=True, enrolled_from=data.get("from_month"))
        state.setdefault("channel", "post_office")
    elif kind == "entitlement_adjusted":
        held = {str(c): int(u) for c, u in (data.get("categories") or {}).items()}
        state["categories_held"] = held
        _decided(state, data)
        if held:
            state["category"] = valuation.category_paid(held, fact.effective_on)
            state["coefficient"] = _coefficient(state["category"], fact.effective_on, valuation)
    elif kind == "entitlement_suspended":
        state.update(suspended_from=data.get("from_month"), suspension_ground=data.get("ground"))
        _decided(state, data)
    elif kind == "suspension_lifted":
        state.update(suspended_from=None, suspension_ground=None)
        _decided(state, data)
    elif kind == "entitlement_ceased":
        state.update(ceased_from=data.get("from_month"), cessation_reason=data.get("reason"))
        _decided(state, data)
        if data.get("reason") == "death":
            state["died_on"] = _date(data.get("event_date"))
    elif kind == "beneficiary_moved_out":
        state["moving_to"] = _residence(data.get("to_residence"))
    elif kind == "beneficiary_moved_in":
        state.update(
            residence=_residence(data.get("residence")),
            moved_in=True,
            moving_to=None,
        )
        _decided(state, data)
    elif kind == "beneficiary_transferred_by_reorganisation":
        # From July 2025 the 2025 commune that took over the old one; before, the old one.
        state["residence"] = _residence(data.get("to_residence")) or state.get("residence")
    elif kind == "disability_level_determined":
        state.update(
            disability_level=data.get("level"),
            redetermination_due_on=_date(data.get("redetermination_due_on")),
        )
    elif kind == "payment_channel_changed":
        state["channel"] = data.get("channel")
    elif kind == "jurisdiction_resolved":
        old, new = _residence(data.get("from_residence")), _residence(data.get("to_residence"))
        if old is not None and new is not None:
            state["resolved"] = (old.scheme, old.code, new.code)


def _held_by_approval(data: Mapping[str, Any], valuation: Valuation) -> dict[str, int]:
    """Categories an approval holds, with units; approvals published before units travelled
    (v3 and older) get them from the decision's coefficient, as payment does."""
    codes = [str(c) for c in data.get("categories_held") or [data.get("category")] if c]
    listed = data.get("categories") or [{"code": code, "units": None} for code in codes]
    residence = _residence(data.get("residence"))
    signed_on = _date(data.get("signed_on")) or date.today()
    try:
        return valuation.held_by_approval(
            listed, data.get("coefficient") or "0", _place(residence), signed_on
        )
    except PolicyError:
        return {str(item["code"]): int(item.get("units") or 1) for item in listed}


def _decided(state: dict[str, Any], data: Mapping[str, Any]) -> None:
    """Remember the event's decision as the latest one, if it names one."""
    if data.get("decision_number"):
        state["last_decision_number"] = data["decision_number"]
        state["last_decision_on"] = _date(data.get("signed_on") or data.get("decided_on"))


def _coefficient(category: str | None, on: date, valuation: Valuation) -> str | None:
    if category is None:
        return None
    try:
        return str(valuation.policy.in_force(None, on).category(category).coefficient)
    except PolicyError:
        return None


def _status(state: Mapping[str, Any], on: date) -> str:
    """Same precedence as the register's: the most advanced fact in force wins."""
    month = f"{on.year:04d}-{on.month:02d}"
    ceased = state.get("ceased_from")
    suspended = state.get("suspended_from")
    if state.get("approved") and state.get("enrolled"):
        if ceased is not None and ceased <= month:
            return "ceased"
        if suspended is not None and suspended <= month:
            return "suspended"
        return "active"
    if state.get("approved"):
        return "approved"
    if state.get("rejected"):
        return "rejected"
    if state.get("withdrawn_on") is not None:
        return "withdrawn"
    return "received"


def rolled_up(residence: Residence | None, units: AdminUnits) -> RolledUp:
    """The 2025 commune and province of a recorded residence (versioned old -> new table)."""
    if residence is None:
        return RolledUp(None, None)
    if residence.scheme == DVHC_2025_2LEVEL:
        return RolledUp(residence.code, units.province_code(DVHC_2025_2LEVEL, residence.code))
    if residence.scheme != DVHC_2004_3LEVEL:
        return RolledUp(None, None)
    try:
        successors = units.successors(residence.code)
    except ValueError:
        return RolledUp(None, None)
    codes = tuple(sorted({s.code for s in successors}))
    provinces = {units.province_code(DVHC_2025_2LEVEL, code) for code in codes}
    province = provinces.pop() if len(provinces) == 1 else None
    if len(codes) == 1:
        return RolledUp(codes[0], province)
    return RolledUp(None, province, codes)


def state_as_of(
    case_id: UUID,
    facts: Iterable[Fact],
    on: date,
    *,
    valuation: Valuation,
    known_at: datetime | None = None,
) -> CaseState | None:
    """The case on `on` (effective time), from the events recorded by `known_at` (default: all).

    None when nothing of the case had taken effect by then (e.g. before its dossier).
    """
    applied = sorted(
        (
            f
            for f in facts
            if f.type in STATE_EVENTS
            and f.effective_on <= on
            and (known_at is None or f.recorded_at <= known_at)
        ),
        key=Fact.order,
    )
    if not applied:
        return None
    state: dict[str, Any] = {}
    for fact in applied:
        _apply(state, fact, valuation)
    if not (state.get("has_dossier") or state.get("approved") or state.get("rejected")):
        return None  # e.g. an enrolment valued from the first of a month, before the dossier
    residence: Residence | None = state.get("residence")
    units = valuation.units
    place = rolled_up(residence, units)
    resolved = state.get("resolved")
    if (
        place.commune_code is None
        and residence
        and resolved
        and resolved[:2]
        == (
            residence.scheme,
            residence.code,
        )
    ):
        place = RolledUp(resolved[2], units.province_code(DVHC_2025_2LEVEL, resolved[2]))
    return CaseState(
        case_id=case_id,
        on=on,
        status=_status(state, on),
        benefit=state.get("benefit"),
        category=state.get("category"),
        categories_held=dict(state.get("categories_held") or {}),
        coefficient=state.get("coefficient"),
        residence=residence,
        commune_code=place.commune_code,
        province_code=place.province_code,
        commune_candidates=place.candidates,
        person_id=str(state["person_id"]) if state.get("person_id") else None,
        full_name=state.get("full_name"),
        date_of_birth=state.get("date_of_birth"),
        received_on=state.get("received_on"),
        decision_number=state.get("decision_number"),
        signed_on=state.get("signed_on"),
        signer=state.get("signer"),
        authority=state.get("authority"),
        legal_basis=tuple(state.get("legal_basis") or ()),
        decided_amount=state.get("decided_amount"),
        effective_month=state.get("effective_month"),
        enrolled_from=state.get("enrolled_from"),
        channel=state.get("channel"),
        suspended_from=state.get("suspended_from"),
        suspension_ground=state.get("suspension_ground"),
        ceased_from=state.get("ceased_from"),
        cessation_reason=state.get("cessation_reason"),
        died_on=state.get("died_on"),
        disability_level=state.get("disability_level"),
        redetermination_due_on=state.get("redetermination_due_on"),
        moving_to=state.get("moving_to"),
        rejection_reasons=tuple(state.get("rejection_reasons") or ()),
        withdrawn_on=state.get("withdrawn_on"),
        last_decision_number=state.get("last_decision_number"),
        last_decision_on=state.get("last_decision_on"),
    )


@dataclass(frozen=True)
class Period:
    """A stretch of days [valid_from, valid_to) over which a case's register row did not change;
    valid_to None: still in force."""

    valid_from: date
    valid_to: date | None
    state: CaseState


def periods(case_id: UUID, facts: Iterable[Fact], valuation: Valuation) -> list[Period]:
    """Every period of the case, from its first effective event on (no gaps, no overlaps)."""
    relevant = [f for f in facts if f.type in STATE_EVENTS]
    days = sorted({f.effective_on for f in relevant})
    found: list[Period] = []
    for day in days:
        state = state_as_of(case_id, relevant, day, valuation=valuation)
        if state is None:
            continue
        if found and found[-1].state.period_key() == state.period_key():
            continue
        if found:
            found[-1] = replace(found[-1], valid_to=day)
        found.append(Period(day, None, state))
    return found


def monthly_amount(state: CaseState, valuation: Valuation, on: date | None = None) -> int | None:
    """The monthly amount in force on `on` (default: the state's date); None when nothing is
    payable (not active or suspended) or the policy cannot value it."""
    if state.status not in ("active", "suspended"):
        return None
    return amount_in_force(state.categories_held, state.residence, on or state.on, valuation)


def amount_in_force(
    held: Mapping[str, int], residence: Residence | None, on: date, valuation: Valuation
) -> int | None:
    """Standard level of the province the beneficiary lived in × coefficient of the categories
    held, from the dated policy tables: the valuation payment makes for each month."""
    if not held:
        return None
    try:
        return valuation.amount(held, _place(residence), on).monthly_amount
    except PolicyError:
        return None


def standard_level(state: CaseState, valuation: Valuation, on: date | None = None) -> int | None:
    """The standard level (mức chuẩn) in force on `on` where the beneficiary lived."""
    try:
        return valuation.standard_level(_place(state.residence), on or state.on)
    except PolicyError:
        return None


def _place(residence: Residence | None) -> tuple[str, str] | None:
    return (residence.scheme, residence.code) if residence else None
