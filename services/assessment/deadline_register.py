"""Assessment's own read model: open deadlines, and the profile of decided cases.

Kept from assessment's events by a LocalProjection; answers "which cases of commune X are
overdue on day D" (the daily deadline job records each once) and "whose birthday is day D
among approved cases", the person's or a dependant's (the daily trigger job proposes decisions
for ages reached).

Two implementations of one contract (tests/side_tables/test_deadline_register.py runs it
against both): tables in assessment's PostgreSQL schema, and an in-memory stand-in beside
eventsourcing's in-memory store.
"""

from collections.abc import Collection
from datetime import date
from typing import Any, Protocol
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from backbone.database import connection
from backbone.eventstore import BtxhApplication
from backbone.local_projection import InMemoryProjection, LocalProjection
from services.assessment.domain.case_assessment import CaseAssessment
from services.assessment.domain.dependants import CaseDependants

# Bump the suffix when the tables change: the projection then re-reads the log from the start
# (every statement below is safe to apply again).
NAME = "read-model-v2"


def _table(schema: str) -> sql.Identifier:
    return sql.Identifier(schema, "open_deadline")


def _profiles(schema: str) -> sql.Identifier:
    return sql.Identifier(schema, "case_profile")


def _dependants(schema: str) -> sql.Identifier:
    return sql.Identifier(schema, "case_dependant")


def _ddl(schema: str) -> list[sql.Composed]:
    return [
        # Added beside the tables below without a new NAME: only events recorded since hold
        # dependants, so nothing before needs reading again.
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (case_id uuid NOT NULL, dependant_id uuid NOT NULL,"
            " relation text NOT NULL, date_of_birth date NOT NULL,"
            " PRIMARY KEY (case_id, dependant_id))"
        ).format(_dependants(schema)),
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS case_dependant_birthday ON {}"
            " ((extract(month FROM date_of_birth)), (extract(day FROM date_of_birth)))"
        ).format(_dependants(schema)),
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


class DeadlineRegister(Protocol):
    def overdue(
        self,
        *,
        on: date,
        commune: str | None = None,
        limit: int = 1000,
        places: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Open deadlines that passed before `on`, oldest first (then by case id): case_id,
        assessment_id, kind ('step' or 'complaint'), ref, due_on, residence_scheme,
        residence_code, category, procedure_version; of cases recorded under `places`
        ("scheme:code") only, when given."""
        ...

    def birthdays(self, on: date) -> list[dict[str, Any]]:
        """Approved cases whose person has a birthday on `on`, by case id: case_id,
        assessment_id, date_of_birth, residence_code, categories_held, approved."""
        ...

    def dependant_birthdays(self, on: date) -> list[dict[str, Any]]:
        """Dependants of approved cases with a birthday on `on`, by case and dependant id:
        case_id, dependant_id, relation, date_of_birth, categories_held."""
        ...


class PostgresDeadlineRegister(DeadlineRegister):
    def __init__(self, app: BtxhApplication, url: str, schema: str) -> None:
        self.url = url
        self.schema = schema
        self.projection = LocalProjection(
            app, url=url, schema=schema, name=NAME, ddl=_ddl(schema), apply=self._apply
        )

    def _apply(self, conn: psycopg.Connection[Any], event: Any) -> None:
        table = _table(self.schema)
        profiles = _profiles(self.schema)
        if isinstance(event, CaseDependants.Recorded | CaseDependants.Changed):
            dependants = _dependants(self.schema)
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE case_id = %s").format(dependants), (event.case_id,)
            )
            for held in event.dependants:
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {} (case_id, dependant_id, relation, date_of_birth)"
                        " VALUES (%s, %s, %s, %s)"
                    ).format(dependants),
                    (
                        event.case_id,
                        held["dependant_id"],
                        held["relation"],
                        date.fromisoformat(held["date_of_birth"]),
                    ),
                )
            return
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
        self,
        *,
        on: date,
        commune: str | None = None,
        limit: int = 1000,
        places: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Open deadlines that passed before `on`, oldest first."""
        self.projection.catch_up()
        conditions: list[sql.Composable] = [sql.SQL("due_on < %s")]
        params: list[Any] = [on]
        if commune is not None:
            conditions.append(sql.SQL("residence_code = %s"))
            params.append(commune)
        if places is not None:
            conditions.append(sql.SQL("residence_scheme || ':' || residence_code = ANY(%s)"))
            params.append(list(places))
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
        days = _birthdays_on(on)
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

    def dependant_birthdays(self, on: date) -> list[dict[str, Any]]:
        """Dependants of approved cases with a birthday on `on`."""
        self.projection.catch_up()
        with connection(self.url) as conn:
            return conn.execute(
                sql.SQL(
                    "SELECT d.case_id, d.dependant_id, d.relation, d.date_of_birth,"
                    " p.categories_held FROM {} d JOIN {} p USING (case_id)"
                    " WHERE p.approved AND ({}) ORDER BY d.case_id, d.dependant_id"
                ).format(
                    _dependants(self.schema),
                    _profiles(self.schema),
                    sql.SQL(" OR ").join(
                        sql.SQL(
                            "(extract(month FROM d.date_of_birth) = {} AND"
                            " extract(day FROM d.date_of_birth) = {})"
                        ).format(sql.Literal(m), sql.Literal(d))
                        for m, d in _birthdays_on(on)
                    ),
                )
            ).fetchall()


def _birthdays_on(on: date) -> list[tuple[int, int]]:
    """29 February counts on 1 March in common years, as completed years do."""
    days = [(on.month, on.day)]
    if (on.month, on.day) == (3, 1) and not _leap(on.year):
        days.append((2, 29))
    return days


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class InMemoryDeadlineRegister(DeadlineRegister):
    """The same read model in memory, beside eventsourcing's in-memory store."""

    def __init__(self, app: BtxhApplication) -> None:
        self._profiles: dict[UUID, dict[str, Any]] = {}  # by case id
        self._deadlines: dict[tuple[UUID, str, str], dict[str, Any]] = {}  # case, kind, ref
        self._dependants: dict[UUID, list[dict[str, Any]]] = {}  # by case id
        self.projection = InMemoryProjection(app, apply=self._apply)

    def _keys(self, assessment_id: UUID, kind: str | None = None) -> list[tuple[UUID, str, str]]:
        return [
            key
            for key, row in self._deadlines.items()
            if row["assessment_id"] == assessment_id and kind in (None, row["kind"])
        ]

    def _apply(self, event: Any) -> None:
        if isinstance(event, CaseDependants.Recorded | CaseDependants.Changed):
            self._dependants[event.case_id] = [
                {
                    "case_id": event.case_id,
                    "dependant_id": UUID(held["dependant_id"]),
                    "relation": held["relation"],
                    "date_of_birth": date.fromisoformat(held["date_of_birth"]),
                }
                for held in event.dependants
            ]
            return
        if isinstance(event, CaseAssessment.Opened):
            if event.case_id not in self._profiles and not any(
                p["assessment_id"] == event.originator_id for p in self._profiles.values()
            ):
                self._profiles[event.case_id] = {
                    "case_id": event.case_id,
                    "assessment_id": event.originator_id,
                    "date_of_birth": event.date_of_birth,
                    "residence_code": event.residence_code,
                    "categories_held": [event.category],
                    "approved": False,
                }
            step = getattr(event, "current_step", None) or "decision"
            self._deadlines.setdefault(
                (event.case_id, "step", step),
                {
                    "case_id": event.case_id,
                    "assessment_id": event.originator_id,
                    "kind": "step",
                    "ref": step,
                    "due_on": getattr(event, "current_due_on", None),  # absent from early events
                    "residence_scheme": event.residence_scheme,
                    "residence_code": event.residence_code,
                    "category": event.category,
                    "procedure_version": getattr(event, "procedure_version", None),
                },
            )
            return
        assessment_id = event.originator_id
        if isinstance(
            event, CaseAssessment.Approved | CaseAssessment.Rejected | CaseAssessment.Withdrawn
        ):
            for key in self._keys(assessment_id):
                del self._deadlines[key]
        if isinstance(event, CaseAssessment.Approved):
            held = getattr(event, "categories_held", None) or [event.category]
            for profile in self._profiles.values():
                if profile["assessment_id"] == assessment_id:
                    profile.update(approved=True, categories_held=list(held))
        elif isinstance(event, CaseAssessment.Rejected | CaseAssessment.Withdrawn):
            for case_id in [
                c for c, p in self._profiles.items() if p["assessment_id"] == assessment_id
            ]:
                del self._profiles[case_id]
        elif isinstance(event, CaseAssessment.ComplaintReceived):
            for key in self._keys(assessment_id, "step"):
                step = self._deadlines[key]
                self._deadlines.setdefault(
                    (step["case_id"], "complaint", event.complaint_id),
                    {
                        **step,
                        "kind": "complaint",
                        "ref": event.complaint_id,
                        "due_on": event.due_on,
                    },
                )
        elif isinstance(event, CaseAssessment.ComplaintConcluded):
            for key in self._keys(assessment_id, "complaint"):
                if key[2] == event.complaint_id:
                    del self._deadlines[key]
        elif getattr(event, "next_step", None) is not None:
            for key in self._keys(assessment_id, "step"):
                row = self._deadlines.pop(key)
                row.update(ref=event.next_step, due_on=event.next_due_on)
                self._deadlines[(row["case_id"], "step", row["ref"])] = row

    def overdue(
        self,
        *,
        on: date,
        commune: str | None = None,
        limit: int = 1000,
        places: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        self.projection.catch_up()
        with self.projection.lock:
            rows = [
                dict(row)
                for row in self._deadlines.values()
                if row["due_on"] is not None
                and row["due_on"] < on
                and commune in (None, row["residence_code"])
                and (
                    places is None or f"{row['residence_scheme']}:{row['residence_code']}" in places
                )
            ]
        return sorted(rows, key=lambda row: (row["due_on"], row["case_id"]))[:limit]

    def birthdays(self, on: date) -> list[dict[str, Any]]:
        self.projection.catch_up()
        days = _birthdays_on(on)
        with self.projection.lock:
            rows = [
                dict(profile)
                for profile in self._profiles.values()
                if profile["approved"]
                and (profile["date_of_birth"].month, profile["date_of_birth"].day) in days
            ]
        return sorted(rows, key=lambda row: row["case_id"])

    def dependant_birthdays(self, on: date) -> list[dict[str, Any]]:
        self.projection.catch_up()
        days = _birthdays_on(on)
        with self.projection.lock:
            rows = [
                {**dependant, "categories_held": list(profile["categories_held"])}
                for case_id, profile in self._profiles.items()
                if profile["approved"]
                for dependant in self._dependants.get(case_id, [])
                if (dependant["date_of_birth"].month, dependant["date_of_birth"].day) in days
            ]
        return sorted(rows, key=lambda row: (row["case_id"], row["dependant_id"]))
