"""What each reporting route shows an official: the cases, registers, reports, findings and
reads of their own unit only (reference/jurisdiction.py; backbone/auth.py checks the token).

A case outside the unit answers 404, as one that does not exist; a register, list or count is
filtered to the unit; a report of another unit is refused (403), and a report asked with no
unit is the official's own unit's (the country's for national inspectors).
"""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import psycopg
from fastapi import HTTPException, Request, status
from psycopg import sql

from backbone.actor import Actor
from backbone.auth import PLACES, Place, jurisdiction_of
from backbone.database import connection
from reference.admin_units import DVHC_2004_3LEVEL, DVHC_2025_2LEVEL
from reference.jurisdiction import Jurisdiction
from services.reporting.api.deps import projection_store
from services.reporting.projections import register, reports


def places_of(request: Request, case_id: UUID) -> list[Place] | None:
    """Where the register places a case now: its 2025 commune once known (a split old
    commune's case, once assigned), else its residence as recorded; None when no event of the
    case has reached reporting."""
    store = projection_store(request)
    with connection(store.url) as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT residence_scheme, residence_code, commune_code FROM {} WHERE case_id = %s"
            ).format(sql.Identifier(store.schema, "register")),
            (case_id,),
        ).fetchone()
    if row is None:
        return None
    if row["commune_code"] is not None:
        return [(DVHC_2025_2LEVEL, row["commune_code"])]
    return [(row["residence_scheme"], row["residence_code"])]


def units_within(who: Jurisdiction) -> list[str] | None:
    """The 2025 codes of the unit and every commune in it (None: the nation, no filter)."""
    communes = PLACES.communes_in(who)
    return None if communes is None else sorted({who.code, *communes})


def report_scope(actor: Actor, asked: reports.Scope) -> reports.Scope:
    """The report scope an official may have: what they asked when it lies in their unit (a
    unit as it was before July 2025 when every old commune of it went into their unit), their
    own unit when they asked for none, else 403 saying whose unit it is."""
    who = jurisdiction_of(actor)
    if who.national:
        return asked
    if asked.old_communes:
        inside = all(PLACES.covers(who, DVHC_2004_3LEVEL, c) for c in asked.old_communes)
        what = f"unit {asked.old_unit} as it was before July 2025"
    elif asked.commune is not None:
        inside = PLACES.covers(who, DVHC_2025_2LEVEL, asked.commune)
        what = f"commune {asked.commune}"
    elif asked.province is not None:
        inside = who.level == "province" and who.code == asked.province
        what = f"province {asked.province}"
    else:
        units = asked.units
        if who.level == "commune":
            return reports.Scope.of(commune=who.code, province=None, units=units)
        return reports.Scope.of(commune=None, province=who.code, units=units)
    if not inside:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"{what} is outside unit {who.code}, which this {actor.role} answers for",
        )
    return asked


def cases_within(
    conn: psycopg.Connection[Any], schema: str, who: Jurisdiction, case_ids: Iterable[UUID]
) -> set[UUID]:
    """Those of `case_ids` the register places in the unit (one query, whatever their number)."""
    wanted = list(set(case_ids))
    within = units_within(who)
    if within is None or not wanted:
        return set(wanted)
    condition, params = register.RegisterFilter(within=tuple(within)).where("r")
    rows = conn.execute(
        sql.SQL("SELECT r.case_id FROM {} AS r WHERE r.case_id = ANY(%s) AND {}").format(
            sql.Identifier(schema, "register"), condition
        ),
        [wanted, *params],
    ).fetchall()
    return {row["case_id"] for row in rows}
