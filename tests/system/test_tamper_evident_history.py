"""Tamper-evident history: each service's stored events and read log, and reporting's case
history, are hash-chained; GET /ops/integrity and `python -m services.<name> verify` name the
first broken link, and a case's timeline says whether its history verified.

Each test alters or deletes rows behind the services' backs, straight in PostgreSQL, sees it
detected, then puts the rows back exactly as they were (tests/support/tampering.py): the
module's system verifies again before the next test.
"""

import json
import subprocess
import sys
import uuid
from typing import Any

import pytest
from psycopg import sql

from backbone.service_main import EXIT_CHAIN_BROKEN
from backbone.system import System
from tests.support.api import Client, ok, token
from tests.support.eventually import eventually
from tests.support.tampering import query, table, tampered

SERVICES = ("intake", "assessment", "payment", "reporting")
OPERATOR = token("operator")


def integrity(client: Client, service: str) -> dict[str, Any]:
    return dict(ok(client.http.get(client.url(service, "/ops/integrity"), headers=OPERATOR)))


def chain(report: dict[str, Any], what: str) -> dict[str, Any]:
    return dict(next(c for c in report["chains"] if c["what"] == what))


def verify_command(system: System, service: str) -> tuple[int, dict[str, Any]]:
    """`python -m services.<service> verify`, run as an operator would, with the service's
    environment: its exit status and the report it printed."""
    done = subprocess.run(
        [sys.executable, "-m", f"services.{service}", "verify"],
        env=system.processes[f"{service}-api"].env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.stdout, done.stderr.decode()
    return done.returncode, json.loads(done.stdout)


def link_of(system: System, service: str, chained: str, key: dict[str, Any]) -> int:
    where = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in key)
    [row] = query(
        system,
        sql.SQL("SELECT link FROM {} WHERE {}").format(
            table(system, service, f"{chained}_chain"), where
        ),
        tuple(key.values()),
    )
    return int(row["link"])


def history_rows(client: Client, case_id: str) -> list[dict[str, Any]]:
    return query(
        client.system,
        sql.SQL("SELECT source, originator_id, version, type FROM {} WHERE case_id = %s").format(
            table(client.system, "reporting", "case_history")
        ),
        (uuid.UUID(case_id),),
    )


def stored_event(client: Client, case_id: str, service: str) -> int:
    """The notification id of the first event `service` stored for the case."""
    first = min(
        (r for r in history_rows(client, case_id) if r["source"] == f"btxh/{service}"),
        key=lambda r: r["version"],
    )
    [row] = query(
        client.system,
        sql.SQL(
            "SELECT notification_id FROM {} WHERE originator_id = %s AND originator_version = %s"
        ).format(table(client.system, service, f"{service}_events")),
        (first["originator_id"], first["version"]),
    )
    return int(row["notification_id"])


@pytest.fixture(scope="module")
def case_id(client: Client) -> str:
    """A case received, approved and enrolled, whose whole history reached reporting."""
    case_id = client.receive()
    eventually(lambda: client.assessment_case(case_id), what="assessment has the case")
    assert client.approve(case_id).status_code == 201
    eventually(lambda: client.enrolled(case_id), what="payment enrolled the case")

    def whole_history() -> bool:
        sources = {r["source"] for r in history_rows(client, case_id)}
        return {"btxh/intake", "btxh/assessment", "btxh/payment"} <= sources

    eventually(whole_history, what="reporting holds every service's events of the case")
    return case_id


def timeline(client: Client, case_id: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    response = client.http.get(
        client.url("reporting", f"/cases/{case_id}/timeline"),
        headers=client.case_token("inspector", case_id),
    )
    assert response.status_code == 200, response.text
    return list(response.json()), dict(response.headers)


def test_an_untouched_system_verifies_every_chain_of_every_service(
    client: Client, case_id: str
) -> None:
    for service in SERVICES:
        report = integrity(client, service)
        assert report["verified"], report
        assert report["service"] == service
        whats = {c["what"] for c in report["chains"]}
        expected = "case history (projection)" if service == "reporting" else "stored events"
        assert whats == {"personal-data read log", expected}, whats
        head = chain(report, expected)
        assert head["head_link"] == head["links_verified"] > 0, head
        assert len(bytes.fromhex(head["head_hash"])) == 32

    inspector = client.http.get(client.url("intake", "/ops/integrity"), headers=token("inspector"))
    assert inspector.status_code == 200
    refused = client.http.get(
        client.url("intake", "/ops/integrity"), headers=token("commune_officer", unit="02020")
    )
    assert refused.status_code == 403

    status, printed = verify_command(client.system, "intake")
    assert status == 0, printed
    assert printed["verified"]
    events = chain(printed, "stored events")
    assert events["head_hash"] == chain(integrity(client, "intake"), "stored events")["head_hash"]


def test_an_altered_stored_event_is_the_first_broken_link_for_the_endpoint_and_the_command(
    client: Client, case_id: str
) -> None:
    system = client.system
    notification_id = stored_event(client, case_id, "intake")
    link = link_of(system, "intake", "intake_events", {"notification_id": notification_id})

    with tampered(
        system,
        "intake",
        "intake_events",
        sql.SQL("notification_id = %s"),
        (notification_id,),
        change=sql.SQL("state = state || '\\x20'::bytea"),
    ):
        report = integrity(client, "intake")
        assert not report["verified"]
        events = chain(report, "stored events")
        assert not events["verified"]
        assert events["first_broken"]["link"] == link
        assert events["first_broken"]["record"] == {"notification_id": notification_id}
        assert events["first_broken"]["reason"].startswith("altered record")
        assert events["links_verified"] == link - 1
        assert chain(report, "personal-data read log")["verified"]

        status, printed = verify_command(system, "intake")
        assert status == EXIT_CHAIN_BROKEN
        assert chain(printed, "stored events")["first_broken"] == events["first_broken"]

    assert integrity(client, "intake")["verified"]


def test_a_deleted_stored_event_is_found_where_its_link_stands(
    client: Client, case_id: str
) -> None:
    system = client.system
    notification_id = stored_event(client, case_id, "assessment")
    link = link_of(system, "assessment", "assessment_events", {"notification_id": notification_id})

    with tampered(
        system,
        "assessment",
        "assessment_events",
        sql.SQL("notification_id = %s"),
        (notification_id,),
    ):
        broken = chain(integrity(client, "assessment"), "stored events")["first_broken"]
        assert broken["link"] == link
        assert broken["record"] == {"notification_id": notification_id}
        assert broken["reason"].startswith("deleted record")

    assert integrity(client, "assessment")["verified"]


def test_an_altered_and_a_deleted_read_log_row_are_each_found(client: Client, case_id: str) -> None:
    system = client.system
    for _ in range(3):
        assert client.enrolled(case_id)  # an inspector reads the entitlement: a logged read
    reads = query(
        system,
        sql.SQL("SELECT id FROM {} WHERE %s = ANY(case_ids) ORDER BY id").format(
            table(system, "payment", "personal_data_read")
        ),
        (uuid.UUID(case_id),),
    )
    first, second = int(reads[0]["id"]), int(reads[1]["id"])
    log = ("payment", "personal_data_read")
    assert chain(integrity(client, "payment"), "personal-data read log")["verified"]

    with tampered(
        system, *log, sql.SQL("id = %s"), (second,), change=sql.SQL("actor_id = 'someone-else'")
    ):
        broken = chain(integrity(client, "payment"), "personal-data read log")["first_broken"]
        assert broken["link"] == link_of(system, "payment", "personal_data_read", {"id": second})
        assert broken["record"] == {"id": second}
        assert broken["reason"].startswith("altered record")

        with tampered(system, *log, sql.SQL("id = %s"), (first,)):
            report = integrity(client, "payment")
            broken = chain(report, "personal-data read log")["first_broken"]
            assert broken["link"] == link_of(system, "payment", "personal_data_read", {"id": first})
            assert broken["record"] == {"id": first}
            assert broken["reason"].startswith("deleted record")
            assert chain(report, "stored events")["verified"]

            status, printed = verify_command(system, "payment")
            assert status == EXIT_CHAIN_BROKEN
            assert chain(printed, "personal-data read log")["first_broken"] == broken

    assert integrity(client, "payment")["verified"]


def test_the_timeline_shows_a_verified_history_and_not_once_one_of_its_rows_is_altered(
    client: Client, case_id: str
) -> None:
    system = client.system
    entries, headers = timeline(client, case_id)
    assert headers["x-history-verified"] == "true"
    assert "x-history-integrity" not in headers
    assert entries
    assert all(entry["verified"] for entry in entries)

    approval = next(r for r in history_rows(client, case_id) if r["type"].endswith("case_approved"))
    key = {k: approval[k] for k in ("source", "originator_id", "version")}
    link = link_of(system, "reporting", "case_history", key)
    where = sql.SQL("source = %s AND originator_id = %s AND version = %s")
    history = ("reporting", "case_history")

    with tampered(
        system,
        *history,
        where,
        tuple(key.values()),
        change=sql.SQL("data = jsonb_set(data, '{decision_number}', '\"999/QĐ-UBND\"')"),
    ):
        entries, headers = timeline(client, case_id)
        assert headers["x-history-verified"] == "false"
        assert headers["x-history-integrity"].startswith("altered record")
        unverified = [e for e in entries if not e["verified"]]
        assert [e["type"] for e in unverified] == [approval["type"]]
        assert unverified[0]["decision_number"] == "999/QĐ-UBND"

        broken = chain(integrity(client, "reporting"), "case history (projection)")["first_broken"]
        assert (broken["link"], broken["reason"].split(":")[0]) == (link, "altered record")

    with tampered(system, *history, where, tuple(key.values())):
        entries, headers = timeline(client, case_id)
        assert headers["x-history-verified"] == "false"  # no entry is left to show it
        assert headers["x-history-integrity"].startswith("deleted record")
        assert approval["type"] not in {e["type"] for e in entries}

    entries, headers = timeline(client, case_id)
    assert headers["x-history-verified"] == "true"
    assert all(entry["verified"] for entry in entries)
