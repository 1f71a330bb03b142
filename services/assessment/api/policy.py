"""HTTP route answering "what policy is in force for province P on date D"."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from reference.policy import PolicyBook

router = APIRouter(prefix="/policy", tags=["policy"])


@router.get(
    "",
    summary="Policy in force for a province on a date (chính sách áp dụng)",
    description=(
        "Standard level (national and provincial), categories with coefficients and monthly "
        "amounts, the stacking rule and the procedure version with its steps and deadlines in "
        "working days. Public law: no token needed. `policy_version` is what decisions record."
    ),
)
def policy_in_force(
    request: Request,
    on: date,
    province: Annotated[
        str | None, Query(pattern=r"^\d{2}$", description="2-digit province code (2025 scheme)")
    ] = None,
) -> dict[str, Any]:
    book: PolicyBook = request.app.state.application.policy
    return book.in_force(province, on).as_dict()
