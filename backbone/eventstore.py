"""Base Application of every command-side service: PostgreSQL store with tracking.

The recorder is a *process* recorder, so an effect caused by another service's event is
stored in the same transaction as the tracking record of that event (exactly-once effect).
"""

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import MutableOrImmutableAggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    ProcessRecorder,
    Tracking,
    Transcoding,
)

from backbone.actor import Actor
from backbone.database import advisory_lock, ensure_schema, eventsourcing_env
from backbone.settings import BackboneSettings


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


class BtxhApplication(Application[UUID]):
    """Event-sourced service layer bound to one PostgreSQL schema."""

    service: str = ""

    def __init__(self, settings: BackboneSettings) -> None:
        assert self.service, "set `service` on the Application subclass"
        schema = settings.schema_name(self.service)
        env = eventsourcing_env(settings.database_url, schema)
        if settings.cipher_key is not None:
            env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
            env["CIPHER_KEY"] = settings.cipher_key.get_secret_value()
            env["COMPRESSOR_TOPIC"] = "eventsourcing.compressor:ZlibCompressor"
        # Several processes of one service start at once: serialise the DDL.
        with advisory_lock(settings.database_url, f"ddl:{schema}") as conn:
            ensure_schema(conn, schema)
            super().__init__(env=env)

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


__all__ = ["BtxhApplication", "IntegrityError"]
