"""Rebuild: a projection rebuilt from zero beside the live one equals it, and the API switches
over to it, through the operator's routes; a worker killed in the middle resumes the rebuild."""

import uuid
from datetime import date
from typing import Any

import psycopg
from psycopg import sql

from backbone.system import System
from contracts.topics import INTAKE_EVENTS
from services.reporting.bootstrap import SUBSCRIBED_TOPICS
from tests.support import kafka
from tests.support.api import OLD_COMMUNE, Client, ok
from tests.support.approvals import approval_messages, publish
from tests.support.cases import approved_in_june_2024
from tests.support.eventually import eventually
from tests.support.payrolls import approved_payroll, record_results
from tests.support.projections import (
    OPERATOR,
    activate,
    assert_same_read_models,
    bootstrap,
    caught_up,
    database_url,
    drop,
    entry,
    everything_consumed,
    parked_messages,
    projections,
    rebuild,
    redrive,
    tables,
)


def register_rows(system: System, projection: str) -> set[str]:
    with psycopg.connect(database_url(system)) as conn:
        return {
            str(row[0])
            for row in conn.execute(
                sql.SQL("SELECT case_id FROM {}").format(
                    sql.Identifier(system.prefix + projection, "register")
                )
            ).fetchall()
        }


def test_a_projection_rebuilt_beside_the_live_one_equals_it_and_the_api_switches_over_to_it(
    system: System, client: Client
) -> None:
    for _ in range(2):
        case_id = client.receive()
        eventually(lambda c=case_id: client.assessment_case(c))
        assert client.approve(case_id).status_code == 201
    approved_in_june_2024(client)
    lines = approved_payroll(client, OLD_COMMUNE["code"], "2024-07")
    record_results(client, OLD_COMMUNE["code"], "2024-07", [(lines[0], "paid_at_point")])
    eventually(
        lambda: everything_consumed(system, client), timeout=90, what="the live one caught up"
    )

    before = projections(client)
    assert before["active"] == "reporting"
    assert [p["status"] for p in before["projections"]] == ["live"]

    started = rebuild(client)
    assert started.status_code == 202, started.text
    name = started.json()["name"]
    assert name == "reporting_p1"
    assert started.json()["status"] == "rebuilding"
    second = rebuild(client)
    assert second.status_code == 409
    assert "being rebuilt already" in second.json()["detail"]

    done = eventually(
        lambda: caught_up(client, name), timeout=120, interval=1.0, what="the rebuild caught up"
    )
    progress = done["progress"]
    assert progress["percent"] == 100.0
    assert progress["events_applied"] > 0
    assert progress["started_at"] is not None
    assert {p["topic"] for p in progress["partitions"]} == {
        system.prefix + t for t in SUBSCRIBED_TOPICS
    }
    assert all(p["consumed"] >= p["end"] for p in progress["partitions"])
    register_before = client.register()

    switched = activate(client, name)
    assert switched.status_code == 200, switched.text
    assert switched.json() == {"active": name, "retired": "reporting"}
    assert entry(client, name)["activated_by"] == "operator:test-operator"
    listed = {p["name"]: p["status"] for p in projections(client)["projections"]}
    assert listed == {"reporting": "retired", name: "live"}
    assert projections(client)["active"] == name

    counts = assert_same_read_models(system, "reporting", name)
    assert counts["register"] >= 3
    assert counts["payroll_line"] >= 1
    assert client.register() == register_before
    # The rebuilt history has a hash chain of its own, over what it rebuilt, and it verifies.
    report = ok(client.http.get(client.url("reporting", "/ops/integrity"), headers=OPERATOR))
    history = next(c for c in report["chains"] if c["what"] == "case history (projection)")
    assert history["table"] == f"{system.prefix}{name}.case_history"
    assert history["verified"], history
    assert history["links_verified"] >= counts["case_history"]  # every row, none unchained

    # The new projection keeps being updated; the retired one stands as it was.
    after = client.receive()
    eventually(lambda: client.register_entry(after), timeout=60, what="a new case after the switch")
    assert after in register_rows(system, name)
    assert after not in register_rows(system, "reporting")

    refused = drop(client, name)
    assert refused.status_code == 409
    assert "is live" in refused.json()["detail"]
    dropped = drop(client, "reporting")
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["status"] == "dropped"
    assert drop(client, "reporting").status_code == 404
    with psycopg.connect(database_url(system)) as conn:
        # Reporting's own schema keeps the access log (with its hash chain) and the catalog,
        # nothing of the projection (its case history's chain went with it).
        assert tables(conn, f"{system.prefix}reporting") == {
            "personal_data_read",
            "personal_data_read_chain",
            "projection",
        }
    assert client.register_entry(after) is not None  # the API reads the new schema
    reads = client.http.get(client.url("reporting", "/ops/personal-data-reads"), headers=OPERATOR)
    assert reads.status_code == 200
    assert reads.json()


def test_a_rebuild_interrupted_by_a_worker_restart_completes_and_switches_over_by_itself(
    system: System, client: Client
) -> None:
    # Enough messages that the rebuild is still running when the worker is killed.
    publish(
        bootstrap(system),
        approval_messages(system.prefix, commune="02020", signed_on=date(2024, 6, 3), count=300),
    )
    eventually(
        lambda: everything_consumed(system, client), timeout=240, what="the live one caught up"
    )
    live = projections(client)["active"]
    register_before = client.register()

    started = rebuild(client, switch_when_caught_up=True)
    assert started.status_code == 202, started.text
    name = started.json()["name"]

    def midway() -> dict[str, Any] | None:
        progress = entry(client, name)["progress"]
        assert not progress["caught_up"], "the rebuild finished before the worker was killed"
        committed = any(p["consumed"] > 0 for p in progress["partitions"])
        return progress if committed and progress["events_applied"] > 0 else None

    eventually(midway, timeout=120, interval=0.3, what="the rebuild committed some offsets")
    system.kill("reporting-worker")

    stopped = entry(client, name)
    assert stopped["status"] == "rebuilding"
    assert not stopped["progress"]["caught_up"]
    assert any(p["consumed"] > 0 for p in stopped["progress"]["partitions"])  # kept
    refused = activate(client, name)
    assert refused.status_code == 409
    assert refused.json()["error"] == "NotCaughtUp"
    assert "has not caught up" in refused.json()["detail"]
    assert projections(client)["active"] == live
    assert client.register()["total"] == register_before["total"]  # the live one still serves

    system.start_process("reporting-worker")
    eventually(
        lambda: projections(client)["active"] == name,
        timeout=240,
        interval=1.0,
        what="the resumed rebuild caught up and switched over",
    )
    assert entry(client, live)["status"] == "retired"
    counts = assert_same_read_models(system, live, name)
    assert counts["register"] >= 300
    assert client.register() == register_before
    assert drop(client, live).status_code == 200


def test_a_case_redriven_in_the_live_projection_holds_a_rebuild_until_redriven_there_too(
    system: System, client: Client
) -> None:
    poisoned = str(uuid.uuid4())
    kafka.produce(
        bootstrap(system),
        system.prefix + INTAKE_EVENTS,
        poisoned.encode(),
        b'{"specversion": "1.0", "id": ',
    )
    live = projections(client)["active"]
    held = eventually(lambda: parked_messages(client, live, poisoned), what="the live one parks")
    redriven = redrive(client, live, poisoned, discard=[m["id"] for m in held])
    assert redriven["unparked"] is True
    eventually(lambda: everything_consumed(system, client), timeout=90, what="all consumed")

    started = rebuild(client, switch_when_caught_up=True)
    assert started.status_code == 202, started.text
    name = started.json()["name"]

    # The rebuild reads the malformed message again and parks the case: it cannot switch over.
    def parked_again() -> dict[str, Any] | None:
        progress: dict[str, Any] = entry(client, name)["progress"]
        return progress if progress["parked_only_here"] else None

    stuck = eventually(parked_again, timeout=120, interval=0.5, what="the rebuild parks it")
    assert stuck["parked_only_here"] == [poisoned]
    assert not stuck["caught_up"]
    refused = activate(client, name)
    assert refused.status_code == 409
    assert poisoned in refused.json()["detail"]

    assert entry(client, name)["status"] == "rebuilding"  # nor does it by itself

    held_here = eventually(lambda: parked_messages(client, name, poisoned))
    assert redrive(client, name, poisoned, discard=[m["id"] for m in held_here])["unparked"]
    eventually(
        lambda: projections(client)["active"] == name,
        timeout=120,
        interval=1.0,
        what="the rebuild switches over once the case is re-driven",
    )
    assert_same_read_models(system, live, name)
    assert drop(client, live).status_code == 200
