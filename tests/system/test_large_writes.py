"""What froze a service before, through the running system: a payroll full of arrears, an event
near the largest message the bus carries, and a write stuck behind the event table's lock.

backbone/recorder.py says why a large save hung (psycopg's pipeline sync); these tests fail,
instead of hanging, if it ever comes back.
"""

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import pytest
from psycopg import sql

from backbone.actor import Actor
from backbone.eventstore import EventTooLarge
from backbone.system import System
from contracts.topics import INTAKE_EVENTS
from reference.months import add_months
from services.intake.application import IntakeApplication, ReceiveDossier
from services.intake.settings import IntakeSettings
from tests.conftest import LOG_DIR
from tests.support import kafka
from tests.support.api import Client, ok, personal_id, steps_before, token
from tests.support.approvals import approval_messages, publish
from tests.support.eventually import eventually
from tests.support.infra import Infra
from tests.support.systems import READY_TIMEOUT, new_system
from tests.system.test_delivery import bootstrap, topic

COMMUNE = "02020"


def this_month() -> str:
    today = date.today()
    return f"{today.year:04d}-{today.month:02d}"


def progress(client: Client, month: str) -> dict[str, Any]:
    payroll: dict[str, Any] = ok(
        client.http.get(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/{month}"),
            params={"limit": 1},
            headers=token("payment_officer"),
        )
    )
    return payroll


@pytest.fixture(scope="module")
def bounded(infra: Infra) -> Iterator[System]:
    """A system with tight bounds: 1 s to wait for the event table's lock, transactions cut at
    2 s, messages of at most 10,000 bytes."""
    system = new_system(
        database_url=infra.database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        log_dir=LOG_DIR,
        extra_env={
            "BTXH_LOCK_TIMEOUT_SECONDS": "1",
            "BTXH_WRITE_TIMEOUT_SECONDS": "2",
            "BTXH_MAX_MESSAGE_BYTES": "10000",
        },
    )
    system.start()
    try:
        system.wait_ready(timeout=READY_TIMEOUT)
        yield system
    finally:
        system.stop(at_once=True)


def test_a_payroll_of_a_hundred_beneficiaries_each_owed_36_months_is_generated_whole(
    system: System, client: Client
) -> None:
    month = this_month()
    first = add_months(month, -35)  # owed from here: 36 months with this one
    messages = approval_messages(
        system.prefix, commune=COMMUNE, signed_on=date.fromisoformat(f"{first}-01"), count=100
    )
    publish(bootstrap(system), messages)
    case_ids = [m.key.decode() for m in messages]
    eventually(lambda: all(map(client.enrolled, case_ids)), timeout=120, what="100 enrolments")

    payroll = client.generate_payroll(COMMUNE, month)  # fails at once if it shows "failed"

    generation = payroll["generations"][-1]
    assert (generation["beneficiaries"], generation["lines"]) == (100, 3_600)
    assert payroll["progress"]["lines"] == 3_600
    summary = eventually(
        lambda: (
            answer
            if (
                answer := ok(
                    client.http.get(
                        client.url("reporting", "/payments/summary"),
                        params={"commune": COMMUNE, "month": month},
                        headers=token("inspector"),
                    )
                )
            )["lines"]
            == 3_600
            else None
        ),
        timeout=120,
        what="reporting shows the 3,600 lines issued",
    )
    assert summary["lines"] == 3_600


def dossier(documents: int) -> ReceiveDossier:
    born = date(1950, 5, 17)
    return ReceiveDossier(
        full_name="Người Thử Hồ Sơ Lớn",
        date_of_birth=born,
        sex="female",
        personal_id=personal_id(born, "female"),
        benefit="monthly_allowance",
        category="ELDERLY_POOR_NO_SUPPORTER_60_80",
        residence_scheme="DVHC_2025_2LEVEL",
        residence_code=COMMUNE,
        received_on=steps_before(date.today())[0],
        channel="in_person",
        household_poverty="poor",
        documents_presented=("personal_id_card",) * documents,
    )


def test_an_event_near_the_bus_limit_is_published_and_applied_and_a_larger_one_is_refused(
    system: System, client: Client
) -> None:
    """The API bounds its inputs far below this; a migration or an older client writes through
    the application, which is where the bus limit is enforced."""
    env = system.processes["intake-api"].env
    intake = IntakeApplication(
        IntakeSettings(
            database_url=env["BTXH_DATABASE_URL"],
            kafka_bootstrap=env["BTXH_KAFKA_BOOTSTRAP"],
            prefix=system.prefix,
            cipher_key=env["BTXH_CIPHER_KEY"],  # the system's: its relay must read what we store
        )
    )
    officer = Actor(user_id="test-migration", role="commune_officer", admin_unit=COMMUNE)
    try:
        # Each "personal_id_card", in the list costs 20 bytes: about 980 KB in all.
        near = intake.receive_dossier(
            dossier(49_000), actor=officer, correlation_id=uuid.uuid4(), today=date.today()
        )
        with pytest.raises(EventTooLarge) as refused:
            intake.receive_dossier(
                dossier(51_000), actor=officer, correlation_id=uuid.uuid4(), today=date.today()
            )
    finally:
        intake.close()
    assert "'documents_presented'" in str(refused.value)
    assert "Nothing was stored" in str(refused.value)

    case_id = str(near.id)
    eventually(lambda: client.assessment_case(case_id), timeout=60, what="assessment applied it")
    eventually(lambda: client.register_entry(case_id), timeout=60, what="reporting applied it")
    published = kafka.read_topic(bootstrap(system), topic(system, INTAKE_EVENTS))
    sizes = [len(record.value) for record in published if len(record.value) > 100_000]
    assert len(sizes) == 1, "the refused dossier left nothing to publish"
    assert 950_000 < sizes[0] <= 1_000_000, sizes


def test_a_command_whose_event_would_not_fit_on_the_bus_answers_422_naming_the_field(
    bounded: System,
) -> None:
    client = Client(bounded)
    case_id = client.receive(commune=COMMUNE)
    eventually(lambda: client.assessment_case(case_id), what="assessment opened the case")
    client.review_and_post(case_id)

    answer = client.http.post(
        client.url("assessment", f"/cases/{case_id}/rejection"),
        json={
            "decision_number": "9/QĐ-UBND",
            "signed_on": date.today().isoformat(),
            "signer": "Chủ tịch UBND xã",
            "reasons": ["Không đủ điều kiện theo hồ sơ " * 60] * 20,  # 20 x ~2,000 characters
        },
        headers=token("approver"),
    )

    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "EventTooLarge"
    assert "'reasons'" in answer.json()["detail"]
    case = client.assessment_case(case_id)
    assert case is not None
    assert case["rejection_reasons"] == []  # nothing was stored


def test_while_the_event_table_is_locked_commands_answer_503_and_a_payroll_fails_with_the_reason(
    bounded: System,
) -> None:
    """A stalled writer elsewhere holds payment's event table: every write is bounded (1 s to
    wait for the lock, three tries), answers 503 or fails the payroll with the reason, and
    everything goes through once the lock is free."""
    system = bounded
    client = Client(system)
    month = this_month()
    messages = approval_messages(
        system.prefix, commune=COMMUNE, signed_on=date.fromisoformat(f"{month}-01"), count=1
    )
    publish(bootstrap(system), messages)
    case_id = messages[0].key.decode()
    eventually(lambda: client.enrolled(case_id), timeout=60, what="enrolment")
    change = {"channel": "bank_account", "decided_on": date.today().isoformat(), "reason": "đổi"}
    url = system.processes["payment-api"].env["BTXH_DATABASE_URL"]
    table = sql.Identifier(f"{system.prefix}payment", "payment_events")

    with psycopg.connect(url) as holder:
        holder.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table))

        answer = client.http.post(
            client.url("payment", f"/entitlements/{case_id}/channel"),
            json=change,
            headers=token("payment_officer"),
        )
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "WriteNotCompleted"
        assert "nothing was stored" in answer.json()["detail"]

        client.start_payroll(COMMUNE, month)
        failed = eventually(
            lambda: p if (p := progress(client, month))["status"] == "failed" else None,
            timeout=60,
            what="the payroll shows failed",
        )
        assert "WriteNotCompleted" in failed["progress"]["error"], failed
        holder.rollback()

    after = ok(
        client.http.post(
            client.url("payment", f"/entitlements/{case_id}/channel"),
            json=change,
            headers=token("payment_officer"),
        )
    )
    assert after["channel"] == "bank_account"
