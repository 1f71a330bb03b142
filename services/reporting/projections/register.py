"""The register (danh sách đối tượng): one row per case, its current status and amount.

Events of one case arrive from three topics in any relative order (an approval may be seen
before its dossier), so each event fills in its own columns and the status is derived from
which facts are known, never from arrival order.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from backbone.database import connect
from contracts.assessment import (
    CaseApprovedV4,
    CaseOpenedV2,
    CaseRejectedV1,
    CaseWithdrawnV1,
    ResultsPostedV1,
)
from contracts.intake import DossierReceivedV2, FuneralClaimReceivedV1
from contracts.payment import (
    BeneficiaryEnrolledV1,
    BeneficiaryMovedInV1,
    EntitlementAdjustedV1,
    EntitlementCeasedV1,
    EntitlementSuspendedV1,
    FuneralSupportDecidedV3,
    SuspensionLiftedV1,
)
from reference.months import first_day
from reference.valuation import Valuation
from services.reporting.projections.case_state import FUNERAL_CLAIM_BENEFIT

STATUS_SQL = (
    "CASE WHEN r.ceased_from IS NOT NULL THEN 'ceased'"
    " WHEN r.suspended_from IS NOT NULL THEN 'suspended'"
    " WHEN r.enrolled THEN 'active' WHEN r.approved THEN 'approved'"
    " WHEN r.rejected THEN 'rejected' WHEN r.withdrawn_on IS NOT NULL THEN 'withdrawn'"
    " ELSE 'received' END"
)


def _upsert(
    conn: psycopg.Connection[Any],
    schema: str,
    case_id: UUID,
    at: datetime,
    columns: dict[str, Any],
) -> None:
    table = sql.Identifier(schema, "register")
    names = ["case_id", *columns, "status", "updated_at"]
    values = [case_id, *columns.values(), "received", at]
    conn.execute(
        sql.SQL(
            "INSERT INTO {table} AS r ({names}) VALUES ({values}) ON CONFLICT (case_id) DO UPDATE"
            " SET {updates}, updated_at = greatest(r.updated_at, EXCLUDED.updated_at)"
        ).format(
            table=table,
            names=sql.SQL(", ").join(sql.Identifier(n) for n in names),
            values=sql.SQL(", ").join(sql.Placeholder() for _ in names),
            updates=sql.SQL(", ").join(
                sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in columns
            ),
        ),
        values,
    )
    conn.execute(
        sql.SQL("UPDATE {table} AS r SET status = {status} WHERE case_id = %s").format(
            table=table, status=sql.SQL(STATUS_SQL)
        ),
        (case_id,),
    )


def on_dossier_received(
    conn: psycopg.Connection[Any], schema: str, event: DossierReceivedV2, at: datetime
) -> None:
    _upsert(
        conn,
        schema,
        event.case_id,
        at,
        {
            "person_id": event.person_id,
            "full_name": event.applicant.full_name,
            "date_of_birth": event.applicant.date_of_birth,
            "sex": event.applicant.sex,
            "benefit": event.benefit,
            "category": event.category,
            "residence_scheme": event.residence.scheme,
            "residence_code": event.residence.code,
            "received_on": event.received_on,
            "channel": event.channel,
            "has_dossier": True,
        },
    )


def on_funeral_claim_received(
    conn: psycopg.Connection[Any], schema: str, event: FuneralClaimReceivedV1, at: datetime
) -> None:
    """The deceased's own case for a funeral claim: the person, the place, the receipt (the
    name and ID number stay in intake)."""
    _upsert(
        conn,
        schema,
        event.case_id,
        at,
        {
            "person_id": event.person_id,
            "benefit": FUNERAL_CLAIM_BENEFIT,
            "residence_scheme": event.residence.scheme,
            "residence_code": event.residence.code,
            "received_on": event.received_on,
            "has_dossier": True,
        },
    )


def on_funeral_support_decided(
    conn: psycopg.Connection[Any], schema: str, event: FuneralSupportDecidedV3, at: datetime
) -> None:
    """Funeral support decided on a funeral claim case grants the claim; on an allowance case
    the register row does not change."""
    if event.deceased != "person_80_plus":
        return
    _upsert(
        conn,
        schema,
        event.case_id,
        at,
        {
            "benefit": FUNERAL_CLAIM_BENEFIT,
            "decision_number": event.decision_number,
            "signed_on": event.signed_on,
            "policy_version": event.policy_version,
            "standard_level": event.standard_level,
            "approved": True,
        },
    )


def on_case_opened(
    conn: psycopg.Connection[Any], schema: str, event: CaseOpenedV2, at: datetime
) -> None:
    _upsert(conn, schema, event.case_id, at, {"benefit": event.benefit})


def on_case_approved(
    conn: psycopg.Connection[Any], schema: str, event: CaseApprovedV4, at: datetime
) -> None:
    _upsert(
        conn,
        schema,
        event.case_id,
        at,
        {
            "benefit": event.benefit,
            "category": event.category,
            "residence_scheme": event.residence.scheme,
            "residence_code": event.residence.code,
            "decision_number": event.decision_number,
            "signed_on": event.signed_on,
            "signer": event.signer,
            "authority": event.authority,
            "legal_basis": Jsonb(event.legal_basis),
            "policy_version": event.policy_version,
            "standard_level": event.standard_level,
            "coefficient": event.coefficient,
            "monthly_amount": event.monthly_amount,
            "effective_month": event.effective_month,
            "approved": True,
        },
    )


def on_case_rejected(
    conn: psycopg.Connection[Any], schema: str, event: CaseRejectedV1, at: datetime
) -> None:
    _upsert(
        conn,
        schema,
        event.case_id,
        at,
        {
            "decision_number": event.decision_number,
            "signed_on": event.signed_on,
            "signer": event.signer,
            "authority": event.authority,
            "legal_basis": Jsonb(event.legal_basis),
            "policy_version": event.policy_version,
            "rejection_reasons": Jsonb(event.reasons),
            "rejected": True,
        },
    )


def on_results_posted(
    conn: psycopg.Connection[Any], schema: str, event: ResultsPostedV1, at: datetime
) -> None:
    """The public posting window; a later posting of the same case replaces the earlier one."""
    _upsert(
        conn,
        schema,
        event.case_id,
        at,
        {
            "posted_from": event.posted_from,
            "posted_until": event.posted_until,
            "hiv_withheld": event.hiv_information_withheld,
        },
    )


def on_case_withdrawn(
    conn: psycopg.Connection[Any], schema: str, event: CaseWithdrawnV1, at: datetime
) -> None:
    _upsert(conn, schema, event.case_id, at, {"withdrawn_on": event.withdrawn_on})


def on_beneficiary_enrolled(
    conn: psycopg.Connection[Any], schema: str, event: BeneficiaryEnrolledV1, at: datetime
) -> None:
    _upsert(
        conn,
        schema,
        event.case_id,
        at,
        {
            "enrolled_from": event.from_month,
            "entitlement_id": event.entitlement_id,
            "enrolled": True,
        },
    )


def on_entitlement_suspended(
    conn: psycopg.Connection[Any], schema: str, event: EntitlementSuspendedV1, at: datetime
) -> None:
    _upsert(conn, schema, event.case_id, at, {"suspended_from": event.from_month})


def on_suspension_lifted(
    conn: psycopg.Connection[Any], schema: str, event: SuspensionLiftedV1, at: datetime
) -> None:
    _upsert(conn, schema, event.case_id, at, {"suspended_from": None})


def on_entitlement_ceased(
    conn: psycopg.Connection[Any], schema: str, event: EntitlementCeasedV1, at: datetime
) -> None:
    _upsert(
        conn,
        schema,
        event.case_id,
        at,
        {"ceased_from": event.from_month, "cessation_reason": event.reason},
    )


def on_beneficiary_moved_in(
    conn: psycopg.Connection[Any], schema: str, event: BeneficiaryMovedInV1, at: datetime
) -> None:
    """The new commune took the beneficiary up: the register lists them there from now on
    (the history keeps the move out and the move in)."""
    _upsert(
        conn,
        schema,
        event.case_id,
        at,
        {"residence_scheme": event.residence.scheme, "residence_code": event.residence.code},
    )


def on_entitlement_adjusted(
    conn: psycopg.Connection[Any],
    schema: str,
    event: EntitlementAdjustedV1,
    at: datetime,
    valuation: Valuation,
) -> None:
    """The entitlement is labelled by the category paid from the adjustment's month on."""
    paid = valuation.category_paid(event.categories, first_day(event.from_month))
    _upsert(conn, schema, event.case_id, at, {"category": paid})


@dataclass(frozen=True)
class RegisterFilter:
    """Which rows of the register: `commune`/`province` are 2025-scheme codes, with records
    under old codes rolled up; `recorded_scheme` instead matches `commune` as recorded (the
    "as-was" units); `unresolved` keeps only cases of split old communes not yet resolved."""

    status: str | None = None
    commune: str | None = None
    province: str | None = None
    category: str | None = None
    recorded_scheme: str | None = None
    unresolved: bool = False
    #: The 2025 codes of the reader's unit and its communes (None: the nation): a case counts
    #: when its 2025 commune or province is one, or, a split old commune's case not yet
    #: assigned, when one of its candidate communes is.
    within: tuple[str, ...] | None = None

    def where(self, alias: str) -> tuple[sql.Composable, list[Any]]:
        conditions: list[sql.Composable] = [sql.SQL("true")]
        params: list[Any] = []
        if self.within is not None:
            conditions.append(
                sql.SQL(
                    "({a}.commune_code = ANY(%s) OR {a}.province_code = ANY(%s) OR"
                    " ({a}.commune_code IS NULL AND {a}.commune_candidates && %s::text[]))"
                ).format(a=sql.Identifier(alias))
            )
            params.extend([list(self.within)] * 3)

        def equal(column: str, value: Any) -> None:
            conditions.append(sql.SQL("{} = %s").format(sql.Identifier(alias, column)))
            params.append(value)

        if self.status is not None:
            equal("status", self.status)
        if self.category is not None:
            equal("category", self.category)
        if self.province is not None:
            equal("province_code", self.province)
        if self.commune is not None and self.recorded_scheme is not None:
            equal("residence_scheme", self.recorded_scheme)
            equal("residence_code", self.commune)
        elif self.commune is not None:
            equal("commune_code", self.commune)
        if self.unresolved:
            conditions.append(
                sql.SQL("{} IS NULL AND {} IS NOT NULL").format(
                    sql.Identifier(alias, "commune_code"), sql.Identifier(alias, "residence_code")
                )
            )
        return sql.SQL(" AND ").join(conditions), params


def _selection(
    schema: str, on: date | None, where: RegisterFilter
) -> tuple[sql.Composable, sql.Composable, sql.Composable, list[Any]]:
    """(columns, FROM .. WHERE .., ORDER BY .., parameters) of the register as known now
    (`on` None), or as it stood on `on` (by effective dates, from everything recorded)."""
    register = sql.Identifier(schema, "register")
    if on is None:
        condition, params = where.where("r")
        source = sql.SQL("FROM {} AS r WHERE {}").format(register, condition)
        columns: sql.Composable = sql.SQL("r.*")
        alias = "r"
    else:
        condition, params = where.where("p")
        source = sql.SQL(
            "FROM {} AS p LEFT JOIN {} AS r ON r.case_id = p.case_id"
            " WHERE p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to > %s) AND {}"
        ).format(sql.Identifier(schema, "register_period"), register, condition)
        params = [on, on, *params]
        columns = _AS_OF_COLUMNS
        alias = "p"
    order = sql.SQL(
        "ORDER BY {a}.commune_code NULLS LAST, {a}.residence_code NULLS LAST,"
        " r.full_name NULLS LAST, {a}.case_id"
    ).format(a=sql.Identifier(alias))
    return columns, source, order, params


def _page(
    conn: psycopg.Connection[Any],
    schema: str,
    on: date | None,
    where: RegisterFilter,
    limit: int | None,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    columns, source, order, params = _selection(schema, on, where)
    total_row = conn.execute(sql.SQL("SELECT count(*) AS n {}").format(source), params).fetchone()
    rows = conn.execute(
        sql.SQL("SELECT {} {} {} LIMIT %s OFFSET %s").format(columns, source, order),
        [*params, limit, offset],
    ).fetchall()
    return (int(total_row["n"]) if total_row else 0), rows


def query(
    conn: psycopg.Connection[Any],
    schema: str,
    *,
    where: RegisterFilter,
    limit: int | None,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """The register as known now, one row per case, a page of it and the total."""
    return _page(conn, schema, None, where, limit, offset)


#: Columns of a register period row, and those the register adds (identity, receipt).
_AS_OF_COLUMNS = sql.SQL(
    "p.case_id, p.status, p.benefit, p.category, p.categories_held, p.coefficient,"
    " p.residence_scheme, p.residence_code, p.commune_code, p.province_code,"
    " p.commune_candidates, p.decision_number, p.valid_from, p.valid_to,"
    " r.full_name, r.date_of_birth, r.sex, r.received_on, r.signed_on, r.effective_month,"
    " r.enrolled_from"
)


def query_as_of(
    conn: psycopg.Connection[Any],
    schema: str,
    *,
    on: date,
    where: RegisterFilter,
    limit: int | None,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """The register as it stood on `on` (by effective dates, from everything recorded)."""
    return _page(conn, schema, on, where, limit, offset)


def count(
    conn: psycopg.Connection[Any], schema: str, *, on: date | None, where: RegisterFilter
) -> int:
    """How many rows the register has, now or as of `on`, under `where`."""
    _, source, _, params = _selection(schema, on, where)
    found = conn.execute(sql.SQL("SELECT count(*) AS n {}").format(source), params).fetchone()
    return int(found["n"]) if found else 0


def export(
    url: str, schema: str, *, on: date | None, where: RegisterFilter, batch: int
) -> Iterator[list[dict[str, Any]]]:
    """Every row of the register, now or as of `on`, in the order of its pages, `batch` rows
    at a time from a server-side cursor, so that memory holds one batch however large the
    register. The cursor is held (WITH HOLD) outside a transaction: its rows are one snapshot,
    and a client that downloads slowly keeps no transaction open."""
    columns, source, order, params = _selection(schema, on, where)
    with (
        connect(url, autocommit=True) as conn,
        conn.cursor(name="register_export", withhold=True) as cursor,
    ):
        cursor.execute(sql.SQL("SELECT {} {} {}").format(columns, source, order), params)
        while rows := cursor.fetchmany(batch):
            yield rows


def counts(
    conn: psycopg.Connection[Any],
    schema: str,
    *,
    on: date | None,
    where: RegisterFilter,
    by: str,
) -> list[dict[str, Any]]:
    """How many cases per `by` value (status, category, commune_code, province_code, benefit)."""
    if on is None:
        condition, params = where.where("r")
        return conn.execute(
            sql.SQL(
                "SELECT {by} AS key, count(*) AS n FROM {} AS r WHERE {} GROUP BY 1 ORDER BY 1"
            ).format(sql.Identifier(schema, "register"), condition, by=sql.Identifier("r", by)),
            params,
        ).fetchall()
    condition, params = where.where("p")
    return conn.execute(
        sql.SQL(
            "SELECT {by} AS key, count(*) AS n FROM {} AS p WHERE p.valid_from <= %s"
            " AND (p.valid_to IS NULL OR p.valid_to > %s) AND {} GROUP BY 1 ORDER BY 1"
        ).format(sql.Identifier(schema, "register_period"), condition, by=sql.Identifier("p", by)),
        [on, on, *params],
    ).fetchall()


def case_ids_of_person(conn: psycopg.Connection[Any], schema: str, person_id: UUID) -> list[UUID]:
    """Cases of one person, by btxh's person id (intake resolves an ID number to it)."""
    rows = conn.execute(
        sql.SQL("SELECT case_id FROM {} WHERE person_id = %s ORDER BY received_on, case_id").format(
            sql.Identifier(schema, "register")
        ),
        (person_id,),
    ).fetchall()
    return [row["case_id"] for row in rows]


def posted_on(
    conn: psycopg.Connection[Any], schema: str, *, commune: str, on: date
) -> list[dict[str, Any]]:
    """Cases of a commune whose posting window holds `on` and whose posting withheld no HIV
    information (a case whose flag is unknown is left out too: fail closed), by name.

    A case whose dossier has not reached reporting yet has no name to post and is left out.
    """
    return conn.execute(
        sql.SQL(
            "SELECT case_id, full_name, date_of_birth, category, benefit, posted_from,"
            " posted_until FROM {} WHERE residence_code = %s AND posted_from <= %s"
            " AND posted_until >= %s AND hiv_withheld IS FALSE AND full_name IS NOT NULL"
            " AND category NOT LIKE '%%HIV%%'"  # belt and braces: never an HIV category
            " ORDER BY full_name, case_id"
        ).format(sql.Identifier(schema, "register")),
        (commune, on, on),
    ).fetchall()
