"""Payroll lines (danh sách chi trả) as issued and settled, per commune and payroll month.

A line counts for the commune of the payroll that issued it. Lines published before the
payroll event named its commune (v1) count for the residence the register holds for the
case when they arrive; that residence travels on another topic and may arrive later, so
such a line can wait without a commune until the first residence reaches the register
(`place_lines`). A known commune is never rewritten.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_args, get_origin
from uuid import UUID

import psycopg
from psycopg import sql

from contracts.catalog import BY_TYPE
from contracts.payment import PayrollLineSettledV1, PayrollLinesIssuedV2

#: The `by_result` entry of lines nobody has reported on yet.
PENDING = "pending"

LINES_ISSUED = "vn.btxh.payment.payroll_lines_issued"
LINE_SETTLED = "vn.btxh.payment.payroll_line_settled"


def _allowed(model: Any, *path: str) -> tuple[str, ...]:
    """The values a field of a contract allows (a Literal), reached through `path` (a list
    field stands for its items), so a summary lists them even when none occurred."""
    for name in path:
        annotation = model.model_fields[name].annotation
        model = get_args(annotation)[0] if get_origin(annotation) is list else annotation
    return tuple(str(value) for value in get_args(model))


#: Kinds and results of the current contracts; a value a later version adds is summed too.
KINDS = _allowed(BY_TYPE[LINES_ISSUED].model, "lines", "kind")
RESULTS = _allowed(BY_TYPE[LINE_SETTLED].model, "result")


def on_lines_issued(
    conn: psycopg.Connection[Any], schema: str, event: PayrollLinesIssuedV2, at: datetime
) -> None:
    """New lines, in the payroll's commune (else the case's residence, if known yet).

    A line already projected stays as it is: issuing never changes a line, so a second
    delivery of the same lines is harmless.
    """
    table = sql.Identifier(schema, "payroll_line")
    register = sql.Identifier(schema, "register")
    with conn.cursor() as cursor:
        cursor.executemany(
            sql.SQL(
                "INSERT INTO {} (line_id, payroll_id, payroll_month, case_id, commune,"
                " channel, month, amount, kind) SELECT %s, %s, %s, %s,"
                " coalesce(%s, (SELECT residence_code FROM {} WHERE case_id = %s)), %s, %s, %s, %s"
                " ON CONFLICT (line_id) DO NOTHING"
            ).format(table, register),
            [
                (
                    line.line_id,
                    event.payroll_id,
                    event.payroll_month,
                    event.case_id,
                    event.commune,
                    event.case_id,
                    event.channel,
                    line.month,
                    line.amount,
                    line.kind,
                )
                for line in event.lines
            ],
        )


def on_line_settled(
    conn: psycopg.Connection[Any], schema: str, event: PayrollLineSettledV1, at: datetime
) -> None:
    """The post office's or bank's result for a line.

    The line was issued earlier on the same entitlement stream, which the consumer applies
    in version order, so the row is there.
    """
    conn.execute(
        sql.SQL("UPDATE {} SET result = %s, settled_on = %s WHERE line_id = %s").format(
            sql.Identifier(schema, "payroll_line")
        ),
        (event.result, event.settled_on, event.line_id),
    )


def place_lines(conn: psycopg.Connection[Any], schema: str, case_id: UUID) -> None:
    """Give the case's lines that have no commune yet (published without their payroll's
    commune) the residence the register now holds."""
    conn.execute(
        sql.SQL(
            "UPDATE {lines} AS l SET commune = r.residence_code FROM {register} AS r"
            " WHERE r.case_id = %s AND l.case_id = r.case_id AND l.commune IS NULL"
            " AND r.residence_code IS NOT NULL"
        ).format(
            lines=sql.Identifier(schema, "payroll_line"),
            register=sql.Identifier(schema, "register"),
        ),
        (case_id,),
    )


@dataclass
class Tally:
    lines: int = 0
    amount: int = 0

    def add(self, lines: int, amount: int) -> None:
        self.lines += lines
        self.amount += amount


@dataclass
class Summary:
    """Lines and amounts of a commune's payroll month, by kind and by result."""

    lines: int = 0
    amount: int = 0
    by_kind: dict[str, Tally] = field(default_factory=dict)
    by_result: dict[str, Tally] = field(default_factory=dict)


def _empty(keys: Iterable[str]) -> dict[str, Tally]:
    return {key: Tally() for key in keys}


def summary(
    conn: psycopg.Connection[Any],
    schema: str,
    *,
    commune: str,
    payroll_month: str,
    channel: str | None = None,
) -> Summary:
    """The lines of the commune's payroll for `payroll_month` (one channel, or every channel
    when `channel` is None), summed in SQL."""
    rows = conn.execute(
        sql.SQL(
            "SELECT kind, result, count(*) AS lines, sum(amount)::bigint AS amount FROM {}"
            " WHERE commune = %s AND payroll_month = %s"
            " AND (%s::text IS NULL OR channel = %s) GROUP BY kind, result"
        ).format(sql.Identifier(schema, "payroll_line")),
        (commune, payroll_month, channel, channel),
    ).fetchall()
    found = Summary(by_kind=_empty(KINDS), by_result=_empty((*RESULTS, PENDING)))
    for row in rows:
        lines, amount = int(row["lines"]), int(row["amount"])
        found.lines += lines
        found.amount += amount
        found.by_kind.setdefault(row["kind"], Tally()).add(lines, amount)
        found.by_result.setdefault(row["result"] or PENDING, Tally()).add(lines, amount)
    return found
