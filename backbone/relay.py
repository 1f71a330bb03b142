"""Outbox relay: publishes a service's notification log to Kafka, in order, never losing one.

The position is saved only after the broker acknowledged; a crash anywhere means
republication, never loss. When the broker's cluster id or the topic id differs from
the one recorded with the position, the broker lost its log: republish from the start.
One relay per service is active (a PostgreSQL advisory lock); the others stand by.
Every message is signed with the service's key (backbone/signing.py): consumers drop any
message on the service's topics that its key did not sign.
"""

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql

from backbone.database import advisory_key, advisory_lock, connect, connection, ensure_schema
from backbone.eventstore import BtxhApplication
from backbone.kafka import (
    BROKER_UNAVAILABLE,
    BrokerIdentity,
    BrokerOutage,
    KafkaAdmin,
    OrderedProducer,
    wait_for_broker,
)
from backbone.publishing import AuditedEvent, ContractMapper, envelope_for, to_outbound
from backbone.settings import BackboneSettings
from backbone.signing import SignedProducer, signer_from
from contracts.catalog import CONTRACTS, contract_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Position:
    last_notification_id: int
    identity: BrokerIdentity | None
    #: False for a position saved before messages were signed: what it published then,
    #: unsigned, any consumer reading the topic from the start (a rebuild) would drop.
    signed: bool = True


class PositionStore:
    """The relay's last acknowledged notification id, with the broker identity it was sent to."""

    def __init__(self, url: str, schema: str) -> None:
        self._url = url
        self._table = sql.Identifier(schema, "relay_position")
        # Several processes of a service start at once: serialise the DDL (CREATE IF NOT
        # EXISTS alone races on the catalogue).
        with advisory_lock(url, f"ddl:{schema}") as conn:
            ensure_schema(conn, schema)
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (relay text PRIMARY KEY, "
                    "last_notification_id bigint NOT NULL, cluster_id text, topic_id text, "
                    "updated_at timestamptz NOT NULL DEFAULT now())"
                ).format(self._table)
            )
            # Rows of relays that published before messages were signed read false.
            conn.execute(
                sql.SQL(
                    "ALTER TABLE {} ADD COLUMN IF NOT EXISTS signed boolean NOT NULL DEFAULT false"
                ).format(self._table)
            )

    def load(self, relay: str) -> Position:
        with connection(self._url) as conn:
            row = conn.execute(
                sql.SQL("SELECT * FROM {} WHERE relay = %s").format(self._table), (relay,)
            ).fetchone()
        if row is None:
            return Position(0, None)
        identity = BrokerIdentity(row["cluster_id"], row["topic_id"]) if row["cluster_id"] else None
        return Position(row["last_notification_id"], identity, row["signed"])

    def save(self, relay: str, position: Position) -> None:
        identity = position.identity
        with connection(self._url) as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (relay, last_notification_id, cluster_id, topic_id, signed) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (relay) DO UPDATE SET "
                    "last_notification_id = EXCLUDED.last_notification_id, "
                    "cluster_id = EXCLUDED.cluster_id, topic_id = EXCLUDED.topic_id, "
                    "signed = EXCLUDED.signed, updated_at = now()"
                ).format(self._table),
                (
                    relay,
                    position.last_notification_id,
                    identity.cluster_id if identity else None,
                    identity.topic_id if identity else None,
                    position.signed,
                ),
            )


class OutboxRelay:
    """Reads the notification log after the saved position and produces each event."""

    def __init__(
        self,
        *,
        app: BtxhApplication,
        settings: BackboneSettings,
        source: str,
        topic: str,
        to_contract: ContractMapper,
        batch_size: int = 500,
        idle_wait: float = 1.0,
        kill_after_publish: bool = False,
    ) -> None:
        self.app = app
        self.settings = settings
        self.name = f"{app.service}-relay"
        self.source = source
        self.topic = settings.topic(topic)
        self.to_contract = to_contract
        self.batch_size = batch_size
        self.idle_wait = idle_wait
        self.kill_after_publish = kill_after_publish
        self.positions = PositionStore(settings.database_url, settings.schema_name(app.service))
        # Refuses to start without the service's key: an unsigned event would be dropped by
        # every consumer, and the relay would have moved past it.
        self.signer = signer_from(settings, app.service)
        self.published = 0
        # Topics other than the relay's own that this relay has made sure exist (a contract
        # may publish elsewhere, e.g. health-insurance notices); forgotten on a broker change.
        self._ensured_topics: set[str] = set()

    @contextmanager
    def active(self, stop: threading.Event) -> Iterator[psycopg.Connection[Any]]:
        """Wait (stand-by) until this relay holds the service's advisory lock."""
        key = advisory_key(f"relay:{self.settings.schema_name(self.app.service)}")
        conn = connect(self.settings.database_url, autocommit=True)
        try:
            waited_since = time.monotonic()
            while not stop.is_set():
                row = conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (key,)).fetchone()
                if row and row["ok"]:
                    log.info("%s active", self.name)
                    yield conn
                    return
                if time.monotonic() - waited_since > 30:
                    log.info("%s standing by: another relay is active", self.name)
                    waited_since = time.monotonic()
                stop.wait(1.0)
        finally:
            conn.close()

    def run(self, stop: threading.Event) -> None:
        with self.active(stop) as lock_conn:
            outage = BrokerOutage(self.settings.kafka_bootstrap, self.name)
            while not stop.is_set():
                try:
                    self._publish_until_stopped(stop, lock_conn, outage)
                except BROKER_UNAVAILABLE as error:
                    # The broker is away (or restarting): wait for it; the identity check of
                    # the next batch sees whether it lost its log and republishes if so.
                    outage.wait(error, stop)

    def _publish_until_stopped(
        self, stop: threading.Event, lock_conn: psycopg.Connection[Any], outage: BrokerOutage
    ) -> None:
        if not wait_for_broker(self.settings.kafka_bootstrap, self.name, stop, outage):
            return
        admin = KafkaAdmin(self.settings.kafka_bootstrap)
        producer = SignedProducer(OrderedProducer(self.settings.kafka_bootstrap), self.signer)
        try:
            # Every topic this service publishes on exists before the first send.
            admin.ensure_topics(self._own_topics(), self.settings.topic_partitions)
            # Listening before the first read: a write between a read and the wait below is
            # still heard (its NOTIFY waits on this session).
            recorder = self.app.recorder
            assert isinstance(recorder, PostgresApplicationRecorder)  # a relay runs on PostgreSQL
            channel = recorder.channel_name
            lock_conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            while not stop.is_set():
                if not self.publish_next_batch(admin, producer):
                    self._wait_for_new_events(lock_conn)
        finally:
            producer.close()
            admin.close()

    def _wait_for_new_events(self, lock_conn: psycopg.Connection[Any]) -> None:
        """Until the event table says it has new rows (the recorder NOTIFYs on every insert),
        at most `idle_wait` seconds. Polling every 0.1 s cost each idle relay about 6 % of a
        core (and PostgreSQL as much again); this costs nothing while idle and adds no delay
        when events come. A lost session raises here: the relay crashes, its lock is gone."""
        for _ in lock_conn.notifies(timeout=self.idle_wait, stop_after=1):
            pass

    def _own_topics(self) -> list[str]:
        return sorted(
            {self.settings.topic(c.topic) for c in CONTRACTS if c.source == self.source}
            | {self.topic}
        )

    def publish_next_batch(self, admin: KafkaAdmin, producer: SignedProducer) -> int:
        """Publish the next batch after the saved position; return how many were sent."""
        identity = admin.identity(self.topic, self.settings.topic_partitions)
        position = self.positions.load(self.name)
        if position.identity != identity:
            if position.identity is not None:
                log.warning(
                    "%s: broker identity changed (%s -> %s); republishing the whole log",
                    self.name,
                    position.identity,
                    identity,
                )
            position = Position(0, identity)
            self.positions.save(self.name, position)
            self._ensured_topics.clear()
        elif not position.signed:
            # Published before messages were signed: once, the whole log again, signed, so
            # that a consumer reading the topic from the start finds every event genuine
            # (the unsigned copies it drops; versions make the signed ones harmless to the
            # consumers that applied them already).
            log.warning("%s: the log was published unsigned; republishing it signed", self.name)
            position = Position(0, identity)
            self.positions.save(self.name, position)
        notifications = self.app.recorder.select_notifications(
            start=position.last_notification_id,
            limit=self.batch_size,
            inclusive_of_start=False,
        )
        if not notifications:
            return 0
        messages = []
        for notification in notifications:
            # Every btxh aggregate event carries the audit fields (BtxhApplication records them).
            event = cast(AuditedEvent, self.app.mapper.to_domain_event(notification))
            data = self.to_contract(event)
            if data is None:
                continue  # an internal aggregate: never on the bus
            envelope = envelope_for(event, data, source=self.source)
            topic = self.settings.topic(contract_for(type(data)).topic)
            messages.append(to_outbound(envelope, topic))
        new_topics = {m.topic for m in messages} - self._ensured_topics - {self.topic}
        if new_topics:
            admin.ensure_topics(sorted(new_topics), self.settings.topic_partitions)
            self._ensured_topics |= new_topics
        if messages:
            producer.send_all(messages)
        if self.kill_after_publish:
            log.error("%s: fault injection: killed after publishing, before saving", self.name)
            os.kill(os.getpid(), signal.SIGKILL)
        self.positions.save(self.name, Position(notifications[-1].id, identity))
        self.published += len(messages)
        log.debug("%s published up to %s", self.name, notifications[-1].id)
        return len(messages)
