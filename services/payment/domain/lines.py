"""Payroll lines (dòng chi trả) as every payee keeps them: an entitlement's monthly allowance,
arrears and funeral support, and the funeral support decided on a funeral claim case.

A line is issued on a payroll of one commune and channel and settled once by the post office
or bank; one not collected or failed is owed again. The rules live here once, so both payees
issue and settle lines alike.
"""

from datetime import date
from typing import Any
from uuid import UUID

LINE_RESULTS = ("paid_at_point", "paid_at_home", "not_collected", "failed")
PAID = ("paid_at_point", "paid_at_home")
UNPAID = ("not_collected", "failed")
CHANNELS = ("post_office", "home_delivery", "bank_account")


def new_line_id(payroll_id: str, case_id: UUID, month: str, number: int) -> str:
    """A line's id: its payroll, its case (settlement finds the payee by it), its month and
    its number among the case's lines."""
    return f"{payroll_id}:{case_id}:{month}:{number}"


def issued_amount(lines: dict[str, dict[str, Any]], kind: str) -> int:
    """What lines of `kind` carry, except those returned unpaid (owed again)."""
    return sum(
        x["amount"] for x in lines.values() if x["kind"] == kind and x["result"] not in UNPAID
    )


def settlement_problem(
    line: dict[str, Any] | None,
    *,
    line_id: str,
    case_id: UUID,
    result: str,
    settled_on: date,
    today: date,
) -> str | None:
    """What is wrong with settling `line` (None: nothing, or the same result again, which the
    caller records no second time): a line of the case, a known result, not in the future, and
    a line already settled otherwise is corrected only by a decision of its own."""
    if line is None:
        return f"case {case_id} has no payroll line {line_id}"
    if result not in LINE_RESULTS:
        return f"result must be one of {', '.join(LINE_RESULTS)}"
    if settled_on > today:
        return f"settled_on {settled_on} is in the future"
    if line["result"] is not None and line["result"] != result:
        return (
            f"line {line_id} was already settled as {line['result']}; a correction needs its "
            "own decision"
        )
    return None
