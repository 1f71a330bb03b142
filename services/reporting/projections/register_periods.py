"""Register periods: each case's register row over time, for the register as of any date.

A period [valid_from, valid_to) holds what was in force for the case (status, category,
residence and its 2025 commune, decision). They are refolded from the case's whole history
whenever an event that changes the state arrives, in the same transaction, so they never
depend on the order events arrived in.
"""

from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from reference.valuation import Valuation
from services.reporting.projections.case_state import (
    STATE_EVENTS,
    Fact,
    periods,
    short_type,
)

DDL = [
    """CREATE TABLE {schema}.register_period (
        case_id uuid NOT NULL, valid_from date NOT NULL, valid_to date,
        status text NOT NULL, benefit text, category text, categories_held jsonb NOT NULL,
        coefficient text, residence_scheme text, residence_code text,
        commune_code text, province_code text, commune_candidates text[] NOT NULL,
        person_id uuid, decision_number text,
        PRIMARY KEY (case_id, valid_from))""",
    """CREATE INDEX register_period_commune
        ON {schema}.register_period (commune_code, valid_from)""",
    """CREATE INDEX register_period_province
        ON {schema}.register_period (province_code, valid_from)""",
]

#: Register columns: the residence rolled up to a 2025 commune and province (None if split).
REGISTER_COLUMNS = [
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS commune_code text",
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS province_code text",
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS commune_candidates text[]",
    "CREATE INDEX IF NOT EXISTS register_commune_code ON {schema}.register (commune_code)",
    "CREATE INDEX IF NOT EXISTS register_province_code ON {schema}.register (province_code)",
]


def lock_case(conn: psycopg.Connection[Any], schema: str, case_id: UUID) -> None:
    """Events of one case arrive on three topics and may be applied at the same time: each
    transaction takes the case's lock first (held to its commit), so a refold always reads
    every event committed before it and the last one writes the periods from all of them."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{schema}:case:{case_id}",)
    )


def facts_of(conn: psycopg.Connection[Any], schema: str, case_id: UUID) -> list[Fact]:
    """The case's events that change its state, as the fold needs them."""
    rows = conn.execute(
        sql.SQL(
            "SELECT type, data, recorded_at, source, version FROM {} WHERE case_id = %s"
            " AND split_part(type, '.', 4) = ANY(%s)"
        ).format(sql.Identifier(schema, "case_history")),
        (case_id, sorted(STATE_EVENTS)),
    ).fetchall()
    return [Fact.from_row(row) for row in rows]


def refresh_case(
    conn: psycopg.Connection[Any], schema: str, case_id: UUID, valuation: Valuation
) -> None:
    """Refold the case's periods, and its register row's 2025 commune and province."""
    facts = facts_of(conn, schema, case_id)
    found = periods(case_id, facts, valuation)
    table = sql.Identifier(schema, "register_period")
    conn.execute(sql.SQL("DELETE FROM {} WHERE case_id = %s").format(table), (case_id,))
    rows = [
        (
            case_id,
            period.valid_from,
            period.valid_to,
            period.state.status,
            period.state.benefit,
            period.state.category,
            Jsonb(dict(period.state.categories_held)),
            period.state.coefficient,
            period.state.residence.scheme if period.state.residence else None,
            period.state.residence.code if period.state.residence else None,
            period.state.commune_code,
            period.state.province_code,
            list(period.state.commune_candidates),
            period.state.person_id,
            period.state.last_decision_number,
        )
        for period in found
    ]
    if rows:
        with conn.cursor() as cursor:
            cursor.executemany(
                sql.SQL(
                    "INSERT INTO {} (case_id, valid_from, valid_to, status, benefit, category,"
                    " categories_held, coefficient, residence_scheme, residence_code,"
                    " commune_code, province_code, commune_candidates, person_id,"
                    " decision_number) VALUES"
                    " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                ).format(table),
                rows,
            )
    latest = found[-1].state if found else None  # the open period: the case as known now
    conn.execute(
        sql.SQL(
            "UPDATE {} SET commune_code = %s, province_code = %s, commune_candidates = %s"
            " WHERE case_id = %s"
        ).format(sql.Identifier(schema, "register")),
        (
            latest.commune_code if latest else None,
            latest.province_code if latest else None,
            list(latest.commune_candidates) if latest else [],
            case_id,
        ),
    )


def refresh_if_state_changed(
    conn: psycopg.Connection[Any],
    schema: str,
    case_id: UUID,
    event_type: str,
    valuation: Valuation,
) -> None:
    if short_type(event_type) in STATE_EVENTS:
        refresh_case(conn, schema, case_id, valuation)


def refresh_all(conn: psycopg.Connection[Any], schema: str, valuation: Valuation) -> None:
    """Fill the periods of every case in the history (a projection made before they existed)."""
    case_ids = conn.execute(
        sql.SQL("SELECT DISTINCT case_id FROM {}").format(sql.Identifier(schema, "case_history"))
    ).fetchall()
    for row in case_ids:
        refresh_case(conn, schema, row["case_id"], valuation)
