"""Assessment's own read model of open deadlines: which step of which case is due when.

Kept from assessment's events by a LocalProjection; answers "which cases of commune X are
overdue on day D" and feeds the daily job that records each case becoming overdue.
"""

from datetime import date
from typing import Any

import psycopg
from psycopg import sql

from backbone.database import connection
from backbone.eventstore import BtxhApplication
from backbone.local_projection import LocalProjection
from services.assessment.domain.case_assessment import CaseAssessment

NAME = "deadlines"


def _table(schema: str) -> sql.Identifier:
    return sql.Identifier(schema, "open_deadline")


def _ddl(schema: str) -> list[sql.Composed]:
    return [
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (case_id uuid NOT NULL, assessment_id uuid NOT NULL,"
            " kind text NOT NULL,"
            " ref text NOT NULL, due_on date, residence_scheme text NOT NULL,"
            " residence_code text NOT NULL, category text NOT NULL,"
            " procedure_version text, PRIMARY KEY (case_id, kind, ref))"
        ).format(_table(schema)),
        sql.SQL("CREATE INDEX IF NOT EXISTS open_deadline_due ON {} (due_on)").format(
            _table(schema)
        ),
        sql.SQL("CREATE INDEX IF NOT EXISTS open_deadline_assessment ON {} (assessment_id)").format(
            _table(schema)
        ),
    ]


class DeadlineRegister:
    def __init__(self, app: BtxhApplication, url: str, schema: str) -> None:
        self.url = url
        self.schema = schema
        self.projection = LocalProjection(
            app, url=url, schema=schema, name=NAME, ddl=_ddl(schema), apply=self._apply
        )

    def _apply(self, conn: psycopg.Connection[Any], event: Any) -> None:
        table = _table(self.schema)
        if isinstance(event, CaseAssessment.Opened):
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (case_id, assessment_id, kind, ref, due_on, residence_scheme,"
                    " residence_code, category, procedure_version)"
                    " VALUES (%s, %s, 'step', %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(table),
                (
                    event.case_id,
                    event.originator_id,
                    event.current_step or "decision",
                    event.current_due_on,
                    event.residence_scheme,
                    event.residence_code,
                    event.category,
                    event.procedure_version,
                ),
            )
            return
        assessment_id = event.originator_id
        if isinstance(event, CaseAssessment.Approved | CaseAssessment.Rejected):
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE assessment_id = %s").format(table), (assessment_id,)
            )
        elif isinstance(event, CaseAssessment.ComplaintReceived):
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} SELECT case_id, assessment_id, 'complaint', %s, %s,"
                    " residence_scheme, residence_code, category, procedure_version FROM {}"
                    " WHERE assessment_id = %s AND kind = 'step' ON CONFLICT DO NOTHING"
                ).format(table, table),
                (event.complaint_id, event.due_on, assessment_id),
            )
        elif isinstance(event, CaseAssessment.ComplaintConcluded):
            conn.execute(
                sql.SQL(
                    "DELETE FROM {} WHERE assessment_id = %s AND kind = 'complaint' AND ref = %s"
                ).format(table),
                (assessment_id, event.complaint_id),
            )
        elif hasattr(event, "next_step"):
            conn.execute(
                sql.SQL(
                    "UPDATE {} SET ref = COALESCE(%s, ref), due_on = %s"
                    " WHERE assessment_id = %s AND kind = 'step'"
                ).format(table),
                (event.next_step, event.next_due_on, assessment_id),
            )

    def overdue(
        self, *, on: date, commune: str | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Open deadlines that passed before `on`, oldest first."""
        self.projection.catch_up()
        conditions: list[sql.Composable] = [sql.SQL("due_on < %s")]
        params: list[Any] = [on]
        if commune is not None:
            conditions.append(sql.SQL("residence_code = %s"))
            params.append(commune)
        with connection(self.url) as conn:
            return conn.execute(
                sql.SQL("SELECT * FROM {} WHERE {} ORDER BY due_on, case_id LIMIT %s").format(
                    _table(self.schema), sql.SQL(" AND ").join(conditions)
                ),
                [*params, limit],
            ).fetchall()
