"""Hash chains over append-only tables: each record commits to the one before, so an altered
or deleted record is found (tamper evidence).

A chained table `<t>` gets a side table `<t>_chain (link, <key of t>, prev, hash)` and a trigger:
each record inserted into `<t>` appends link n+1 with `prev` = the hash of link n (32 zero bytes
before link 1) and `hash` = sha256(prev || canonical bytes of the record). Verification walks
the links in order on the server and reports the first broken one: a link missing, a link that
does not continue the one before (`prev` is not its hash), a record deleted, a record altered;
then a record with no link, and a trigger dropped or disabled.

How the chain is kept in order. Links are appended in commit order: the trigger is a deferred
constraint trigger (it runs at COMMIT, so the lock below is held only while committing) and
takes a transaction advisory lock per table before it reads the head. Ids from a sequence can
commit out of order; links cannot. (The event tables are serialised already: eventsourcing
locks them in EXCLUSIVE mode in every insert transaction; the lock adds nothing there.) A
writer must run READ COMMITTED (ours all do): one in REPEATABLE READ would read a stale head and
fail its commit on the link's primary key, never fork the chain.

Canonical bytes. A record is hashed as the UTF-8 text of a jsonb array of its chained columns,
computed in SQL by one expression per table (`ChainedTable.content`), used by the trigger and by
verification alike, so both agree whatever the session settings: instants are written in UTC
explicitly (the text of a timestamptz follows the session's TimeZone), byte strings as the hex
of their sha256 (the text of a bytea follows `bytea_output`). Verification recomputes hashes
with the expression held here, not with the database's functions: a function replaced in the
database cannot make an altered record pass.

What the chain does not prove. Whoever can write the tables can also delete the newest records
together with their links, or rewrite the whole chain after an alteration: nothing inside the
database can show that. The verification answer gives the head (link number and hash) so that
an operator can record it outside (a signed report, another system); a later answer whose chain
no longer holds that hash at that link shows the history was rewritten. A chain installed on a
table that already had records takes those records as they stand (its genesis).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from pydantic import BaseModel, Field

from backbone.database import advisory_key, connection

log = logging.getLogger(__name__)

#: `prev` of the first link.
GENESIS = bytes(32)
_GENESIS_SQL = sql.SQL("decode(repeat('00', 32), 'hex')")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as in the chained table (the chain's copy has the same type)


@dataclass(frozen=True)
class ChainedTable:
    """A table whose records are chained, and how each record is hashed.

    `content` are SQL expressions over the record `r`, one element each of the array that is
    hashed; they include the key, so a link commits to which record it is. `scope` is a column
    copied into the chain (indexed) so that the records of one scope (a case) are verified
    without walking the whole chain.
    """

    schema: str
    table: str
    what: str  # what the records are, for the reader of a report
    key: tuple[Column, ...]
    content: tuple[str, ...]
    scope: Column | None = None

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def chain_table(self) -> str:
        return f"{self.table}_chain"

    def ident(self, suffix: str = "") -> sql.Identifier:
        """The chained table (no suffix) or one of its chain's objects (`_chain`, ...)."""
        return sql.Identifier(self.schema, f"{self.table}{suffix}")

    @property
    def lock_key(self) -> int:
        return advisory_key(f"chain:{self.name}")

    def hash_of(self, prev: sql.Composable) -> sql.Composed:
        """The SQL of a link's hash: sha256(prev || canonical bytes of the record `r`)."""
        fields = sql.SQL(", ").join(sql.SQL(expression) for expression in self.content)
        return sql.SQL(
            "sha256({prev} || convert_to(jsonb_build_array({fields})::text, 'UTF8'))"
        ).format(prev=prev, fields=fields)

    def key_columns(self, alias: str) -> sql.Composed:
        return sql.SQL(", ").join(sql.Identifier(alias, c.name) for c in self.key)

    def same_record(self, left: str, right: str) -> sql.Composed:
        return sql.SQL(" AND ").join(
            sql.SQL("{} = {}").format(sql.Identifier(left, c.name), sql.Identifier(right, c.name))
            for c in self.key
        )


# ---- installing ----------------------------------------------------------------------------


def install(conn: psycopg.Connection[Any], chained: ChainedTable) -> None:
    """Chain `chained` from now on; idempotent. The caller holds the schema's DDL lock
    (`advisory_lock(url, f"ddl:{schema}")`), as for every DDL of the schema.

    When the chain table is new, the records already in the table are chained first, in key
    order, with inserts held off meanwhile (a one-time cost when an existing deployment is
    upgraded). When the chain table exists but the trigger does not (someone dropped it), only
    the trigger is re-created: records inserted without it stay unchained, and verification
    names the first of them."""
    if _trigger_state(conn, chained) is not None:
        return
    table, chain = chained.ident(), chained.ident("_chain")
    trigger_function = chained.ident("_chain_append")
    key_definitions = [
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.type)) for c in chained.key
    ]
    scope = chained.scope
    with conn.transaction():
        # No insert between the chaining of the existing records and the trigger.
        conn.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(table))
        new = not _exists(conn, chained.schema, chained.chain_table)
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {chain} (link bigint PRIMARY KEY, {keys}, {scope}"
                " prev bytea NOT NULL, hash bytea NOT NULL, UNIQUE ({key_names}))"
            ).format(
                chain=chain,
                keys=sql.SQL(", ").join(key_definitions),
                scope=(
                    sql.SQL("{} {},").format(sql.Identifier(scope.name), sql.SQL(scope.type))
                    if scope
                    else sql.SQL("")
                ),
                key_names=sql.SQL(", ").join(sql.Identifier(c.name) for c in chained.key),
            )
        )
        if scope:
            conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                    sql.Identifier(f"{chained.chain_table}_{scope.name}"),
                    chain,
                    sql.Identifier(scope.name),
                )
            )
        # The record is a plain `record` variable, never a parameter of the table's row type:
        # such a function would depend on the table and stop a DROP TABLE (a projection drop).
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS"
                " $chain$ DECLARE r record; head_link bigint; head_hash bytea;"
                " BEGIN r := NEW; {append} RETURN NULL; END $chain$"
            ).format(function=trigger_function, append=_append(chained))
        )
        chained_now = _chain_existing(conn, chained) if new else 0
        # Deferred: the link is appended at COMMIT, so the per-table lock is held that long only.
        conn.execute(
            sql.SQL(
                "CREATE CONSTRAINT TRIGGER {name} AFTER INSERT ON {table}"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}()"
            ).format(
                name=sql.Identifier(chained.chain_table),
                table=table,
                function=trigger_function,
            )
        )
    if chained_now:
        log.warning(
            "hash chain of %s started over its %s existing records, taken as they stand",
            chained.name,
            chained_now,
        )


def _append(chained: ChainedTable) -> sql.Composed:
    """PL/pgSQL statements appending the link of the record `r` (variables head_link and
    head_hash declared): under the table's chain lock, link n+1 after the head."""
    chain = chained.ident("_chain")
    columns = [*chained.key, *([chained.scope] if chained.scope else [])]
    return sql.SQL(
        " PERFORM pg_advisory_xact_lock({lock});"
        " SELECT link, hash INTO head_link, head_hash FROM {chain} ORDER BY link DESC LIMIT 1;"
        " head_link := coalesce(head_link, 0);"
        " head_hash := coalesce(head_hash, {genesis});"
        " INSERT INTO {chain} (link, {names}, prev, hash)"
        "  VALUES (head_link + 1, {values}, head_hash, {hash});"
    ).format(
        lock=sql.Literal(chained.lock_key),
        chain=chain,
        genesis=_GENESIS_SQL,
        names=sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
        values=sql.SQL(", ").join(sql.Identifier("r", c.name) for c in columns),
        hash=chained.hash_of(sql.SQL("head_hash")),
    )


def _chain_existing(conn: psycopg.Connection[Any], chained: ChainedTable) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) AS n FROM {}").format(chained.ident())).fetchone()
    count = int(row["n"]) if row else 0
    if count:
        conn.execute(
            sql.SQL(
                "DO $chain$ DECLARE r record; head_link bigint; head_hash bytea; BEGIN"
                " FOR r IN SELECT * FROM {table} ORDER BY {keys} LOOP {append} END LOOP;"
                " END $chain$"
            ).format(
                table=chained.ident(),
                keys=sql.SQL(", ").join(sql.Identifier(c.name) for c in chained.key),
                append=_append(chained),
            )
        )
    return count


def _exists(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    row = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL AS found",
        (sql.Identifier(schema, table).as_string(conn),),
    ).fetchone()
    return bool(row and row["found"])


def _trigger_state(conn: psycopg.Connection[Any], chained: ChainedTable) -> str | None:
    """pg_trigger.tgenabled of the chain's trigger ('D': disabled), None when it is absent."""
    row = conn.execute(
        "SELECT t.tgenabled AS state FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s AND t.tgname = %s",
        (chained.schema, chained.table, chained.chain_table),
    ).fetchone()
    return None if row is None else str(row["state"])


# ---- verifying -----------------------------------------------------------------------------


class BrokenLink(BaseModel):
    """Where a chain first fails, and what is wrong there in plain words."""

    link: int | None = Field(description="The link's number; null for a record with no link")
    record: dict[str, Any] | None = Field(
        description="The key of the record the link is for (null: unknown, the link is gone)"
    )
    reason: str


class ChainReport(BaseModel):
    what: str = Field(description="What the chained records are")
    table: str = Field(description="The chained table (schema.table)")
    verified: bool
    links_verified: int = Field(description="Links found intact, from link 1 on")
    head_link: int | None = Field(description="The newest link's number (null: no link yet)")
    head_hash: str | None = Field(
        description="The newest link's hash (hex): record it outside, with head_link, to show "
        "later that the newest records were not deleted with their links"
    )
    first_broken: BrokenLink | None


class IntegrityReport(BaseModel):
    """Every chain of one service, verified now."""

    service: str
    verified: bool = Field(description="Every chain verified")
    checked_at: datetime
    chains: list[ChainReport]


_PROBLEM = sql.SQL(
    "CASE WHEN w.link <> coalesce(w.before_link, 0) + 1 THEN 'missing'"
    " WHEN w.prev <> coalesce(w.before_hash, {genesis}) THEN 'continuity'"
    " WHEN {present} IS NULL THEN 'deleted'"
    " WHEN {recomputed} <> w.hash THEN 'altered' END"
)


def verify(conn: psycopg.Connection[Any], chained: ChainedTable) -> ChainReport:
    """Walk the whole chain on the server (one pass in link order, nothing held in memory
    here) and report the first broken link; then any record with no link, and the trigger."""
    if not _exists(conn, chained.schema, chained.table):
        return _report(chained, 0, None, None)  # nothing recorded yet
    if not _exists(conn, chained.schema, chained.chain_table):
        row = conn.execute(
            sql.SQL("SELECT {} FROM {} r LIMIT 1").format(chained.key_columns("r"), chained.ident())
        ).fetchone()
        if row is None:
            return _report(chained, 0, None, None)
        return _report(
            chained,
            0,
            None,
            BrokenLink(
                link=None,
                record=dict(row),
                reason=f"the table holds records but has no chain ({chained.chain_table} is "
                "missing): it was dropped, or no process of the service has started since "
                "the upgrade that brought chains",
            ),
        )
    head = conn.execute(
        sql.SQL("SELECT link, hash FROM {} ORDER BY link DESC LIMIT 1").format(
            chained.ident("_chain")
        )
    ).fetchone()
    broken = _first_broken_link(conn, chained)
    if broken is not None:
        return _report(chained, _links_before(conn, chained, broken.link), head, broken)
    links = _links_before(conn, chained, None)
    unchained = _first_unchained(conn, chained, None)
    if unchained is not None:
        return _report(chained, links, head, unchained)
    state = _trigger_state(conn, chained)
    if state is None or state == "D":
        return _report(
            chained,
            links,
            head,
            BrokenLink(
                link=None,
                record=None,
                reason=f"the trigger that chains new records ({chained.chain_table}) is "
                + ("missing" if state is None else "disabled")
                + ": records inserted from now on would not be chained",
            ),
        )
    return _report(chained, links, head, None)


def _first_broken_link(conn: psycopg.Connection[Any], chained: ChainedTable) -> BrokenLink | None:
    first_key = sql.Identifier("r", chained.key[0].name)
    recomputed = chained.hash_of(sql.SQL("w.prev"))
    problem = _PROBLEM.format(genesis=_GENESIS_SQL, present=first_key, recomputed=recomputed)
    row = conn.execute(
        sql.SQL(
            "SELECT * FROM (SELECT w.link, w.before_link, {w_keys}, {problem} AS problem"
            " FROM (SELECT c.*, lag(c.link) OVER (ORDER BY c.link) AS before_link,"
            "  lag(c.hash) OVER (ORDER BY c.link) AS before_hash FROM {chain} c) w"
            " LEFT JOIN {table} r ON {same}) found"
            " WHERE problem IS NOT NULL ORDER BY link LIMIT 1"
        ).format(
            w_keys=chained.key_columns("w"),
            problem=problem,
            chain=chained.ident("_chain"),
            table=chained.ident(),
            same=chained.same_record("r", "w"),
        )
    ).fetchone()
    if row is None:
        return None
    link, before = int(row["link"]), row["before_link"]
    record = {c.name: row[c.name] for c in chained.key}
    match row["problem"]:
        case "missing":
            missing = (before or 0) + 1
            return BrokenLink(
                link=missing,
                record=None,
                reason=f"link {missing} is missing: "
                + (f"link {before}" if before else "the chain's start")
                + f" is followed by link {link}, so links (and, most likely, their records)"
                " were deleted",
            )
        case "continuity":
            return BrokenLink(
                link=link,
                record=record,
                reason=f"broken continuity: link {link} does not continue link {link - 1}"
                f" (its prev is not link {link - 1}'s hash): a link before it was rewritten",
            )
        case "deleted":
            return BrokenLink(
                link=link,
                record=record,
                reason=f"deleted record: link {link} is for a record that is no longer in "
                f"{chained.name}",
            )
        case _:
            return BrokenLink(
                link=link,
                record=record,
                reason=f"altered record: the record of link {link} is not what was chained "
                "(its content no longer gives the link's hash)",
            )


def _links_before(conn: psycopg.Connection[Any], chained: ChainedTable, link: int | None) -> int:
    condition = sql.SQL("link < %s") if link is not None else sql.SQL("true")
    row = conn.execute(
        sql.SQL("SELECT count(*) AS n FROM {} WHERE {}").format(chained.ident("_chain"), condition),
        [link] if link is not None else [],
    ).fetchone()
    return int(row["n"]) if row else 0


def _first_unchained(
    conn: psycopg.Connection[Any], chained: ChainedTable, scope_value: Any
) -> BrokenLink | None:
    in_scope: sql.Composable = sql.SQL("true")
    params: list[Any] = []
    if scope_value is not None and chained.scope is not None:
        in_scope = sql.SQL("{} = %s").format(sql.Identifier("r", chained.scope.name))
        params.append(scope_value)
    row = conn.execute(
        sql.SQL(
            "SELECT {keys} FROM {table} r WHERE {in_scope} AND NOT EXISTS"
            " (SELECT 1 FROM {chain} c WHERE {same}) ORDER BY {keys} LIMIT 1"
        ).format(
            keys=chained.key_columns("r"),
            table=chained.ident(),
            in_scope=in_scope,
            chain=chained.ident("_chain"),
            same=chained.same_record("c", "r"),
        ),
        params,
    ).fetchone()
    if row is None:
        return None
    return BrokenLink(
        link=None,
        record=dict(row),
        reason="record with no link: it was inserted while the chain's trigger was dropped or "
        "disabled, or its link was deleted",
    )


def _report(
    chained: ChainedTable,
    links: int,
    head: dict[str, Any] | None,
    broken: BrokenLink | None,
) -> ChainReport:
    return ChainReport(
        what=chained.what,
        table=chained.name,
        verified=broken is None,
        links_verified=links,
        head_link=int(head["link"]) if head else None,
        head_hash=bytes(head["hash"]).hex() if head else None,
        first_broken=broken,
    )


def verify_service(url: str, service: str, chains: Sequence[ChainedTable]) -> IntegrityReport:
    """Every chain of a service, verified now (what `GET /ops/integrity` and the `verify`
    command answer)."""
    with connection(url) as conn, conn.transaction():
        # One snapshot for every query of every chain: a record committed meanwhile (with its
        # link) is either wholly in the answer or not at all, and the head matches the walk.
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        reports = [verify(conn, chained) for chained in chains]
    return IntegrityReport(
        service=service,
        verified=all(r.verified for r in reports),
        checked_at=datetime.now(UTC),
        chains=reports,
    )


# ---- one scope (a case) --------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeCheck:
    """The links of one scope's records, each checked against its neighbours."""

    #: The key (as a tuple, in key order) of each record of the scope whose link holds.
    intact: frozenset[tuple[Any, ...]]
    first_broken: BrokenLink | None
    links: int

    @property
    def verified(self) -> bool:
        return self.first_broken is None


_SCOPE_PROBLEM = sql.SQL(
    "CASE WHEN {present} IS NULL THEN 'deleted'"
    " WHEN {recomputed} <> c.hash THEN 'altered'"
    " WHEN c.link = 1 AND c.prev <> {genesis} THEN 'continuity'"
    " WHEN c.link > 1 AND before.link IS NULL THEN 'missing before'"
    " WHEN c.link > 1 AND before.hash <> c.prev THEN 'continuity'"
    " WHEN after.link IS NULL AND c.link <> head.link THEN 'missing after'"
    " WHEN after.prev <> c.hash THEN 'continuity after' END"
)


def verify_scope(conn: psycopg.Connection[Any], chained: ChainedTable, value: Any) -> ScopeCheck:
    """The records of one scope (e.g. a case's history rows): each one's link recomputed, its
    prev equal to the previous link's hash and the next link's prev equal to its hash. Cheap
    (a few rows by index), so a page can show it; a deletion elsewhere in the chain is found
    by `verify` only."""
    assert chained.scope is not None, f"{chained.name} is chained without a scope"
    scope = sql.Identifier("c", chained.scope.name)
    problem = _SCOPE_PROBLEM.format(
        present=sql.Identifier("r", chained.key[0].name),
        recomputed=chained.hash_of(sql.SQL("c.prev")),
        genesis=_GENESIS_SQL,
    )
    rows = conn.execute(
        sql.SQL(
            "SELECT c.link, {c_keys}, {problem} AS problem FROM {chain} c"
            " CROSS JOIN (SELECT max(link) AS link FROM {chain}) head"
            " LEFT JOIN {table} r ON {same}"
            " LEFT JOIN {chain} before ON before.link = c.link - 1"
            " LEFT JOIN {chain} after ON after.link = c.link + 1"
            " WHERE {scope} = %s ORDER BY c.link"
        ).format(
            c_keys=chained.key_columns("c"),
            problem=problem,
            chain=chained.ident("_chain"),
            table=chained.ident(),
            same=chained.same_record("r", "c"),
            scope=scope,
        ),
        (value,),
    ).fetchall()
    intact = frozenset(
        tuple(row[c.name] for c in chained.key) for row in rows if row["problem"] is None
    )
    broken = next((row for row in rows if row["problem"] is not None), None)
    first_broken = (
        _scope_broken(chained, broken)
        if broken is not None
        else _first_unchained(conn, chained, value)
    )
    return ScopeCheck(intact=intact, first_broken=first_broken, links=len(rows))


def _scope_broken(chained: ChainedTable, row: dict[str, Any]) -> BrokenLink:
    link = int(row["link"])
    reasons = {
        "deleted": f"deleted record: link {link} is for a record that is no longer there",
        "altered": f"altered record: the record of link {link} is not what was chained",
        "continuity": f"broken continuity: link {link} does not continue link {link - 1}",
        "missing before": f"link {link - 1}, before this record's link {link}, is missing",
        "missing after": f"link {link + 1}, after this record's link {link}, is missing",
        "continuity after": f"broken continuity: link {link + 1} does not continue link {link}",
    }
    return BrokenLink(
        link=link,
        record={c.name: row[c.name] for c in chained.key},
        reason=reasons[str(row["problem"])],
    )
