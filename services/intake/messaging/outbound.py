"""Maps intake's stored events to published contracts (least exposure: no ID number)."""

from typing import Any

from pydantic import BaseModel

from contracts.intake import Applicant, DossierReceivedV1
from contracts.values import AdminUnitRef
from services.intake.domain.dossier import Dossier


def to_contract(event: Any) -> BaseModel:
    if isinstance(event, Dossier.Received):
        return DossierReceivedV1(
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
        )
    raise TypeError(f"no contract for {type(event).__qualname__}: every stored event is published")
