"""Deterministic ids that every service (and any subscriber) derives from a case id."""

from uuid import UUID, uuid5

#: Namespace of btxh's derived ids. Never change it: stored aggregates depend on it.
BTXH_NAMESPACE = UUID("6f6b1d0c-3a47-5c1e-9a52-6274786800a1")


def derived_id(kind: str, case_id: UUID) -> UUID:
    """Id of the aggregate of `kind` that another service keeps for a case.

    Deterministic, so replaying the message that creates it is rejected by the
    event store's version check instead of creating a twin.
    """
    return uuid5(BTXH_NAMESPACE, f"{kind}/{case_id}")


def message_id(originator_id: UUID, originator_version: int) -> UUID:
    """CloudEvents id of the message that publishes one stored event.

    The same stored event always gets the same id, however often it is republished.
    """
    return uuid5(BTXH_NAMESPACE, f"event/{originator_id}/{originator_version}")
