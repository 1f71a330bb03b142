"""payment's HTTP API."""

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel

from backbone.access_log import PersonalDataRead, personal_data_reader
from backbone.http import create_base_app, ops_router
from backbone.tracked_consumer import TrackedConsumer
from services.payment.application import EntitlementNotFound, PaymentApplication
from services.payment.settings import PaymentSettings

ERRORS: dict[type[Exception], int] = {EntitlementNotFound: 404}

router = APIRouter(prefix="/entitlements", tags=["entitlements"])
Reader = Annotated[
    PersonalDataRead,
    Depends(personal_data_reader("payment_officer", "approver", "inspector", "operator")),
]


def application(request: Request) -> PaymentApplication:
    app: PaymentApplication = request.app.state.application
    return app


Payment = Annotated[PaymentApplication, Depends(application)]


class EntitlementOut(BaseModel):
    case_id: UUID
    entitlement_id: UUID
    benefit: str
    category: str
    residence_code: str
    monthly_amount: int
    from_month: str
    decision_number: str
    status: str
    version: int


@router.get("/{case_id}", summary="The entitlement of a case")
def get_entitlement(case_id: UUID, reader: Reader, payment: Payment) -> EntitlementOut:
    entitlement = payment.get_entitlement(case_id)
    reader.record("entitlement", [case_id])
    return EntitlementOut(
        case_id=entitlement.case_id,
        entitlement_id=entitlement.id,
        benefit=entitlement.benefit,
        category=entitlement.category,
        residence_code=entitlement.residence_code,
        monthly_amount=entitlement.monthly_amount,
        from_month=entitlement.from_month,
        decision_number=entitlement.decision_number,
        status="active",
        version=entitlement.version,
    )


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
    )
    app.state.application = application
    app.include_router(router)
    app.include_router(ops_router(consumer_factory))
    return app
