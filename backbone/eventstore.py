"""Base Application of every command-side service: PostgreSQL store with tracking.

The recorder is a *process* recorder, so an effect caused by another service's event is
stored in the same transaction as the tracking record of that event (exactly-once effect).

The store is chosen here, once, from `settings.event_store`: PostgreSQL for every process of
a running system, or eventsourcing's in-memory store for the fast tests of use cases (the
library runs its own tests once per store). A side table a service keeps beside its events
(intake's case index, payment's payroll register) follows the same choice through
`beside_events`, so events and side tables are never split across two stores.
"""

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import MutableOrImmutableAggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    ProcessRecorder,
    Recording,
    Tracking,
    Transcoding,
)
from pydantic import BaseModel

from backbone.actor import Actor
from backbone.chain import ChainedTable, Column, install
from backbone.database import advisory_lock, ensure_schema, eventsourcing_env
from backbone.publishing import (
    AuditedEvent,
    ContractMapper,
    envelope_for,
    largest_fields,
    message_bytes,
    to_outbound,
)
from backbone.settings import BackboneSettings
from contracts.catalog import contract_for
from contracts.signature import SIGNATURE_HEADERS_BYTES


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, Any]:
        return obj.as_dict()

    def decode(self, data: dict[str, Any]) -> Actor:
        return Actor(**data)


class EventTooLarge(ValueError):
    """A command would record an event too large for one message on the bus: it is refused
    and nothing is stored (else the relay could never publish it, and every later event of
    the service would wait behind it)."""


def _unpublished(event: Any) -> BaseModel | None:
    return None


SideTable = TypeVar("SideTable")
Found = TypeVar("Found")

#: eventsourcing's in-memory persistence (plain Python objects, one process, nothing kept).
IN_MEMORY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


class BtxhApplication(Application[UUID]):
    """Event-sourced service layer bound to one PostgreSQL schema (or to eventsourcing's
    in-memory store, with `event_store="memory"`)."""

    service: str = ""
    #: How this service's events are published (None: an internal aggregate, never on the bus);
    #: the relay publishes with the same mapper.
    to_contract: ContractMapper = staticmethod(_unpublished)

    def __init__(self, settings: BackboneSettings) -> None:
        assert self.service, "set `service` on the Application subclass"
        self.max_message_bytes = settings.max_message_bytes
        self.event_store = settings.event_store
        if settings.event_store == "memory":
            # Same mapper, transcodings, bus-size check and tracking; no database.
            super().__init__(env={**IN_MEMORY_ENV, **_cipher_env(settings)})
            return
        schema = settings.schema_name(self.service)
        env = eventsourcing_env(settings.database_url, schema, settings.session_bounds())
        env.update(_cipher_env(settings))
        # Several processes of one service start at once: serialise the DDL.
        with advisory_lock(settings.database_url, f"ddl:{schema}") as conn:
            ensure_schema(conn, schema)
            super().__init__(env=env)
            for chained in self.event_chains():
                install(conn, chained)

    def event_chains(self) -> list[ChainedTable]:
        """The hash chain of this service's stored events (none in the in-memory store)."""
        if self.event_store == "memory":
            return []
        recorder: Any = self.recorder
        return [stored_events(recorder.datastore.schema, recorder.events_table_name)]

    def beside_events(
        self, *, postgres: Callable[[], SideTable], memory: Callable[[], SideTable]
    ) -> SideTable:
        """A side table of this service, kept in the same store as its events: a table in the
        service's schema beside PostgreSQL, a stand-in honouring the same contract beside the
        in-memory store (tests/side_tables runs one contract against both)."""
        return memory() if self.event_store == "memory" else postgres()

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        assert isinstance(self.recorder, ProcessRecorder)
        return self.recorder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(ActorAsDict())

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Every save passes here (eventsourcing's one write path): refuse what the bus can't carry."""
        for event in processing_event.events:
            self._check_fits_on_the_bus(event)
        return super()._record(processing_event)

    def _check_fits_on_the_bus(self, event: Any) -> None:
        data = type(self).to_contract(event)
        if data is None:
            return
        audited: AuditedEvent = event
        message = to_outbound(envelope_for(audited, data, source=f"btxh/{self.service}"), "")
        size = message_bytes(message) + SIGNATURE_HEADERS_BYTES  # the relay signs it
        if size <= self.max_message_bytes:
            return
        field, field_size = largest_fields(data)[0]
        raise EventTooLarge(
            f"{contract_for(type(data)).type} would be a {size:,}-byte message; the bus carries "
            f"at most {self.max_message_bytes:,} bytes. Its largest field is {field!r} "
            f"({field_size:,} bytes): shorten {field!r}. Nothing was stored."
        )

    def find(self, aggregate_id: UUID, kind: type[Found]) -> Found | None:
        """The aggregate saved under `aggregate_id`, or None when none ever was (a record kept
        beside a case, e.g. its dependants or a decision taken once, may not exist yet)."""
        try:
            found: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return cast(Found, found)

    # Tracking of consumed streams (used by backbone.tracked_consumer).

    def applied_version(self, stream: str) -> int:
        return self.process_recorder.max_tracking_id(stream) or 0

    def record_tracking(self, tracking: Tracking) -> None:
        self.process_recorder.insert_tracking(tracking)

    def save_tracked(
        self, *aggregates: MutableOrImmutableAggregate[UUID], tracking: Tracking
    ) -> None:
        """Store new events and the tracking record of the message that caused them, atomically.

        Raises IntegrityError when that message was applied already (or the aggregate
        exists already): the caller treats that as a duplicate.
        """
        processing_event: ProcessingEvent[UUID] = ProcessingEvent(tracking=tracking)
        processing_event.collect_events(*aggregates)
        self._record(processing_event)


def stored_events(schema: str, table: str) -> ChainedTable:
    """eventsourcing's stored events, chained in notification order. The state is hashed as
    stored: encrypted and compressed when a cipher key is set, so the chain is verified
    without the key."""
    return ChainedTable(
        schema=schema,
        table=table,
        what="stored events",
        key=(Column("notification_id", "bigint"),),
        content=(
            "r.notification_id",
            "r.originator_id",
            "r.originator_version",
            "r.topic",
            "encode(sha256(r.state), 'hex')",
        ),
    )


def _cipher_env(settings: BackboneSettings) -> dict[str, str]:
    """Encryption at rest when a key is set: the library's AES-GCM cipher (on the
    `cryptography` package) over each stored event's state, compressed first. The table then
    holds, per event, only its id, version, type name and time in clear."""
    if settings.cipher_key is None:
        return {}
    return {
        "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
        "CIPHER_KEY": settings.cipher_key.get_secret_value(),
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
    }


__all__ = ["BtxhApplication", "EventTooLarge", "IntegrityError"]
