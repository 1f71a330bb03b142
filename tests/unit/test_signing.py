"""Only the service that publishes on a topic can write a message its consumers accept: a
message is signed over its topic, key, headers and value, and checked against the signer's
public key and the topic's publisher (backbone/signing.py, contracts/signature.py)."""

import base64
from dataclasses import replace
from pathlib import Path

import pytest

from backbone.kafka import OutboundMessage
from backbone.settings import BackboneSettings
from backbone.signing import (
    Signer,
    SigningKeyProblem,
    Verifier,
    development_keys,
    generate_key,
    parse_public_keys,
    private_key_text,
    public_keys_text,
    signer_from,
    verifier_from,
)
from contracts import export
from contracts.catalog import CONTRACTS
from contracts.signature import SIGNATURE_HEADER, SIGNER_HEADER, signed_bytes
from contracts.topics import ASSESSMENT_EVENTS, INTAKE_EVENTS, PUBLISHERS
from tests.support.signing import service_keys, signer, verifier

PREFIX = "t0000beef_"
TOPIC = PREFIX + ASSESSMENT_EVENTS


def approval(topic: str = TOPIC) -> OutboundMessage:
    return OutboundMessage(
        topic=topic,
        key=b"0b0e5a43-5c37-4a4e-9a7e-3f1f2f6d8a10",
        value=b'{"type": "vn.btxh.assessment.case_approved", "data": {"monthly_amount": 500000}}',
        headers=[("ce_type", b"vn.btxh.assessment.case_approved"), ("ce_id", b"42")],
    )


def rejection(message: OutboundMessage) -> str | None:
    return verifier(PREFIX).rejection(
        topic=message.topic, key=message.key, headers=message.headers, value=message.value
    )


def with_header(message: OutboundMessage, name: str, value: bytes) -> OutboundMessage:
    headers = [(n, v) for n, v in message.headers if n != name] + [(name, value)]
    return replace(message, headers=headers)


def test_a_message_signed_by_the_topics_publisher_is_genuine() -> None:
    signed = signer("assessment").sign(approval())

    assert rejection(signed) is None
    assert dict(signed.headers)[SIGNER_HEADER] == b"assessment"
    assert len(base64.b64decode(dict(signed.headers)[SIGNATURE_HEADER])) == 64


def test_an_unsigned_message_is_rejected() -> None:
    assert rejection(approval()) == f"unsigned: no {SIGNER_HEADER} header"
    no_signature = with_header(approval(), SIGNER_HEADER, b"assessment")
    assert rejection(no_signature) == f"unsigned: no {SIGNATURE_HEADER} header"


@pytest.mark.parametrize(
    "alter",
    [
        lambda m: replace(m, value=m.value.replace(b"500000", b"900000")),
        lambda m: replace(m, key=b"another case"),
        lambda m: replace(m, topic=PREFIX + "btxh.assessment.case-events-copy"),
        lambda m: with_header(m, "ce_type", b"vn.btxh.assessment.case_rejected"),
        lambda m: replace(m, headers=[*m.headers, ("added", b"after signing")]),
    ],
    ids=["value", "key", "topic", "a header", "a header added"],
)
def test_a_genuine_message_altered_after_signing_is_rejected(alter) -> None:
    altered = alter(signer("assessment").sign(approval()))

    assert "bad signature: no public key of 'assessment' verifies it" in (rejection(altered) or "")


def test_headers_reordered_on_the_way_still_verify() -> None:
    signed = signer("assessment").sign(approval())

    assert rejection(replace(signed, headers=list(reversed(signed.headers)))) is None


def test_a_message_signed_with_a_key_that_is_not_the_named_services_is_rejected() -> None:
    impostor = Signer("assessment", generate_key()).sign(approval())

    assert "bad signature" in (rejection(impostor) or "")


def test_a_message_signed_by_a_service_without_a_known_key_is_rejected() -> None:
    stranger = Signer("health-insurance", generate_key()).sign(approval())

    assert rejection(stranger) == (
        "signed by 'health-insurance', a service whose public key this consumer does not "
        "have (BTXH_SIGNING_PUBLIC_KEYS)"
    )


def test_a_service_signing_on_another_services_topic_is_rejected() -> None:
    intake_on_assessments_topic = signer("intake").sign(approval())

    assert rejection(intake_on_assessments_topic) == (
        f"signed by 'intake', but only assessment publishes on {TOPIC}"
    )
    assert rejection(signer("intake").sign(approval(PREFIX + INTAKE_EVENTS))) is None


def test_a_signature_made_for_another_topic_does_not_verify_on_this_one() -> None:
    """A genuine intake message copied onto assessment's topic: its signature names intake's."""
    copied = replace(signer("intake").sign(approval(PREFIX + INTAKE_EVENTS)), topic=TOPIC)

    assert "bad signature" in (rejection(copied) or "")


def test_a_signature_header_given_twice_is_rejected() -> None:
    signed = signer("assessment").sign(approval())
    doubled = replace(signed, headers=[*signed.headers, (SIGNER_HEADER, b"assessment")])

    assert rejection(doubled) == f"{SIGNER_HEADER} header appears 2 times"


def test_a_service_whose_key_is_being_replaced_is_accepted_with_either_key() -> None:
    old, new = generate_key(), generate_key()
    both = parse_public_keys(
        f"{public_keys_text({'assessment': old})},{public_keys_text({'assessment': new})}"
    )
    checking = Verifier(both, prefix=PREFIX)

    for key in (old, new):
        message = Signer("assessment", key).sign(approval())
        assert (
            checking.rejection(
                topic=message.topic, key=message.key, headers=message.headers, value=message.value
            )
            is None
        )


def test_the_signed_bytes_are_length_prefixed_so_no_two_messages_share_them() -> None:
    """Moving a byte from the key to the value changes what is signed."""
    one = signed_bytes(topic="t", key=b"ab", headers=[], value=b"c")
    other = signed_bytes(topic="t", key=b"a", headers=[], value=b"bc")

    assert one != other


def settings(**values: str) -> BackboneSettings:
    return BackboneSettings(**values)  # type: ignore[arg-type]


def test_a_publishing_process_without_its_key_refuses_to_start_naming_the_variable() -> None:
    with pytest.raises(SigningKeyProblem, match="BTXH_SIGNING_KEY is unset"):
        signer_from(settings(), "payment")


def test_a_key_that_is_not_the_one_the_public_keys_list_refuses_to_start() -> None:
    public = public_keys_text(dict(service_keys()))
    wrong = settings(signing_key=private_key_text(generate_key()), signing_public_keys=public)

    with pytest.raises(SigningKeyProblem, match="lists for payment"):
        signer_from(wrong, "payment")
    right = settings(
        signing_key=private_key_text(service_keys()["payment"]), signing_public_keys=public
    )
    assert signer_from(right, "payment").service == "payment"


def test_a_consuming_process_without_the_public_keys_refuses_to_start() -> None:
    with pytest.raises(SigningKeyProblem, match="BTXH_SIGNING_PUBLIC_KEYS is unset"):
        verifier_from(settings())


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"signing_key": "not a key"}, "BTXH_SIGNING_KEY: the value is not the base64"),
        ({"signing_public_keys": "intake"}, "BTXH_SIGNING_PUBLIC_KEYS: 'intake' is not"),
        ({"signing_public_keys": "intake=AAAA"}, "the key of intake is not the base64"),
    ],
)
def test_an_unreadable_key_stops_every_process_naming_the_variable(
    values: dict[str, str], says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        settings(**values)


def test_every_event_comes_from_the_service_that_publishes_on_its_topic() -> None:
    """A consumer rejects a message whose envelope source is not its signer: a contract whose
    source is not its topic's publisher could never be delivered."""
    for contract in CONTRACTS:
        assert contract.source == f"btxh/{PUBLISHERS[contract.topic]}", contract.type


def test_the_asyncapi_document_names_the_signature_headers_of_every_message() -> None:
    messages = export.asyncapi()["components"]["messages"]

    assert len(messages) == len(CONTRACTS)
    for message in messages.values():
        headers = message["headers"]
        assert {SIGNER_HEADER, SIGNATURE_HEADER} <= set(headers["required"])
        assert "big-endian" in headers["properties"][SIGNATURE_HEADER]["description"]


def test_make_run_makes_each_services_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = development_keys(tmp_path / "keys", ["intake", "payment"])
    again = development_keys(tmp_path / "keys", ["intake", "payment"])

    assert {s: private_key_text(k) for s, k in first.items()} == {
        s: private_key_text(k) for s, k in again.items()
    }
    assert private_key_text(first["intake"]) != private_key_text(first["payment"])
    assert (tmp_path / "keys" / "intake.key").stat().st_mode & 0o777 == 0o600
