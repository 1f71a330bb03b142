"""Hash chains on the real PostgreSQL: an altered, deleted or unchained record is the first
broken link of its chain, concurrent writers still make one unbroken chain, and neither the
session's time zone nor its bytea output changes a hash (backbone/chain.py)."""

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event
from psycopg import sql

from backbone.access_log import AccessLog
from backbone.actor import Actor
from backbone.chain import (
    GENESIS,
    ChainedTable,
    ChainReport,
    Column,
    install,
    verify,
    verify_scope,
    verify_service,
)
from backbone.database import advisory_lock, connect
from backbone.eventstore import BtxhApplication
from backbone.settings import BackboneSettings
from tests.support.infra import Infra

INSPECTOR = Actor(user_id="insp-1", role="inspector", admin_unit="19")


class Dossier(Aggregate):
    """A stand-in aggregate: one event per note."""

    @event("Opened")
    def __init__(self, *, note: str) -> None:
        self.notes = [note]

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes.append(text)


class StoreUnderTest(BtxhApplication):
    name = "chained"
    service = "chained"


@pytest.fixture
def url(infra: Infra) -> str:
    return infra.database_url


@pytest.fixture
def store(url: str) -> Iterator[StoreUnderTest]:
    app = StoreUnderTest(BackboneSettings(database_url=url, prefix=f"h{uuid.uuid4().hex[:8]}_"))
    yield app
    app.close()


@pytest.fixture
def access_log(url: str) -> AccessLog:
    return AccessLog(url, f"h{uuid.uuid4().hex[:8]}_log")


def checked(url: str, chained: ChainedTable) -> ChainReport:
    with connect(url, autocommit=True) as conn:
        return verify(conn, chained)


def execute(url: str, statement: sql.Composable, params: tuple[Any, ...] = ()) -> None:
    with connect(url, autocommit=True) as conn:
        conn.execute(statement, params)


def link_of(url: str, chained: ChainedTable, column: str, value: Any) -> int:
    with connect(url, autocommit=True) as conn:
        row = conn.execute(
            sql.SQL("SELECT link FROM {} WHERE {} = %s").format(
                chained.ident("_chain"), sql.Identifier(column)
            ),
            (value,),
        ).fetchone()
    assert row is not None
    return int(row["link"])


def three_dossiers(store: StoreUnderTest) -> list[int]:
    """Six events; their notification ids in order."""
    for n in range(3):
        dossier = Dossier(note=f"received {n}")
        dossier.note(f"supplemented {n}")
        store.save(dossier)
    return [n.id for n in store.notification_log.select(start=1, limit=10)]


def read_ids(url: str, log: AccessLog) -> list[int]:
    with connect(url, autocommit=True) as conn:
        rows = conn.execute(
            sql.SQL("SELECT id FROM {} ORDER BY id").format(log.chained.ident())
        ).fetchall()
    return [int(row["id"]) for row in rows]


def test_an_untouched_event_store_verifies_and_shows_its_head(
    store: StoreUnderTest, url: str
) -> None:
    three_dossiers(store)
    [chained] = store.event_chains()

    service = verify_service(url, "chained", [chained])

    assert (service.service, service.verified) == ("chained", True)
    [report] = service.chains
    assert report.verified, report
    assert (report.links_verified, report.head_link, report.first_broken) == (6, 6, None)
    assert report.head_hash is not None
    assert len(bytes.fromhex(report.head_hash)) == 32
    assert report.what == "stored events"
    assert report.table == f"{chained.schema}.chained_events"


def test_a_stored_event_whose_state_was_altered_is_the_first_broken_link(
    store: StoreUnderTest, url: str
) -> None:
    ids = three_dossiers(store)
    [chained] = store.event_chains()
    altered = ids[3]
    execute(
        url,
        sql.SQL("UPDATE {} SET state = state || '\\x20'::bytea WHERE notification_id = %s").format(
            chained.ident()
        ),
        (altered,),
    )

    report = checked(url, chained)

    assert not report.verified
    assert report.first_broken is not None
    link = link_of(url, chained, "notification_id", altered)
    assert report.first_broken.link == link
    assert report.first_broken.record == {"notification_id": altered}
    assert report.first_broken.reason.startswith("altered record")
    assert report.links_verified == link - 1


def test_a_deleted_stored_event_is_found_where_its_link_stands(
    store: StoreUnderTest, url: str
) -> None:
    ids = three_dossiers(store)
    [chained] = store.event_chains()
    execute(
        url,
        sql.SQL("DELETE FROM {} WHERE notification_id = %s").format(chained.ident()),
        (ids[1],),
    )

    report = checked(url, chained)

    assert report.first_broken is not None
    assert report.first_broken.link == link_of(url, chained, "notification_id", ids[1])
    assert report.first_broken.record == {"notification_id": ids[1]}
    assert report.first_broken.reason.startswith("deleted record")


def test_an_event_deleted_with_its_link_leaves_a_missing_link(
    store: StoreUnderTest, url: str
) -> None:
    ids = three_dossiers(store)
    [chained] = store.event_chains()
    link = link_of(url, chained, "notification_id", ids[2])
    for table in (chained.ident(), chained.ident("_chain")):
        execute(url, sql.SQL("DELETE FROM {} WHERE notification_id = %s").format(table), (ids[2],))

    report = checked(url, chained)

    assert report.first_broken is not None
    assert (report.first_broken.link, report.first_broken.record) == (link, None)
    assert report.first_broken.reason.startswith(f"link {link} is missing")


def test_an_altered_record_whose_link_was_recomputed_breaks_continuity_at_the_next_link(
    access_log: AccessLog, url: str
) -> None:
    for n in range(4):
        access_log.record(INSPECTOR, "dossier", f"GET /dossiers/{n}", [uuid.uuid4()])
    chained = access_log.chained
    second = read_ids(url, access_log)[1]
    execute(
        url,
        sql.SQL("UPDATE {} SET actor_id = 'someone-else' WHERE id = %s").format(chained.ident()),
        (second,),
    )
    # The forger recomputes the altered record's own link with the chain's formula.
    execute(
        url,
        sql.SQL(
            "UPDATE {chain} c SET hash = {hash} FROM {table} r WHERE r.id = c.id AND r.id = %s"
        ).format(
            chain=chained.ident("_chain"),
            hash=chained.hash_of(sql.SQL("c.prev")),
            table=chained.ident(),
        ),
        (second,),
    )

    report = checked(url, chained)

    assert report.first_broken is not None
    link = link_of(url, chained, "id", second)
    assert report.first_broken.link == link + 1
    assert report.first_broken.reason.startswith("broken continuity")


def test_an_altered_and_a_deleted_read_log_row_are_each_found(
    access_log: AccessLog, url: str
) -> None:
    for n in range(5):
        access_log.record(INSPECTOR, "case timeline", f"GET /cases/{n}/timeline", [uuid.uuid4()])
    chained = access_log.chained
    ids = read_ids(url, access_log)
    assert checked(url, chained).verified

    execute(
        url,
        sql.SQL("UPDATE {} SET read_at = read_at - interval '1 day' WHERE id = %s").format(
            chained.ident()
        ),
        (ids[3],),
    )
    altered = checked(url, chained).first_broken
    assert altered is not None
    assert (altered.link, altered.record) == (link_of(url, chained, "id", ids[3]), {"id": ids[3]})
    assert altered.reason.startswith("altered record")

    execute(url, sql.SQL("DELETE FROM {} WHERE id = %s").format(chained.ident()), (ids[1],))
    deleted = checked(url, chained).first_broken  # the earlier link is now the first broken
    assert deleted is not None
    assert (deleted.link, deleted.record) == (link_of(url, chained, "id", ids[1]), {"id": ids[1]})
    assert deleted.reason.startswith("deleted record")


def test_a_read_logged_while_the_trigger_was_disabled_has_no_link(
    access_log: AccessLog, url: str
) -> None:
    access_log.record(INSPECTOR, "register", "GET /register", [uuid.uuid4()])
    chained = access_log.chained
    execute(url, sql.SQL("ALTER TABLE {} DISABLE TRIGGER ALL").format(chained.ident()))
    access_log.record(INSPECTOR, "register", "GET /register?page=2", [uuid.uuid4()])

    unchained = checked(url, chained).first_broken
    assert unchained is not None
    assert (unchained.link, unchained.record) == (None, {"id": read_ids(url, access_log)[1]})
    assert unchained.reason.startswith("record with no link")

    execute(
        url,
        sql.SQL("DELETE FROM {} WHERE id = %s").format(chained.ident()),
        (read_ids(url, access_log)[1],),
    )
    disabled = checked(url, chained).first_broken
    assert disabled is not None
    assert "trigger" in disabled.reason
    assert "disabled" in disabled.reason


def test_reads_logged_at_once_by_many_requests_make_one_unbroken_chain(
    access_log: AccessLog, url: str
) -> None:
    threads, each = 8, 15
    failures: list[BaseException] = []

    def requests(worker: int) -> None:
        try:
            for n in range(each):
                access_log.record(INSPECTOR, "register", f"GET /register?w={worker}&n={n}", [])
        except BaseException as error:  # handed to the test's thread
            failures.append(error)

    workers = [threading.Thread(target=requests, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert failures == []

    report = checked(url, access_log.chained)
    assert report.verified, report
    assert report.links_verified == report.head_link == threads * each


def test_the_session_time_zone_and_bytea_output_do_not_change_a_hash(
    access_log: AccessLog, url: str
) -> None:
    access_log.record(INSPECTOR, "register", "GET /register", [uuid.uuid4()])  # the table
    chained = access_log.chained
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
        conn.execute("SET DateStyle = 'SQL, DMY'")
        conn.execute("SET bytea_output = 'escape'")
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (actor_id, actor_role, resource, request, case_ids)"
                " VALUES ('insp-2', 'inspector', 'register', 'GET /register', ARRAY[]::uuid[])"
            ).format(chained.ident())
        )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'America/Los_Angeles'")
        conn.execute("SET bytea_output = 'hex'")
        conn.row_factory = psycopg.rows.dict_row
        report = verify(conn, chained)
    assert report.verified, report
    assert report.links_verified == 2


def test_a_chain_installed_on_a_table_that_has_records_chains_them_first(url: str) -> None:
    schema = f"h{uuid.uuid4().hex[:8]}_old"
    chained = ChainedTable(
        schema=schema,
        table="note",
        what="notes",
        key=(Column("id", "bigint"),),
        content=("r.id", "r.case_id", "r.body"),
        scope=Column("case_id", "uuid"),
    )
    first, second = uuid.uuid4(), uuid.uuid4()
    execute(url, sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    execute(
        url,
        sql.SQL("CREATE TABLE {} (id bigserial PRIMARY KEY, case_id uuid, body text)").format(
            chained.ident()
        ),
    )
    for case_id in (first, second, first):
        execute(
            url,
            sql.SQL("INSERT INTO {} (case_id, body) VALUES (%s, 'before')").format(chained.ident()),
            (case_id,),
        )

    with advisory_lock(url, f"ddl:{schema}") as conn:
        install(conn, chained)
        install(conn, chained)  # idempotent
    execute(
        url,
        sql.SQL("INSERT INTO {} (case_id, body) VALUES (%s, 'after')").format(chained.ident()),
        (first,),
    )

    report = checked(url, chained)
    assert report.verified, report
    assert report.links_verified == 4
    with connect(url, autocommit=True) as conn:
        prev = conn.execute(
            sql.SQL("SELECT prev FROM {} WHERE link = 1").format(chained.ident("_chain"))
        ).fetchone()
        assert prev is not None
        assert bytes(prev["prev"]) == GENESIS
        case = verify_scope(conn, chained, first)
        assert case.verified
        assert case.intact == {(1,), (3,), (4,)}
        conn.execute(sql.SQL("UPDATE {} SET body = 'forged' WHERE id = 3").format(chained.ident()))
        case = verify_scope(conn, chained, first)
        other = verify_scope(conn, chained, second)
    assert not case.verified
    assert case.intact == {(1,), (4,)}
    assert case.first_broken is not None
    assert case.first_broken.link == 3
    assert other.verified  # its own links, and their neighbours' joins, still hold
