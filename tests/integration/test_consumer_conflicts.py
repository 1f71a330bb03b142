"""A consumer whose save collides with another writer of the same aggregate tries again; only a
collision that never clears parks the case (parking on the real PostgreSQL)."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from backbone.kafka import OutboundMessage
from backbone.tracked_consumer import InboundRecord, Outcome, ParkingStore, TrackedConsumer
from contracts.catalog import BY_MODEL
from contracts.ids import message_id
from contracts.intake import DossierWithdrawnV1
from contracts.topics import INTAKE_EVENTS
from tests.support.infra import Infra
from tests.support.signing import signer, verifier


class Versions:
    """The consumer's tracking, in memory: the effect is what the test looks at."""

    def __init__(self) -> None:
        self.applied: dict[str, int] = {}

    def applied_version(self, stream: str) -> int:
        return self.applied.get(stream, 0)

    def record_tracking(self, tracking: Tracking) -> None:
        self.applied[tracking.application_name] = tracking.notification_id


class CollidingHandler:
    """Its save collides with another writer `collisions` times, then goes through."""

    def __init__(self, versions: Versions, collisions: int) -> None:
        self.versions = versions
        self.collisions = collisions
        self.calls = 0

    def __call__(self, event: Any, envelope: Any, tracking: Tracking) -> None:
        self.calls += 1
        if self.calls <= self.collisions:
            raise IntegrityError("duplicate key value violates unique constraint (version)")
        self.versions.record_tracking(tracking)


@pytest.fixture
def parking(infra: Infra) -> ParkingStore:
    return ParkingStore(infra.database_url, f"k{uuid.uuid4().hex[:8]}_payment", "payment")


def withdrawal() -> InboundRecord:
    case_id = uuid.uuid4()
    contract = BY_MODEL[DossierWithdrawnV1]
    envelope = {
        "specversion": "1.0",
        "id": str(message_id(case_id, 1)),
        "source": contract.source,
        "type": contract.type,
        "subject": str(case_id),
        "time": datetime.now(UTC).isoformat(),
        "dataschema": f"btxh:contracts/schemas/{contract.schema_id}.json",
        "originatorid": str(case_id),
        "originatorversion": 1,
        "actorid": "test-officer",
        "actorrole": "commune_officer",
        "actorunit": "02020",
        "correlationid": str(uuid.uuid4()),
        "schemaversion": contract.version,
        "data": {
            "event": "dossier_withdrawn",
            "case_id": str(case_id),
            "withdrawn_on": "2026-11-02",
        },
    }
    message = signer("intake").sign(
        OutboundMessage(INTAKE_EVENTS, str(case_id).encode(), json.dumps(envelope).encode())
    )
    return InboundRecord(
        message.topic, 0, 0, message.key, message.value, headers=tuple(message.headers)
    )


def consumer(
    parking: ParkingStore, versions: Versions, handler: CollidingHandler
) -> TrackedConsumer:
    return TrackedConsumer(
        name="payment",
        tracking=versions,
        handlers={DossierWithdrawnV1: handler},
        parking=parking,
        dead_letter_topic="unused",
        producer=None,
        verifier=verifier(),
    )


def test_a_save_that_collides_with_an_officers_command_is_applied_on_a_later_try(
    parking: ParkingStore,
) -> None:
    versions = Versions()
    handler = CollidingHandler(versions, collisions=2)
    record = withdrawal()

    assert consumer(parking, versions, handler).process(record) is Outcome.APPLIED

    assert handler.calls == 3
    assert parking.all_parked() == []


def test_a_collision_that_never_clears_parks_the_case_with_the_reason(
    parking: ParkingStore,
) -> None:
    versions = Versions()
    handler = CollidingHandler(versions, collisions=100)
    record = withdrawal()

    assert consumer(parking, versions, handler).process(record) is Outcome.HELD

    (parked,) = parking.all_parked()
    assert parked.kind == "poison"
    assert "still after 5 tries" in parked.reason
