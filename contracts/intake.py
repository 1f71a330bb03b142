"""Events published by intake (tiếp nhận hồ sơ) on the intake topic."""

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import AdminUnitRef, Benefit, Channel, Sex


class Applicant(BaseModel):
    """Only what subscribers need: the ID number itself never travels, only its keyed digest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    full_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date
    sex: Sex


class DossierReceivedV1(BaseModel):
    """A commune received an application dossier (hồ sơ đề nghị) and opened a case."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: Literal["dossier_received"] = "dossier_received"
    case_id: UUID
    person_id: UUID = Field(description="btxh's own person id; not the citizen ID number.")
    personal_id_digest: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="HMAC-SHA256 of the personal ID number under btxh's key: lookup, never listing.",
    )
    benefit: Benefit
    category: str = Field(pattern=r"^[A-Z0-9_]+$", description="Category code, e.g. PWD_SEVERE.")
    applicant: Applicant
    residence: AdminUnitRef
    received_on: date
    channel: Channel
