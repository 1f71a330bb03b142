"""The signing keys of the test systems, and messages signed as a service would sign them.

One key per service for the whole test process (each pytest-xdist worker makes its own): every
system a test starts is given them, so a test can publish as the service that owns a topic,
or as another, or with a key no service has.
"""

from collections.abc import Mapping
from functools import cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backbone.kafka import OutboundMessage
from backbone.signing import Signer, Verifier, generate_key, private_key_text
from backbone.system import SERVICES
from contracts.topics import PUBLISHERS


@cache
def service_keys() -> Mapping[str, Ed25519PrivateKey]:
    return {service: generate_key() for service in SERVICES}


def system_keys() -> dict[str, str]:
    """What a System is given: each service's private key, as text."""
    return {service: private_key_text(key) for service, key in service_keys().items()}


def signer(service: str) -> Signer:
    return Signer(service, service_keys()[service])


def verifier(prefix: str = "") -> Verifier:
    return Verifier({s: [k.public_key()] for s, k in service_keys().items()}, prefix=prefix)


def publisher_of_any(topic: str) -> str | None:
    """The service that publishes on `topic`, whatever the test system's prefix before it."""
    for name, service in PUBLISHERS.items():
        if topic.endswith(name):
            return service
    return None


def as_publisher(message: OutboundMessage) -> OutboundMessage:
    """The message signed by the service that publishes on its topic (whatever the prefix),
    as that service's relay would; unchanged on a topic no service publishes on."""
    service = publisher_of_any(message.topic)
    return signer(service).sign(message) if service else message
