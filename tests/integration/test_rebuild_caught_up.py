"""A rebuild is caught up only when nothing unapplied can remain, whatever end offset the broker
reports: the embedded broker under-reports it after a republish (consumed 2,132 against an end
of 2,130 was seen), so the offsets alone could switch the API to an incomplete projection."""

import uuid

from psycopg import sql

from backbone.database import connect
from services.reporting.projections.catalog import ProjectionCatalog
from services.reporting.rebuild import KafkaOffsets, PartitionProgress, Progress
from tests.support import kafka
from tests.support.infra import Infra


def at_the_reported_end(topic: str, consumed: int) -> PartitionProgress:
    """A partition whose reported end equals what was consumed: "caught up" by offsets."""
    return PartitionProgress(topic, 0, beginning=0, consumed=consumed, end=consumed)


def test_records_past_an_under_reported_end_offset_are_found_by_fetching(infra: Infra) -> None:
    topic = f"caught-up-{uuid.uuid4().hex[:8]}"
    kafka.produce_all(infra.kafka_bootstrap, [(topic, b"k", b"%d" % n) for n in range(4)])
    offsets = KafkaOffsets(infra.kafka_bootstrap)

    assert offsets.unread([at_the_reported_end(topic, 2)]) == [f"{topic}[0]@2"]
    assert offsets.unread([at_the_reported_end(topic, 4)]) == []


def test_a_rebuild_is_not_caught_up_while_the_live_projection_applied_a_stream_further(
    infra: Infra,
) -> None:
    prefix = f"c{uuid.uuid4().hex[:8]}_"
    catalog = ProjectionCatalog(
        infra.database_url, prefix=prefix, service="reporting", first="reporting"
    )
    live, rebuild = "reporting", "reporting_p2"
    with connect(infra.database_url, autocommit=True) as conn:
        for name, rows in ((live, [("a", 3), ("b", 2), ("c", 1)]), (rebuild, [("a", 3), ("b", 1)])):
            schema = sql.Identifier(catalog.schema_of(name))
            tracking = sql.Identifier(catalog.schema_of(name), "tracking")
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (stream text PRIMARY KEY, version bigint NOT NULL)"
                ).format(tracking)
            )
            for stream, version in rows:
                conn.execute(
                    sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(tracking), (stream, version)
                )

    assert catalog.streams_behind(rebuild, live) == (2, ["b v1/2", "c v0/1"])
    assert catalog.streams_behind(live, rebuild) == (0, [])


def test_caught_up_needs_the_offsets_no_unread_record_and_nothing_behind_the_live_one() -> None:
    at_end = [at_the_reported_end("t", 5)]
    offsets_only = Progress(
        partitions=at_end, missing_topics=[], events_applied=5, parked_only_here=[]
    )
    assert offsets_only.offsets_at_end
    assert not offsets_only.caught_up  # not verified past the offsets yet

    verified = Progress(at_end, [], 5, [], verified=True)
    assert verified.caught_up
    assert not Progress(at_end, [], 5, [], unread=["t[0]@5"], verified=True).caught_up
    assert not Progress(
        at_end, [], 5, [], streams_behind_live=1, streams_behind_sample=["s v1/2"], verified=True
    ).caught_up
