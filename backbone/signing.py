"""Signs every message a btxh process publishes and checks every message a consumer reads.

Each service has an Ed25519 key pair. The private key signs what the service's processes
publish (its relay's events, its workers' dead letters) and never leaves them; the public
keys of every service are given to every process. A consumer accepts a message only if it is
signed (contracts/signature.py says over which bytes), the signature verifies with a public
key of the service named in `btxh_signer`, and that service is the one that publishes on the
message's topic (contracts/topics.py). Anyone else who can reach the broker can still write to
it, but what they write is dropped, never applied.

`python -m backbone.signing generate` prints a new key for each service, as environment lines.
"""

import base64
import binascii
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backbone.kafka import OrderedProducer, OutboundMessage
from contracts.signature import SIGNATURE_HEADER, SIGNER_HEADER, Headers, signed_bytes
from contracts.topics import publisher_of

if TYPE_CHECKING:
    from backbone.settings import BackboneSettings

#: The variable holding this process's service's private key.
SIGNING_KEY_VARIABLE = "BTXH_SIGNING_KEY"
#: The variable holding every service's public key: `service=base64,service=base64,...`.
PUBLIC_KEYS_VARIABLE = "BTXH_SIGNING_PUBLIC_KEYS"
HOW_TO_GENERATE = "generate keys with: python -m backbone.signing generate"
#: An attacker chooses the signer's name: only this much of it reaches a log or a reason.
_NAME_SHOWN = 40


class SigningKeyProblem(ValueError):
    """A key setting is missing or unusable; the message names the variable."""


# Keys as text: base64 of the raw 32 bytes (what an environment variable can carry).


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_text(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.private_bytes_raw()).decode()


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def public_keys_text(keys: Mapping[str, Ed25519PrivateKey | Ed25519PublicKey]) -> str:
    """The value of BTXH_SIGNING_PUBLIC_KEYS for these services' keys."""
    return ",".join(f"{service}={public_key_text(key)}" for service, key in keys.items())


def _raw(text: str, variable: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise SigningKeyProblem(
            f"{variable}: {what} is not the base64 of a 32-byte Ed25519 key ({HOW_TO_GENERATE})"
        )
    return raw


def parse_private_key(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_raw(text, SIGNING_KEY_VARIABLE, "the value"))


def parse_public_keys(text: str) -> dict[str, tuple[Ed25519PublicKey, ...]]:
    """`service=base64,...`; a service named twice has two keys (both accepted while its key
    is being replaced)."""
    keys: dict[str, tuple[Ed25519PublicKey, ...]] = {}
    for entry in text.split(","):
        if not entry.strip():
            continue
        service, equals, encoded = entry.partition("=")
        service = service.strip()
        if not equals or not service:
            raise SigningKeyProblem(
                f"{PUBLIC_KEYS_VARIABLE}: {entry.strip()[:_NAME_SHOWN]!r} is not service=base64"
            )
        raw = _raw(encoded, PUBLIC_KEYS_VARIABLE, f"the key of {service}")
        keys[service] = (*keys.get(service, ()), Ed25519PublicKey.from_public_bytes(raw))
    return keys


class Signer:
    """Signs messages as one service."""

    def __init__(self, service: str, key: Ed25519PrivateKey) -> None:
        self.service = service
        self._key = key

    def sign(self, message: OutboundMessage) -> OutboundMessage:
        """The message with `btxh_signer` and `btxh_signature` (any earlier ones replaced)."""
        headers = [
            (name, value)
            for name, value in message.headers
            if name not in (SIGNER_HEADER, SIGNATURE_HEADER)
        ]
        headers.append((SIGNER_HEADER, self.service.encode()))
        signature = self._key.sign(
            signed_bytes(topic=message.topic, key=message.key, headers=headers, value=message.value)
        )
        headers.append((SIGNATURE_HEADER, base64.b64encode(signature)))
        return OutboundMessage(
            topic=message.topic, key=message.key, value=message.value, headers=headers
        )


class Verifier:
    """Tells a genuine message from one that is not: unsigned, badly signed, signed by a key it
    does not know, or signed by a service that does not publish on the message's topic."""

    def __init__(
        self, public_keys: Mapping[str, Sequence[Ed25519PublicKey]], *, prefix: str = ""
    ) -> None:
        self.public_keys = {service: tuple(keys) for service, keys in public_keys.items()}
        self.prefix = prefix

    def publisher(self, topic: str) -> str | None:
        """The service whose signature alone makes a message on `topic` genuine."""
        return publisher_of(topic, self.prefix)

    def rejection(
        self, *, topic: str, key: bytes | None, headers: Headers, value: bytes
    ) -> str | None:
        """Why the message is not genuine, or None when it is."""
        signer, problem = self._header(headers, SIGNER_HEADER)
        if problem:
            return problem
        encoded, problem = self._header(headers, SIGNATURE_HEADER)
        if problem:
            return problem
        try:
            name = signer.decode()
            signature = base64.b64decode(encoded, validate=True)
        except (UnicodeDecodeError, binascii.Error, ValueError):
            return "malformed signature headers: not UTF-8 and base64"
        shown = repr(name[:_NAME_SHOWN])
        keys = self.public_keys.get(name)
        if not keys:
            return (
                f"signed by {shown}, a service whose public key this consumer does not have "
                f"({PUBLIC_KEYS_VARIABLE})"
            )
        signed = signed_bytes(topic=topic, key=key, headers=headers, value=value)
        if not any(_verifies(public, signature, signed) for public in keys):
            return (
                f"bad signature: no public key of {shown} verifies it (altered after signing, "
                "or signed with another key)"
            )
        publisher = self.publisher(topic)
        if publisher is None:
            return f"no btxh service publishes on {topic}"
        if name != publisher:
            return f"signed by {shown}, but only {publisher} publishes on {topic}"
        return None

    @staticmethod
    def _header(headers: Headers, wanted: str) -> tuple[bytes, str | None]:
        values = [value for name, value in headers if name == wanted]
        if not values or not values[0]:
            return b"", f"unsigned: no {wanted} header"
        if len(values) > 1:
            return b"", f"{wanted} header appears {len(values)} times"
        return values[0], None


def _verifies(public: Ed25519PublicKey, signature: bytes, signed: bytes) -> bool:
    try:
        public.verify(signature, signed)
    except InvalidSignature:
        return False
    return True


class SignedProducer:
    """An OrderedProducer that signs every message it sends: nothing leaves unsigned."""

    def __init__(self, producer: OrderedProducer, signer: Signer) -> None:
        self.producer = producer
        self.signer = signer

    def send_all(self, messages: Sequence[OutboundMessage], timeout: float = 30.0) -> None:
        self.producer.send_all([self.signer.sign(m) for m in messages], timeout=timeout)

    def close(self) -> None:
        self.producer.close()


# From the settings: what a process that publishes, or consumes, needs before it starts.


def signer_from(settings: "BackboneSettings", service: str) -> Signer:
    """The signer of `service`'s processes that publish; refuses (naming the variable) when
    the key is missing, or is not the one the public keys list for the service."""
    if settings.signing_key is None:
        raise SigningKeyProblem(
            f"{SIGNING_KEY_VARIABLE} is unset: {service}'s processes that publish (relay, "
            f"worker) sign every message with {service}'s private key, and consumers drop "
            f"unsigned ones ({HOW_TO_GENERATE}; `make run` and the tests make their own)"
        )
    key = parse_private_key(settings.signing_key.get_secret_value())
    listed = parse_public_keys(settings.signing_public_keys or "").get(service, ())
    own = public_key_text(key)
    if listed and own not in {public_key_text(public) for public in listed}:
        raise SigningKeyProblem(
            f"{SIGNING_KEY_VARIABLE} is not a key whose public half {PUBLIC_KEYS_VARIABLE} "
            f"lists for {service}: every consumer would drop what this process publishes"
        )
    return Signer(service, key)


def verifier_from(settings: "BackboneSettings") -> Verifier:
    """The verifier of a consuming process; refuses when it has no public keys."""
    if not settings.signing_public_keys:
        raise SigningKeyProblem(
            f"{PUBLIC_KEYS_VARIABLE} is unset: a consumer accepts only messages signed by the "
            f"service that publishes on their topic, and needs each one's public key "
            f"(service=base64,...; {HOW_TO_GENERATE})"
        )
    return Verifier(parse_public_keys(settings.signing_public_keys), prefix=settings.prefix)


def development_keys(directory: Path, services: Sequence[str]) -> dict[str, Ed25519PrivateKey]:
    """Each service's key from `directory` (`<service>.key`), created on first use and kept,
    readable by the owner only. For `make run`: a deployment sets the variables instead."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = {}
    for service in services:
        path = directory / f"{service}.key"
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as written:
                written.write(private_key_text(generate_key()) + "\n")
        keys[service] = parse_private_key(path.read_text().strip())
    return keys


def main(argv: Sequence[str]) -> None:
    """`generate`: a new key pair per service, as the lines of an env file."""
    from backbone.system import SERVICES

    if list(argv) != ["generate"]:
        sys.exit("usage: python -m backbone.signing generate")
    keys = {service: generate_key() for service in SERVICES}
    print("# Each private key goes to its own service's relay and worker processes only.")
    for service, key in keys.items():
        print(f"BTXH_{service.upper()}_SIGNING_KEY={private_key_text(key)}")
    print("# Every process reads every service's public key.")
    print(f"{PUBLIC_KEYS_VARIABLE}={public_keys_text(keys)}")


if __name__ == "__main__":
    main(sys.argv[1:])
