"""Direct access to the broker for tests: read a topic, inject a message, wait for a group.

`produce` and `produce_all` sign each message as the service that publishes on its topic
would (tests/support/signing.py): what they inject is genuine. `produce_raw` sends exactly
what it is given (a forgery, say).
"""

import json
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from backbone.kafka import OutboundMessage, consumer_group
from tests.support.signing import as_publisher


def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every record now on `topic` (manual assignment: no consumer group)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return []  # the topic does not exist (yet), e.g. just after a broker restart
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(partitions)
        records: list[Any] = []
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def produce(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    """One message, signed as the topic's publisher."""
    produce_all(bootstrap, [(topic, key, value)])


def produce_all(bootstrap: str, messages: list[tuple[str, bytes, bytes]]) -> None:
    """(topic, key, value) signed as each topic's publisher and sent by one producer, all in
    flight at once, then awaited."""
    send_raw(
        bootstrap,
        [as_publisher(OutboundMessage(topic, key, value)) for topic, key, value in messages],
    )


def produce_raw(
    bootstrap: str, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
) -> None:
    """One message exactly as given: headers (signature or none) included."""
    send_raw(bootstrap, [OutboundMessage(topic, key, value, headers)])


def send_raw(bootstrap: str, messages: list[OutboundMessage]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    try:
        futures = [
            producer.send(m.topic, key=m.key, value=m.value, headers=m.headers) for m in messages
        ]
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()


def group_of(bootstrap: str, prefix: str, consumer: str) -> str:
    """The group a worker of `consumer` joins on this broker now (named per cluster)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return consumer_group(prefix, consumer, str(admin.describe_cluster()["cluster_id"]))
    finally:
        admin.close()


def consumed_everything(bootstrap: str, prefix: str, consumer: str, topics: list[str]) -> bool:
    """True when the group of `consumer` has committed the end offset of every partition of
    `topics`."""
    group = group_of(bootstrap, prefix, consumer)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    consumer_client = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(t, p)
            for t in topics
            for p in consumer_client.partitions_for_topic(t) or ()
        ]
        committed = admin.list_group_offsets({group: partitions})[group]
        end = consumer_client.end_offsets(partitions)
        return all(
            end[tp] == 0 or (tp in committed and committed[tp].offset >= end[tp])
            for tp in partitions
        )
    finally:
        consumer_client.close()
        admin.close()


def envelopes(records: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in records]
