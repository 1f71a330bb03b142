"""HTTP route of the payroll summary of a commune: what was issued and what was paid."""

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from backbone.auth import require_commune
from backbone.database import connection
from reference.admin_units import scheme_of_month
from services.reporting.api.deps import Bounds, Store, Viewer
from services.reporting.projections import payments

router = APIRouter(prefix="/payments", tags=["payments"])

COMMUNE = re.compile(r"^\d{5}$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class InvalidQuery(ValueError):
    """A query parameter is not in the form the route expects."""


class Tally(BaseModel):
    lines: int
    amount: int


class PaymentSummary(BaseModel):
    commune: str
    month: str
    channel: str | None
    lines: int
    amount: int
    by_kind: dict[str, Tally]
    by_result: dict[str, Tally]


@router.get(
    "/summary",
    summary="Lines and amounts of a commune's payroll month, by kind and by result (VND)",
)
def get_summary(
    viewer: Viewer,
    store: Store,
    bounds: Bounds,
    commune: Annotated[
        str, Query(max_length=10, description="Commune code, 5 digits", examples=["02020"])
    ],
    month: Annotated[
        str, Query(max_length=10, description="Payroll month, YYYY-MM", examples=["2025-09"])
    ],
    channel: Annotated[
        Literal["post_office", "home_delivery", "bank_account"] | None,
        Query(description="One payment channel; every channel when left out"),
    ] = None,
) -> PaymentSummary:
    """Every line the commune's payrolls for `month` issued (one channel or all; arrears of earlier
    months included, under the payroll month that carried them), by kind, and by the result
    the post office or bank reported; `pending` is what has no result yet.

    A line counts for the commune of the payroll that issued it (a line published before
    payroll events named their commune: for the residence of its case).
    """
    if not COMMUNE.match(commune):
        raise InvalidQuery(f"commune {commune!r} is not a commune code: give 5 digits, e.g. 02020")
    if not MONTH.match(month):
        raise InvalidQuery(f"month {month!r} is not a month: give YYYY-MM, e.g. 2025-09")
    bounds.month("month", month)
    require_commune(viewer, scheme_of_month(month), commune)  # the payroll's code
    with connection(store.url) as conn:
        found = payments.summary(
            conn, store.schema, commune=commune, payroll_month=month, channel=channel
        )
    return PaymentSummary(
        commune=commune,
        month=month,
        channel=channel,
        lines=found.lines,
        amount=found.amount,
        by_kind={k: Tally(lines=t.lines, amount=t.amount) for k, t in found.by_kind.items()},
        by_result={k: Tally(lines=t.lines, amount=t.amount) for k, t in found.by_result.items()},
    )
