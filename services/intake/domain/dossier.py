"""The application dossier (hồ sơ đề nghị trợ cấp): its receipt opens a case; its id is the case id."""

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor

CHANNELS = ("in_person", "post", "online")
BENEFITS = ("monthly_allowance", "care_support")


class InvalidDossier(ValueError):
    """The dossier breaks a rule of a valid application; nothing is stored."""


class Dossier(Aggregate):
    """One case's dossier as received by the commune."""

    # Event classes made by @event below; declared so type checkers know them.
    Received: ClassVar[type[Any]]

    @classmethod
    def receive(
        cls,
        *,
        case_id: UUID,
        person_id: UUID,
        personal_id: str,
        personal_id_legacy: bool,
        personal_id_digest: str,
        full_name: str,
        date_of_birth: date,
        sex: str,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        received_on: date,
        channel: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> "Dossier":
        """Receipt of a complete dossier. Dates cannot lie in the future; the person must be born."""
        cls.check_application(
            full_name=full_name,
            date_of_birth=date_of_birth,
            benefit=benefit,
            received_on=received_on,
            channel=channel,
            today=today,
        )
        return cls(
            id=case_id,
            person_id=person_id,
            personal_id=personal_id,
            personal_id_legacy=personal_id_legacy,
            personal_id_digest=personal_id_digest,
            full_name=full_name.strip(),
            date_of_birth=date_of_birth,
            sex=sex,
            benefit=benefit,
            category=category,
            residence_scheme=residence_scheme,
            residence_code=residence_code,
            received_on=received_on,
            channel=channel,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @staticmethod
    def check_application(
        *,
        full_name: str,
        date_of_birth: date,
        benefit: str,
        received_on: date,
        channel: str,
        today: date,
    ) -> None:
        """The rules a dossier must meet before anything about it is stored."""
        if date_of_birth > today:
            raise InvalidDossier(f"date of birth {date_of_birth} is in the future")
        if received_on > today:
            raise InvalidDossier(f"received_on {received_on} is in the future")
        if received_on < date_of_birth:
            raise InvalidDossier("a dossier cannot be received before the applicant was born")
        if channel not in CHANNELS:
            raise InvalidDossier(f"channel must be one of {', '.join(CHANNELS)}")
        if benefit not in BENEFITS:
            raise InvalidDossier(f"benefit must be one of {', '.join(BENEFITS)}")
        if not full_name.strip():
            raise InvalidDossier("full_name must not be blank")

    @event("Received")
    def __init__(
        self,
        *,
        id: UUID,
        person_id: UUID,
        personal_id: str,
        personal_id_legacy: bool,
        personal_id_digest: str,
        full_name: str,
        date_of_birth: date,
        sex: str,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        received_on: date,
        channel: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.person_id = person_id
        self.personal_id = personal_id
        self.personal_id_legacy = personal_id_legacy
        self.personal_id_digest = personal_id_digest
        self.full_name = full_name
        self.date_of_birth = date_of_birth
        self.sex = sex
        self.benefit = benefit
        self.category = category
        self.residence_scheme = residence_scheme
        self.residence_code = residence_code
        self.received_on = received_on
        self.channel = channel
        self.received_by = actor

    @property
    def case_id(self) -> UUID:
        return self.id
