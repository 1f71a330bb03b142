"""A funeral-support claim (Form 04, tờ khai đề nghị hỗ trợ chi phí mai táng) for a person of 80
or more who held no btxh monthly allowance: its receipt opens the deceased's own case.

Decree 20/2021 Art. 11 pays funeral support for a person aged 80 or more who was receiving a
monthly social-insurance survivor allowance (trợ cấp tuất hằng tháng) or another monthly
allowance. Such a person has no case in btxh until whoever organised the funeral files the
claim; the case id is the claim's id.
"""

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor
from reference.policy import age_on

#: The age, in completed years on the day of death, from which the ground applies.
FUNERAL_CLAIM_AGE = 80

GROUNDS = ("survivor_allowance_80_plus", "other_monthly_allowance_80_plus")

#: Documents of the claim's dossier (DOMAIN §6.5) with the names officials read; the form
#: itself is the claim.
DOCUMENTS: dict[str, str] = {
    "death_certificate": "Bản sao giấy chứng tử",
    "allowance_stop_decision": "Bản sao quyết định hoặc danh sách thôi hưởng trợ cấp tuất / "
    "trợ cấp hằng tháng",
    "personal_id_card": "Thẻ căn cước / CCCD của người đã mất",
}

#: What the claim cannot be received without.
REQUIRED_DOCUMENTS = ("death_certificate", "allowance_stop_decision")


class InvalidFuneralClaim(ValueError):
    """The claim breaks a rule of Decree 20/2021 Art. 11 or of its dossier; nothing is stored."""


class FuneralClaim(Aggregate):
    """One deceased person's funeral-support claim as received by the commune."""

    Received: ClassVar[type[Any]]

    @staticmethod
    def check(
        *,
        full_name: str,
        date_of_birth: date,
        died_on: date,
        received_on: date,
        ground: str,
        allowance_stopped_by: str,
        organiser: dict[str, str],
        documents_presented: list[str],
    ) -> None:
        """The rules a claim must meet before anything about it is stored (dates are checked
        against today and the tables by the caller)."""
        if not full_name.strip():
            raise InvalidFuneralClaim("full_name must not be blank")
        if died_on < date_of_birth:
            raise InvalidFuneralClaim(
                f"died_on {died_on} is before the date of birth {date_of_birth}"
            )
        if received_on < died_on:
            raise InvalidFuneralClaim(
                f"received_on {received_on} is before the death ({died_on}): a claim is filed "
                "after the funeral"
            )
        age = age_on(date_of_birth, died_on)
        if age < FUNERAL_CLAIM_AGE:
            raise InvalidFuneralClaim(
                f"the deceased was {age} on {died_on}: this funeral support is for a person of "
                f"{FUNERAL_CLAIM_AGE} or more (Decree 20/2021 Art. 11)"
            )
        if ground not in GROUNDS:
            raise InvalidFuneralClaim(f"ground must be one of {', '.join(GROUNDS)}")
        if not allowance_stopped_by.strip():
            raise InvalidFuneralClaim(
                "allowance_stopped_by must name the decision or list stopping the allowance"
            )
        if not str(organiser.get("full_name", "")).strip():
            raise InvalidFuneralClaim("organiser must name who organised the funeral (Form 04)")
        unknown = [d for d in documents_presented if d not in DOCUMENTS]
        if unknown:
            raise InvalidFuneralClaim(f"unknown documents {unknown}; known: {', '.join(DOCUMENTS)}")
        missing = [d for d in REQUIRED_DOCUMENTS if d not in documents_presented]
        if missing:
            raise InvalidFuneralClaim(
                f"the claim needs {', '.join(missing)} (copies of the death certificate and of "
                "the decision or list stopping the allowance, DOMAIN §6.5)"
            )

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
        residence_scheme: str,
        residence_code: str,
        died_on: date,
        ground: str,
        allowance_stopped_by: str,
        organiser: dict[str, str],
        documents_presented: list[str],
        received_on: date,
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
        self.residence_scheme = residence_scheme
        self.residence_code = residence_code
        self.died_on = died_on
        self.ground = ground
        self.allowance_stopped_by = allowance_stopped_by
        self.organiser = organiser
        self.documents_presented = documents_presented
        self.received_on = received_on
        self.received_by = actor

    @property
    def case_id(self) -> UUID:
        return self.id
