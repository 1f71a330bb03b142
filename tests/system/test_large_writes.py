"""What froze a service before, through the running system: a payroll full of arrears, an event
near the largest message the bus carries, and a write stuck behind the event table's lock.

backbone/recorder.py says why a large save hung (psycopg's pipeline sync); these tests fail,
instead of hanging, if it ever comes back.
"""

import uuid
from datetime import date
from typing import Any

import psycopg
import pytest
from psycopg import sql

from backbone.actor import Actor
from backbone.eventstore import EventTooLarge
from contracts.topics import INTAKE_EVENTS
from services.intake.application import IntakeApplication, ReceiveDossier
from services.intake.settings import IntakeSettings
from services.payment.domain.months import add_months
from tests.conftest import SystemFactory
from tests.support import kafka
from tests.support.api import Client, ok, personal_id, steps_before, token
from tests.support.approvals import approval_messages, publish
from tests.support.eventually import eventually
from tests.system.test_delivery import bootstrap, topic

COMMUNE = "02020"


def this_month() -> str:
    today = date.today()
    return f"{today.year:04d}-{today.month:02d}"


def enrolled(client: Client, case_ids: list[str]) -> bool:
    for case_id in case_ids:
        answer = client.http.get(
            client.url("payment", f"/entitlements/{case_id}"), headers=token("payment_officer")
        )
        if answer.status_code != 200:
            return False
    return True


def progress(client: Client, month: str) -> dict[str, Any]:
    payroll: dict[str, Any] = ok(
        client.http.get(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/{month}"),
            params={"limit": 1},
            headers=token("payment_officer"),
        )
    )
    return payroll


def test_a_payroll_of_a_hundred_beneficiaries_each_owed_36_months_is_generated_whole(
    make_system: SystemFactory,
) -> None:
    system = make_system()
    client = Client(system)
    month = this_month()
    first = add_months(month, -35)  # owed from here: 36 months with this one
    messages = approval_messages(
        system.prefix, commune=COMMUNE, signed_on=date.fromisoformat(f"{first}-01"), count=100
    )
    publish(bootstrap(system), messages)
    case_ids = [m.key.decode() for m in messages]
    eventually(lambda: enrolled(client, case_ids), timeout=120, what="100 enrolments")

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
    make_system: SystemFactory,
) -> None:
    """The API bounds its inputs far below this; a migration or an older client writes through
    the application, which is where the bus limit is enforced."""
    system = make_system()
    client = Client(system)
    env = system.processes["intake-api"].env
    intake = IntakeApplication(
        IntakeSettings(
            database_url=env["BTXH_DATABASE_URL"],
            kafka_bootstrap=env["BTXH_KAFKA_BOOTSTRAP"],
            prefix=system.prefix,
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
    sizes = [len(record.value) for record in published]
    assert len(sizes) == 1, "the refused dossier left nothing to publish"
    assert 950_000 < sizes[0] <= 1_000_000, sizes


def test_while_the_event_table_is_locked_commands_answer_503_and_a_payroll_fails_with_the_reason(
    make_system: SystemFactory,
) -> None:
    """A stalled writer elsewhere holds payment's event table: every write is bounded (1 s to
    wait for the lock, three tries), answers 503 or fails the payroll with the reason, and
    everything goes through once the lock is free."""
    system = make_system(
        extra_env={"BTXH_LOCK_TIMEOUT_SECONDS": "1", "BTXH_WRITE_TIMEOUT_SECONDS": "2"}
    )
    client = Client(system)
    month = this_month()
    messages = approval_messages(
        system.prefix, commune=COMMUNE, signed_on=date.fromisoformat(f"{month}-01"), count=1
    )
    publish(bootstrap(system), messages)
    case_id = messages[0].key.decode()
    eventually(lambda: enrolled(client, [case_id]), timeout=60, what="enrolment")
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

        ok(
            client.http.post(
                client.url("payment", "/payrolls"),
                json={"commune": COMMUNE, "channel": "post_office", "month": month},
                headers=token("payment_officer"),
            ),
            202,
        )
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
