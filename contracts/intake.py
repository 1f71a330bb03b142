"""Events published by intake (tiếp nhận hồ sơ) on the intake topic."""

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.categories import MOST_DEPENDANTS
from contracts.values import AdminUnitRef, Benefit, Channel, DependantRelation, Sex

#: Why a person with no btxh monthly allowance is owed funeral support (Decree 20/2021 Art.
#: 11): aged 80 or more and receiving a monthly social-insurance survivor allowance (trợ cấp
#: tuất hằng tháng), or another monthly allowance, until the death.
FuneralGround = Literal["survivor_allowance_80_plus", "other_monthly_allowance_80_plus"]


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


class DossierReceivedV2(DossierReceivedV1):
    """A commune received an application dossier and opened a case. v2 adds the application
    form, the household's poverty status, whether a representative submitted it, and which
    documents were presented or are still missing (complete_on is None until none is)."""

    form: str = Field(description="Application form: 1a-1đ (allowance), 2a/2b (care support)")
    household_poverty: Literal["poor", "near_poor", "none", "not_declared"]
    represented: bool = Field(description="Submitted by a guardian or representative")
    documents_presented: list[str]
    missing_documents: list[str]
    complete_on: date | None


def upcast_dossier_received_v1(data: dict[str, Any]) -> dict[str, Any]:
    return {
        **data,
        "form": "",
        "household_poverty": "not_declared",
        "represented": False,
        "documents_presented": [],
        "missing_documents": [],
        "complete_on": data["received_on"],
    }


class DeclaredDependant(BaseModel):
    """A dependant a dossier declares, as far as other services need it. Least exposure: no
    name, no ID number (they stay in intake)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dependant_id: UUID = Field(description="Given by intake at receipt; names them from then on")
    relation: DependantRelation
    date_of_birth: date
    studying: bool = Field(
        description="In school or vocational training: a child raised counts from 16 to 22 only so"
    )
    case_id: UUID | None = Field(default=None, description="The dependant's own btxh case, if any")


class DossierReceivedV3(DossierReceivedV2):
    """A commune received an application dossier and opened a case. v3 adds the dependants it
    declares: children raised by the applicant, a child taken in, the person cared for."""

    dependants: list[DeclaredDependant] = Field(default_factory=list, max_length=MOST_DEPENDANTS)


def upcast_dossier_received_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "dependants": []}


class DependantsChangedV1(BaseModel):
    """The dossier's dependants were added, changed (every field given again) or removed after
    receipt: a child born, a youth who stopped studying, a date of birth corrected. A subscriber
    applies the change to the list it holds from dossier_received; the reason stays in intake."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["dependants_changed"] = "dependants_changed"
    case_id: UUID
    changed_on: date
    added: list[DeclaredDependant] = Field(max_length=MOST_DEPENDANTS)
    changed: list[DeclaredDependant] = Field(max_length=MOST_DEPENDANTS)
    removed: list[UUID] = Field(max_length=MOST_DEPENDANTS)


class DossierSupplementedV1(BaseModel):
    """Documents were presented after receipt; complete_on is set once nothing is missing."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["dossier_supplemented"] = "dossier_supplemented"
    case_id: UUID
    documents: list[str] = Field(min_length=1)
    supplemented_on: date
    missing_documents: list[str]
    complete_on: date | None


class DossierWithdrawnV1(BaseModel):
    """The applicant withdrew the dossier: the case ends without a decision."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["dossier_withdrawn"] = "dossier_withdrawn"
    case_id: UUID
    withdrawn_on: date


class JurisdictionResolvedV1(BaseModel):
    """A case recorded under a pre-2025 commune that was split among several 2025 communes is
    assigned to one of them, by an official who knows the applicant's village or street
    (DOMAIN.md §9.2: never guessed from the table). The recorded residence is not rewritten."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["jurisdiction_resolved"] = "jurisdiction_resolved"
    case_id: UUID
    from_residence: AdminUnitRef
    to_residence: AdminUnitRef
    method: Literal["manual"]
    basis: str = Field(min_length=1, max_length=1000, description="Why: village, street, etc.")
    decided_on: date
    mapping_version: str = Field(description="The old -> new table the choice was made from")


class FuneralClaimReceivedV1(BaseModel):
    """A commune received a funeral-support claim (Form 04) for a person of 80 or more who held
    no btxh monthly allowance (Decree 20/2021 Art. 11) and opened the deceased's own case.
    Least exposure: no name, no ID number (they stay in intake)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    event: Literal["funeral_claim_received"] = "funeral_claim_received"
    case_id: UUID
    person_id: UUID = Field(description="btxh's own person id of the deceased")
    died_on: date
    residence: AdminUnitRef = Field(description="Where the deceased lived: whose level applies")
    ground: FuneralGround
    received_on: date
