"""Rebuild a projection from offset zero beside the live one, show its progress, switch over.

The worker runs the rebuild (`ProjectionRunner`): it polls the projection catalog and feeds
every live or rebuilding projection that its FastStream subscriber does not serve with an
aiokafka group consumer of its own (FastStream cannot add a subscriber to a running broker).
Each consumer applies messages through the same TrackedConsumer handling as the subscriber and
commits offsets after their effect, so a restarted worker resumes from its committed offsets.
After a switch-over the consumer that rebuilt a projection keeps it up to date; on the next
start the worker's subscriber serves it. The API and the worker measure progress alike.
"""

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import anyio
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import CommitFailedError, IllegalStateError
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from backbone.tracked_consumer import TRANSIENT_ERRORS, InboundRecord, Outcome, TrackedConsumer
from services.reporting.projections.catalog import (
    Projection,
    ProjectionCatalog,
    ProjectionConflict,
    Status,
    consumer_of,
)
from services.reporting.settings import ReportingSettings

log = logging.getLogger(__name__)


class ProjectionConsumer(TrackedConsumer):
    """A projection's TrackedConsumer that stops applying once its projection is retired or
    dropped: messages are then acknowledged without effect (the projection stays as it stood)."""

    def __init__(self, *, updating: Callable[[], bool], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.updating = updating

    def process(self, record: InboundRecord) -> Outcome:
        if not self.updating():
            return Outcome.IGNORED
        return super().process(record)


@dataclass(frozen=True)
class PartitionProgress:
    topic: str
    partition: int
    beginning: int  # the partition's first offset still on the broker
    consumed: int  # the group's committed offset (the beginning when it committed none)
    end: int  # the partition's end offset when read

    @property
    def caught_up(self) -> bool:
        return self.consumed >= self.end


@dataclass(frozen=True)
class Progress:
    """How far a projection got. Caught up needs three independent signs, because the embedded
    broker under-reports a partition's end offset after a republish (consumed 2,132 against an
    end of 2,130 was seen): offsets at the end, no record fetched past them, and every stream
    version the live projection applied applied here too."""

    partitions: list[PartitionProgress]
    missing_topics: list[str]  # subscribed topics the broker does not list: nothing to compare
    events_applied: int
    parked_only_here: list[str]  # cases parked in this projection and not in the live one
    #: Partitions where a fetch from the committed offset still returned records (read only
    #: once every partition looks consumed up to its reported end).
    unread: list[str] = field(default_factory=list)
    #: Streams the live projection applied further than this one: how many, and a few.
    streams_behind_live: int = 0
    streams_behind_sample: list[str] = field(default_factory=list)
    #: Whether the two checks past the offsets ran (they run only when the offsets look done).
    verified: bool = False

    @property
    def offsets_at_end(self) -> bool:
        return not self.missing_topics and all(p.caught_up for p in self.partitions)

    @property
    def caught_up(self) -> bool:
        return (
            self.offsets_at_end
            and not self.parked_only_here
            and self.verified
            and not self.unread
            and self.streams_behind_live == 0
        )

    @property
    def percent(self) -> float:
        """Rounded down: 100.0 only when every partition is consumed."""
        total = sum(max(0, p.end - p.beginning) for p in self.partitions)
        done = sum(max(0, min(p.consumed, p.end) - p.beginning) for p in self.partitions)
        return 100.0 if total == 0 else math.floor(1000 * done / total) / 10

    @property
    def offsets(self) -> tuple[int, int]:
        """Offsets consumed and to consume, summed over the partitions (about the messages:
        a broker may leave gaps between offsets)."""
        consumed = sum(min(p.consumed, p.end) for p in self.partitions)
        return consumed, sum(p.end for p in self.partitions)


class NotCaughtUp(ProjectionConflict):
    def __init__(self, projection: Projection, progress: Progress) -> None:
        name = projection.name
        behind = [f"{p.topic}[{p.partition}] {p.consumed}/{p.end}" for p in progress.partitions]
        lagging = [b for b, p in zip(behind, progress.partitions, strict=True) if not p.caught_up]
        reasons = []
        if progress.missing_topics:
            reasons.append("topics not on the broker: " + ", ".join(progress.missing_topics))
        if lagging:
            reasons.append("consumed offsets behind the end: " + ", ".join(lagging))
        if progress.parked_only_here:
            reasons.append(
                "cases parked here and not in the live projection: "
                + ", ".join(progress.parked_only_here)
            )
        if progress.unread:
            reasons.append(
                "records past the reported end offsets not yet applied: "
                + ", ".join(progress.unread)
            )
        if progress.streams_behind_live:
            reasons.append(
                f"{progress.streams_behind_live} stream(s) applied further in the live "
                "projection, e.g. " + ", ".join(progress.streams_behind_sample)
            )
        super().__init__(
            f"projection {name!r} has not caught up ({progress.percent}%): "
            + "; ".join(reasons)
            + ". Wait and retry, or rebuild with switch_when_caught_up"
        )
        self.progress = progress
        self.started_at = projection.started_at


class KafkaOffsets:
    """Committed and end offsets of a group, read without joining it (kafka-python, one
    request at a time: its clients are not thread-safe)."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self._lock = threading.Lock()
        self._admin: KafkaAdminClient | None = None
        self._consumer: KafkaConsumer | None = None

    def read(self, group: str, topics: Sequence[str]) -> tuple[list[PartitionProgress], list[str]]:
        """Every partition of `topics` with the group's progress, and the topics not found."""
        with self._lock:
            try:
                return self._read(group, topics)
            except Exception:
                self._close()  # reconnect on the next call
                raise

    def cluster_id(self) -> str:
        with self._lock:
            try:
                admin, _ = self._clients()
                return str(admin.describe_cluster()["cluster_id"])
            except Exception:
                self._close()
                raise

    def _clients(self) -> tuple[KafkaAdminClient, KafkaConsumer]:
        if self._admin is None or self._consumer is None:
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap, request_timeout_ms=10_000
            )
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap, enable_auto_commit=False
            )
        return self._admin, self._consumer

    def _read(self, group: str, topics: Sequence[str]) -> tuple[list[PartitionProgress], list[str]]:
        admin, consumer = self._clients()
        found = {t: sorted(consumer.partitions_for_topic(t) or ()) for t in topics}
        missing = [t for t, numbers in found.items() if not numbers]
        partitions = [TopicPartition(t, p) for t, numbers in found.items() for p in numbers]
        if not partitions:
            return [], missing
        end = consumer.end_offsets(partitions)
        first = consumer.beginning_offsets(partitions)
        committed = admin.list_group_offsets({group: partitions}).get(group, {})
        progress = []
        for tp in partitions:
            mark = committed.get(tp)
            offset = mark.offset if mark is not None and mark.offset >= 0 else first[tp]
            progress.append(PartitionProgress(tp.topic, tp.partition, first[tp], offset, end[tp]))
        return progress, missing

    def unread(self, partitions: Sequence[PartitionProgress], wait: float = 5.0) -> list[str]:
        """Partitions that still hold a record at or after the consumed offset, found by fetching
        from there (not by the reported end offset, which the embedded broker under-reports).

        A partition counts as read only when the broker answered a fetch for it; one that did
        not answer within `wait` seconds counts as unread (never guess "caught up")."""
        with self._lock:
            consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                enable_auto_commit=False,
                fetch_max_wait_ms=200,
            )
            try:
                return _unread(consumer, partitions, wait)
            finally:
                consumer.close()

    def _close(self) -> None:
        for client in (self._admin, self._consumer):
            if client is not None:
                try:
                    client.close()
                except Exception as error:  # closing a broken client: nothing more to do
                    log.debug("closing a kafka client: %s", error)
        self._admin = self._consumer = None


def _unread(
    consumer: KafkaConsumer, partitions: Sequence[PartitionProgress], wait: float
) -> list[str]:
    by_tp = {TopicPartition(p.topic, p.partition): p for p in partitions}
    consumer.assign(list(by_tp))
    for tp, progress in by_tp.items():
        consumer.seek(tp, progress.consumed)
    unread: set[TopicPartition] = set()
    answered: set[TopicPartition] = set()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and len(answered | unread) < len(by_tp):
        for tp, records in consumer.poll(timeout_ms=200).items():
            if any(r.offset >= by_tp[tp].consumed for r in records):
                unread.add(tp)
        # A fetch answer for a partition sets its high watermark, records or not.
        answered |= {tp for tp in by_tp if consumer.highwater(tp) is not None}
    unread |= set(by_tp) - answered - unread
    return sorted(f"{tp.topic}[{tp.partition}]@{by_tp[tp].consumed}" for tp in unread)


class Rebuilds:
    """The operator's use cases: list with progress, request a rebuild, switch over, drop."""

    def __init__(
        self, settings: ReportingSettings, catalog: ProjectionCatalog, topics: Sequence[str]
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.topics = [settings.topic(t) for t in topics]
        self.offsets = KafkaOffsets(settings.kafka_bootstrap)

    def group_of(self, name: str) -> str:
        """The consumer group of projection `name` on the broker as it is now."""
        return self.settings.group_id(consumer_of(name), self.offsets.cluster_id())

    def progress(self, name: str) -> Progress:
        """How far a projection's consumer group got; caught up when it has consumed every
        partition of every subscribed topic up to the end offsets read now, and holds no case
        parked that the live projection has not parked too."""
        partitions, missing = self.offsets.read(self.group_of(name), self.topics)
        live = self.catalog.active()
        parked_here = self.catalog.parked_cases(name)
        parked_live = self.catalog.parked_cases(live) if live != name else parked_here
        progress = Progress(
            partitions=partitions,
            missing_topics=missing,
            events_applied=self.catalog.events_applied(name),
            parked_only_here=sorted(parked_here - parked_live),
        )
        if not progress.offsets_at_end or progress.parked_only_here:
            return progress  # behind by the offsets already: no need to look further
        behind, sample = (0, []) if live == name else self.catalog.streams_behind(name, live)
        return replace(
            progress,
            unread=self.offsets.unread(partitions),
            streams_behind_live=behind,
            streams_behind_sample=sample,
            verified=True,
        )

    def request(self, *, by: str, switch_when_caught_up: bool) -> Projection:
        projection = self.catalog.request_rebuild(
            by=by, switch_when_caught_up=switch_when_caught_up
        )
        log.info("projection %s: rebuild requested by %s", projection.name, by)
        return projection

    def activate(self, name: str, *, by: str) -> tuple[Projection, str | None]:
        """Switch the API over to `name` if it has caught up; the live one is retired."""
        projection = self.catalog.get(name)
        if projection.status is Status.REBUILDING:
            progress = self.progress(name)
            if not progress.caught_up:
                raise NotCaughtUp(projection, progress)
        activated, retired = self.catalog.activate(name, by=by)
        if retired is not None:
            log.info("projection %s is live (by %s); %s retired", name, by, retired)
        return activated, retired

    def drop(self, name: str, *, by: str) -> Projection:
        dropped = self.catalog.drop(name, by=by)
        log.info("projection %s dropped by %s", name, by)
        return dropped


OpenConsumer = Callable[[str, Callable[[], bool]], TrackedConsumer]


class ProjectionRunner:
    """In the worker: keeps every live or rebuilding projection that the FastStream subscriber
    (serving `served`) does not feed up to date, logs rebuild progress, switches over when asked."""

    def __init__(
        self,
        rebuilds: Rebuilds,
        *,
        served: str,
        open_consumer: OpenConsumer,
        poll_seconds: float,
        log_every: float = 10.0,
        batch_size: int = 50,  # offsets are committed per batch: a crash redoes at most this
    ) -> None:
        self.rebuilds = rebuilds
        self.catalog = rebuilds.catalog
        self.settings = rebuilds.settings
        self.served = served
        self.open_consumer = open_consumer
        self.poll_seconds = poll_seconds
        self.log_every = log_every
        self.batch_size = batch_size
        self._consumers: dict[str, asyncio.Task[None]] = {}
        self._logged: dict[str, float] = {}
        self._caught_up: dict[str, bool] = {}
        self._main: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._main = asyncio.create_task(self._run())

    async def stop(self) -> None:
        tasks = [t for t in (self._main, *self._consumers.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self._reconcile()
            except TRANSIENT_ERRORS as error:  # the database is away: the next poll tries again
                log.warning("projection catalog poll failed: %s", error)
            except Exception:  # e.g. the broker is away
                log.exception("projection catalog poll failed")
            await asyncio.sleep(self.poll_seconds)

    async def _reconcile(self) -> None:
        projections = await anyio.to_thread.run_sync(self.catalog.all)
        wanted = {
            p.name
            for p in projections
            if p.status in (Status.LIVE, Status.REBUILDING) and p.name != self.served
        }
        for name, task in list(self._consumers.items()):
            if task.done():
                del self._consumers[name]
                if not task.cancelled() and task.exception() is not None:
                    log.error("projection %s: consumer stopped: %r", name, task.exception())
            elif name not in wanted:  # retired or dropped meanwhile
                task.cancel()
                del self._consumers[name]
                log.info("projection %s: no longer updated", name)
        for name in sorted(wanted - set(self._consumers)):
            self._consumers[name] = asyncio.create_task(self._consume(name))
        for projection in projections:
            if projection.status is Status.REBUILDING:
                await self._watch(projection)

    async def _watch(self, projection: Projection) -> None:
        """Log progress now and then; switch over when caught up, if the request asked."""
        name = projection.name
        progress = await anyio.to_thread.run_sync(self.rebuilds.progress, name)
        consumed, total = progress.offsets
        due = time.monotonic() - self._logged.get(name, 0.0) >= self.log_every
        if due or progress.caught_up != self._caught_up.get(name, False):
            self._logged[name] = time.monotonic()
            self._caught_up[name] = progress.caught_up
            log.info(
                "projection %s rebuilding: offsets %d/%d (%.1f%%), %d events applied%s%s",
                name,
                consumed,
                total,
                progress.percent,
                progress.events_applied,
                ", caught up" if progress.caught_up else "",
                f"; parked here, not in the live one: {', '.join(progress.parked_only_here)}"
                " (re-drive them in this projection)"
                if progress.parked_only_here
                else "",
            )
        if projection.switch_when_caught_up and progress.caught_up:
            await anyio.to_thread.run_sync(
                lambda: self.rebuilds.activate(name, by="worker:switch_when_caught_up")
            )

    async def _consume(self, name: str) -> None:
        """Feed projection `name` from its group's committed offsets (zero for a new one)."""
        consumer = await anyio.to_thread.run_sync(
            self.open_consumer, name, self.catalog.updating(name, every=1.0)
        )
        try:
            if (await anyio.to_thread.run_sync(self.catalog.get, name)).status is Status.DROPPED:
                # Dropped while its tables were being created: do not leave them behind.
                await anyio.to_thread.run_sync(self.catalog.drop_orphan, name)
                return
            await anyio.to_thread.run_sync(self.catalog.mark_started, name)
            group = await anyio.to_thread.run_sync(self.rebuilds.group_of, name)
            kafka = AIOKafkaConsumer(
                *self.rebuilds.topics,
                bootstrap_servers=self.settings.kafka_bootstrap,
                group_id=group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
            await kafka.start()
            log.info("projection %s: consuming as group %s", name, group)
            try:
                await self._feed(name, kafka, consumer)
            finally:
                await kafka.stop()
        finally:
            if consumer.producer is not None:
                consumer.producer.close()

    async def _feed(self, name: str, kafka: AIOKafkaConsumer, consumer: TrackedConsumer) -> None:
        failures = 0
        while True:
            batches = await kafka.getmany(timeout_ms=1000, max_records=self.batch_size)
            for tp, records in batches.items():
                applied, failed = await anyio.to_thread.run_sync(_apply, name, consumer, records)
                if applied is not None:
                    try:
                        await kafka.commit({tp: applied})
                    except (CommitFailedError, IllegalStateError) as error:
                        # Partition reassigned meanwhile: its next owner re-applies, harmlessly.
                        log.warning("projection %s: commit of %s failed: %s", name, tp, error)
                if failed is not None:
                    kafka.seek(tp, failed)  # redelivered: never skipped
                    failures += 1
                    await asyncio.sleep(min(30.0, 0.5 * 2**failures))
                else:
                    failures = 0


def _apply(
    name: str, consumer: TrackedConsumer, records: list[ConsumerRecord[bytes, bytes]]
) -> tuple[int | None, int | None]:
    """Apply records of one partition in order; return the offset to commit (after the last
    applied) and the offset of a record that failed (to seek back to), each if any."""
    applied: int | None = None
    for record in records:
        try:
            consumer.process(
                InboundRecord(
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                    key=record.key,
                    value=record.value or b"",
                    headers=tuple(record.headers),
                )
            )
        except Exception:
            log.exception(
                "projection %s: %s[%d]@%d failed; retrying",
                name,
                record.topic,
                record.partition,
                record.offset,
            )
            return applied, record.offset
        applied = record.offset + 1
    return applied, None
