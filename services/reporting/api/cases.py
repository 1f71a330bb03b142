"""HTTP routes of one case for inspectors: its history, timeline, state as of a date, and the
difference between two dates; and finding a case by an exact personal ID number.

Every route here shows a person's data, so each read is written to the access log first.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import httpx
from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from backbone.auth import jurisdiction_of
from backbone.chain import ScopeCheck
from backbone.database import connection
from contracts.categories import label as category_label
from reference.valuation import Valuation
from reference.working_days import today_in_vietnam
from services.reporting import labels
from services.reporting.api.deps import Bounds, CaseReader, Reader, Store
from services.reporting.api.scope import cases_within
from services.reporting.projections import history, register, register_periods
from services.reporting.projections.case_state import (
    CaseState,
    Fact,
    effective_on,
    monthly_amount,
    short_type,
    standard_level,
    state_as_of,
)

router = APIRouter(tags=["cases"])


class CaseNotFound(LookupError):
    """No event of this case has reached reporting."""


class InvalidCaseQuery(ValueError):
    """A case query is not in the form expected (e.g. `from` after `to`)."""


class HistoryEntry(BaseModel):
    recorded_at: datetime
    source: str
    type: str
    version: int
    schema_version: int
    actor_id: str
    actor_role: str
    actor_unit: str | None
    correlation_id: UUID
    causation_id: UUID | None
    message_id: UUID
    data: dict[str, Any]


class TimelineEntry(BaseModel):
    """One event as an inspector reads it: what, when recorded, when in effect, who, on what
    authority, decision number and legal basis."""

    recorded_at: datetime
    effective_on: date
    source: str
    type: str
    label: str
    actor_id: str
    actor_role: str
    actor_unit: str | None
    authority: str | None
    authority_label: str | None
    decision_number: str | None
    legal_basis: list[str] | None
    summary: dict[str, Any]
    message_id: UUID
    version: int
    verified: bool = Field(
        description="This entry is as it was recorded in the case history: its row gives its "
        "link's hash in the history's hash chain, and the links on either side join it"
    )


class ResidenceView(BaseModel):
    scheme: str
    code: str
    name: str | None


class StateView(BaseModel):
    """The case on a date, with the amount the dated policy tables give for that date."""

    case_id: UUID
    on: date
    known_at: datetime | None
    status: str
    status_label: str
    benefit: str | None
    benefit_label: str | None
    category: str | None
    category_label: str | None
    categories_held: dict[str, int]
    coefficient: str | None
    residence: ResidenceView | None
    commune_code: str | None
    province_code: str | None
    commune_candidates: list[str]
    monthly_amount: int | None
    standard_level: int | None
    decision_number: str | None
    signed_on: date | None
    authority: str | None
    legal_basis: list[str]
    last_decision_number: str | None
    last_decision_on: date | None
    effective_month: str | None
    enrolled_from: str | None
    channel: str | None
    suspended_from: str | None
    ceased_from: str | None
    cessation_reason: str | None
    died_on: date | None
    disability_level: str | None
    redetermination_due_on: date | None
    full_name: str | None
    date_of_birth: date | None


class Change(BaseModel):
    field: str
    label: str
    before: Any
    after: Any


class StateDiff(BaseModel):
    case_id: UUID
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    changes: list[Change]
    events: list[TimelineEntry] = Field(description="Events that took effect in (from, to]")


class LookupRequest(BaseModel):
    """The ID number travels in the body, never in a URL (URLs end up in logs)."""

    personal_id: str = Field(
        max_length=20, description="12-digit personal identification number (or 9-digit)"
    )


class LookupAnswer(BaseModel):
    case_ids: list[UUID]


def _history_rows(store: Store, case_id: UUID) -> list[dict[str, Any]]:
    with connection(store.url) as conn:
        rows = history.case_history(conn, store.schema, case_id)
    if not rows:
        raise CaseNotFound(f"no event of case {case_id} has reached reporting")
    return rows


def _checked_history(store: Store, case_id: UUID) -> tuple[list[dict[str, Any]], ScopeCheck]:
    """The case's history rows and the check of their hash chain (backbone.chain). A case
    whose rows were all deleted still has links: its (empty) history is answered, not
    verified, rather than "not found"."""
    with connection(store.url) as conn:
        rows = history.case_history(conn, store.schema, case_id)
        check = history.verify_case(conn, store.schema, case_id)
    if not rows and not check.links:
        raise CaseNotFound(f"no event of case {case_id} has reached reporting")
    return rows, check


#: Headers of a timeline: whether the case's whole history verified, and if not, why.
HISTORY_VERIFIED = "X-History-Verified"
HISTORY_INTEGRITY = "X-History-Integrity"
TIMELINE_HEADERS = {
    HISTORY_VERIFIED: {
        "description": "`true` when every event of the case's history is as it was recorded "
        "(the history's hash chain holds around each of them and none is missing), else `false`",
        "schema": {"type": "string", "enum": ["true", "false"]},
    },
    HISTORY_INTEGRITY: {
        "description": "When not verified: the first broken link and what is wrong there",
        "schema": {"type": "string"},
    },
}


@router.get(
    "/cases/{case_id}/history", summary="Every event of a case, from every service, in order"
)
def get_history(case_id: UUID, reader: CaseReader, store: Store) -> list[HistoryEntry]:
    entries = [HistoryEntry.model_validate(row) for row in _history_rows(store, case_id)]
    reader.record("case history", [case_id])
    return entries


#: Payload keys shown elsewhere in a timeline entry, or too bulky for its summary.
_NOT_IN_SUMMARY = {
    "case_id",
    "event",
    "authority",
    "decision_number",
    "legal_basis",
    "personal_id_digest",  # a keyed hash of the ID number: nothing for a reader
}


def timeline_entry(row: dict[str, Any], check: ScopeCheck) -> TimelineEntry:
    data: dict[str, Any] = row["data"]
    kind = short_type(row["type"])
    authority = data.get("authority")
    legal_basis = data.get("legal_basis")
    if isinstance(legal_basis, str):
        legal_basis = [legal_basis]
    summary = {k: v for k, v in data.items() if k not in _NOT_IN_SUMMARY}
    if "category" in data and isinstance(data["category"], str):
        summary["category_label"] = category_label(data["category"])
    if kind == "entitlement_ceased" and data.get("reason"):
        summary["reason_label"] = labels.CESSATION_REASONS.get(data["reason"], data["reason"])
    return TimelineEntry(
        recorded_at=row["recorded_at"],
        effective_on=effective_on(row["type"], data, row["recorded_at"]),
        source=row["source"].rsplit("/", 1)[-1],  # "btxh/payment" -> "payment"
        type=row["type"],
        label=labels.event_label(kind),
        actor_id=row["actor_id"],
        actor_role=row["actor_role"],
        actor_unit=row["actor_unit"],
        authority=authority,
        authority_label=labels.AUTHORITIES.get(authority, authority) if authority else None,
        decision_number=data.get("decision_number"),
        legal_basis=legal_basis,
        summary=summary,
        message_id=row["message_id"],
        version=row["version"],
        verified=history.row_key(row) in check.intact,
    )


@router.get(
    "/cases/{case_id}/timeline",
    summary="One timeline across services: recorded and effective dates, who, authority, basis",
    responses={200: {"headers": TIMELINE_HEADERS}},
)
def get_timeline(
    case_id: UUID, reader: CaseReader, store: Store, response: Response
) -> list[TimelineEntry]:
    """Each entry says whether it is `verified`: unaltered since it was recorded, by the case
    history's hash chain. The header X-History-Verified says whether the whole history of the
    case verified (`false` too when an entry was deleted, which no entry can show), and
    X-History-Integrity, when it did not, the first broken link and why."""
    rows, check = _checked_history(store, case_id)
    entries = [timeline_entry(row, check) for row in rows]
    response.headers[HISTORY_VERIFIED] = "true" if check.verified else "false"
    if check.first_broken is not None:
        response.headers[HISTORY_INTEGRITY] = check.first_broken.reason
    reader.record("case timeline", [case_id])
    return entries


def _state(store: Store, case_id: UUID, on: date, known_at: datetime | None) -> StateView:
    with connection(store.url) as conn:
        facts = register_periods.facts_of(conn, store.schema, case_id)
    if not facts:
        raise CaseNotFound(f"no event of case {case_id} has reached reporting")
    state = state_as_of(case_id, facts, on, valuation=store.valuation, known_at=known_at)
    if state is None:
        raise CaseNotFound(
            f"case {case_id} had not begun on {on.isoformat()}"
            + (f" as known at {known_at.isoformat()}" if known_at else "")
            + ": its first event takes effect later"
        )
    return state_view(state, known_at, store.valuation)


def state_view(state: CaseState, known_at: datetime | None, valuation: Valuation) -> StateView:
    residence = None
    if state.residence is not None:
        unit = valuation.units.get(state.residence.scheme, state.residence.code)  # type: ignore[arg-type]
        residence = ResidenceView(
            scheme=state.residence.scheme,
            code=state.residence.code,
            name=state.residence.name or (unit.name if unit else None),
        )
    return StateView(
        case_id=state.case_id,
        on=state.on,
        known_at=known_at,
        status=state.status,
        status_label=labels.STATUSES.get(state.status, state.status),
        benefit=state.benefit,
        benefit_label=labels.CASE_BENEFITS.get(state.benefit) if state.benefit else None,
        category=state.category,
        category_label=category_label(state.category) if state.category else None,
        categories_held=dict(state.categories_held),
        coefficient=state.coefficient,
        residence=residence,
        commune_code=state.commune_code,
        province_code=state.province_code,
        commune_candidates=list(state.commune_candidates),
        monthly_amount=monthly_amount(state, valuation),
        standard_level=standard_level(state, valuation),
        decision_number=state.decision_number,
        signed_on=state.signed_on,
        authority=state.authority,
        legal_basis=list(state.legal_basis),
        last_decision_number=state.last_decision_number,
        last_decision_on=state.last_decision_on,
        effective_month=state.effective_month,
        enrolled_from=state.enrolled_from,
        channel=state.channel,
        suspended_from=state.suspended_from,
        ceased_from=state.ceased_from,
        cessation_reason=state.cessation_reason,
        died_on=state.died_on,
        disability_level=state.disability_level,
        redetermination_due_on=state.redetermination_due_on,
        full_name=state.full_name,
        date_of_birth=state.date_of_birth,
    )


@router.get(
    "/cases/{case_id}/state",
    summary="The case as of a date (effective time); with known_at, as the system knew it then",
)
def get_state(
    case_id: UUID,
    reader: CaseReader,
    store: Store,
    bounds: Bounds,
    on: Annotated[date | None, Query(description="Default: today in Vietnam")] = None,
    known_at: Annotated[
        datetime | None,
        Query(description="Only events recorded by this instant (ISO 8601 with time zone)"),
    ] = None,
) -> StateView:
    if on is not None:
        bounds.query("on", on)
    if known_at is not None:
        bounds.query("known_at", known_at.date())
    view = _state(store, case_id, on or today_in_vietnam(), known_at)
    reader.record("case state", [case_id])
    return view


@router.get("/cases/{case_id}/diff", summary="What changed in a case between two dates")
def get_diff(
    case_id: UUID,
    reader: CaseReader,
    store: Store,
    bounds: Bounds,
    from_: Annotated[date, Query(alias="from", description="The earlier date")],
    to: Annotated[date, Query(description="The later date")],
) -> StateDiff:
    bounds.query("from", from_)
    bounds.query("to", to)
    if from_ > to:
        raise InvalidCaseQuery(
            f"from ({from_.isoformat()}) is after to ({to.isoformat()}): give the earlier first"
        )
    rows, check = _checked_history(store, case_id)
    facts = [Fact.from_row(row) for row in rows]  # the fold keeps the events that change state
    before = state_as_of(case_id, facts, from_, valuation=store.valuation)
    after = state_as_of(case_id, facts, to, valuation=store.valuation)
    old = state_view(before, None, store.valuation).model_dump(mode="json") if before else {}
    new = state_view(after, None, store.valuation).model_dump(mode="json") if after else {}
    changes = [
        Change(field=name, label=title, before=old.get(name), after=new.get(name))
        for name, title in labels.STATE_FIELDS.items()
        if old.get(name) != new.get(name)
    ]
    events = [
        entry
        for entry in (timeline_entry(row, check) for row in rows)
        if from_ < entry.effective_on <= to
    ]
    reader.record("case diff", [case_id])
    return StateDiff.model_validate(
        {"case_id": case_id, "from": from_, "to": to, "changes": changes, "events": events}
    )


PERSONAL_ID = re.compile(r"^(\d{12}|\d{9})$")


@dataclass(frozen=True)
class Intake:
    """Where reporting asks intake, the only holder of the ID-number key, whose person an ID
    number is: reporting never digests a number and keeps no digest."""

    url: str
    timeout: float = 10.0

    def person_of(self, number: str, authorization: str) -> UUID | None:
        """The person id (None: no dossier of that number), asked with the official's own
        token, so intake checks the role and logs the lookup under the official's name."""
        try:
            answer = httpx.post(
                f"{self.url}/people/lookup",
                json={"personal_id": number},
                headers={"Authorization": authorization},
                timeout=self.timeout,
            )
        except httpx.HTTPError as error:
            raise HTTPException(
                503, detail=f"intake, which resolves ID numbers, cannot be reached: {error}"
            ) from error
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise HTTPException(
                503 if answer.status_code >= 500 else answer.status_code,
                detail=f"intake refused the lookup: {answer.text[:500]}",
            )
        return UUID(answer.json()["person_id"])


@router.post(
    "/cases/lookup",
    summary="Cases of a person, by an exact personal ID number (looked up, never listed)",
)
def lookup(body: LookupRequest, request: Request, reader: Reader, store: Store) -> LookupAnswer:
    number = body.personal_id.strip()
    if not PERSONAL_ID.match(number):
        raise InvalidCaseQuery(
            "personal_id must be the 12-digit personal identification number"
            " (or a 9-digit legacy ID card number), digits only"
        )
    intake: Intake = request.app.state.intake
    person_id = intake.person_of(number, request.headers.get("Authorization", ""))
    found: list[UUID] = []
    with connection(store.url) as conn:
        if person_id is not None:
            found = register.case_ids_of_person(conn, store.schema, person_id)
        inside = cases_within(conn, store.schema, jurisdiction_of(reader.actor), found)
    case_ids = [c for c in found if c in inside]  # the reader's unit's cases only
    reader.record("case lookup by personal ID", case_ids)
    if not case_ids:
        raise CaseNotFound("no case of a person with this ID number has reached reporting")
    return LookupAnswer(case_ids=case_ids)
