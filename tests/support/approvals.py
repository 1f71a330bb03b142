"""Approvals put straight on the assessment topic, as assessment's relay publishes them.

Payment needs beneficiaries by the hundred (or hundred thousand) to exercise its payroll;
taking each through intake and assessment would measure those services instead. Each message
is the first event of its case's stream as far as payment knows (a later version would be a
gap), with the amount computed from the policy in force on the signing date.
"""

import uuid
from datetime import UTC, date, datetime

from backbone.kafka import KafkaAdmin, OrderedProducer, OutboundMessage
from backbone.publishing import to_outbound
from contracts.assessment import CaseApprovedV4
from contracts.catalog import BY_MODEL
from contracts.envelope import Envelope
from contracts.ids import message_id
from contracts.topics import ASSESSMENT_EVENTS
from reference.admin_units import load_admin_units
from reference.policy import policy_book
from tests.support.signing import as_publisher

CATEGORY = "ELDERLY_POOR_NO_SUPPORTER_60_80"
SCHEME = "DVHC_2025_2LEVEL"


def approval_messages(
    prefix: str, *, commune: str, signed_on: date, count: int, scheme: str = SCHEME
) -> list[OutboundMessage]:
    """`count` approvals of distinct people in `commune`, signed on `signed_on`."""
    contract = BY_MODEL[CaseApprovedV4]
    province = load_admin_units().province_code(scheme, commune)
    policy = policy_book().in_force(province, signed_on)
    amount = policy.amount({CATEGORY: 1})
    topic = prefix + ASSESSMENT_EVENTS
    messages = []
    for number in range(count):
        case_id = uuid.uuid4()
        data = CaseApprovedV4.model_validate(
            {
                "case_id": case_id,
                "person_id": uuid.uuid4(),
                "benefit": amount.benefit,
                "category": CATEGORY,
                "residence": {"scheme": scheme, "code": commune},
                "decision_number": f"{number + 1}/QĐ-UBND",
                "signed_on": signed_on,
                "signer": "Chủ tịch UBND xã",
                "authority": policy.procedure.decision_authority,
                "legal_basis": list(amount.legal_basis),
                "policy_version": amount.policy_version,
                "standard_level": amount.standard_level,
                "coefficient": str(amount.coefficient),
                "monthly_amount": amount.monthly_amount,
                "effective_month": f"{signed_on.year:04d}-{signed_on.month:02d}",
                "categories_held": [CATEGORY],
                "due_on": None,
                "on_time": None,
                "categories": [{"code": CATEGORY, "units": 1}],
            }
        )
        envelope = Envelope(
            id=message_id(case_id, 1),
            source=contract.source,
            type=contract.type,
            subject=case_id,
            time=datetime.now(UTC),
            dataschema=f"btxh:contracts/schemas/{contract.schema_id}.json",
            originatorid=case_id,
            originatorversion=1,
            actorid="test-approver",
            actorrole="approver",
            actorunit=commune,
            correlationid=uuid.uuid4(),
            schemaversion=contract.version,
            data=data.model_dump(mode="json"),
        )
        messages.append(to_outbound(envelope, topic))
    return messages


def publish(bootstrap: str, messages: list[OutboundMessage], partitions: int = 3) -> None:
    """Send in order, creating the topic first as the workers would, each message signed as
    its topic's publisher (assessment) signs it."""
    admin = KafkaAdmin(bootstrap)
    try:
        admin.ensure_topics(sorted({m.topic for m in messages}), partitions)
    finally:
        admin.close()
    producer = OrderedProducer(bootstrap)
    try:
        for start in range(0, len(messages), 1000):
            producer.send_all([as_publisher(m) for m in messages[start : start + 1000]])
    finally:
        producer.close()
