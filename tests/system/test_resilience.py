"""Crashes and outages: nothing lost, nothing applied twice."""

import os
import signal
import threading
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from backbone.embedded import EmbeddedBroker, EmbeddedPostgres
from backbone.system import System
from contracts.topics import ASSESSMENT_EVENTS, INTAKE_EVENTS
from tests.conftest import LOG_DIR, SystemFactory
from tests.support import infra as infra_support
from tests.support import kafka
from tests.support.api import Client, ok, token
from tests.support.approvals import approval_messages, publish
from tests.support.eventually import eventually
from tests.support.systems import READY_TIMEOUT
from tests.system.test_delivery import all_consumed, bootstrap, crafted_dossier, topic


def log_of(system: System, process: str) -> str:
    return system.processes[process].log_file.read_text(errors="replace")


def dossier_count(client: Client, case_id: str) -> int:
    return sum(1 for e in client.history(case_id) if e["type"].endswith("dossier_received"))


def test_a_relay_killed_after_producing_and_before_saving_republishes_and_each_event_applies_once(
    make_system: SystemFactory,
) -> None:
    system = make_system(extra_env={"BTXH_RELAY_KILL_AFTER_PUBLISH": "true"})
    client = Client(system)
    system.processes["intake-relay"].wanted = False  # it will kill itself; keep it down
    cases = [client.receive() for _ in range(3)]

    assert system.wait_exit("intake-relay", timeout=30) == -signal.SIGKILL
    published = kafka.read_topic(bootstrap(system), topic(system, INTAKE_EVENTS))
    assert published, "the relay produced before it died"

    system.start_process("intake-relay", env={"BTXH_RELAY_KILL_AFTER_PUBLISH": "false"})
    for case_id in cases:
        eventually(lambda c=case_id: client.register_entry(c), timeout=60)
    eventually(lambda: all_consumed(system), timeout=60)

    # The consumers already had every case from the first batch: wait for the restarted relay
    # itself (it starts, takes the lock, then sends the unsaved batch again).
    eventually(
        lambda: (
            len(kafka.read_topic(bootstrap(system), topic(system, INTAKE_EVENTS)))
            == len(published) + len(cases)
        ),
        timeout=60,
        what="the restarted relay sent the unsaved batch again",
    )
    for case_id in cases:
        assert client.assessment_case(case_id)["version"] == 1
        assert dossier_count(client, case_id) == 1


def test_while_the_broker_is_away_processes_wait_and_when_it_returns_empty_they_republish_and_heal(
    make_system: SystemFactory,
) -> None:
    broker = EmbeddedBroker(infra_support.free_port(), Path(LOG_DIR) / "restart-broker.log")
    broker.start()
    supervising = threading.Event()
    try:
        system = make_system(kafka_bootstrap=broker.bootstrap)
        client = Client(system)
        cases = [client.receive() for _ in range(3)]
        for case_id in cases[:2]:
            eventually(lambda c=case_id: client.assessment_case(c))
            assert client.approve(case_id).status_code == 201
        for case_id in cases[:2]:
            eventually(lambda c=case_id: (client.register_entry(c) or {}).get("status") == "active")
        eventually(lambda: all_consumed(system), timeout=60)
        register_before = client.register()
        histories_before = {c: client.history(c) for c in cases}

        broker.stop()  # away for a while: every relay and worker waits, says so once, stays up
        waiting = ("intake-relay", "assessment-relay", "payment-relay", "payment-worker")
        eventually(
            lambda: all("unreachable" in log_of(system, name) for name in waiting),
            timeout=60,
            what="each relay and worker noticed the broker is away",
        )
        for name in waiting:
            assert system.processes[name].restarts == 0, name
            assert log_of(system, name).count("unreachable") == 1, name
        for relay in waiting[:3]:
            assert "Traceback" not in log_of(system, relay), relay

        broker.start()  # back, empty, with a new cluster id

        intake_topic = topic(system, INTAKE_EVENTS)
        eventually(
            lambda: len(kafka.read_topic(broker.bootstrap, intake_topic)) == len(cases),
            timeout=60,
            what="intake's relay republished its whole log",
        )
        eventually(
            lambda: all(
                system.processes[w].restarts >= 1
                for w in ("assessment-worker", "payment-worker", "reporting-worker")
            ),
            timeout=30,
        )
        eventually(lambda: all_consumed(system), timeout=90, what="consumers re-read the new log")
        assert client.register() == register_before
        assert {c: client.history(c) for c in cases} == histories_before

        # Killed, the broker is started again by its supervisor (as `make run` does) and the
        # system heals by itself.
        broker.supervise(supervising)
        assert broker.process is not None
        os.kill(broker.process.pid, signal.SIGKILL)
        new_case = client.receive()
        eventually(lambda: client.assessment_case(new_case), timeout=90)
        assert client.approve(new_case).status_code == 201
        eventually(
            lambda: (client.register_entry(new_case) or {}).get("status") == "active", timeout=60
        )
        history = eventually(lambda: len(h := client.history(new_case)) == 6 and h)
        assert [e["type"].rsplit(".", 1)[1] for e in history] == [
            "dossier_received",
            "case_opened",
            "case_reviewed",
            "results_posted",
            "case_approved",
            "beneficiary_enrolled",
        ]
    finally:
        supervising.set()
        broker.stop()


def test_while_postgresql_is_unreachable_consumers_retry_and_skip_nothing(
    make_system: SystemFactory,
) -> None:
    postgres = EmbeddedPostgres(infra_support.RUN_DIR / "postgres-outage")
    url = postgres.start()
    try:
        system = make_system(database_url=url)
        client = Client(system)
        first = client.receive()
        eventually(lambda: client.register_entry(first), timeout=60)

        postgres.stop()
        cases = [uuid.uuid4() for _ in range(3)]
        for case_id in cases:
            kafka.produce(
                bootstrap(system),
                topic(system, INTAKE_EVENTS),
                str(case_id).encode(),
                crafted_dossier(case_id),
            )
        worker_log = system.processes["reporting-worker"].log_file
        eventually(
            lambda: "database unavailable" in worker_log.read_text(errors="replace"), timeout=30
        )

        postgres.start()
        for case_id in cases:
            eventually(lambda c=str(case_id): client.register_entry(c), timeout=90)
            eventually(lambda c=str(case_id): (client.assessment_case(c) or {}).get("version") == 1)
            assert dossier_count(client, str(case_id)) == 1
        assert not client.parked("reporting")
        assert not client.parked("assessment")
    finally:
        postgres.stop()


def test_a_payroll_generation_killed_midway_is_completed_by_generating_again_without_doubles(
    make_system: SystemFactory,
) -> None:
    system = make_system()
    client = Client(system)
    count, commune, month = 300, "02020", "2025-11"
    publish(
        bootstrap(system),
        approval_messages(system.prefix, commune=commune, signed_on=date(2025, 9, 10), count=count),
    )
    eventually(
        lambda: kafka.consumed_everything(
            bootstrap(system), system.prefix, "payment", [topic(system, ASSESSMENT_EVENTS)]
        ),
        timeout=120,
        what="payment enrolled every approval",
    )

    def progress() -> dict[str, Any]:
        return ok(
            client.http.get(
                client.url("payment", f"/payrolls/{commune}/post_office/{month}"),
                params={"limit": 1},
                headers=token("payment_officer"),
            )
        )

    ok(
        client.http.post(
            client.url("payment", "/payrolls"),
            json={"commune": commune, "month": month},
            headers=token("payment_officer"),
        ),
        202,
    )
    eventually(
        lambda: (progress()["progress"] or {}).get("beneficiaries", 0) >= 100,
        interval=0.05,
        what="the generation is under way",
    )
    system.kill("payment-api")  # SIGKILL in the middle of the payroll
    system.start_process("payment-api")
    system.wait_ready(timeout=READY_TIMEOUT)
    cut = progress()
    assert cut["status"] == "interrupted"
    assert 0 < cut["totals"]["lines"] < 3 * count  # some lines were issued before the kill

    completed = client.generate_payroll(commune, month)
    assert (completed["totals"]["beneficiaries"], completed["totals"]["lines"]) == (
        count,
        3 * count,
    )
    seen: Counter[tuple[str, str]] = Counter()
    for offset in range(0, 3 * count, 1000):
        page = ok(
            client.http.get(
                client.url("payment", f"/payrolls/{commune}/post_office/{month}"),
                params={"limit": 1000, "offset": offset},
                headers=token("inspector"),
            )
        )
        seen.update((line["case_id"], line["month"]) for line in page["lines"])
    assert len(seen) == 3 * count  # September, October and November for each beneficiary
    assert set(seen.values()) == {1}  # none twice
