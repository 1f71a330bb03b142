"""Only genuine messages are applied: anyone who can reach the broker can write an approval on
assessment's topic, but unless assessment's key signed it, payment drops it to its dead-letter
topic with the reason and never enrols (so never pays) the case.

Given a case approved through the APIs (its genuine approval on the topic), when approvals of
made-up cases are written unsigned, signed with a key that is not assessment's, signed with
intake's real key, or copied from the genuine one with the value altered, then each is
dead-lettered with its reason and its case never enrolled, while the same approval signed by
assessment enrols. A forged approval of a real case does not hold up that case's genuine one.
"""

import json
import uuid
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from psycopg import sql

from backbone.kafka import OutboundMessage
from backbone.signing import Signer, generate_key
from backbone.system import System
from contracts.topics import ASSESSMENT_EVENTS, INTAKE_EVENTS, dead_letter_topic
from tests.support import kafka
from tests.support.api import Client, token
from tests.support.eventually import eventually
from tests.support.signing import signer, verifier

#: Its tests touch only cases they create: the worker's shared system serves (tests/conftest.py).
SHARED_SYSTEM = True


def bootstrap(system: System) -> str:
    return system.processes["payment-api"].env["BTXH_KAFKA_BOOTSTRAP"]


def approvals_on_the_topic(system: System, case_id: str) -> list[Any]:
    return [
        r
        for r in kafka.read_topic(bootstrap(system), system.prefix + ASSESSMENT_EVENTS)
        if r.key == case_id.encode() and b".case_approved" in r.value
    ]


@pytest.fixture(scope="module")
def genuine(system: System, client: Client) -> Any:
    """A case approved and enrolled through the APIs; its approval record as published."""
    case_id = client.receive()
    eventually(lambda: client.assessment_case(case_id), what="assessment has the case")
    assert client.approve(case_id).status_code == 201
    eventually(lambda: client.enrolled(case_id), what="payment enrolled the genuine case")
    [record] = eventually(lambda: approvals_on_the_topic(system, case_id))
    return record


def approval_of_a_new_case(genuine: Any, system: System) -> OutboundMessage:
    """The genuine approval turned into one of a made-up case of a made-up person: as a
    forger would write it, unsigned."""
    envelope = json.loads(genuine.value)
    case_id = str(uuid.uuid4())
    envelope.update(
        id=str(uuid.uuid4()), subject=case_id, originatorid=str(uuid.uuid4()), originatorversion=1
    )
    envelope["data"].update(case_id=case_id, person_id=str(uuid.uuid4()))
    return OutboundMessage(
        topic=system.prefix + ASSESSMENT_EVENTS,
        key=case_id.encode(),
        value=json.dumps(envelope).encode(),
        headers=[("ce_type", envelope["type"].encode()), ("ce_id", envelope["id"].encode())],
    )


def dead_letters(system: System, case_ids: set[str]) -> dict[str, Any]:
    records = kafka.read_topic(bootstrap(system), system.prefix + dead_letter_topic("payment"))
    return {r.key.decode(): r for r in records if r.key.decode() in case_ids}


def test_forged_approvals_are_dead_lettered_and_never_enrol(
    system: System, client: Client, genuine: Any
) -> None:
    def new() -> OutboundMessage:
        return approval_of_a_new_case(genuine, system)

    forged = [  # (the forgery, the reason it is dropped for)
        (new(), "unsigned: no btxh_signer header"),
        (
            Signer("assessment", generate_key()).sign(new()),
            "bad signature: no public key of 'assessment' verifies it",
        ),
        (
            signer("intake").sign(new()),
            "signed by 'intake', but only assessment publishes on",
        ),
        (  # the genuine approval's own signature headers, over another case's value
            replace(new(), headers=list(genuine.headers)),
            "bad signature: no public key of 'assessment' verifies it",
        ),
    ]
    control = signer("assessment").sign(new())  # what assessment's relay would publish
    kafka.send_raw(bootstrap(system), [*(message for message, _ in forged), control])
    expected = {message.key.decode(): reason for message, reason in forged}

    eventually(lambda: client.enrolled(control.key.decode()), what="the signed approval enrols")

    def all_dead_lettered() -> dict[str, Any] | None:
        found = dead_letters(system, set(expected))
        return found if len(found) == len(expected) else None

    letters = eventually(all_dead_lettered, what="every forgery on payment's dead-letter topic")

    check = verifier(system.prefix)
    for case_id, reason in expected.items():
        letter = letters[case_id]
        headers = dict(letter.headers)
        assert reason in headers["reason"].decode(), (case_id, headers["reason"])
        assert headers["consumer"] == b"payment"
        # the dead letter is payment's own message, signed with payment's key
        assert (
            check.rejection(
                topic=letter.topic, key=letter.key, headers=letter.headers, value=letter.value
            )
            is None
        )
        assert not client.enrolled(case_id), f"forged approval of {case_id} enrolled"
        assert client.register_entry(case_id) is None
    listed = client.http.get(client.url("payment", "/ops/rejected"), headers=token("operator"))
    rejected = {r["claimed_case_id"]: r["reason"] for r in listed.json()}
    assert all(reason in rejected[case_id] for case_id, reason in expected.items())
    assert not {p["case_id"] for p in client.parked("payment")} & set(expected)


def test_a_forged_approval_of_a_real_case_neither_enrols_it_nor_holds_up_its_genuine_one(
    system: System, client: Client, genuine: Any
) -> None:
    case_id = client.receive()
    eventually(lambda: client.assessment_case(case_id), what="assessment has the case")
    client.review_and_post(case_id)

    # The case's own stream, at the version its genuine approval will have next.
    def published_up_to_the_posting() -> list[dict[str, Any]] | None:
        events = [
            json.loads(r.value)
            for r in kafka.read_topic(bootstrap(system), system.prefix + ASSESSMENT_EVENTS)
            if r.key == case_id.encode()
        ]
        posted = any(e["type"].endswith(".results_posted") for e in events)
        return events if posted else None

    events = eventually(published_up_to_the_posting, what="assessment published the posting")
    envelope = json.loads(genuine.value)
    envelope.update(
        id=str(uuid.uuid4()),
        subject=case_id,
        originatorid=events[-1]["originatorid"],
        originatorversion=max(e["originatorversion"] for e in events) + 1,
    )
    envelope["data"].update(case_id=case_id, person_id=str(uuid.uuid4()), monthly_amount=9_999_000)
    kafka.produce_raw(
        bootstrap(system),
        system.prefix + ASSESSMENT_EVENTS,
        case_id.encode(),
        json.dumps(envelope).encode(),
        headers=[],
    )
    eventually(lambda: dead_letters(system, {case_id}), what="the forgery is dead-lettered")
    assert not client.enrolled(case_id)

    assert client.approve(case_id).status_code == 201
    eventually(lambda: client.enrolled(case_id), what="the genuine approval enrols the case")
    entitlement = client.http.get(
        client.url("payment", f"/entitlements/{case_id}"), headers=token("inspector")
    ).json()
    assert "9999000" not in json.dumps(entitlement), "the forged amount reached the entitlement"
    [signed] = [r for r in approvals_on_the_topic(system, case_id) if r.headers]
    # the forgery had taken the genuine approval's place in the stream, and changed nothing
    assert json.loads(signed.value)["originatorversion"] == envelope["originatorversion"]
    assert case_id not in {p["case_id"] for p in client.parked("payment")}


def test_a_log_published_before_messages_were_signed_is_published_again_signed(
    system: System, client: Client, genuine: Any
) -> None:
    """An upgraded deployment's topics hold the events its relays published unsigned, which a
    consumer reading from the start (a rebuild) drops: each relay publishes its log once more,
    signed, when its position was saved by a relay that did not sign."""
    topic = system.prefix + INTAKE_EVENTS
    case_id = genuine.key

    def published() -> list[Any]:
        return [r for r in kafka.read_topic(bootstrap(system), topic) if r.key == case_id]

    before = len(published())
    url = system.processes["intake-api"].env["BTXH_DATABASE_URL"]
    table = sql.Identifier(system.prefix + "intake", "relay_position")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("UPDATE {} SET signed = false").format(table))

    again = eventually(lambda: len(published()) >= 2 * before and published())
    check = verifier(system.prefix)
    assert all(
        check.rejection(topic=r.topic, key=r.key, headers=r.headers, value=r.value) is None
        for r in again[before:]
    )
    with psycopg.connect(url, autocommit=True) as conn:
        assert eventually(
            lambda: conn.execute(
                sql.SQL("SELECT bool_and(signed) FROM {}").format(table)
            ).fetchone()[0]
        )
