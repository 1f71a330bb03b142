"""Contracts are published data: generated files match the models, old examples keep validating."""

import json
from pathlib import Path

import pytest

from contracts import export
from contracts.assessment import Dependant
from contracts.catalog import CONTRACTS, ContractViolation, contract_for, decode
from contracts.envelope import Envelope
from contracts.intake import DeclaredDependant, DossierReceivedV2, DossierReceivedV3

EXAMPLES = Path(export.HERE) / "examples"


def test_the_committed_json_schemas_and_asyncapi_match_the_models() -> None:
    for path, text in export.rendered().items():
        assert path.exists(), f"{path.name} missing: run make contracts"
        assert path.read_text(encoding="utf-8") == text, f"{path.name} drifted: run make contracts"


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_every_example_payload_of_every_version_still_decodes(example: Path) -> None:
    envelope = Envelope.model_validate_json(example.read_text(encoding="utf-8"))
    event = decode(envelope)
    assert str(event.case_id) == str(envelope.subject)


def test_every_contract_has_an_example() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.json")}
    assert {c.schema_id for c in CONTRACTS} <= names


def test_a_payload_that_breaks_its_contract_is_a_violation_not_a_crash() -> None:
    example = json.loads((EXAMPLES / "vn.btxh.assessment.case_approved.v1.json").read_text())
    example["data"]["monthly_amount"] = 750000.5
    with pytest.raises(ContractViolation, match="monthly_amount"):
        decode(Envelope.model_validate(example))


def test_a_newer_schema_version_than_known_is_refused_with_advice() -> None:
    example = json.loads((EXAMPLES / "vn.btxh.intake.dossier_received.v1.json").read_text())
    example["schemaversion"] = 9
    with pytest.raises(ContractViolation, match="upgrade the contracts package"):
        decode(Envelope.model_validate(example))


def test_removing_a_field_subscribers_rely_on_is_caught() -> None:
    """A breaking change (dropping a required field) makes the v1 example fail to validate."""
    example = json.loads((EXAMPLES / "vn.btxh.payment.beneficiary_enrolled.v1.json").read_text())
    del example["data"]["from_month"]
    with pytest.raises(ContractViolation):
        decode(Envelope.model_validate(example))


def test_a_handler_named_by_an_earlier_model_still_receives_the_current_version() -> None:
    """A subscriber that names its handler by DossierReceivedV2 keeps working on v3 messages
    (the v3 model subclasses v2) until it moves to the new model."""
    example = json.loads((EXAMPLES / "vn.btxh.intake.dossier_received.v3.json").read_text())

    event = decode(Envelope.model_validate(example))

    assert contract_for(DossierReceivedV2) is contract_for(DossierReceivedV3)
    assert isinstance(event, DossierReceivedV2)
    assert [d.relation for d in event.dependants] == ["child_raised"] * 3


def test_dependants_travel_without_names_or_id_numbers() -> None:
    for model in (DeclaredDependant, Dependant):
        assert not {"full_name", "personal_id", "name"} & set(model.model_fields)
