"""A projection rebuilt beside the live one, through the operator's routes: progress, switch-over,
and the comparison of its read models with the live one's, table by table."""

from typing import Any

import httpx
import psycopg
from psycopg import sql

from backbone.system import System
from contracts.topics import ASSESSMENT_EVENTS, INTAKE_EVENTS
from services.reporting.bootstrap import SUBSCRIBED_TOPICS
from tests.support import kafka
from tests.support.api import Client, ok, token

OPERATOR = token("operator")

#: Parking bookkeeping, not read models: rows name the consumer (one per projection) and are
#: stamped when a case was parked, so they legitimately differ; the case history's hash chain
#: links rows in the order they arrived, which differs between two consumers of the same
#: topics (a rebuilt projection starts its own chain). Every other table of the rebuilt
#: schema (tracking included: both applied every version) must be equal row for row.
#: Reporting's own schema also holds the access log and the projection catalog: they are not
#: in the rebuilt schema, so comparing the rebuilt schema's tables leaves them out.
NOT_READ_MODELS = {"parked_case", "dead_letter", "case_history_chain"}
READ_MODELS = {"tracking", "register", "case_history", "payroll_line", "register_period"}


def bootstrap(system: System) -> str:
    return system.processes["reporting-api"].env["BTXH_KAFKA_BOOTSTRAP"]


def database_url(system: System) -> str:
    return system.processes["reporting-api"].env["BTXH_DATABASE_URL"]


def everything_consumed(system: System, client: Client) -> bool:
    """Assessment, payment and the live projection have consumed every message published."""
    live = projections(client)["active"].replace("_", "-")  # its consumer group
    groups = {
        "assessment": [INTAKE_EVENTS],
        "payment": [ASSESSMENT_EVENTS],
        live: list(SUBSCRIBED_TOPICS),
    }
    return all(
        kafka.consumed_everything(
            bootstrap(system), system.prefix, group, [system.prefix + t for t in topics]
        )
        for group, topics in groups.items()
    )


def projections(client: Client) -> dict[str, Any]:
    return dict(ok(client.http.get(client.url("reporting", "/ops/projections"), headers=OPERATOR)))


def entry(client: Client, name: str) -> dict[str, Any]:
    return next(p for p in projections(client)["projections"] if p["name"] == name)


def rebuild(client: Client, **body: Any) -> httpx.Response:
    return client.http.post(
        client.url("reporting", "/ops/projections/rebuild"), json=body, headers=OPERATOR
    )


def activate(client: Client, name: str) -> httpx.Response:
    return client.http.post(
        client.url("reporting", f"/ops/projections/{name}/activate"), headers=OPERATOR
    )


def drop(client: Client, name: str) -> httpx.Response:
    return client.http.delete(client.url("reporting", f"/ops/projections/{name}"), headers=OPERATOR)


def parked_messages(client: Client, name: str, case_id: str) -> list[dict[str, Any]]:
    """Messages held behind `case_id` in projection `name` (empty while it is not parked)."""
    return list(
        ok(
            client.http.get(
                client.url("reporting", f"/ops/projections/{name}/parked/{case_id}/messages"),
                headers=OPERATOR,
            )
        )
    )


def redrive(client: Client, name: str, case_id: str, discard: list[int]) -> dict[str, Any]:
    return dict(
        ok(
            client.http.post(
                client.url("reporting", f"/ops/projections/{name}/parked/{case_id}/redrive"),
                json={"discard": discard},
                headers=OPERATOR,
            )
        )
    )


def caught_up(client: Client, name: str) -> dict[str, Any] | None:
    found = entry(client, name)
    assert found["status"] == "rebuilding", found
    return found if found["progress"]["caught_up"] else None


def tables(conn: psycopg.Connection[Any], schema: str) -> set[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
        " AND table_type = 'BASE TABLE'",
        (schema,),
    ).fetchall()
    return {row[0] for row in rows}


def assert_same_read_models(system: System, live: str, rebuilt: str) -> dict[str, int]:
    """Every read-model table of `rebuilt` holds exactly the rows of the same table in `live`
    (columns named, rows sorted, so neither column nor row order matters); the row counts."""
    live_schema, rebuilt_schema = system.prefix + live, system.prefix + rebuilt
    counts: dict[str, int] = {}
    with psycopg.connect(database_url(system)) as conn:
        compared = tables(conn, rebuilt_schema) - NOT_READ_MODELS
        assert compared >= READ_MODELS, compared
        assert compared <= tables(conn, live_schema), compared - tables(conn, live_schema)
        for table in sorted(compared):
            columns = [
                row[0]
                for row in conn.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                    (rebuilt_schema, table),
                ).fetchall()
            ]

            def rows(schema: str, table: str = table, columns: list[str] = columns) -> list[Any]:
                query = sql.SQL("SELECT {} FROM {}").format(
                    sql.SQL(", ").join(map(sql.Identifier, columns)),
                    sql.Identifier(schema, table),
                )
                return sorted(conn.execute(query).fetchall(), key=repr)

            expected, actual = rows(live_schema), rows(rebuilt_schema)
            assert actual == expected, f"{table}: rebuilt differs from live"
            counts[table] = len(actual)
    return counts
