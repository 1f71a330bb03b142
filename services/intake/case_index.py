"""Person and open-case index of intake: finds a person by ID-number digest, and refuses a
second open case for the same person and benefit.

Kept beside the event store, not in it: a claim is written before the dossier's events and
released if saving them fails. A claim whose case never reached the event store (a crash
between the two) is recognised as stale and taken over; receipts of one ID number are taken
one at a time (`receiving`), so a claim of a receipt still under way is never mistaken for one.

Two implementations of one contract (tests/side_tables/test_case_index.py runs it against
both): tables in intake's PostgreSQL schema, whose primary key on (person, benefit) refuses a
second open case and whose advisory lock serialises receipts across processes; and an
in-memory stand-in beside eventsourcing's in-memory store (one process).
"""

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID, uuid4

from psycopg import sql

from backbone.database import advisory_key, advisory_lock, connect, connection, ensure_schema


@dataclass(frozen=True)
class Claim:
    """What claiming the open case of a person and benefit found."""

    person_id: UUID  # the one person of this ID number
    new_person: bool  # this receipt recorded the person
    holder: UUID | None  # another case that holds the claim, if any


class CaseIndex(Protocol):
    """Persons by ID-number digest, and at most one open case per person and benefit."""

    def receiving(self, digest: str, benefit: str) -> AbstractContextManager[None]:
        """Hold the receipt of this ID number and benefit: one at a time, from the claim to
        the dossier's save."""
        ...

    def claim(self, *, digest: str, benefit: str, case_id: UUID) -> Claim:
        """Record the person (unless known) and claim the person's open case for `benefit`;
        of claims made at once, exactly one holds it."""
        ...

    def take_over(self, *, person_id: UUID, benefit: str, stale: UUID, case_id: UUID) -> bool:
        """Give the claim held by `stale` to `case_id`; False when `stale` no longer holds it."""
        ...

    def person(self, digest: str) -> UUID | None:
        """The person of this ID-number digest, if a dossier of theirs was ever received."""
        ...

    def holder(self, *, person_id: UUID, benefit: str) -> UUID | None:
        """The case that holds the person's claim for `benefit`, if any (read only)."""
        ...

    def release(self, *, person_id: UUID, benefit: str, case_id: UUID, forget_person: bool) -> None:
        """Free the claim if `case_id` holds it; `forget_person`: also forget the person when
        left without any claim (one recorded by a receipt that failed)."""
        ...


class PostgresCaseIndex(CaseIndex):
    def __init__(self, url: str, schema: str) -> None:
        self.url = url
        self.schema = schema
        self.persons = sql.Identifier(schema, "person_index")
        self.claims = sql.Identifier(schema, "open_case")
        # Several processes of a service start at once: serialise the DDL (CREATE IF NOT
        # EXISTS alone races on the catalogue).
        with advisory_lock(url, f"ddl:{schema}") as conn:
            ensure_schema(conn, schema)
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (personal_id_digest text PRIMARY KEY,"
                    " person_id uuid NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now())"
                ).format(self.persons)
            )
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (person_id uuid NOT NULL, benefit text NOT NULL,"
                    " case_id uuid NOT NULL, claimed_at timestamptz NOT NULL DEFAULT now(),"
                    " PRIMARY KEY (person_id, benefit))"
                ).format(self.claims)
            )

    @contextmanager
    def receiving(self, digest: str, benefit: str) -> Iterator[None]:
        """One receipt at a time per ID number and benefit, across every intake process, from
        the claim to the dossier's save: a second desk waits for the first to finish, then finds
        its case stored (or its claim released). The lock is the session's, so a process that
        dies mid-receipt frees it and its claim is recognised as stale."""
        key = advisory_key(f"receipt:{self.schema}:{digest}:{benefit}")
        with connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def claim(self, *, digest: str, benefit: str, case_id: UUID) -> Claim:
        """Record the person (unless known) and claim the person's open case for `benefit`."""
        with connection(self.url) as conn, conn.transaction():
            inserted = conn.execute(
                sql.SQL(
                    "INSERT INTO {} (personal_id_digest, person_id) VALUES (%s, %s)"
                    " ON CONFLICT (personal_id_digest) DO NOTHING RETURNING person_id"
                ).format(self.persons),
                (digest, uuid4()),
            ).fetchone()
            person = (
                inserted
                or conn.execute(
                    sql.SQL("SELECT person_id FROM {} WHERE personal_id_digest = %s").format(
                        self.persons
                    ),
                    (digest,),
                ).fetchone()
            )
            assert person is not None
            person_id: UUID = person["person_id"]
            row: dict[str, Any] | None = conn.execute(
                sql.SQL(
                    "INSERT INTO {} (person_id, benefit, case_id) VALUES (%s, %s, %s)"
                    " ON CONFLICT (person_id, benefit) DO UPDATE SET person_id = {}.person_id"
                    " RETURNING case_id"
                ).format(self.claims, self.claims),
                (person_id, benefit, case_id),
            ).fetchone()
        assert row is not None
        holder: UUID = row["case_id"]
        return Claim(
            person_id=person_id,
            new_person=inserted is not None,
            holder=None if holder == case_id else holder,
        )

    def person(self, digest: str) -> UUID | None:
        with connection(self.url) as conn:
            row = conn.execute(
                sql.SQL("SELECT person_id FROM {} WHERE personal_id_digest = %s").format(
                    self.persons
                ),
                (digest,),
            ).fetchone()
        return None if row is None else UUID(str(row["person_id"]))

    def take_over(self, *, person_id: UUID, benefit: str, stale: UUID, case_id: UUID) -> bool:
        with connection(self.url) as conn:
            cursor = conn.execute(
                sql.SQL(
                    "UPDATE {} SET case_id = %s, claimed_at = now()"
                    " WHERE person_id = %s AND benefit = %s AND case_id = %s"
                ).format(self.claims),
                (case_id, person_id, benefit, stale),
            )
            return cursor.rowcount == 1

    def holder(self, *, person_id: UUID, benefit: str) -> UUID | None:
        with connection(self.url) as conn:
            row = conn.execute(
                sql.SQL("SELECT case_id FROM {} WHERE person_id = %s AND benefit = %s").format(
                    self.claims
                ),
                (person_id, benefit),
            ).fetchone()
        return None if row is None else UUID(str(row["case_id"]))

    def release(self, *, person_id: UUID, benefit: str, case_id: UUID, forget_person: bool) -> None:
        with connection(self.url) as conn, conn.transaction():
            conn.execute(
                sql.SQL(
                    "DELETE FROM {} WHERE person_id = %s AND benefit = %s AND case_id = %s"
                ).format(self.claims),
                (person_id, benefit, case_id),
            )
            if forget_person:
                conn.execute(
                    sql.SQL(
                        "DELETE FROM {} p WHERE person_id = %s AND NOT EXISTS"
                        " (SELECT 1 FROM {} c WHERE c.person_id = p.person_id)"
                    ).format(self.persons, self.claims),
                    (person_id,),
                )


class InMemoryCaseIndex(CaseIndex):
    """The same index in memory, beside eventsourcing's in-memory store (one process)."""

    def __init__(self) -> None:
        self._persons: dict[str, UUID] = {}
        self._claims: dict[tuple[UUID, str], UUID] = {}
        self._lock = threading.Lock()  # one transaction at a time
        self._receipts: dict[tuple[str, str], threading.Lock] = {}

    @contextmanager
    def receiving(self, digest: str, benefit: str) -> Iterator[None]:
        with self._lock:
            receipt = self._receipts.setdefault((digest, benefit), threading.Lock())
        with receipt:
            yield

    def claim(self, *, digest: str, benefit: str, case_id: UUID) -> Claim:
        with self._lock:
            new_person = digest not in self._persons
            person_id = self._persons.setdefault(digest, uuid4())
            holder = self._claims.setdefault((person_id, benefit), case_id)
        return Claim(
            person_id=person_id,
            new_person=new_person,
            holder=None if holder == case_id else holder,
        )

    def take_over(self, *, person_id: UUID, benefit: str, stale: UUID, case_id: UUID) -> bool:
        with self._lock:
            if self._claims.get((person_id, benefit)) != stale:
                return False
            self._claims[(person_id, benefit)] = case_id
            return True

    def holder(self, *, person_id: UUID, benefit: str) -> UUID | None:
        with self._lock:
            return self._claims.get((person_id, benefit))

    def person(self, digest: str) -> UUID | None:
        with self._lock:
            return self._persons.get(digest)

    def release(self, *, person_id: UUID, benefit: str, case_id: UUID, forget_person: bool) -> None:
        with self._lock:
            if self._claims.get((person_id, benefit)) == case_id:
                del self._claims[(person_id, benefit)]
            if forget_person and all(p != person_id for p, _ in self._claims):
                for digest in [d for d, p in self._persons.items() if p == person_id]:
                    del self._persons[digest]
