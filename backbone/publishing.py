"""Turns a stored domain event into the published message (envelope + contract payload)."""

import json
from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel

from backbone.actor import Actor
from backbone.kafka import OutboundMessage
from contracts.catalog import contract_for
from contracts.envelope import Envelope
from contracts.ids import message_id


class AuditedEvent(Protocol):
    """What every stored event of btxh carries besides its facts."""

    originator_id: UUID
    originator_version: int
    timestamp: Any
    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None


#: Maps one domain event to its contract payload. Every stored event is published,
#: so that consumers see each stream's versions without gaps.
#: Maps a stored event to its published contract; None for events of aggregates that are never
#: published at all (internal bookkeeping such as a payroll run), so no subscriber sees a gap.
ContractMapper = Callable[[Any], BaseModel | None]


def envelope_for(event: AuditedEvent, data: BaseModel, *, source: str) -> Envelope:
    contract = contract_for(type(data))
    case_id = getattr(data, "case_id")  # noqa: B009 - every contract names its case
    return Envelope(
        id=message_id(event.originator_id, event.originator_version),
        source=source,
        type=contract.type,
        subject=case_id,
        time=event.timestamp,
        dataschema=f"btxh:contracts/schemas/{contract.schema_id}.json",
        originatorid=event.originator_id,
        originatorversion=event.originator_version,
        actorid=event.actor.user_id,
        actorrole=event.actor.role,  # type: ignore[arg-type]
        actorunit=event.actor.admin_unit,
        correlationid=event.correlation_id,
        causationid=event.causation_id,
        schemaversion=contract.version,
        data=data.model_dump(mode="json"),
    )


def message_bytes(message: OutboundMessage) -> int:
    """What a message weighs against the bus's size limit: value, key and headers."""
    headers = sum(len(name.encode()) + len(value) for name, value in message.headers)
    return len(message.value) + len(message.key) + headers


def largest_fields(data: BaseModel) -> list[tuple[str, int]]:
    """The payload's top-level fields by encoded size, largest first (to say what to shorten)."""
    dumped = data.model_dump(mode="json")
    sizes = [
        (name, len(json.dumps(value, ensure_ascii=False).encode()))
        for name, value in dumped.items()
    ]
    return sorted(sizes, key=lambda pair: -pair[1])


def to_outbound(envelope: Envelope, topic: str) -> OutboundMessage:
    return OutboundMessage(
        topic=topic,
        key=str(envelope.subject).encode(),
        value=json.dumps(envelope.model_dump(mode="json"), ensure_ascii=False).encode(),
        headers=[("ce_type", envelope.type.encode()), ("ce_id", str(envelope.id).encode())],
    )
