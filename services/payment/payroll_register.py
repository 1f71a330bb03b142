"""Payment's own read model: which entitlements belong to which commune and channel, and the
lines of each payroll. Kept from payment's events by a LocalProjection (caught up on demand)."""

from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

from backbone.database import connect, connection
from backbone.eventstore import BtxhApplication
from backbone.local_projection import LocalProjection
from services.payment.domain.entitlement import Entitlement

# Bump the suffix when the tables change: the projection re-reads the log from the start.
NAME = "payroll-read-model-v2"


class PayrollRegister:
    def __init__(self, app: BtxhApplication, url: str, schema: str) -> None:
        self.url = url
        self.schema = schema
        self.index = sql.Identifier(schema, "entitlement_index")
        self.lines = sql.Identifier(schema, "payroll_line")
        self.projection = LocalProjection(
            app,
            url=url,
            schema=schema,
            name=NAME,
            ddl=[
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (case_id uuid PRIMARY KEY, residence_code text"
                    " NOT NULL, channel text NOT NULL, from_month text NOT NULL, ceased_from text)"
                ).format(self.index),
                sql.SQL(
                    "CREATE INDEX IF NOT EXISTS entitlement_index_commune ON {}"
                    " (residence_code, channel, case_id)"
                ).format(self.index),
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (line_id text PRIMARY KEY, payroll_id text NOT"
                    " NULL, case_id uuid NOT NULL, month text NOT NULL, amount bigint NOT NULL,"
                    " kind text NOT NULL)"
                ).format(self.lines),
                sql.SQL(
                    "CREATE INDEX IF NOT EXISTS payroll_line_payroll ON {} (payroll_id, case_id)"
                ).format(self.lines),
                sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS result text").format(self.lines),
            ],
            apply=self._apply,
        )

    def _apply(self, conn: psycopg.Connection[Any], event: Any) -> None:
        if isinstance(event, Entitlement.Enrolled):
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (case_id, residence_code, channel, from_month)"
                    " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(self.index),
                (
                    event.case_id,
                    event.residence_code,
                    getattr(event, "channel", None) or "post_office",
                    event.from_month,
                ),
            )
        elif isinstance(event, Entitlement.Ceased):
            conn.execute(
                sql.SQL("UPDATE {} SET ceased_from = %s WHERE case_id = %s").format(self.index),
                (event.from_month, event.case_id),
            )
        elif isinstance(event, Entitlement.ChannelChanged):
            conn.execute(
                sql.SQL("UPDATE {} SET channel = %s WHERE case_id = %s").format(self.index),
                (event.channel, event.case_id),
            )
        elif isinstance(event, Entitlement.MovedIn):
            conn.execute(
                sql.SQL("UPDATE {} SET residence_code = %s WHERE case_id = %s").format(self.index),
                (event.residence_code, event.case_id),
            )
        elif isinstance(event, Entitlement.LineSettled):
            conn.execute(
                sql.SQL("UPDATE {} SET result = %s WHERE line_id = %s").format(self.lines),
                (event.result, event.line_id),
            )
        elif isinstance(event, Entitlement.LinesIssued):
            for line in event.lines:
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {} (line_id, payroll_id, case_id, month, amount, kind)"
                        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
                    ).format(self.lines),
                    (
                        line["line_id"],
                        event.payroll_id,
                        event.case_id,
                        line["month"],
                        line["amount"],
                        line["kind"],
                    ),
                )

    def entitlements(
        self, commune: str, channel: str, not_ceased_before: str, batch: int = 1000
    ) -> Iterator[list[Any]]:
        """Case ids of the commune's entitlements on a channel, in batches (bounded memory)."""
        self.projection.catch_up()
        last = "00000000-0000-0000-0000-000000000000"
        with connect(self.url) as conn:
            while True:
                rows = conn.execute(
                    sql.SQL(
                        "SELECT case_id FROM {} WHERE residence_code = %s AND channel = %s"
                        " AND (ceased_from IS NULL OR ceased_from > %s) AND case_id > %s"
                        " ORDER BY case_id LIMIT %s"
                    ).format(self.index),
                    (commune, channel, not_ceased_before, last, batch),
                ).fetchall()
                if not rows:
                    return
                yield [row["case_id"] for row in rows]
                last = str(rows[-1]["case_id"])

    def payroll_lines(self, payroll: str, limit: int, offset: int) -> list[dict[str, Any]]:
        self.projection.catch_up()
        with connection(self.url) as conn:
            return conn.execute(
                sql.SQL(
                    "SELECT * FROM {} WHERE payroll_id = %s ORDER BY case_id, month, line_id"
                    " LIMIT %s OFFSET %s"
                ).format(self.lines),
                (payroll, limit, offset),
            ).fetchall()

    def totals(self, payroll: str) -> dict[str, Any]:
        """Lines, beneficiaries and amounts of a payroll, and how many lines have each result."""
        self.projection.catch_up()
        with connection(self.url) as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*) AS lines, count(DISTINCT case_id) AS beneficiaries,"
                    " coalesce(sum(amount), 0) AS total, coalesce(sum(amount)"
                    " FILTER (WHERE kind = 'arrears'), 0) AS arrears FROM {} WHERE payroll_id = %s"
                ).format(self.lines),
                (payroll,),
            ).fetchone()
            results = conn.execute(
                sql.SQL(
                    "SELECT coalesce(result, 'pending') AS result, count(*) AS lines,"
                    " sum(amount) AS amount FROM {} WHERE payroll_id = %s GROUP BY 1 ORDER BY 1"
                ).format(self.lines),
                (payroll,),
            ).fetchall()
        assert row is not None
        return {
            **{key: int(value) for key, value in row.items()},
            "by_result": {
                r["result"]: {"lines": r["lines"], "amount": int(r["amount"])} for r in results
            },
        }
