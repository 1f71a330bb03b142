"""Delivery guarantees: duplicates, republication, poison messages, stopped consumers, rebuilds."""

import uuid
from datetime import UTC, date, datetime

import psycopg
from psycopg import sql

from backbone.system import System
from contracts.envelope import Envelope
from contracts.ids import message_id
from contracts.intake import Applicant, DossierReceivedV1
from contracts.topics import INTAKE_EVENTS, dead_letter_topic
from contracts.values import AdminUnitRef
from services.reporting.bootstrap import SUBSCRIBED_TOPICS as REPORTING_TOPICS
from tests.support import kafka
from tests.support.api import Client, token
from tests.support.eventually import eventually


def topic(system: System, name: str) -> str:
    return system.prefix + name


def bootstrap(system: System) -> str:
    return system.processes["intake-api"].env["BTXH_KAFKA_BOOTSTRAP"]


def all_consumed(system: System) -> bool:
    groups = {
        "assessment": [INTAKE_EVENTS],
        "payment": ["btxh.assessment.case-events"],
        "reporting": list(REPORTING_TOPICS),
    }
    return all(
        kafka.consumed_everything(
            bootstrap(system), system.prefix, group, [topic(system, t) for t in topics]
        )
        for group, topics in groups.items()
    )


def crafted_dossier(case_id: uuid.UUID) -> bytes:
    """A valid DossierReceived as a producer other than our relay could publish it."""
    data = DossierReceivedV1(
        case_id=case_id,
        person_id=uuid.uuid4(),
        personal_id_digest="0" * 64,
        benefit="monthly_allowance",
        category="PWD_SEVERE",
        applicant=Applicant(full_name="Hồ Thị Mai", date_of_birth=date(1980, 1, 2), sex="female"),
        residence=AdminUnitRef(scheme="DVHC_2025_2LEVEL", code="00004"),
        received_on=date.today(),
        channel="post",
    )
    envelope = Envelope(
        id=message_id(case_id, 1),
        source="btxh/intake",
        type="vn.btxh.intake.dossier_received",
        subject=case_id,
        time=datetime.now(UTC),
        originatorid=case_id,
        originatorversion=1,
        actorid="test-commune_officer",
        actorrole="commune_officer",
        correlationid=uuid.uuid4(),
        schemaversion=1,
        data=data.model_dump(mode="json"),
    )
    return envelope.model_dump_json().encode()


def test_a_message_delivered_twice_and_republished_at_new_offsets_has_one_effect(
    system: System, client: Client
) -> None:
    case_id = client.receive()
    eventually(lambda: client.register_entry(case_id), what="the case reaches the register")
    intake_topic = topic(system, INTAKE_EVENTS)
    originals = [
        r for r in kafka.read_topic(bootstrap(system), intake_topic) if r.key == case_id.encode()
    ]
    assert len(originals) == 1

    for _ in range(3):  # the same bytes, three more times, each at a new offset
        kafka.produce(bootstrap(system), intake_topic, originals[0].key, originals[0].value)
    copies = [
        r for r in kafka.read_topic(bootstrap(system), intake_topic) if r.key == case_id.encode()
    ]
    assert len({r.offset for r in copies}) == 4
    eventually(lambda: all_consumed(system), what="every group consumed the copies")

    assert client.assessment_case(case_id)["version"] == 1
    dossier_events = [e for e in client.history(case_id) if e["type"].endswith("dossier_received")]
    assert len(dossier_events) == 1
    assert client.register()["total"] == len({i["case_id"] for i in client.register()["items"]})


def test_a_malformed_message_parks_its_case_with_later_events_and_a_redrive_completes_it(
    system: System, client: Client
) -> None:
    poisoned = uuid.uuid4()
    intake_topic = topic(system, INTAKE_EVENTS)
    kafka.produce(
        bootstrap(system), intake_topic, str(poisoned).encode(), b'{"specversion": "1.0", "id": '
    )
    kafka.produce(
        bootstrap(system), intake_topic, str(poisoned).encode(), crafted_dossier(poisoned)
    )
    healthy = client.receive()

    eventually(lambda: client.register_entry(healthy), what="other cases still flow")
    for service in ("assessment", "reporting"):
        parked = eventually(
            lambda s=service: [p for p in client.parked(s) if p["case_id"] == str(poisoned)],
            what=f"{service} parks the case",
        )
        assert parked[0]["kind"] == "poison"
        assert "undecodable envelope" in parked[0]["reason"]
        eventually(
            lambda s=service: (
                next(p for p in client.parked(s) if p["case_id"] == str(poisoned))["held_messages"]
                == 2
            )
        )
    assert client.register_entry(str(poisoned)) is None
    dead = kafka.read_topic(bootstrap(system), topic(system, dead_letter_topic("reporting")))
    reasons = [dict(r.headers)["reason"].decode() for r in dead if r.key == str(poisoned).encode()]
    assert len(reasons) == 2
    assert "undecodable envelope" in reasons[0]
    assert "case parked" in reasons[1]

    for service in ("assessment", "reporting"):
        held = client.http.get(
            client.url(service, f"/ops/parked/{poisoned}/messages"), headers=token("operator")
        ).json()
        malformed = [m["id"] for m in held if m["value"].endswith('"id": ')]
        # the payloads may carry personal data: the operator's read is in the access log
        reads = client.http.get(
            client.url(service, "/ops/personal-data-reads"),
            params={"case_id": str(poisoned)},
            headers=token("inspector"),
        ).json()
        assert [(r["actor_role"], r["resource"]) for r in reads] == [("operator", "held messages")]
        response = client.http.post(
            client.url(service, f"/ops/parked/{poisoned}/redrive"),
            json={"discard": malformed},
            headers=token("operator"),
        )
        assert response.status_code == 200
        assert response.json()["unparked"] is True

    assert client.register_entry(str(poisoned))["full_name"] == "Hồ Thị Mai"
    assert client.assessment_case(str(poisoned))["version"] == 1
    assert not [p for p in client.parked("reporting") if p["case_id"] == str(poisoned)]


def test_a_stopped_consumer_catches_up_in_order_on_restart(system: System, client: Client) -> None:
    system.kill("reporting-worker")
    cases = [client.receive() for _ in range(5)]
    for case_id in cases[:2]:
        eventually(lambda c=case_id: client.assessment_case(c))
        assert client.approve(case_id).status_code == 201
    eventually(lambda: all(client.assessment_case(c) for c in cases))
    assert all(client.register_entry(c) is None for c in cases)  # nobody projects them yet

    system.start_process("reporting-worker")
    for case_id in cases[:2]:
        eventually(
            lambda c=case_id: (client.register_entry(c) or {}).get("status") == "active", timeout=60
        )
        # The three topics are consumed independently: the history completes in any order of
        # arrival, and is listed in the order the facts happened.
        history = eventually(lambda c=case_id: len(h := client.history(c)) == 6 and h)
        assert [e["type"].rsplit(".", 1)[1] for e in history] == [
            "dossier_received",
            "case_opened",
            "case_reviewed",
            "results_posted",
            "case_approved",
            "beneficiary_enrolled",
        ]
    for case_id in cases[2:]:
        eventually(lambda c=case_id: client.register_entry(c), timeout=60)


def test_a_projection_rebuilt_from_zero_equals_the_live_one(system: System, client: Client) -> None:
    for _ in range(3):
        case_id = client.receive()
        eventually(lambda c=case_id: client.assessment_case(c))
        client.approve(case_id)
    eventually(lambda: all_consumed(system), timeout=60, what="the live projection caught up")

    system.add_process(
        "reporting-rebuild", "reporting", "worker", {"BTXH_PROJECTION_SCHEMA": "reporting_rebuild"}
    )
    topics = [topic(system, t) for t in REPORTING_TOPICS]
    eventually(
        lambda: kafka.consumed_everything(
            bootstrap(system), system.prefix, "reporting-rebuild", topics
        ),
        timeout=90,
    )
    eventually(lambda: all_consumed(system), timeout=60)

    url = system.processes["reporting-api"].env["BTXH_DATABASE_URL"]
    live, rebuilt = f"{system.prefix}reporting", f"{system.prefix}reporting_rebuild"
    with psycopg.connect(url) as conn:
        # A case an operator re-drove after discarding a poison message is parked again by a
        # rebuild (the poison is still on the topic); the rebuild's operator decides again.
        parked_in_rebuild = {
            row[0]
            for row in conn.execute(
                sql.SQL("SELECT case_id FROM {}.parked_case WHERE kind = %s").format(
                    sql.Identifier(rebuilt)
                ),
                ("poison",),
            ).fetchall()
        }

        def rows(table: str, schema: str, order: str) -> list[tuple[object, ...]]:
            return [
                row
                for row in conn.execute(
                    sql.SQL("SELECT * FROM {}.{} ORDER BY {}").format(
                        sql.Identifier(schema), sql.Identifier(table), sql.SQL(order)
                    )
                ).fetchall()
                if str(row[0]) not in parked_in_rebuild
            ]

        assert rows("register", live, "case_id") == rows("register", rebuilt, "case_id")
        history_order = "source, originator_id, version"
        assert rows("case_history", live, history_order) == rows(
            "case_history", rebuilt, history_order
        )
        assert len(rows("register", live, "case_id")) >= 3
