"""Person and open-case index of intake: finds a person by ID-number digest, and refuses a
second open case for the same person and benefit.

Kept beside the event store, not in it: a claim is written before the dossier's events and
released if saving them fails. A claim whose case never reached the event store (a crash
between the two) is recognised as stale and taken over; receipts of one ID number are taken
one at a time (`receiving`), so a claim of a receipt still under way is never mistaken for one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from psycopg import sql

from backbone.database import advisory_key, advisory_lock, connect, connection, ensure_schema


@dataclass(frozen=True)
class Claim:
    """What claiming the open case of a person and benefit found."""

    person_id: UUID  # the one person of this ID number
    new_person: bool  # this receipt recorded the person
    holder: UUID | None  # another case that holds the claim, if any


class CaseIndex:
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
