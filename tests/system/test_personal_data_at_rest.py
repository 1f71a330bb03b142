"""Personal data at rest: stored events are encrypted, and a citizen's ID number is stored in
clear nowhere, in any table of any service."""

import zlib
from typing import Any

import psycopg
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment
from psycopg import sql

from tests.support.api import Client, dossier_body, officer_of, ok, token
from tests.support.eventually import eventually

#: Its tests touch only cases they create: the worker's shared system serves (tests/conftest.py).
SHARED_SYSTEM = True
#: eventsourcing's event table of each command service.
EVENT_TABLES = ("intake", "assessment", "payment")


def database(client: Client) -> tuple[str, str]:
    """The system's database URL and its schema prefix."""
    env = client.system.processes["intake-api"].env
    return env["BTXH_DATABASE_URL"], env["BTXH_PREFIX"]


def tables_holding(client: Client, text: str) -> list[str]:
    """Every table of the system's schemas in which some row, read as text, contains `text`."""
    url, prefix = database(client)
    found = []
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema LIKE %s AND table_type = 'BASE TABLE'",
            (prefix.replace("_", r"\_") + "%",),
        ).fetchall()
        for schema, table in tables:
            query = sql.SQL("SELECT 1 FROM {} AS t WHERE strpos(t::text, %s) > 0 LIMIT 1").format(
                sql.Identifier(schema, table)
            )
            if conn.execute(query, (text,)).fetchone():
                found.append(f"{schema}.{table}")
    return found


def stored_states(client: Client, service: str) -> list[bytes]:
    url, prefix = database(client)
    with psycopg.connect(url) as conn:
        rows: list[Any] = conn.execute(
            sql.SQL("SELECT state FROM {}").format(
                sql.Identifier(f"{prefix}{service}", f"{service}_events")
            )
        ).fetchall()
    return [bytes(row[0]) for row in rows]


def test_no_table_holds_an_id_number_or_a_name_in_clear_in_stored_events(client: Client) -> None:
    body = dossier_body(name="Người Mã Hoá Thử")
    number = body["applicant"]["personal_id"]
    case_id = ok(
        client.http.post(
            client.url("intake", "/dossiers"), json=body, headers=officer_of(body["residence"])
        ),
        201,
    )["case_id"]
    eventually(lambda: client.register_entry(case_id), what="the register shows the case")
    # the dossier is read back whole through intake's API: the events hold it, encrypted
    dossier = ok(
        client.http.get(client.url("intake", f"/dossiers/{case_id}"), headers=token("inspector"))
    )
    assert dossier["full_name"] == "Người Mã Hoá Thử"

    assert tables_holding(client, number) == []
    assert stored_states(client, "intake"), "intake stored no event"
    env = client.system.processes["intake-api"].env
    cipher = AESCipher(Environment(env={"CIPHER_KEY": env["BTXH_CIPHER_KEY"]}))
    for service in EVENT_TABLES:
        for state in stored_states(client, service):
            assert "Người Mã Hoá Thử".encode() not in state
            # AES-GCM: only a state encrypted under the system's key passes the tag check
            assert zlib.decompress(cipher.decrypt(state)).startswith(b"{")
