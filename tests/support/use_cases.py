"""Given / when / then for use cases run through the Application methods, on either store.

`memory` is eventsourcing's in-memory store with the in-memory side tables (the fast tier);
`postgres` is the real PostgreSQL of the session (`infra`), a fresh schema prefix per test.
`Recorded(app)` taken after the givens holds exactly the events the `when` recorded.
"""

import itertools
import json
import random
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking

from backbone.actor import Actor, service_actor
from backbone.eventstore import BtxhApplication
from backbone.settings import BackboneSettings
from contracts.assessment import CaseApprovedV4
from contracts.catalog import BY_MODEL
from contracts.envelope import Envelope
from contracts.ids import derived_id, message_id
from reference.admin_units import load_admin_units
from reference.policy import POLICY_DIR, policy_book
from services.assessment.application import Approve, AssessmentApplication, Review
from services.intake.application import ReceiveDossier
from services.payment.application import PaymentApplication

#: Parameters of a fixture that runs a contract once per store (the PostgreSQL case needs the
#: session's database, so it is marked `integration` and stays out of the fast tier).
STORES = ["memory", pytest.param("postgres", marks=pytest.mark.integration)]

Settings = TypeVar("Settings", bound=BackboneSettings)


def settings_on(
    store: str, settings_class: type[Settings], request: pytest.FixtureRequest
) -> Settings:
    """Settings of a service on `store`; on PostgreSQL in schemas of its own."""
    if store == "memory":
        return settings_class(event_store="memory")
    infra = request.getfixturevalue("infra")
    return settings_class(database_url=infra.database_url, prefix=f"u{uuid.uuid4().hex[:8]}_")


class Recorded:
    """The events `app` records from now on (the `then` of a use-case test)."""

    def __init__(self, app: BtxhApplication) -> None:
        self.app = app
        self.since = app.process_recorder.max_notification_id() or 0

    @property
    def events(self) -> list[Any]:
        notifications = self.app.process_recorder.select_notifications(
            start=self.since, limit=10_000, inclusive_of_start=False
        )
        return [self.app.mapper.to_domain_event(n) for n in notifications]

    @property
    def names(self) -> list[str]:
        """Qualified event class names, e.g. "Dossier.Received"."""
        return [type(event).__qualname__ for event in self.events]


# --- actors ----------------------------------------------------------------------------------

COMMUNE = "02020"  # Xã Chợ Đồn, Thái Nguyên (2025 scheme): the national standard level
#: Xã Ngọc Phái, Bắc Kạn (2004 scheme, until 30/06/2025), which went into Xã Chợ Đồn.
OLD_COMMUNE = "02053"
OLD_SCHEME = "DVHC_2004_3LEVEL"
OFFICER = Actor("officer-1", "commune_officer", COMMUNE)
ASSESSOR = Actor("assessor-1", "assessor", COMMUNE)
APPROVER = Actor("chairman-1", "approver", COMMUNE)
PAYMENT_OFFICER = Actor("payment-1", "payment_officer", COMMUNE)
POST_OFFICE = Actor("post-office-1", "post_office", COMMUNE)

# --- intake ----------------------------------------------------------------------------------

_serial = itertools.count(1)


def personal_id(born: date, sex: str) -> str:
    """A valid 12-digit number for this birth date and sex (random tail: a new person)."""
    century_code = (born.year // 100 - 19) * 2 + (0 if sex == "male" else 1)
    return f"001{century_code}{born.year % 100:02d}{random.randrange(10**6):06d}"


def dossier(
    *,
    born: date = date(1950, 5, 17),
    sex: str = "female",
    category: str = "ELDERLY_POOR_NO_SUPPORTER_60_80",
    benefit: str = "monthly_allowance",
    received_on: date = date(2026, 3, 2),
    number: str | None = None,
    **overrides: Any,
) -> ReceiveDossier:
    """A dossier intake accepts (all documents the category needs), unless overridden."""
    fields: dict[str, Any] = {
        "full_name": f"Người Thử {next(_serial)}",
        "date_of_birth": born,
        "sex": sex,
        "personal_id": number or personal_id(born, sex),
        "benefit": benefit,
        "category": category,
        "residence_scheme": "DVHC_2025_2LEVEL",
        "residence_code": COMMUNE,
        "received_on": received_on,
        "channel": "in_person",
        "household_poverty": "poor",
        "documents_presented": (
            "personal_id_card",
            *policy_book().documents_by_category.get(category, ()),
        ),
        **(
            {"representative": {"full_name": "Người Giám Hộ", "relationship": "guardian"}}
            if received_on.year - born.year < 17
            else {}
        ),
    }
    return ReceiveDossier(**{**fields, **overrides})


# --- messages from other services ------------------------------------------------------------


#: A version D case (Decree 147/2025) in Xã Chợ Đồn: received, reviewed with the population
#: database checked, posted two working days (12-13/02/2026), decided by the commune chairman.
RECEIVED_D = date(2026, 2, 10)
REVIEWED_D = date(2026, 2, 11)
POSTED_D = date(2026, 2, 12)
SIGNED_D = date(2026, 2, 24)
TODAY_D = date(2026, 3, 2)


def event_of(source: str, case_id: UUID, version: int = 1) -> Tracking:
    """The tracking record of a message: version `version` of the case's stream from `source`
    (e.g. btxh/intake), as the tracked consumer hands it to a use case."""
    return Tracking(application_name=f"{source}:{case_id}", notification_id=version)


def opened(
    assessment: AssessmentApplication,
    *,
    received_on: date = RECEIVED_D,
    category: str = "ELDERLY_POOR_NO_SUPPORTER_60_80",
    born: date = date(1950, 5, 17),
    commune: str = COMMUNE,
    scheme: str = "DVHC_2025_2LEVEL",
    complete_on: date | None = None,
    complete: bool = True,
    benefit: str = "monthly_allowance",
    dependants: list[dict[str, Any]] | None = None,
) -> UUID:
    """A case as assessment learns it from intake's dossier_received (with the dependants it
    declares, as `dependant`s); its case id."""
    case_id = uuid.uuid4()
    assessment.open_case(
        case_id=case_id,
        benefit=benefit,
        category=category,
        residence_scheme=scheme,
        residence_code=commune,
        date_of_birth=born,
        dossier_received_on=received_on,
        person_id=uuid.uuid4(),
        dossier_complete_on=(complete_on or received_on) if complete else None,
        dependants=dependants,
        actor=service_actor("assessment"),
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/intake", case_id),
    )
    return case_id


def dependant(
    born: date, relation: str = "child_raised", *, studying: bool = False
) -> dict[str, Any]:
    """A dependant as intake publishes it (no name, no ID number)."""
    return {
        "dependant_id": str(uuid.uuid4()),
        "relation": relation,
        "date_of_birth": born.isoformat(),
        "studying": studying,
        "case_id": None,
    }


def approval(
    *,
    case_id: UUID | None = None,
    person_id: UUID | None = None,
    commune: str = OLD_COMMUNE,
    signed_on: date = date(2024, 6, 3),
    monthly_amount: int = 540_000,
    category: str = "ELDERLY_POOR_NO_SUPPORTER_60_80",
    scheme: str = OLD_SCHEME,
    categories: dict[str, int] | None = None,
    benefit: str = "monthly_allowance",
) -> dict[str, Any]:
    """What payment's subscriber hands `enrol` from a case_approved message (by default a
    decision of June 2024 in a commune of the 2004 scheme: 360,000 x 1.5)."""
    case_id = case_id or uuid.uuid4()
    return {
        "case_id": case_id,
        "person_id": person_id or uuid.uuid4(),
        "benefit": benefit,
        "category": category,
        "categories_held": sorted(categories or [category]),
        "categories": [
            {"code": code, "units": units} for code, units in (categories or {category: 1}).items()
        ],
        "residence_scheme": scheme,
        "residence_code": commune,
        "monthly_amount": monthly_amount,
        "from_month": f"{signed_on.year:04d}-{signed_on.month:02d}",
        "decision_number": f"{str(case_id)[:6]}/QĐ-UBND",
        "signed_on": signed_on,
    }


def entitlement_id(case_id: UUID) -> UUID:
    return derived_id("entitlement", case_id)


def reviewed_and_posted(assessment: AssessmentApplication, case_id: UUID) -> None:
    """Given: the review (eligible) and the posting of its result, under version D."""
    assessment.review(
        case_id,
        Review(
            reviewed_on=REVIEWED_D,
            outcome="eligible",
            findings="Đủ điều kiện",
            population_db_verified=True,
        ),
        actor=ASSESSOR,
        correlation_id=uuid.uuid4(),
        today=TODAY_D,
    )
    assessment.post_results(
        case_id, POSTED_D, actor=ASSESSOR, correlation_id=uuid.uuid4(), today=TODAY_D
    )


def commune_decision(**overrides: Any) -> Approve:
    """The commune chairman's approval, signed after the posting window (version D)."""
    fields: dict[str, Any] = {
        "decision_number": f"{next(_serial)}/QĐ-UBND",
        "signed_on": SIGNED_D,
        "signer": "Chủ tịch UBND xã",
        "authority": "COMMUNE_CHAIRMAN",
        "legal_basis": ["NĐ 20/2021/NĐ-CP Đ5"],
        "monthly_amount": None,
    }
    return Approve(**{**fields, **overrides})


def approved(assessment: AssessmentApplication, case_id: UUID) -> None:
    """Given: reviewed, posted and approved by the commune chairman (version D)."""
    reviewed_and_posted(assessment, case_id)
    assessment.approve(
        case_id, commune_decision(), actor=APPROVER, correlation_id=uuid.uuid4(), today=TODAY_D
    )


def approval_message(decided: dict[str, Any]) -> tuple[CaseApprovedV4, Envelope]:
    """The case_approved message assessment's relay publishes for `decided` (an `approval`),
    with the amount of the policy in force on the signing date."""
    contract = BY_MODEL[CaseApprovedV4]
    province = load_admin_units().province_code(
        decided["residence_scheme"], decided["residence_code"]
    )
    policy = policy_book().in_force(province, decided["signed_on"])
    held = {item["code"]: item["units"] for item in decided["categories"]}
    amount = policy.amount(held)
    event = CaseApprovedV4.model_validate(
        {
            "case_id": decided["case_id"],
            "person_id": decided["person_id"],
            "benefit": decided["benefit"],
            "category": decided["category"],
            "residence": {"scheme": decided["residence_scheme"], "code": decided["residence_code"]},
            "decision_number": decided["decision_number"],
            "signed_on": decided["signed_on"],
            "signer": "Chủ tịch UBND",
            "authority": policy.procedure.decision_authority,
            "legal_basis": list(amount.legal_basis),
            "policy_version": amount.policy_version,
            "standard_level": amount.standard_level,
            "coefficient": str(amount.coefficient * amount.units),
            "monthly_amount": amount.monthly_amount,
            "effective_month": decided["from_month"],
            "categories_held": decided["categories_held"],
            "due_on": None,
            "on_time": None,
            "categories": [{"code": code, "units": units} for code, units in held.items()],
        }
    )
    assessment_id = derived_id("assessment", decided["case_id"])
    envelope = Envelope(
        id=message_id(assessment_id, 1),
        source=contract.source,
        type=contract.type,
        subject=decided["case_id"],
        time=datetime.now(UTC),
        originatorid=assessment_id,
        originatorversion=1,  # the first event of the stream that payment knows of
        actorid="chairman-1",
        actorrole="approver",
        actorunit=decided["residence_code"],
        correlationid=uuid.uuid4(),
        schemaversion=contract.version,
        data=event.model_dump(mode="json"),
    )
    return event, envelope


def tracking_of(envelope: Envelope) -> Tracking:
    """What the tracked consumer records for a message it applies."""
    return Tracking(application_name=envelope.stream, notification_id=envelope.originatorversion)


def enrol(payment: PaymentApplication, decided: dict[str, Any]) -> UUID:
    """Payment's subscriber hands `decided` (an `approval`) to `enrol`, as the first event of
    the case's assessment stream; the case id."""
    payment.enrol(
        approval=decided,
        actor=service_actor("payment"),
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/assessment", decided["case_id"]),
    )
    case_id: UUID = decided["case_id"]
    return case_id


def policy_with_provincial_level(
    directory: Path, *, province: str, name: str, amount: int, effective_from: str
) -> Path:
    """A copy of the repository's policy directory in `directory`, with a provincial standard
    level of the test's own (what a province's resolution would set)."""
    shutil.copytree(POLICY_DIR, directory)
    level = {
        "version": f"{province}-TEST",
        "effective_from": effective_from,
        "amount": amount,
        "instrument": "a resolution of the test",
        "confidence": "U",
    }
    document = {"jurisdiction": "province", "province": province, "name": name}
    (directory / "provinces" / f"{province}.json").write_text(
        json.dumps({**document, "standard_levels": [level]}), encoding="utf-8"
    )
    return directory
