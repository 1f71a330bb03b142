"""What a btxh message's signature covers, byte for byte, so any subscriber can check it.

Every message btxh puts on the bus carries two headers: `btxh_signer`, the publishing
service's name, and `btxh_signature`, the base64 of an Ed25519 signature by that service's
key over `signed_bytes(...)`: the topic, the key, every other header and the value, exactly
as they travel. A subscriber verifies it with the signer's public key and accepts a message
on a topic only from the service that publishes there (`contracts.topics.PUBLISHERS`).
"""

from collections.abc import Sequence

#: Header naming the service whose key signed the message (e.g. `assessment`).
SIGNER_HEADER = "btxh_signer"
#: Header carrying the base64 (standard alphabet, padded) of the 64-byte Ed25519 signature.
SIGNATURE_HEADER = "btxh_signature"
#: Names this scheme inside the signed bytes: a signature made for anything else (another
#: protocol, a later version of this one) never verifies here.
SCHEME = b"btxh-bus-signature/1"
#: The most the two headers add to a message (names, a signer name of up to 20 characters
#: and the 88 characters of the signature): counted when an event's size is checked.
SIGNATURE_HEADERS_BYTES = len(SIGNER_HEADER) + 20 + len(SIGNATURE_HEADER) + 88

Headers = Sequence[tuple[str, bytes | None]]

SIGNED_BYTES_DESCRIPTION = (
    "The signed bytes are a sequence of fields, each written as its length (4 bytes, "
    "big-endian) followed by its bytes: the scheme `btxh-bus-signature/1`; the topic name "
    "(UTF-8); the message key (empty when null); the number of headers other than "
    "`btxh_signature`, as decimal ASCII; then, for each of those headers sorted by name and "
    "then value, its name (UTF-8) and its value (empty when null); and last the message value."
)


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def signed_bytes(*, topic: str, key: bytes | None, headers: Headers, value: bytes) -> bytes:
    """The bytes a signature covers: everything that travels but the signature itself.

    Length-prefixed fields, so no two different messages give the same bytes; headers sorted,
    so a broker or client that reorders them does not break a genuine signature."""
    signed = sorted((name, header or b"") for name, header in headers if name != SIGNATURE_HEADER)
    fields = [SCHEME, topic.encode(), key or b"", str(len(signed)).encode()]
    for name, header in signed:
        fields += [name.encode(), header]
    fields.append(value)
    return b"".join(_field(f) for f in fields)
