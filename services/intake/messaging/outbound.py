"""Maps intake's stored events to published contracts (least exposure: no ID number)."""

from typing import Any

from pydantic import BaseModel

from contracts.intake import (
    Applicant,
    DeclaredDependant,
    DependantsChangedV1,
    DossierReceivedV3,
    DossierSupplementedV1,
    DossierWithdrawnV1,
    FuneralClaimReceivedV1,
    JurisdictionResolvedV1,
)
from contracts.values import AdminUnitRef
from services.intake.domain.dossier import Dossier
from services.intake.domain.funeral_claim import FuneralClaim


def declared(data: dict[str, Any]) -> DeclaredDependant:
    """A dependant as published: no name, no ID number."""
    return DeclaredDependant(
        dependant_id=data["dependant_id"],
        relation=data["relation"],
        date_of_birth=data["date_of_birth"],
        studying=data["studying"],
        case_id=data["case_id"],
    )


def to_contract(event: Any) -> BaseModel:
    if isinstance(event, Dossier.Received):
        presented = getattr(event, "documents_presented", None)
        return DossierReceivedV3(
            case_id=event.originator_id,
            person_id=event.person_id,
            personal_id_digest=event.personal_id_digest,
            benefit=event.benefit,
            category=event.category,
            applicant=Applicant(
                full_name=event.full_name, date_of_birth=event.date_of_birth, sex=event.sex
            ),
            residence=AdminUnitRef(scheme=event.residence_scheme, code=event.residence_code),
            received_on=event.received_on,
            channel=event.channel,
            form=getattr(event, "form", ""),
            household_poverty=getattr(event, "household_poverty", "not_declared"),
            represented=getattr(event, "representative", None) is not None,
            documents_presented=presented or [],
            missing_documents=getattr(event, "missing_documents", None) or [],
            # Events stored before completeness was tracked were complete on receipt.
            complete_on=getattr(event, "complete_on", None)
            if presented is not None
            else event.received_on,
            # Dossiers received before dependants were recorded declared none on the bus.
            dependants=[declared(d) for d in getattr(event, "dependants", None) or []],
        )
    if isinstance(event, Dossier.DependantsChanged):
        return DependantsChangedV1(
            case_id=event.case_id,
            changed_on=event.changed_on,
            added=[declared(d) for d in event.added],
            changed=[declared(d) for d in event.changed],
            removed=event.removed,
        )
    if isinstance(event, Dossier.Supplemented):
        return DossierSupplementedV1(
            case_id=event.case_id,
            documents=event.documents,
            supplemented_on=event.supplemented_on,
            missing_documents=event.missing_documents,
            complete_on=event.complete_on,
        )
    if isinstance(event, Dossier.Withdrawn):
        return DossierWithdrawnV1(case_id=event.case_id, withdrawn_on=event.withdrawn_on)
    if isinstance(event, Dossier.JurisdictionResolved):
        return JurisdictionResolvedV1(
            case_id=event.case_id,
            from_residence=AdminUnitRef(scheme=event.from_scheme, code=event.from_code),
            to_residence=AdminUnitRef(scheme="DVHC_2025_2LEVEL", code=event.to_code),
            method="manual",
            basis=event.basis,
            decided_on=event.decided_on,
            mapping_version=event.mapping_version,
        )
    if isinstance(event, FuneralClaim.Received):
        # No name, no ID number, no organiser: payment and reporting need the death and place.
        return FuneralClaimReceivedV1(
            case_id=event.originator_id,
            person_id=event.person_id,
            died_on=event.died_on,
            residence=AdminUnitRef(scheme=event.residence_scheme, code=event.residence_code),
            ground=event.ground,
            received_on=event.received_on,
        )
    raise TypeError(f"no contract for {type(event).__qualname__}: every stored event is published")
