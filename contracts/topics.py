"""Kafka topic names. A prefix isolates test systems that share one broker."""

INTAKE_EVENTS = "btxh.intake.case-events"
ASSESSMENT_EVENTS = "btxh.assessment.case-events"
PAYMENT_EVENTS = "btxh.payment.case-events"
#: Báo tăng / báo giảm for the health-insurance service: a topic of its own, so that service
#: reads only what it needs.
HEALTH_INSURANCE_NOTICES = "btxh.payment.health-insurance-notices"

#: Every topic that carries case events, in the order of the case's life.
CASE_EVENT_TOPICS = (INTAKE_EVENTS, ASSESSMENT_EVENTS, PAYMENT_EVENTS)

#: Every topic btxh publishes on.
PUBLISHED_TOPICS = (*CASE_EVENT_TOPICS, HEALTH_INSURANCE_NOTICES)

#: Services that consume case events; each has a dead-letter topic of its own.
CONSUMERS = ("intake", "assessment", "payment", "reporting")


def dead_letter_topic(consumer: str) -> str:
    """Topic where a consumer puts the messages it could not apply, with the reason."""
    return f"btxh.dead-letter.{consumer}"


#: The one service that publishes on each topic: only a message signed with its key is
#: genuine there (contracts/signature.py), whatever service the message claims to be from.
#: A service's workers write its dead-letter topic. (A reporting projection being rebuilt
#: beside the live one has a dead-letter topic of its own, btxh.dead-letter.reporting-p2 say,
#: written by reporting too.)
PUBLISHERS = {
    INTAKE_EVENTS: "intake",
    ASSESSMENT_EVENTS: "assessment",
    PAYMENT_EVENTS: "payment",
    HEALTH_INSURANCE_NOTICES: "payment",
    **{dead_letter_topic(consumer): consumer for consumer in CONSUMERS},
}


def prefixed(prefix: str, topic: str) -> str:
    return f"{prefix}{topic}"


def publisher_of(topic: str, prefix: str = "") -> str | None:
    """The service that publishes on `topic` (named with `prefix`); None for any other topic."""
    if not topic.startswith(prefix):
        return None
    return PUBLISHERS.get(topic.removeprefix(prefix))
