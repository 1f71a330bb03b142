"""Person and open-case index of intake: finds a person by ID-number digest, and refuses a
second open case for the same person and benefit.

Kept beside the event store, not in it: a claim is written before the dossier's events and
released if saving them fails. A claim whose case never reached the event store (a crash
between the two) is recognised as stale and taken over.
"""

from typing import Any
from uuid import UUID, uuid4

from psycopg import sql

from backbone.database import advisory_lock, connection, ensure_schema


class CaseIndex:
    def __init__(self, url: str, schema: str) -> None:
        self.url = url
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

    def person_for(self, digest: str) -> tuple[UUID, bool]:
        """The person id for an ID-number digest, and whether it is new (not yet stored)."""
        with connection(self.url) as conn:
            row = conn.execute(
                sql.SQL("SELECT person_id FROM {} WHERE personal_id_digest = %s").format(
                    self.persons
                ),
                (digest,),
            ).fetchone()
        return (row["person_id"], False) if row else (uuid4(), True)

    def claim(self, *, digest: str, person_id: UUID, benefit: str, case_id: UUID) -> UUID | None:
        """Record the person (if new) and claim the open case; return the case that holds it."""
        with connection(self.url) as conn, conn.transaction():
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (personal_id_digest, person_id) VALUES (%s, %s)"
                    " ON CONFLICT (personal_id_digest) DO NOTHING"
                ).format(self.persons),
                (digest, person_id),
            )
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
        return None if holder == case_id else holder

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
