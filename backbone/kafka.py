"""Kafka plumbing on kafka-python: topic provisioning, broker identity, an ordered producer.

The embedded broker (Tansu) refuses InitProducerId, so the producer is not idempotent:
one request in flight keeps order per key and consumers de-duplicate by stream version.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrokerIdentity:
    """What says "this is still the log we published to": cluster id and topic id."""

    cluster_id: str
    topic_id: str


@dataclass(frozen=True)
class OutboundMessage:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class KafkaAdmin:
    """Topic creation and identity look-ups."""

    def __init__(self, bootstrap: str) -> None:
        self._client = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)

    def close(self) -> None:
        self._client.close()

    def cluster_id(self) -> str:
        return str(self._client.describe_cluster()["cluster_id"])

    def ensure_topics(self, names: Iterable[str], partitions: int) -> None:
        existing = set(self._client.list_topics())
        missing = [name for name in names if name not in existing]
        if not missing:
            return
        try:
            self._client.create_topics(
                [
                    NewTopic(name, num_partitions=partitions, replication_factor=1)
                    for name in missing
                ]
            )
            log.info("created topics %s", ", ".join(missing))
        except TopicAlreadyExistsError:
            pass  # another process created it first

    def identity(self, topic: str, partitions: int) -> BrokerIdentity:
        """The broker's identity for `topic`, creating the topic if the broker lost it."""
        self.ensure_topics([topic], partitions)
        described = self._client.describe_topics([topic])
        return BrokerIdentity(cluster_id=self.cluster_id(), topic_id=str(described[0]["topic_id"]))


class OrderedProducer:
    """acks=all, one request in flight: messages of a key land in the order sent, or raise."""

    def __init__(self, bootstrap: str) -> None:
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            acks="all",
            enable_idempotence=False,
            max_in_flight_requests_per_connection=1,
            retries=5,
            linger_ms=2,
            request_timeout_ms=10_000,
        )

    def send_all(self, messages: Sequence[OutboundMessage], timeout: float = 30.0) -> None:
        """Send and wait until the broker acknowledged every message; raise if any failed."""
        futures = [
            self._producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
            for m in messages
        ]
        self._producer.flush(timeout=timeout)
        for future in futures:
            future.get(timeout=timeout)

    def close(self) -> None:
        self._producer.close(timeout=5)
