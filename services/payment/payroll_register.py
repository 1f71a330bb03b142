"""Payment's own read model: which entitlements belong to which commune and channel, and the
lines of each payroll. Kept from payment's events by a LocalProjection (caught up on demand).

Two implementations of one contract (tests/side_tables/test_payroll_register.py runs it
against both): tables in payment's PostgreSQL schema, and an in-memory stand-in beside
eventsourcing's in-memory store.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, Protocol
from uuid import UUID

import psycopg
from psycopg import sql

from backbone.database import connect, connection
from backbone.eventstore import BtxhApplication
from backbone.local_projection import InMemoryProjection, LocalProjection
from reference.admin_units import DVHC_2025_2LEVEL
from reference.months import add_months
from services.payment.domain.entitlement import Entitlement
from services.payment.domain.funeral_claim import ClaimFuneralSupport
from services.payment.domain.lines import PAID

#: Events that issue or settle lines, whichever payee keeps them.
LINES_ISSUED = (Entitlement.LinesIssued, ClaimFuneralSupport.LinesIssued)
LINE_SETTLED = (Entitlement.LineSettled, ClaimFuneralSupport.LineSettled)


def paid_off(event: Any) -> str | None:
    """The month from which a funeral claim case leaves the payroll register: the one after
    its support was paid (None: not a claim's payment)."""
    if isinstance(event, ClaimFuneralSupport.LineSettled) and event.result in PAID:
        return add_months(event.month, 1)
    return None


# Bump the suffix when the tables change: the projection re-reads the log from the start.
NAME = "payroll-read-model-v4"


class PayrollRegister(Protocol):
    def entitlements(
        self,
        commune: str,
        channel: str,
        not_ceased_before: str,
        batch: int = 1000,
        *,
        scheme: str = DVHC_2025_2LEVEL,
        living_in: str | None = None,
    ) -> Iterator[list[Any]]:
        """Case ids of the payees on a channel (entitlements, and funeral claim cases until
        their support is paid), not ceased before the month, whose beneficiary lived in the
        commune (a code of `scheme`) in the month `living_in` (by
        default now), in batches (bounded memory), in case id order."""
        ...

    def under_scheme(
        self,
        scheme: str,
        not_ceased_before: str,
        communes: list[str] | None = None,
        batch: int = 1000,
    ) -> Iterator[list[Any]]:
        """Case ids of entitlements (never funeral claim cases) whose commune is still a code
        of `scheme` (of `communes` if given), not ceased before the month, on any channel, in
        batches."""
        ...

    def payroll_lines(self, payroll: str, limit: int, offset: int) -> list[dict[str, Any]]:
        """A payroll's lines (line_id, payroll_id, case_id, month, amount, kind, result), by
        case, month and line id."""
        ...

    def totals(self, payroll: str) -> dict[str, Any]:
        """Lines, beneficiaries and amounts of a payroll, and how many lines have each result."""
        ...


class PostgresPayrollRegister(PayrollRegister):
    def __init__(self, app: BtxhApplication, url: str, schema: str) -> None:
        self.url = url
        self.schema = schema
        self.index = sql.Identifier(schema, "entitlement_index")
        self.residences = sql.Identifier(schema, "entitlement_residence")
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
                sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS residence_scheme text").format(
                    self.index
                ),
                # Who keeps the lines: an entitlement, or a funeral claim case's support.
                sql.SQL(
                    "ALTER TABLE {} ADD COLUMN IF NOT EXISTS payee text NOT NULL DEFAULT"
                    " 'entitlement'"
                ).format(self.index),
                # Where each beneficiary lived from which month: a payroll of a month pays those
                # who lived in its commune that month (the 2025 transfer or a move changes it).
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (case_id uuid NOT NULL, from_month text NOT"
                    " NULL, scheme text NOT NULL, code text NOT NULL, PRIMARY KEY (case_id,"
                    " from_month))"
                ).format(self.residences),
                sql.SQL(
                    "CREATE INDEX IF NOT EXISTS entitlement_residence_commune ON {}"
                    " (scheme, code, case_id)"
                ).format(self.residences),
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
            # An upsert: a new version of this read model re-reads the log over the old rows.
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (case_id, residence_scheme, residence_code, channel,"
                    " from_month) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (case_id) DO UPDATE"
                    " SET residence_scheme = excluded.residence_scheme, residence_code ="
                    " excluded.residence_code, channel = excluded.channel, from_month ="
                    " excluded.from_month, ceased_from = NULL"
                ).format(self.index),
                (
                    event.case_id,
                    event.residence_scheme,
                    event.residence_code,
                    getattr(event, "channel", None) or "post_office",
                    event.from_month,
                ),
            )
            self._lived(
                conn, event.case_id, event.from_month, event.residence_scheme, event.residence_code
            )
        elif isinstance(event, Entitlement.TransferredByReorganisation):
            conn.execute(
                sql.SQL(
                    "UPDATE {} SET residence_scheme = %s, residence_code = %s WHERE case_id = %s"
                ).format(self.index),
                (event.to_scheme, event.to_code, event.case_id),
            )
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE case_id = %s AND from_month > %s").format(
                    self.residences
                ),
                (event.case_id, event.from_month),
            )
            self._lived(conn, event.case_id, event.from_month, event.to_scheme, event.to_code)
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
                sql.SQL(
                    "UPDATE {} SET residence_scheme = %s, residence_code = %s WHERE case_id = %s"
                ).format(self.index),
                (event.residence_scheme, event.residence_code, event.case_id),
            )
            self._lived(
                conn, event.case_id, event.from_month, event.residence_scheme, event.residence_code
            )
        elif isinstance(event, ClaimFuneralSupport.Decided):
            # A funeral claim case is on its commune's payroll until its support is paid.
            paid_in = event.paid_in or []
            if paid_in:
                last = paid_in[-1]
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {} (case_id, residence_scheme, residence_code, channel,"
                        " from_month, payee) VALUES (%s, %s, %s, %s, %s, 'funeral_claim')"
                        " ON CONFLICT (case_id) DO NOTHING"
                    ).format(self.index),
                    (
                        event.case_id,
                        last["scheme"],
                        last["code"],
                        event.channel,
                        paid_in[0]["from_month"],
                    ),
                )
            for where in paid_in:
                self._lived(
                    conn, event.case_id, where["from_month"], where["scheme"], where["code"]
                )
        elif isinstance(event, LINE_SETTLED):
            conn.execute(
                sql.SQL("UPDATE {} SET result = %s WHERE line_id = %s").format(self.lines),
                (event.result, event.line_id),
            )
            if (off := paid_off(event)) is not None:
                conn.execute(
                    sql.SQL("UPDATE {} SET ceased_from = %s WHERE case_id = %s").format(self.index),
                    (off, event.case_id),
                )
        elif isinstance(event, LINES_ISSUED):
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

    def _lived(
        self, conn: psycopg.Connection[Any], case_id: Any, month: str, scheme: str, code: str
    ) -> None:
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (case_id, from_month, scheme, code) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (case_id, from_month) DO UPDATE SET scheme = excluded.scheme,"
                " code = excluded.code"
            ).format(self.residences),
            (case_id, month, scheme, code),
        )

    def entitlements(
        self,
        commune: str,
        channel: str,
        not_ceased_before: str,
        batch: int = 1000,
        *,
        scheme: str = DVHC_2025_2LEVEL,
        living_in: str | None = None,
    ) -> Iterator[list[Any]]:
        """Case ids of the commune's entitlements on a channel, in batches (bounded memory)."""
        if living_in is None:
            return self._batches(
                sql.SQL("residence_scheme = %s AND residence_code = %s AND channel = %s"),
                (scheme, commune, channel),
                not_ceased_before,
                batch,
            )
        lived_there = sql.SQL(
            "channel = %s AND EXISTS (SELECT 1 FROM {residences} AS r WHERE r.case_id ="
            " {index}.case_id AND r.scheme = %s AND r.code = %s AND r.from_month <= %s AND NOT"
            " EXISTS (SELECT 1 FROM {residences} AS later WHERE later.case_id = r.case_id AND"
            " later.from_month > r.from_month AND later.from_month <= %s))"
        ).format(residences=self.residences, index=self.index)
        return self._batches(
            lived_there, (channel, scheme, commune, living_in, living_in), not_ceased_before, batch
        )

    def under_scheme(
        self,
        scheme: str,
        not_ceased_before: str,
        communes: list[str] | None = None,
        batch: int = 1000,
    ) -> Iterator[list[Any]]:
        if communes is None:
            return self._batches(
                sql.SQL("payee = 'entitlement' AND residence_scheme = %s"),
                (scheme,),
                not_ceased_before,
                batch,
            )
        return self._batches(
            sql.SQL("payee = 'entitlement' AND residence_scheme = %s AND residence_code = ANY(%s)"),
            (scheme, communes),
            not_ceased_before,
            batch,
        )

    def _batches(
        self, where: sql.Composable, values: tuple[Any, ...], not_ceased_before: str, batch: int
    ) -> Iterator[list[Any]]:
        self.projection.catch_up()
        last = "00000000-0000-0000-0000-000000000000"
        # Autocommit: each batch is read in its own short transaction, so the caller may take
        # its time between batches without holding a transaction open (sessions idle in one
        # are cut after BTXH's idle-in-transaction bound).
        with connect(self.url, autocommit=True) as conn:
            while True:
                rows = conn.execute(
                    sql.SQL(
                        "SELECT case_id FROM {} WHERE {} AND (ceased_from IS NULL OR ceased_from"
                        " > %s) AND case_id > %s ORDER BY case_id LIMIT %s"
                    ).format(self.index, where),
                    (*values, not_ceased_before, last, batch),
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


class InMemoryPayrollRegister(PayrollRegister):
    """The same read model in memory, beside eventsourcing's in-memory store."""

    def __init__(self, app: BtxhApplication) -> None:
        self._index: dict[UUID, dict[str, Any]] = {}
        self._lines: dict[str, dict[str, Any]] = {}
        self.projection = InMemoryProjection(app, apply=self._apply)

    def _apply(self, event: Any) -> None:
        if isinstance(event, Entitlement.Enrolled):
            self._index.setdefault(
                event.case_id,
                {
                    "case_id": event.case_id,
                    "residence_scheme": event.residence_scheme,
                    "residence_code": event.residence_code,
                    "lived": [(event.from_month, event.residence_scheme, event.residence_code)],
                    "channel": getattr(event, "channel", None) or "post_office",
                    "from_month": event.from_month,
                    "ceased_from": None,
                },
            )
        elif isinstance(event, Entitlement.Ceased):
            self._update(event.case_id, ceased_from=event.from_month)
        elif isinstance(event, Entitlement.ChannelChanged):
            self._update(event.case_id, channel=event.channel)
        elif isinstance(event, Entitlement.MovedIn):
            self._update(
                event.case_id,
                residence_scheme=event.residence_scheme,
                residence_code=event.residence_code,
            )
            if event.case_id in self._index:
                lived = self._index[event.case_id]["lived"]
                lived[:] = [r for r in lived if r[0] != event.from_month]
                lived.append((event.from_month, event.residence_scheme, event.residence_code))
                lived.sort()
        elif isinstance(event, Entitlement.TransferredByReorganisation):
            self._update(
                event.case_id, residence_scheme=event.to_scheme, residence_code=event.to_code
            )
            if event.case_id in self._index:
                lived = self._index[event.case_id]["lived"]
                lived[:] = [r for r in lived if r[0] < event.from_month]
                lived.append((event.from_month, event.to_scheme, event.to_code))
        elif isinstance(event, ClaimFuneralSupport.Decided):
            paid_in = event.paid_in or []
            if paid_in:
                self._index.setdefault(
                    event.case_id,
                    {
                        "case_id": event.case_id,
                        "residence_scheme": paid_in[-1]["scheme"],
                        "residence_code": paid_in[-1]["code"],
                        "lived": [(w["from_month"], w["scheme"], w["code"]) for w in paid_in],
                        "channel": event.channel,
                        "from_month": paid_in[0]["from_month"],
                        "ceased_from": None,
                        "payee": "funeral_claim",
                    },
                )
        elif isinstance(event, LINE_SETTLED):
            if event.line_id in self._lines:
                self._lines[event.line_id]["result"] = event.result
            if (off := paid_off(event)) is not None:
                self._update(event.case_id, ceased_from=off)
        elif isinstance(event, LINES_ISSUED):
            for line in event.lines:
                self._lines.setdefault(
                    line["line_id"],
                    {
                        "line_id": line["line_id"],
                        "payroll_id": event.payroll_id,
                        "case_id": event.case_id,
                        "month": line["month"],
                        "amount": line["amount"],
                        "kind": line["kind"],
                        "result": None,
                    },
                )

    def _update(self, case_id: UUID, **values: Any) -> None:
        if case_id in self._index:
            self._index[case_id].update(values)

    def entitlements(
        self,
        commune: str,
        channel: str,
        not_ceased_before: str,
        batch: int = 1000,
        *,
        scheme: str = DVHC_2025_2LEVEL,
        living_in: str | None = None,
    ) -> Iterator[list[Any]]:
        def lived_there(row: dict[str, Any]) -> bool:
            if living_in is None:
                where = (row["residence_scheme"], row["residence_code"])
            else:
                then = [r for r in row["lived"] if r[0] <= living_in]
                where = then[-1][1:] if then else (None, None)
            return bool(row["channel"] == channel and where == (scheme, commune))

        return self._batches(lived_there, not_ceased_before, batch)

    def under_scheme(
        self,
        scheme: str,
        not_ceased_before: str,
        communes: list[str] | None = None,
        batch: int = 1000,
    ) -> Iterator[list[Any]]:
        return self._batches(
            lambda row: (
                row.get("payee", "entitlement") == "entitlement"
                and row["residence_scheme"] == scheme
                and (communes is None or row["residence_code"] in communes)
            ),
            not_ceased_before,
            batch,
        )

    def _batches(
        self, matches: Callable[[dict[str, Any]], bool], not_ceased_before: str, batch: int
    ) -> Iterator[list[Any]]:
        self.projection.catch_up()
        with self.projection.lock:
            found = sorted(
                row["case_id"]
                for row in self._index.values()
                if matches(row)
                and (row["ceased_from"] is None or row["ceased_from"] > not_ceased_before)
            )
        for start in range(0, len(found), batch):
            yield found[start : start + batch]

    def _of(self, payroll: str) -> list[dict[str, Any]]:
        self.projection.catch_up()
        with self.projection.lock:
            return sorted(
                (dict(line) for line in self._lines.values() if line["payroll_id"] == payroll),
                key=lambda line: (line["case_id"], line["month"], line["line_id"]),
            )

    def payroll_lines(self, payroll: str, limit: int, offset: int) -> list[dict[str, Any]]:
        return self._of(payroll)[offset : offset + limit]

    def totals(self, payroll: str) -> dict[str, Any]:
        lines = self._of(payroll)
        results: Counter[str] = Counter()
        amounts: Counter[str] = Counter()
        for line in lines:
            results[line["result"] or "pending"] += 1
            amounts[line["result"] or "pending"] += line["amount"]
        return {
            "lines": len(lines),
            "beneficiaries": len({line["case_id"] for line in lines}),
            "total": sum(line["amount"] for line in lines),
            "arrears": sum(line["amount"] for line in lines if line["kind"] == "arrears"),
            "by_result": {
                result: {"lines": results[result], "amount": amounts[result]}
                for result in sorted(results)
            },
        }
