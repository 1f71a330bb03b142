"""Personal data at rest: stored events are encrypted, and a citizen's ID number is stored in
clear nowhere, in any table of any service."""

import zlib
from typing import Any

import psycopg
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment
from psycopg import sql

from backbone.identity import personal_id_digest
from backbone.settings import DEVELOPMENT_PERSONAL_ID_KEY
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


def test_a_lookup_by_id_number_is_resolved_by_intake_alone_and_logged_by_both(
    client: Client,
) -> None:
    body = dossier_body()
    number = body["applicant"]["personal_id"]
    case_id = ok(
        client.http.post(
            client.url("intake", "/dossiers"), json=body, headers=officer_of(body["residence"])
        ),
        201,
    )["case_id"]
    eventually(lambda: client.register_entry(case_id), what="the register shows the case")
    # the digest (under the development key the test system runs with) is intake's alone
    digest = personal_id_digest(DEVELOPMENT_PERSONAL_ID_KEY, number)
    _, prefix = database(client)
    assert tables_holding(client, digest) == [f"{prefix}intake.person_index"]

    def lookup(headers: dict[str, str]) -> Any:
        return client.http.post(
            client.url("reporting", "/cases/lookup"), json={"personal_id": number}, headers=headers
        )

    found = lookup(token("inspector", unit="19", user="inspector-lookup"))
    assert found.status_code == 200, found.text
    assert found.json()["case_ids"] == [case_id]
    [asked] = ok(
        client.http.get(
            client.url("intake", "/ops/personal-data-reads"),
            params={"actor_id": "inspector-lookup"},
            headers=token("inspector"),
        )
    )
    assert asked["resource"].startswith("person lookup by personal ID: person ")
    assert asked["request"] == "POST /people/lookup"  # the number is in no log
    assert number not in str(asked)
    elsewhere = lookup(token("inspector", unit="01"))  # Hà Nội: not its case
    assert elsewhere.status_code == 404
    unknown = client.http.post(
        client.url("reporting", "/cases/lookup"),
        json={"personal_id": "001099000000"},
        headers=token("inspector"),
    )
    assert unknown.status_code == 404
