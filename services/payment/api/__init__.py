"""payment's HTTP API."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backbone.access_log import PersonalDataRead, personal_data_reader
from backbone.actor import Actor
from backbone.auth import Place, case_scope, require_roles
from backbone.correlation import correlation_id
from backbone.http import create_base_app, ops_router
from backbone.tracked_consumer import TrackedConsumer
from contracts.categories import CODE_PATTERN, MOST_HELD
from contracts.values import Month as MonthValue
from reference.jurisdiction import shown_category
from reference.working_days import today_in_vietnam
from services.payment.api import payrolls
from services.payment.application import (
    MAX_MONTHS_ASKED,
    CommuneNotPaying,
    EnrolmentHeld,
    EntitlementNotFound,
    InvalidChange,
    PaymentApplication,
    PayrollError,
)
from services.payment.domain.entitlement import Entitlement
from services.payment.domain.funeral_claim import FuneralClaim
from services.payment.payroll_jobs import PayrollJobs
from services.payment.result_files import TooManyRows, UnreadableFile
from services.payment.settings import PaymentSettings

ERRORS: dict[type[Exception], int] = {
    EntitlementNotFound: 404,
    EnrolmentHeld: 409,
    InvalidChange: 422,
    PayrollError: 409,
    CommuneNotPaying: 422,
    UnreadableFile: 422,
    TooManyRows: 413,
}

router = APIRouter(prefix="/entitlements", tags=["entitlements"])
Reader = Annotated[
    PersonalDataRead,
    Depends(personal_data_reader("payment_officer", "approver", "inspector", "operator")),
]


def application(request: Request) -> PaymentApplication:
    app: PaymentApplication = request.app.state.application
    return app


Payment = Annotated[PaymentApplication, Depends(application)]
Correlation = Annotated[UUID, Depends(correlation_id)]


class EntitlementOut(BaseModel):
    case_id: UUID
    entitlement_id: UUID
    benefit: str
    category: str | None = Field(
        description="None to a role that does not need it when it reveals HIV or a disability "
        "(payment officers, post offices, operators: reference/jurisdiction.py)"
    )
    residence_code: str
    monthly_amount: int
    from_month: str
    decision_number: str
    status: str
    ceased_from: str | None
    cessation_reason: str | None
    suspended_from: str | None
    overpaid_amount: int
    funeral_support: dict[str, Any] | None
    channel: str
    residences: list[dict[str, str]]
    moving_to: dict[str, str] | None
    suspension_proposed_for: list[str] | None
    recovery: dict[str, int]
    arrears_awaiting_decision: dict[str, int] = Field(
        description="Months owed and unpaid older than the payroll's 36-month look-back, with "
        "the amount owed: paid once an arrears decision names them"
    )
    arrears_decided: dict[str, str] = Field(description="Month -> arrears decision number")
    version: int


@router.get("/{case_id}", summary="The entitlement of a case")
def get_entitlement(case_id: UUID, reader: Reader, payment: Payment) -> EntitlementOut:
    view = get_view(payment, case_id)
    shown = shown_category(reader.actor.role, view.category)
    if shown != view.category:
        view = view.model_copy(update={"category": shown})
    reader.record("entitlement", [case_id])
    return view


def get_view(payment: PaymentApplication, case_id: UUID) -> EntitlementOut:
    entitlement = payment.get_entitlement(case_id)
    return EntitlementOut(
        case_id=entitlement.case_id,
        entitlement_id=entitlement.id,
        benefit=entitlement.benefit,
        category=entitlement.category,
        residence_code=entitlement.residence_code,
        monthly_amount=entitlement.monthly_amount,
        from_month=entitlement.from_month,
        decision_number=entitlement.decision_number,
        status=entitlement.status,
        ceased_from=entitlement.ceased_from,
        cessation_reason=entitlement.cessation_reason,
        suspended_from=entitlement.suspensions[-1][0]
        if entitlement.status == "suspended"
        else None,
        overpaid_amount=sum(entitlement.overpaid.values()),
        funeral_support=entitlement.funeral_support,
        channel=entitlement.channel,
        residences=[
            {"from_month": start, "scheme": scheme, "code": code}
            for start, scheme, code in entitlement.residences
        ],
        moving_to=None
        if entitlement.moving is None
        else {
            "scheme": entitlement.moving["to_scheme"],
            "code": entitlement.moving["to_code"],
            "from_month": entitlement.moving["from_month"],
        },
        suspension_proposed_for=_open_proposal(entitlement),
        recovery={
            "overpaid": sum(entitlement.overpaid.values()),
            "awaiting_decision": entitlement.overpayment_awaiting_decision,
            "decided": entitlement.recovery_decided,
            "waived": entitlement.recovery_waived,
            "received": sum(entitlement.repayments.values()),
            "outstanding": entitlement.recovery_outstanding,
        },
        arrears_awaiting_decision=dict(sorted(entitlement.arrears_awaiting.items())),
        arrears_decided=dict(sorted(entitlement.arrears_decided.items())),
        version=entitlement.version,
    )


def _open_proposal(entitlement: Entitlement) -> list[str] | None:
    """Months not collected behind a suspension proposal the commune has not acted on."""
    streak = entitlement.not_collected_streak()
    if entitlement.status == "active" and streak and streak[0] in entitlement.proposed_streaks:
        return streak
    return None


Month = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2024-06"])]


@router.get(
    "/{case_id}/months",
    summary="What the entitlement owes month by month (from the policy in force each month)",
)
def months_owed(
    case_id: UUID, reader: Reader, payment: Payment, first: Month, last: Month
) -> list[dict[str, Any]]:
    owed = payment.months_owed(case_id, first, last)
    reader.record("entitlement months", [case_id])
    return [
        {
            "month": m.month,
            "status": m.status,
            "categories": m.categories,
            "amount": m.amount,
            "policy_version": m.policy_version,
        }
        for m in owed
    ]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdjustmentIn(Strict):
    changed_on: date = Field(description="Day the condition changed; effect from the next month")
    categories: dict[Annotated[str, StringConstraints(pattern=CODE_PATTERN)], int] = Field(
        min_length=1, max_length=MOST_HELD, description="Categories held with units"
    )
    decision_number: str = Field(min_length=1, max_length=60)
    signed_on: date
    reason: str = Field(min_length=1, max_length=1000)


class SuspensionIn(Strict):
    ground: Literal["not_collected_3_months", "refused_redetermination", "detention_1_month"]
    decided_on: date
    decision_number: str = Field(min_length=1, max_length=60)


class LiftIn(Strict):
    decided_on: date
    decision_number: str = Field(min_length=1, max_length=60)


class CessationIn(Strict):
    reason: Literal[
        "death",
        "missing",
        "no_longer_eligible",
        "moved",
        "refused",
        "imprisoned",
        "non_compliance_after_suspension",
    ]
    event_date: date = Field(description="Death, move, ...: the stop is from the next month")
    decision_number: str = Field(min_length=1, max_length=60)
    signed_on: date


Decider = Annotated[Actor, Depends(require_roles("approver"))]


@router.post("/{case_id}/adjustment", summary="Adjust the categories from the month after a change")
def adjust(
    case_id: UUID, body: AdjustmentIn, actor: Decider, payment: Payment, correlation: Correlation
) -> EntitlementOut:
    payment.adjust(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    return get_view(payment, case_id)


@router.post("/{case_id}/suspension", summary="Suspend payment (tạm dừng)")
def suspend(
    case_id: UUID, body: SuspensionIn, actor: Decider, payment: Payment, correlation: Correlation
) -> EntitlementOut:
    payment.suspend(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    return get_view(payment, case_id)


@router.post("/{case_id}/suspension-lift", summary="Lift a suspension")
def lift(
    case_id: UUID, body: LiftIn, actor: Decider, payment: Payment, correlation: Correlation
) -> EntitlementOut:
    payment.lift_suspension(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    return get_view(payment, case_id)


@router.post("/{case_id}/cessation", summary="Stop the entitlement for good (thôi hưởng)")
def cease(
    case_id: UUID, body: CessationIn, actor: Decider, payment: Payment, correlation: Correlation
) -> EntitlementOut:
    payment.cease(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    return get_view(payment, case_id)


def places_of(request: Request, case_id: UUID) -> list[Place] | None:
    application: PaymentApplication = request.app.state.application
    return application.places_of(case_id)


def create_app(
    settings: PaymentSettings,
    application: PaymentApplication,
    consumer_factory: Callable[[], TrackedConsumer],
) -> FastAPI:
    app = create_base_app(
        service="payment",
        title="btxh payment",
        description="Chi trả trợ cấp: enrolment and entitlements.",
        settings=settings,
        errors=ERRORS,
        chains=application.event_chains,
    )
    app.state.application = application
    # Every route naming a case serves only officials of the case's unit.
    scoped = [Depends(case_scope(places_of))]
    app.include_router(router, dependencies=scoped)
    app.include_router(payrolls.router)
    app.include_router(reorganisation)
    app.include_router(units_restoration)
    app.include_router(claims, dependencies=scoped)
    app.state.payrolls = application.open_payroll_register()
    app.state.payroll_jobs = PayrollJobs(settings.database_url, settings.schema_name("payment"))
    app.include_router(ops_router(consumer_factory))
    return app


reorganisation = APIRouter(prefix="/ops/reorganisation", tags=["operations"])
Operator = Annotated[Actor, Depends(require_roles("operator"))]


class ReorganisationOut(BaseModel):
    transferred: int = Field(description="Entitlements transferred to their 2025 commune now")
    awaiting_decision: list[dict[str, Any]] = Field(
        description="Beneficiaries of split old communes: case, old commune, candidate communes"
        " (an official decides at intake: POST /dossiers/{id}/jurisdiction)"
    )


@reorganisation.post(
    "/transfers",
    summary="Transfer every entitlement still under a pre-2025 commune (sắp xếp ĐVHC 2025)",
)
def transfer_all(actor: Operator, payment: Payment, correlation: Correlation) -> ReorganisationOut:
    """Every running entitlement recorded under an old commune that went whole into one 2025
    commune is transferred to it, effective July 2025, by one event each (each payroll of a 2025
    commune also does it for its own); those of split communes are listed, never guessed.
    Running it again transfers nothing twice."""
    found = payment.reorganise_all(actor=actor, correlation_id=correlation)
    return ReorganisationOut(**found)


class FuneralSupportIn(Strict):
    decision_number: str = Field(min_length=1, max_length=60)
    signed_on: date
    organiser: str = Field(min_length=1, max_length=200, description="Who organised the funeral")
    amount: int | None = Field(
        default=None, ge=0, description="Default: 20 x the standard level in force at death"
    )
    dependant_id: UUID | None = Field(
        default=None,
        description="A child the poor single parent of this case was paid for, who died: its "
        "funeral support is decided on the parent's case (give died_on)",
    )
    died_on: date | None = Field(default=None, description="With dependant_id: the day of death")
    channel: Literal["post_office", "home_delivery", "bank_account"] | None = Field(
        default=None,
        description="A funeral claim case only: the payroll channel that pays the organiser "
        "(default post_office); an allowance case is paid on its own channel",
    )
    paying_commune: str | None = Field(
        default=None,
        pattern=r"^\d{5}$",
        description="A funeral claim case of a pre-2025 commune that was split: the 2025 "
        "commune where the deceased lived, which pays",
    )


class FuneralClaimOut(BaseModel):
    """A funeral claim case (POST /funeral-claims at intake) as payment knows it: no entitlement,
    the death and the place, and the funeral support once decided."""

    case_id: UUID
    kind: Literal["funeral_claim"] = "funeral_claim"
    died_on: date
    residence_scheme: str
    residence_code: str
    ground: str
    received_on: date
    funeral_support: dict[str, Any] | None
    paid_in: list[dict[str, str]] = Field(
        default_factory=list, description="The commune whose payroll pays it, from which month"
    )
    lines: list[dict[str, Any]] = Field(
        default_factory=list, description="Its payroll lines and what the payer reported"
    )


def claim_view(payment: PaymentApplication, claim: FuneralClaim) -> FuneralClaimOut:
    decided = payment.claim_funeral_support(claim.case_id)
    return FuneralClaimOut(
        case_id=claim.case_id,
        died_on=claim.died_on,
        residence_scheme=claim.residence_scheme,
        residence_code=claim.residence_code,
        ground=claim.ground,
        received_on=claim.received_on,
        funeral_support=None if decided is None else decided.decided,
        paid_in=[] if decided is None else decided.paid_in,
        lines=[] if decided is None else list(decided.lines.values()),
    )


claims = APIRouter(prefix="/funeral-claims", tags=["funeral claims"])


@claims.get("/{case_id}", summary="A funeral claim case: the death, the place, the support")
def get_funeral_claim(case_id: UUID, reader: Reader, payment: Payment) -> FuneralClaimOut:
    view = claim_view(payment, payment.get_funeral_claim(case_id))
    reader.record("funeral_claim", [case_id])
    return view


@router.post(
    "/{case_id}/funeral-support",
    summary="Decide funeral support (hỗ trợ chi phí mai táng) after a death",
    description=PaymentApplication.decide_funeral_support.__doc__,
)
def funeral_support(
    case_id: UUID,
    body: FuneralSupportIn,
    actor: Decider,
    payment: Payment,
    correlation: Correlation,
) -> EntitlementOut | FuneralClaimOut:
    decided = payment.decide_funeral_support(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    if isinstance(decided, FuneralClaim):
        return claim_view(payment, decided)
    return get_view(payment, case_id)


Scheme = Literal["DVHC_2025_2LEVEL", "DVHC_2004_3LEVEL"]


class MoveOutIn(Strict):
    moved_on: date = Field(description="Day of the move; the old commune pays up to its month")
    to_scheme: Scheme
    to_code: str = Field(pattern=r"^\d{5}$", description="The new commune")
    decision_number: str = Field(min_length=1, max_length=60)
    signed_on: date


class MoveInIn(Strict):
    decision_number: str = Field(min_length=1, max_length=60)
    signed_on: date


class ChannelIn(Strict):
    channel: Literal["post_office", "home_delivery", "bank_account"]
    decided_on: date
    reason: str = Field(min_length=1, max_length=500)


class RecoveryIn(Strict):
    decision: Literal["instalments", "waiver"]
    amount: int = Field(gt=0)
    instalments: int | None = Field(default=None, ge=1, le=120)
    basis: str = Field(min_length=1, max_length=500, description="Legal basis of the decision")
    decision_number: str = Field(min_length=1, max_length=60)
    signed_on: date


class ArrearsDecisionIn(Strict):
    months: list[MonthValue] = Field(
        min_length=1,
        max_length=MAX_MONTHS_ASKED,
        description="Months awaiting an arrears decision (YYYY-MM) that the decision pays",
    )
    decision_number: str = Field(min_length=1, max_length=60)
    signed_on: date
    basis: str = Field(min_length=1, max_length=500, description="Legal basis of the decision")


class RepaymentIn(Strict):
    receipt_number: str = Field(min_length=1, max_length=60)
    amount: int = Field(gt=0)
    received_on: date


Officer = Annotated[Actor, Depends(require_roles("payment_officer"))]


@router.post("/{case_id}/move-out", summary="Stop paying in the old commune after a move")
def move_out(
    case_id: UUID, body: MoveOutIn, actor: Decider, payment: Payment, correlation: Correlation
) -> EntitlementOut:
    payment.move_out(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    return get_view(payment, case_id)


@router.post("/{case_id}/move-in", summary="Continue the allowance in the new commune")
def move_in(
    case_id: UUID, body: MoveInIn, actor: Decider, payment: Payment, correlation: Correlation
) -> EntitlementOut:
    payment.move_in(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    return get_view(payment, case_id)


@router.post("/{case_id}/channel", summary="Pay through another channel from the next payroll")
def change_channel(
    case_id: UUID, body: ChannelIn, actor: Officer, payment: Payment, correlation: Correlation
) -> EntitlementOut:
    payment.change_channel(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    return get_view(payment, case_id)


@router.post(
    "/{case_id}/recovery", summary="Decide the recovery (thu hồi) or waiver of an overpayment"
)
def decide_recovery(
    case_id: UUID, body: RecoveryIn, actor: Decider, payment: Payment, correlation: Correlation
) -> EntitlementOut:
    payment.decide_recovery(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    return get_view(payment, case_id)


@router.post(
    "/{case_id}/arrears-decision",
    summary="Decide to pay months owed older than the look-back (truy lĩnh)",
)
def decide_arrears(
    case_id: UUID,
    body: ArrearsDecisionIn,
    actor: Decider,
    payment: Payment,
    correlation: Correlation,
) -> EntitlementOut:
    """Months owed and unpaid older than the payroll's look-back are never paid, nor dropped,
    by a payroll on its own: they wait for this decision; the next payroll pays them."""
    payment.decide_arrears(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    return get_view(payment, case_id)


@router.post("/{case_id}/recovery/repayments", summary="Record an instalment received")
def receive_repayment(
    case_id: UUID, body: RepaymentIn, actor: Officer, payment: Payment, correlation: Correlation
) -> dict[str, Any]:
    recorded = payment.receive_repayment(
        case_id,
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
        **body.model_dump(),
    )
    return {"recorded": recorded, "entitlement": get_view(payment, case_id)}


units_restoration = APIRouter(prefix="/ops/units-restoration", tags=["operations"])


class RestoredUnits(BaseModel):
    case_id: str
    categories: dict[str, int] = Field(description="Category -> units restored")
    coefficient: str = Field(description="The coefficient the approval decided")


class UnitsToReview(BaseModel):
    case_id: str
    why: str


class UnitsRestorationOut(BaseModel):
    checked: int = Field(description="Entitlements looked at")
    restored_count: int
    restored: list[RestoredUnits] = Field(description="The first 1,000 restored")
    to_review_count: int
    to_review: list[UnitsToReview] = Field(
        description="The first 1,000 an official must review (adjusted since, or an amount that"
        " is not a coefficient times the standard level)"
    )


@units_restoration.post(
    "",
    summary="Restore the units of entitlements enrolled before approvals carried them",
)
def restore_units(
    actor: Operator, payment: Payment, correlation: Correlation
) -> UnitsRestorationOut:
    """After the upgrade that made approvals carry units: an entitlement enrolled earlier held
    each category at one unit (a single parent raising three children paid for one). Its
    units are restored from the amount its approval decided (entitlement_units_restored), and
    the next payroll pays what the months already paid were short of. Running it again
    restores nothing twice."""
    found = payment.restore_units_from_enrolments(actor=actor, correlation_id=correlation)
    return UnitsRestorationOut(**found)
