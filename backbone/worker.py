"""FastStream worker that feeds a TrackedConsumer: one subscriber over the case topics.

Offsets are committed only after `TrackedConsumer.process` returned (its effect committed);
an exception nacks, so the message is delivered again. If the broker's cluster id changes
(the broker lost its log) the worker exits with EXIT_BROKER_RESET so its supervisor starts
it afresh; its consumer group is named for the cluster (BackboneSettings.group_id), so on the
new broker it reads the republished log from the beginning.
"""

import asyncio
import logging
import os
from collections.abc import Sequence

import anyio
from faststream import AckPolicy, FastStream
from faststream.kafka import KafkaBroker, KafkaMessage

from backbone.kafka import BrokerOutage, KafkaAdmin
from backbone.settings import BackboneSettings
from backbone.tracked_consumer import InboundRecord, TrackedConsumer

log = logging.getLogger(__name__)

#: Exit status that asks the supervisor for a restart (broker identity changed).
EXIT_BROKER_RESET = 75


def build_worker(
    consumer: TrackedConsumer,
    settings: BackboneSettings,
    topics: Sequence[str],
    *,
    identity_check_seconds: float = 2.0,
) -> FastStream:
    broker = KafkaBroker(settings.kafka_bootstrap, logger=log, log_level=logging.DEBUG)
    topic_names = [settings.topic(t) for t in topics]
    # Read before the group is joined: the group is named for this cluster, and a broker that
    # is replaced from here on is seen by the watcher (it compares with this id).
    cluster_id = _cluster_id(settings.kafka_bootstrap)

    async def raw_bytes(message: KafkaMessage) -> bytes:
        return message.body

    @broker.subscriber(
        *topic_names,
        group_id=settings.group_id(consumer.name, cluster_id),
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=raw_bytes,
        description=f"{consumer.name}: every case event, applied once per stream version",
    )
    async def on_case_event(body: bytes, message: KafkaMessage) -> None:
        raw = message.raw_message
        assert not isinstance(raw, tuple)
        record = InboundRecord(
            topic=raw.topic,
            partition=raw.partition,
            offset=raw.offset,
            key=raw.key,
            value=body,
            headers=tuple(raw.headers),
        )
        await anyio.to_thread.run_sync(consumer.process, record)

    app = FastStream(broker, logger=log)
    watcher: list[asyncio.Task[None]] = []

    @app.on_startup
    async def ensure_topics() -> None:
        def create() -> None:
            admin = KafkaAdmin(settings.kafka_bootstrap)
            try:
                admin.ensure_topics(topic_names, settings.topic_partitions)
            finally:
                admin.close()

        await anyio.to_thread.run_sync(create)

    @app.after_startup
    async def watch_broker_identity() -> None:
        watcher.append(
            asyncio.create_task(
                _watch(settings.kafka_bootstrap, cluster_id, identity_check_seconds, consumer.name)
            )
        )

    @app.on_shutdown
    async def stop_watching() -> None:
        for task in watcher:
            task.cancel()

    return app


def _cluster_id(bootstrap: str) -> str:
    admin = KafkaAdmin(bootstrap)
    try:
        return admin.cluster_id()
    finally:
        admin.close()


async def _watch(bootstrap: str, first: str, every: float, who: str) -> None:
    """Exit when the broker we consume from is no longer the cluster `first` (read before the
    group was joined: a change during start-up counts too)."""
    admin = await anyio.to_thread.run_sync(KafkaAdmin, bootstrap)
    outage = BrokerOutage(bootstrap, who)
    while True:
        await asyncio.sleep(every)
        try:
            current = await anyio.to_thread.run_sync(admin.cluster_id)
        except Exception as error:  # away (or answering oddly): aiokafka reconnects meanwhile
            outage.note(error)
            continue
        outage.over()
        if current != first:
            log.warning("broker cluster id changed (%s -> %s): restarting", first, current)
            os._exit(EXIT_BROKER_RESET)
