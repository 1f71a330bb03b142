"""Writes the JSON Schema of every contract and the AsyncAPI document into contracts/.

Run `python -m contracts.export`; a test fails when the committed files drift from the models.
"""

import json
from pathlib import Path
from typing import Any

from contracts.catalog import CONTRACTS, EventContract
from contracts.envelope import Envelope
from contracts.signature import (
    SIGNATURE_HEADER,
    SIGNED_BYTES_DESCRIPTION,
    SIGNER_HEADER,
)
from contracts.topics import PUBLISHERS

HERE = Path(__file__).parent
SCHEMA_DIR = HERE / "schemas"
ASYNCAPI_FILE = HERE / "asyncapi.json"


def event_schema(contract: EventContract) -> dict[str, Any]:
    """JSON Schema of a whole message: the envelope with `data` of this event."""
    envelope = Envelope.model_json_schema()
    data = contract.model.model_json_schema()
    defs = {**envelope.pop("$defs", {}), **data.pop("$defs", {})}
    envelope["properties"]["type"] = {"const": contract.type, "type": "string"}
    envelope["properties"]["schemaversion"] = {"const": contract.version, "type": "integer"}
    envelope["properties"]["data"] = data
    envelope["title"] = contract.schema_id
    envelope["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    envelope["$id"] = f"btxh:contracts/schemas/{contract.schema_id}.json"
    if defs:
        envelope["$defs"] = defs
    return envelope


def message_headers(contract: EventContract) -> dict[str, Any]:
    """The Kafka headers of a message: its CloudEvents type and id, and its signature."""
    publisher = PUBLISHERS[contract.topic]
    return {
        "type": "object",
        "required": ["ce_type", "ce_id", SIGNER_HEADER, SIGNATURE_HEADER],
        "properties": {
            "ce_type": {"type": "string", "const": contract.type, "description": "Envelope type."},
            "ce_id": {"type": "string", "format": "uuid", "description": "Envelope id."},
            SIGNER_HEADER: {
                "type": "string",
                "const": publisher,
                "description": f"The service whose key signed the message: only {publisher} "
                f"publishes on {contract.topic}.",
            },
            SIGNATURE_HEADER: {
                "type": "string",
                "contentEncoding": "base64",
                "description": "Ed25519 signature (64 bytes, base64) by the signer's key. "
                + SIGNED_BYTES_DESCRIPTION
                + " Drop a message whose signature does not verify with the signer's public "
                "key, or whose signer is not the topic's publisher.",
            },
        },
    }


def asyncapi() -> dict[str, Any]:
    """An AsyncAPI 3.0 document listing every topic and the messages on it."""
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for contract in CONTRACTS:
        name = contract.schema_id.replace(".", "_")
        messages[name] = {
            "name": contract.type,
            "title": contract.model.__name__,
            "summary": (contract.model.__doc__ or "").strip(),
            "contentType": "application/cloudevents+json",
            "headers": message_headers(contract),
            "payload": {"$ref": f"./schemas/{contract.schema_id}.json"},
            "bindings": {"kafka": {"key": {"type": "string", "format": "uuid"}}},
        }
        channel = channels.setdefault(
            contract.topic.replace(".", "_"),
            {
                "address": contract.topic,
                "description": "Keyed by case id; events of one case are in order. Published "
                f"by btxh/{PUBLISHERS[contract.topic]} only, every message signed with its key.",
                "messages": {},
            },
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for key, channel in channels.items():
        operations[f"publish_{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{m}"} for m in channel["messages"]],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "btxh case events",
            "version": "1.0.0",
            "description": (
                "Events of monthly social assistance cases (trợ cấp xã hội hằng tháng). "
                "Consumers de-duplicate by (source, originatorid, originatorversion). Every "
                f"message is signed by its publisher ({SIGNER_HEADER}, {SIGNATURE_HEADER} "
                "headers: Ed25519); a subscriber applies only a message whose signature "
                "verifies with the public key of the service that publishes on its topic, and "
                "whose envelope source is that service."
            ),
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def rendered() -> dict[Path, str]:
    """Every generated file and its content."""
    files = {
        SCHEMA_DIR / f"{c.schema_id}.json": json.dumps(
            event_schema(c), indent=2, ensure_ascii=False
        )
        for c in CONTRACTS
    }
    files[ASYNCAPI_FILE] = json.dumps(asyncapi(), indent=2, ensure_ascii=False)
    return {path: text + "\n" for path, text in files.items()}


def main() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for path, text in rendered().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
