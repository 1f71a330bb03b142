"""The projection store: read-model tables and per-stream tracking in one PostgreSQL schema.

Each event's projection writes and its tracking record commit in one transaction, so an
event is reflected exactly once however often it is delivered.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError, Tracking
from psycopg import sql

from backbone.chain import install
from backbone.database import advisory_lock, connection, ensure_schema
from reference.valuation import Valuation
from services.reporting.projections import history, register_periods

DDL = [
    """CREATE TABLE IF NOT EXISTS {schema}.tracking (
        stream text PRIMARY KEY, version bigint NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS {schema}.register (
        case_id uuid PRIMARY KEY,
        person_id uuid, full_name text, date_of_birth date, sex text,
        benefit text, category text, residence_scheme text, residence_code text,
        received_on date, channel text,
        decision_number text, signed_on date, signer text, authority text,
        legal_basis jsonb, policy_version text,
        standard_level bigint, coefficient text, monthly_amount bigint, effective_month text,
        enrolled_from text, entitlement_id uuid,
        has_dossier boolean NOT NULL DEFAULT false, approved boolean NOT NULL DEFAULT false,
        enrolled boolean NOT NULL DEFAULT false,
        status text NOT NULL,
        updated_at timestamptz NOT NULL)""",
    # Columns added after the first release: existing projections gain them in place.
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS rejected boolean NOT NULL DEFAULT false",
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS rejection_reasons jsonb",
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS withdrawn_on date",
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS suspended_from text",
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS ceased_from text",
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS cessation_reason text",
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS posted_from date",
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS posted_until date",
    "ALTER TABLE {schema}.register ADD COLUMN IF NOT EXISTS hiv_withheld boolean",
    "CREATE INDEX IF NOT EXISTS register_commune ON {schema}.register (residence_code, status)",
    *register_periods.REGISTER_COLUMNS,
    # No ID-number digest beside a name, date of birth and sex: intake alone resolves a number
    # (to the person id); a projection that kept the digest loses it here.
    "DROP INDEX IF EXISTS {schema}.register_digest",
    "ALTER TABLE {schema}.register DROP COLUMN IF EXISTS personal_id_digest",
    "CREATE INDEX IF NOT EXISTS register_person ON {schema}.register (person_id)",
    """CREATE INDEX IF NOT EXISTS register_posting ON {schema}.register
        (residence_code, posted_from, posted_until) WHERE posted_from IS NOT NULL""",
    """CREATE TABLE IF NOT EXISTS {schema}.case_history (
        case_id uuid NOT NULL, source text NOT NULL, originator_id uuid NOT NULL,
        version bigint NOT NULL, message_id uuid NOT NULL, type text NOT NULL,
        schema_version int NOT NULL, recorded_at timestamptz NOT NULL,
        actor_id text NOT NULL, actor_role text NOT NULL, actor_unit text,
        correlation_id uuid NOT NULL, causation_id uuid, data jsonb NOT NULL,
        PRIMARY KEY (source, originator_id, version))""",
    "CREATE INDEX IF NOT EXISTS case_history_case ON {schema}.case_history (case_id, recorded_at)",
    # Reports and checks select events by type across all cases.
    "CREATE INDEX IF NOT EXISTS case_history_type ON {schema}.case_history (type, recorded_at)",
    # Postings projected before the posting columns existed are only in the history: fill the
    # columns in from each case's latest results_posted, as a rebuild would. A no-op once done.
    """UPDATE {schema}.register AS r
        SET posted_from = (p.data ->> 'posted_from')::date,
            posted_until = (p.data ->> 'posted_until')::date,
            hiv_withheld = (p.data ->> 'hiv_information_withheld')::boolean,
            updated_at = greatest(r.updated_at, p.recorded_at)
        FROM (SELECT DISTINCT ON (case_id) case_id, data, recorded_at
              FROM {schema}.case_history WHERE type = 'vn.btxh.assessment.results_posted'
              ORDER BY case_id, version DESC) AS p
        WHERE r.case_id = p.case_id AND r.posted_from IS NULL""",
]

#: Tables added after the first release. A projection that existed before gains each one
#: filled in from the case history, as a rebuild would (a v1 line's commune is then the
#: residence the register holds now), in one transaction with its creation: run once.
ADDED_TABLES: dict[str, list[str]] = {
    "payroll_line": [
        # commune: the payroll's (for v1 lines, which do not name it: the case's residence).
        """CREATE TABLE {schema}.payroll_line (
            line_id text PRIMARY KEY, payroll_id text NOT NULL, payroll_month text NOT NULL,
            case_id uuid NOT NULL, commune text, channel text, month text NOT NULL,
            amount bigint NOT NULL, kind text NOT NULL, result text, settled_on date)""",
        """CREATE INDEX payroll_line_commune
            ON {schema}.payroll_line (commune, payroll_month)""",
        "CREATE INDEX payroll_line_case ON {schema}.payroll_line (case_id)",
        """INSERT INTO {schema}.payroll_line (line_id, payroll_id, payroll_month, case_id,
            commune, channel, month, amount, kind)
            SELECT line ->> 'line_id', h.data ->> 'payroll_id', h.data ->> 'payroll_month',
                h.case_id, coalesce(h.data ->> 'commune', r.residence_code),
                h.data ->> 'channel', line ->> 'month', (line ->> 'amount')::bigint,
                line ->> 'kind'
            FROM {schema}.case_history AS h
            CROSS JOIN LATERAL jsonb_array_elements(h.data -> 'lines') AS line
            LEFT JOIN {schema}.register AS r ON r.case_id = h.case_id
            WHERE h.type = 'vn.btxh.payment.payroll_lines_issued'
            ON CONFLICT (line_id) DO NOTHING""",
        """UPDATE {schema}.payroll_line AS l
            SET result = h.data ->> 'result', settled_on = (h.data ->> 'settled_on')::date
            FROM {schema}.case_history AS h
            WHERE h.type = 'vn.btxh.payment.payroll_line_settled'
            AND l.line_id = h.data ->> 'line_id'""",
    ],
    "register_period": register_periods.DDL,
}

#: Filled in by code when a table is added to an existing projection (same transaction).
BACKFILLS = {"register_period": register_periods.refresh_all}


class ProjectionStore:
    def __init__(self, url: str, schema: str, valuation: Valuation) -> None:
        self.url = url
        self.schema = schema
        #: How amounts are valued (the deployment's policy directory): the same as payment's.
        self.valuation = valuation
        with advisory_lock(url, f"ddl:{schema}") as conn:
            ensure_schema(conn, schema)
            quoted = sql.Identifier(schema).as_string(conn)
            for statement in DDL:
                conn.execute(statement.format(schema=quoted))
            for name, statements in ADDED_TABLES.items():
                if self._exists(conn, name):
                    continue
                with conn.transaction():
                    for statement in statements:
                        conn.execute(statement.format(schema=quoted))
                    if name in BACKFILLS:
                        BACKFILLS[name](conn, schema, valuation)
            install(conn, history.chained(schema))

    def _exists(self, conn: psycopg.Connection[Any], name: str) -> bool:
        row = conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL AS found",
            (self.table(name).as_string(conn),),
        ).fetchone()
        return bool(row and row["found"])

    def table(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.schema, name)

    def applied_version(self, stream: str) -> int:
        with connection(self.url) as conn:
            row = conn.execute(
                sql.SQL("SELECT version FROM {} WHERE stream = %s").format(self.table("tracking")),
                (stream,),
            ).fetchone()
        return int(row["version"]) if row else 0

    def record_tracking(self, tracking: Tracking) -> None:
        with self.transaction(tracking):
            pass

    @contextmanager
    def transaction(self, tracking: Tracking) -> Iterator[psycopg.Connection[Any]]:
        """Projection writes done in the block commit together with the tracking record."""
        with connection(self.url) as conn, conn.transaction():
            yield conn
            row = conn.execute(
                sql.SQL(
                    "INSERT INTO {t} (stream, version) VALUES (%s, %s) ON CONFLICT (stream)"
                    " DO UPDATE SET version = EXCLUDED.version WHERE {t}.version < EXCLUDED.version"
                    " RETURNING version"
                ).format(t=self.table("tracking")),
                (tracking.application_name, tracking.notification_id),
            ).fetchone()
            if row is None:
                raise IntegrityError(
                    f"{tracking.application_name} v{tracking.notification_id} was applied already"
                )
