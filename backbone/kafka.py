"""Kafka plumbing on kafka-python: topic provisioning, broker identity, an ordered producer.

The embedded broker (Tansu) refuses InitProducerId, so the producer is not idempotent:
one request in flight keeps order per key and consumers de-duplicate by stream version.
"""

import logging
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import BrokerNotAvailableError, RetriableError, TopicAlreadyExistsError

log = logging.getLogger(__name__)

#: What kafka-python raises while the broker is away or starting again: wait, then try again.
BROKER_UNAVAILABLE: tuple[type[Exception], ...] = (RetriableError, BrokerNotAvailableError)


class BrokerOutage:
    """Waits out a broker that is away: back-off up to `longest` seconds, one log line when it
    goes and one when it is back (the client libraries' own connection errors are muted in
    backbone.service_main.configure_logging), never a crash loop of tracebacks."""

    def __init__(self, bootstrap: str, who: str, *, longest: float = 10.0) -> None:
        self.bootstrap = bootstrap
        self.who = who
        self.longest = longest
        self.since: float | None = None
        self._delay = 0.5

    def wait(self, error: BaseException, stop: threading.Event | None = None) -> None:
        """The broker did not answer: note it (once) and wait before the next try."""
        self.note(error)
        if stop is not None:
            stop.wait(self._delay)
        else:
            time.sleep(self._delay)
        self._delay = min(self._delay * 2, self.longest)

    def note(self, error: BaseException) -> None:
        """The broker did not answer: log it when it is the first time since it was there."""
        if self.since is None:
            self.since = time.monotonic()
            log.warning(
                "%s: broker %s unreachable (%s: %s); waiting for it, retrying with back-off",
                self.who,
                self.bootstrap,
                type(error).__name__,
                error,
            )
        else:
            log.debug("%s: broker still unreachable: %s", self.who, error)

    def over(self) -> None:
        """The broker answered: say so if it had been away."""
        if self.since is not None:
            log.warning(
                "%s: broker %s reachable again after %.0f s",
                self.who,
                self.bootstrap,
                time.monotonic() - self.since,
            )
        self.since = None
        self._delay = 0.5


def broker_listening(bootstrap: str, timeout: float = 1.0) -> bool:
    """Whether any bootstrap server accepts a TCP connection (a cheap probe before a client)."""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host or "localhost", int(port)), timeout=timeout):
                return True
        except OSError:
            continue
    return False


def wait_for_broker(
    bootstrap: str,
    who: str,
    stop: threading.Event | None = None,
    outage: BrokerOutage | None = None,
) -> bool:
    """Wait, with back-off, until the broker answers (its cluster id): True; False if stopped."""
    outage = outage or BrokerOutage(bootstrap, who)
    while stop is None or not stop.is_set():
        try:
            if not broker_listening(bootstrap):
                raise BrokerNotAvailableError(f"nothing listens at {bootstrap}")
            admin = KafkaAdmin(bootstrap)
            try:
                admin.cluster_id()
            finally:
                admin.close()
        except BROKER_UNAVAILABLE as error:
            outage.wait(error, stop)
            continue
        outage.over()
        return True
    return False


def consumer_group(prefix: str, consumer: str, cluster_id: str) -> str:
    """The consumer group of `consumer` on the broker cluster `cluster_id`.

    Named per cluster: offsets committed on one broker mean nothing on another. The embedded
    broker comes back from a crash empty, with a new id, and the relays republish the log from
    the start; a group that kept its name resumed at the old log's offsets (committed by a
    worker that had not yet seen the change) and skipped the republished events below them.
    A new cluster, a new group: it reads from the start, and the consumers drop what they
    already applied (by stream version)."""
    return f"{prefix}btxh.{consumer}.{cluster_id}"


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
