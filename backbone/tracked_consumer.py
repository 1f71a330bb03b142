"""Tracked consumer: applies each source event exactly once, in stream order, or parks its case.

Identity of a message is (source stream, version), never the Kafka offset: a relay that
republishes after a crash or a broker reset produces the same events at new offsets.

- not genuine (unsigned, badly signed, signed by an unknown key or by a service that does not
  publish on its topic, or claiming another source than its signer; backbone/signing.py):
  rejected before anything else. It goes to the dead-letter topic with the reason and is
  recorded as rejected, and that is all: it is never applied, never held, and it parks no
  case. It is not an event of any stream (anyone who can reach the broker can write one), so
  skipping it leaves no hole; parking its case would let anyone stop any case by naming it;
- version <= last applied: duplicate, nothing happens;
- version == last + 1: the handler applies it and records the version in the same transaction;
- version > last + 1: a gap; the message is held and the case parked until the missing
  versions arrive (then the held ones are applied in order) or an operator re-drives it;
- a handler whose save collides with another writer of the same aggregate (e.g. an API
  command at the same moment) is run again, a few times, before anything else is concluded;
- undecodable or contract-violating message, or a handler that fails for a reason other
  than an unreachable database: the case is parked as poison; the message and every later
  message of that case go to the dead-letter topic and are held in PostgreSQL;
- database unreachable: retried with back-off, then re-raised so the message is redelivered.
"""

import enum
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from psycopg import sql
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, ValidationError

from backbone.database import (
    TRANSIENT_DB_ERRORS,
    advisory_key,
    advisory_lock,
    connect,
    connection,
    ensure_schema,
)
from backbone.kafka import OrderedProducer, OutboundMessage
from backbone.signing import SignedProducer, Verifier, signer_from, verifier_from
from contracts.catalog import ContractViolation, decode
from contracts.envelope import Envelope

log = logging.getLogger(__name__)

TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    *TRANSIENT_DB_ERRORS,
    StoreOperationalError,
    StoreInterfaceError,
    PoolTimeout,
)

#: Applies one decoded event; must record `tracking` in the same transaction as its effect.
Handler = Callable[[Any, Envelope, Tracking], None]


class TrackingPort(Protocol):
    def applied_version(self, stream: str) -> int: ...

    def record_tracking(self, tracking: Tracking) -> None: ...


@dataclass(frozen=True)
class InboundRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes | None], ...] = ()


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    HELD = "held"
    REJECTED = "rejected"  # not genuine: dead-lettered, never applied, parks nothing


class ParkKind(enum.StrEnum):
    GAP = "gap"  # heals itself when the missing versions arrive
    POISON = "poison"  # needs an operator: fix, then re-drive


@dataclass(frozen=True)
class ParkedCase:
    case_id: str
    kind: ParkKind
    reason: str
    parked_at: datetime
    held: int


class ParkingStore:
    """Parked cases and the messages held behind them, in the consumer's schema."""

    def __init__(self, url: str, schema: str, consumer: str) -> None:
        self.url = url
        self.consumer = consumer
        self.cases = sql.Identifier(schema, "parked_case")
        self.letters = sql.Identifier(schema, "dead_letter")
        # Several processes of a service start at once: serialise the DDL (CREATE IF NOT
        # EXISTS alone races on the catalogue).
        with advisory_lock(url, f"ddl:{schema}") as conn:
            ensure_schema(conn, schema)
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (consumer text NOT NULL, case_id text NOT NULL,"
                    " kind text NOT NULL, reason text NOT NULL,"
                    " parked_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer, case_id))"
                ).format(self.cases)
            )
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (id bigserial PRIMARY KEY,"
                    " consumer text NOT NULL, case_id text NOT NULL, message_key text NOT NULL,"
                    " source_topic text NOT NULL, source_partition int NOT NULL,"
                    " source_offset bigint NOT NULL, value bytea NOT NULL, reason text NOT NULL,"
                    " status text NOT NULL DEFAULT 'held',"
                    " recorded_at timestamptz NOT NULL DEFAULT now(), resolved_at timestamptz,"
                    " resolved_by text, UNIQUE (consumer, message_key))"
                ).format(self.letters)
            )

    @contextmanager
    def case_lock(self, case_id: str) -> Iterator[None]:
        """Serialises work on one parked case between the worker and an operator's re-drive."""
        with connect(self.url, autocommit=True) as conn:
            key = advisory_key(f"parking:{self.cases}:{self.consumer}:{case_id}")
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def parked(self, case_id: str) -> ParkedCase | None:
        with connection(self.url) as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT c.*, (SELECT count(*) FROM {} d WHERE d.consumer = c.consumer"
                    " AND d.case_id = c.case_id AND d.status = 'held') AS held"
                    " FROM {} c WHERE c.consumer = %s AND c.case_id = %s"
                ).format(self.letters, self.cases),
                (self.consumer, case_id),
            ).fetchone()
        return _parked(row) if row else None

    def all_parked(self) -> list[ParkedCase]:
        with connection(self.url) as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT c.*, (SELECT count(*) FROM {} d WHERE d.consumer = c.consumer"
                    " AND d.case_id = c.case_id AND d.status = 'held') AS held"
                    " FROM {} c WHERE c.consumer = %s ORDER BY c.parked_at"
                ).format(self.letters, self.cases),
                (self.consumer,),
            ).fetchall()
        return [_parked(row) for row in rows]

    def park(self, case_id: str, kind: ParkKind, reason: str) -> None:
        with connection(self.url) as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (consumer, case_id, kind, reason) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT (consumer, case_id) DO UPDATE SET kind = EXCLUDED.kind,"
                    " reason = EXCLUDED.reason"
                ).format(self.cases),
                (self.consumer, case_id, kind.value, reason),
            )

    def unpark(self, case_id: str) -> None:
        with connection(self.url) as conn:
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE consumer = %s AND case_id = %s").format(self.cases),
                (self.consumer, case_id),
            )

    def hold(self, record: InboundRecord, case_id: str, message_key: str, reason: str) -> None:
        with connection(self.url) as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (consumer, case_id, message_key, source_topic,"
                    " source_partition, source_offset, value, reason)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (consumer, message_key) DO UPDATE SET status = 'held',"
                    " reason = EXCLUDED.reason WHERE {}.status = 'held'"
                ).format(self.letters, self.letters),
                (
                    self.consumer,
                    case_id,
                    message_key,
                    record.topic,
                    record.partition,
                    record.offset,
                    record.value,
                    reason,
                ),
            )

    def reject(self, record: InboundRecord, case_id: str, message_key: str, reason: str) -> None:
        """Record a message that is not genuine: final (never re-driven), and no case parked."""
        with connection(self.url) as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (consumer, case_id, message_key, source_topic,"
                    " source_partition, source_offset, value, reason, status, resolved_at,"
                    " resolved_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'rejected', now(), %s)"
                    " ON CONFLICT (consumer, message_key) DO NOTHING"
                ).format(self.letters),
                (
                    self.consumer,
                    case_id,
                    message_key,
                    record.topic,
                    record.partition,
                    record.offset,
                    record.value,
                    reason,
                    f"consumer:{self.consumer}",
                ),
            )

    def rejected(self, limit: int) -> list[dict[str, Any]]:
        """The latest messages rejected as not genuine, newest first."""
        with connection(self.url) as conn:
            return conn.execute(
                sql.SQL(
                    "SELECT id, case_id, source_topic, source_partition, source_offset, reason,"
                    " recorded_at FROM {} WHERE consumer = %s AND status = 'rejected'"
                    " ORDER BY id DESC LIMIT %s"
                ).format(self.letters),
                (self.consumer, limit),
            ).fetchall()

    def held(self, case_id: str) -> list[dict[str, Any]]:
        with connection(self.url) as conn:
            return conn.execute(
                sql.SQL(
                    "SELECT * FROM {} WHERE consumer = %s AND case_id = %s AND status = 'held'"
                    " ORDER BY id"
                ).format(self.letters),
                (self.consumer, case_id),
            ).fetchall()

    def note(self, letter_id: int, reason: str) -> None:
        """A held message failed again: record why, leave it held (not resolved)."""
        with connection(self.url) as conn:
            conn.execute(
                sql.SQL("UPDATE {} SET reason = %s WHERE id = %s").format(self.letters),
                (reason, letter_id),
            )

    def resolve(self, letter_id: int, status: str, by: str, reason: str | None = None) -> None:
        with connection(self.url) as conn:
            conn.execute(
                sql.SQL(
                    "UPDATE {} SET status = %s, resolved_at = now(), resolved_by = %s,"
                    " reason = coalesce(%s, reason) WHERE id = %s"
                ).format(self.letters),
                (status, by, reason, letter_id),
            )


def _parked(row: dict[str, Any]) -> ParkedCase:
    return ParkedCase(
        case_id=row["case_id"],
        kind=ParkKind(row["kind"]),
        reason=row["reason"],
        parked_at=row["parked_at"],
        held=int(row["held"]),
    )


@dataclass
class _Parse:
    envelope: Envelope | None
    case_id: str
    message_key: str
    error: str | None


def _parse(value: bytes, key: bytes | None) -> _Parse:
    digest = "sha256:" + hashlib.sha256(value).hexdigest()
    try:
        envelope = Envelope.model_validate_json(value)
    except ValidationError as error:
        case_id = key.decode("utf-8", "replace") if key else "unknown"
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "message"
        return _Parse(None, case_id, digest, f"undecodable envelope: {where}: {first['msg']}")
    return _Parse(envelope, str(envelope.subject), str(envelope.id), None)


#: Longest case id kept for a rejected message (a UUID has 36 characters).
_CASE_ID_CHARS = 64


def _fingerprint(record: InboundRecord) -> str:
    """Identity of a rejected message: the same record delivered again is recorded once."""
    digest = hashlib.sha256()
    for part in (record.topic.encode(), record.key or b"", record.value):
        digest.update(len(part).to_bytes(8, "big") + part)
    for name, value in record.headers:
        for part in (name.encode(), value or b""):
            digest.update(len(part).to_bytes(8, "big") + part)
    return "rejected:sha256:" + digest.hexdigest()


class TrackedConsumer:
    """Applies events of some topics to one service's state; see the module docstring."""

    def __init__(
        self,
        *,
        name: str,
        tracking: TrackingPort,
        handlers: dict[type[BaseModel], Handler],
        parking: ParkingStore,
        dead_letter_topic: str,
        producer: SignedProducer | None,
        verifier: Verifier | None,
        fallback: Handler | None = None,
        retry_budget_seconds: float = 60.0,
        conflict_attempts: int = 5,
    ) -> None:
        from contracts.catalog import contract_for

        self.name = name
        self.tracking = tracking
        self.handlers = {contract_for(model).type: handler for model, handler in handlers.items()}
        self.parking = parking
        self.dead_letter_topic = dead_letter_topic
        self.producer = producer
        #: None: a consumer that only re-drives (an API's): it processes no message, since what
        #: it re-drives was verified when it was received.
        self.verifier = verifier
        self.fallback = fallback
        self.retry_budget_seconds = retry_budget_seconds
        self.conflict_attempts = conflict_attempts
        self.counts: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    # The worker calls this once per message; offsets are committed after it returns.

    def process(self, record: InboundRecord) -> Outcome:
        if self.verifier is None:
            raise RuntimeError(f"{self.name}: a consumer without a verifier only re-drives")
        outcome = self._retrying(lambda: self._process(record))
        self.counts[outcome] += 1
        return outcome

    def _retrying(self, work: Callable[[], Outcome]) -> Outcome:
        started = time.monotonic()
        delay = 0.2
        while True:
            try:
                return work()
            except TRANSIENT_ERRORS as error:
                if time.monotonic() - started > self.retry_budget_seconds:
                    raise
                log.warning(
                    "%s: database unavailable (%s); retrying in %.1fs", self.name, error, delay
                )
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _process(self, record: InboundRecord) -> Outcome:
        assert self.verifier is not None
        forged = self.verifier.rejection(
            topic=record.topic, key=record.key, headers=record.headers, value=record.value
        )
        if forged is not None:
            return self._reject(record, forged)
        parsed = _parse(record.value, record.key)
        if parsed.envelope is None:
            assert parsed.error is not None
            return self._park_and_hold(record, parsed, ParkKind.POISON, parsed.error)
        signer = self.verifier.publisher(record.topic)
        if parsed.envelope.source != f"btxh/{signer}":
            # Its stream would be another service's (the stream key names the source).
            return self._reject(
                record, f"signed by {signer}, but claims to come from {parsed.envelope.source}"
            )
        if self.parking.parked(parsed.case_id) is None:
            outcome, problem = self._apply(parsed.envelope)
            if problem is None:
                return outcome
            kind, reason = problem
            return self._park_and_hold(record, parsed, kind, reason)
        with self.parking.case_lock(parsed.case_id):
            parked = self.parking.parked(parsed.case_id)
            if parked is None:  # an operator re-drove it meanwhile
                outcome, problem = self._apply(parsed.envelope)
                if problem is None:
                    return outcome
                return self._park_and_hold(record, parsed, *problem)
            if parked.kind is ParkKind.GAP and self._is_next(parsed.envelope):
                outcome, problem = self._apply(parsed.envelope)
                if problem is not None:
                    return self._park_and_hold(record, parsed, *problem)
                self._drain(parsed.case_id, by=f"consumer:{self.name}", discard=frozenset())
                return outcome
            reason = f"case parked ({parked.kind}): {parked.reason}"
            self._hold(record, parsed, reason)
            return Outcome.HELD

    def _is_next(self, envelope: Envelope) -> bool:
        return envelope.originatorversion == self.tracking.applied_version(envelope.stream) + 1

    def _apply(self, envelope: Envelope) -> tuple[Outcome, tuple[ParkKind, str] | None]:
        """Apply one event if it is the next of its stream. Returns a problem instead of raising."""
        stream = envelope.stream
        version = envelope.originatorversion
        last = self.tracking.applied_version(stream)
        if version <= last:
            return Outcome.DUPLICATE, None
        if version > last + 1:
            return Outcome.HELD, (
                ParkKind.GAP,
                f"version gap on {stream}: expected {last + 1}, received {version}",
            )
        tracking = Tracking(application_name=stream, notification_id=version)
        handler = self.handlers.get(envelope.type)
        event: BaseModel | None = None
        if handler is None:
            if self.fallback is None:
                self.tracking.record_tracking(tracking)  # not ours; keep the stream contiguous
                return Outcome.IGNORED, None
            handler = self.fallback  # sees the envelope of event types it does not know
        else:
            try:
                event = decode(envelope)
            except ContractViolation as error:
                return Outcome.HELD, (ParkKind.POISON, f"contract violation: {error}")
        try:
            self._handle_retrying_conflicts(handler, event, envelope, tracking)
        except TRANSIENT_ERRORS:
            raise
        except (IntegrityError, psycopg.errors.UniqueViolation) as error:
            if self.tracking.applied_version(stream) >= version:
                return Outcome.DUPLICATE, None  # a concurrent delivery applied it first
            return Outcome.HELD, (
                ParkKind.POISON,
                f"conflict applying {envelope.type} v{version} (still after"
                f" {self.conflict_attempts} tries): {error}",
            )
        except Exception as error:
            log.exception("%s: handler for %s failed", self.name, envelope.type)
            return Outcome.HELD, (
                ParkKind.POISON,
                f"handler failed: {type(error).__name__}: {error}",
            )
        return Outcome.APPLIED, None

    def _handle_retrying_conflicts(
        self, handler: Handler, event: BaseModel | None, envelope: Envelope, tracking: Tracking
    ) -> None:
        """Run the handler; when its save collides with another writer of the same aggregate
        (an officer's command through the API, say), run it again: it loads the aggregate
        afresh. A collision is a race, not poison; only one that never clears parks the case."""
        for attempt in range(1, self.conflict_attempts + 1):
            try:
                handler(event, envelope, tracking)
                return
            except (IntegrityError, psycopg.errors.UniqueViolation) as error:
                applied = self.tracking.applied_version(envelope.stream)
                if attempt == self.conflict_attempts or applied >= envelope.originatorversion:
                    raise
                log.info(
                    "%s: %s v%s collided with another write (%s); trying again",
                    self.name,
                    envelope.type,
                    envelope.originatorversion,
                    error,
                )
                time.sleep(0.05 * 2**attempt)

    def _park_and_hold(
        self, record: InboundRecord, parsed: _Parse, kind: ParkKind, reason: str
    ) -> Outcome:
        with self.parking.case_lock(parsed.case_id):
            current = self.parking.parked(parsed.case_id)
            if current is None or current.kind is ParkKind.GAP:
                self.parking.park(parsed.case_id, kind, reason)
            log.warning("%s: case %s parked (%s): %s", self.name, parsed.case_id, kind, reason)
            self._hold(record, parsed, reason)
        return Outcome.HELD

    def _reject(self, record: InboundRecord, reason: str) -> Outcome:
        """Not genuine: to the dead-letter topic and recorded as rejected; nothing else."""
        # The key is the attacker's too: kept as the case it claims, cut to a case id's length.
        claimed = record.key.decode("utf-8", "replace")[:_CASE_ID_CHARS] if record.key else ""
        log.warning(
            "%s: rejected a message that is not genuine (%s[%d]@%d, case %r): %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            claimed,
            reason,
        )
        self._dead_letter(record, claimed or "unknown", reason)
        self.parking.reject(record, claimed or "unknown", _fingerprint(record), reason)
        return Outcome.REJECTED

    def _hold(self, record: InboundRecord, parsed: _Parse, reason: str) -> None:
        """Dead-letter topic first, then PostgreSQL: a crash between them re-delivers, harmlessly."""
        self._dead_letter(record, parsed.case_id, reason)
        self.parking.hold(record, parsed.case_id, parsed.message_key, reason)

    def _dead_letter(self, record: InboundRecord, case_id: str, reason: str) -> None:
        """The message as received, with why and where from; signed as this consumer's service
        (its own headers are kept as `original_<name>`, so its signature can be checked again)."""
        if self.producer is None:
            return
        original = [(f"original_{name}", value or b"") for name, value in record.headers]
        self.producer.send_all(
            [
                OutboundMessage(
                    topic=self.dead_letter_topic,
                    key=case_id.encode(),
                    value=record.value,
                    headers=[
                        ("reason", reason.encode()),
                        ("consumer", self.name.encode()),
                        ("source_topic", record.topic.encode()),
                        ("source_partition", str(record.partition).encode()),
                        ("source_offset", str(record.offset).encode()),
                        *original,
                    ],
                )
            ]
        )

    def _drain(self, case_id: str, *, by: str, discard: frozenset[int]) -> bool:
        """Apply the held messages of a case in order; unpark it if all went through."""
        for letter in self.parking.held(case_id):
            if letter["id"] in discard:
                self.parking.resolve(letter["id"], "discarded", by)
                continue
            parsed = _parse(bytes(letter["value"]), case_id.encode())
            if parsed.envelope is None:
                self.parking.park(case_id, ParkKind.POISON, parsed.error or "undecodable")
                return False
            outcome, problem = self._apply(parsed.envelope)
            if problem is not None:
                kind, reason = problem
                self.parking.park(case_id, kind, reason)
                self.parking.note(letter["id"], reason)
                return False
            self.parking.resolve(letter["id"], outcome.value, by)
        self.parking.unpark(case_id)
        log.info("%s: case %s unparked by %s", self.name, case_id, by)
        return True

    # Operations

    def redrive(self, case_id: str, *, by: str, discard: frozenset[int] = frozenset()) -> bool:
        """Re-apply a parked case's held messages after a fix; `discard` drops named ones.

        Returns True when the case is no longer parked.
        """
        with self.parking.case_lock(case_id):
            if self.parking.parked(case_id) is None:
                return True
            return (
                self._retrying(
                    lambda: (
                        Outcome.APPLIED
                        if self._drain(case_id, by=by, discard=discard)
                        else Outcome.HELD
                    )
                )
                is Outcome.APPLIED
            )


def build_consumer(
    *,
    name: str,
    service: str,
    tracking: TrackingPort,
    handlers: dict[type[BaseModel], Handler],
    settings: Any,
    publish_dead_letters: bool = True,
    fallback: Handler | None = None,
) -> TrackedConsumer:
    """A TrackedConsumer wired to the service's schema and its dead-letter topic.

    A worker's consumer (`publish_dead_letters`) verifies what it reads and signs its dead
    letters as `service`: it refuses to start without the public keys and the service's key.
    An API's consumer only re-drives held messages, verified when received: it needs neither."""
    from contracts.topics import dead_letter_topic

    return TrackedConsumer(
        name=name,
        tracking=tracking,
        handlers=handlers,
        parking=ParkingStore(settings.database_url, settings.schema_name(service), name),
        dead_letter_topic=settings.topic(dead_letter_topic(name)),
        producer=dead_letter_producer(settings, service) if publish_dead_letters else None,
        verifier=verifier_from(settings) if publish_dead_letters else None,
        fallback=fallback,
    )


def dead_letter_producer(settings: Any, service: str) -> SignedProducer:
    """What a worker of `service` writes its dead letters with: signed with `service`'s key."""
    return SignedProducer(OrderedProducer(settings.kafka_bootstrap), signer_from(settings, service))
