"""Assessment's own read model: open deadlines, and the profile of decided cases.

Kept from assessment's events by a LocalProjection; answers "which cases of commune X are
overdue on day D" (the daily deadline job records each once) and "whose birthday is day D
among approved cases" (the daily trigger job proposes decisions for ages reached).
"""

from datetime import date
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from backbone.database import connection
from backbone.eventstore import BtxhApplication
from backbone.local_projection import LocalProjection
from services.assessment.domain.case_assessment import CaseAssessment

# Bump the suffix when the tables change: the projection then re-reads the log from the start
# (every statement below is safe to apply again).
NAME = "read-model-v2"


def _table(schema: str) -> sql.Identifier:
    return sql.Identifier(schema, "open_deadline")


def _profiles(schema: str) -> sql.Identifier:
    return sql.Identifier(schema, "case_profile")


def _ddl(schema: str) -> list[sql.Composed]:
    return [
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (case_id uuid PRIMARY KEY, assessment_id uuid NOT NULL"
            " UNIQUE, date_of_birth date NOT NULL, residence_code text NOT NULL,"
            " categories_held jsonb NOT NULL, approved boolean NOT NULL DEFAULT false)"
        ).format(_profiles(schema)),
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS case_profile_birthday ON {}"
            " ((extract(month FROM date_of_birth)), (extract(day FROM date_of_birth)))"
        ).format(_profiles(schema)),
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
        profiles = _profiles(self.schema)
        if isinstance(event, CaseAssessment.Opened):
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (case_id, assessment_id, date_of_birth, residence_code,"
                    " categories_held) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(profiles),
                (
                    event.case_id,
                    event.originator_id,
                    event.date_of_birth,
                    event.residence_code,
                    Jsonb([event.category]),
                ),
            )
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (case_id, assessment_id, kind, ref, due_on, residence_scheme,"
                    " residence_code, category, procedure_version)"
                    " VALUES (%s, %s, 'step', %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(table),
                (
                    event.case_id,
                    event.originator_id,
                    getattr(event, "current_step", None) or "decision",
                    getattr(event, "current_due_on", None),  # absent from early events
                    event.residence_scheme,
                    event.residence_code,
                    event.category,
                    getattr(event, "procedure_version", None),
                ),
            )
            return
        assessment_id = event.originator_id
        if isinstance(
            event, CaseAssessment.Approved | CaseAssessment.Rejected | CaseAssessment.Withdrawn
        ):
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE assessment_id = %s").format(table), (assessment_id,)
            )
        if isinstance(event, CaseAssessment.Approved):
            held = getattr(event, "categories_held", None) or [event.category]
            conn.execute(
                sql.SQL(
                    "UPDATE {} SET approved = true, categories_held = %s WHERE assessment_id = %s"
                ).format(profiles),
                (Jsonb(held), assessment_id),
            )
        elif isinstance(event, CaseAssessment.Rejected | CaseAssessment.Withdrawn):
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE assessment_id = %s").format(profiles),
                (assessment_id,),
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
        elif getattr(event, "next_step", None) is not None:
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

    def birthdays(self, on: date) -> list[dict[str, Any]]:
        """Approved cases whose person has a birthday on `on` (29 February counts on 1 March
        in common years, as completed years do)."""
        self.projection.catch_up()
        days = [(on.month, on.day)]
        if (on.month, on.day) == (3, 1) and not _leap(on.year):
            days.append((2, 29))
        with connection(self.url) as conn:
            return conn.execute(
                sql.SQL("SELECT * FROM {} WHERE approved AND ({}) ORDER BY case_id").format(
                    _profiles(self.schema),
                    sql.SQL(" OR ").join(
                        sql.SQL(
                            "(extract(month FROM date_of_birth) = {} AND"
                            " extract(day FROM date_of_birth) = {})"
                        ).format(sql.Literal(m), sql.Literal(d))
                        for m, d in days
                    ),
                )
            ).fetchall()


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
