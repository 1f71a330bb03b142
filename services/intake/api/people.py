"""HTTP route resolving a citizen ID number to btxh's person id: intake alone holds the key
that digests ID numbers, so every lookup by number (reporting's included) comes through here."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from backbone.access_log import PersonalDataRead, personal_data_reader
from services.intake.api.dossiers import Intake
from services.intake.application import CaseNotFound

router = APIRouter(prefix="/people", tags=["people"])

#: Who may look a person up: the roles that find cases by ID number in reporting, which asks
#: here with the official's own token.
LOOKUP_ROLES = ("commune_officer", "approver", "payment_officer", "inspector", "operator")
Looker = Annotated[PersonalDataRead, Depends(personal_data_reader(*LOOKUP_ROLES))]


class PersonLookupIn(BaseModel):
    """The ID number travels in the body, never in a URL (URLs end up in logs)."""

    model_config = ConfigDict(extra="forbid")

    personal_id: str = Field(
        pattern=r"^(\d{12}|\d{9})$",
        description="12-digit personal identification number (or a 9-digit legacy ID card"
        " number), digits only",
    )


class PersonOut(BaseModel):
    person_id: UUID = Field(description="btxh's person id; cases are linked to the person by it")


@router.post(
    "/lookup",
    summary="The person id of a citizen ID number (tra cứu theo số định danh cá nhân)",
    responses={404: {"description": "No dossier of this ID number was ever received"}},
)
def lookup_person(body: PersonLookupIn, looker: Looker, intake: Intake) -> PersonOut:
    """Answers only btxh's opaque person id, never a name or a case: reporting then lists the
    person's cases within the official's unit. The lookup is logged, found or not."""
    try:
        person_id = intake.person_of(body.personal_id)
    except CaseNotFound:
        looker.record("person lookup by personal ID: not found", [])
        raise
    looker.record(f"person lookup by personal ID: person {person_id}", [])
    return PersonOut(person_id=person_id)
