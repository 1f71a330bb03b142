"""Composition root of assessment: builds every process from AssessmentSettings."""

from typing import TYPE_CHECKING

from backbone.chain import ChainedTable
from backbone.relay import OutboxRelay
from backbone.tracked_consumer import TrackedConsumer, build_consumer
from contracts import topics
from services.assessment.application import AssessmentApplication
from services.assessment.messaging import inbound
from services.assessment.messaging.outbound import to_contract
from services.assessment.scheduler import DailyScheduler
from services.assessment.settings import AssessmentSettings

if TYPE_CHECKING:  # each process imports only what it runs (backbone.service_main)
    from fastapi import FastAPI
    from faststream import FastStream

CONSUMER = "assessment"
SUBSCRIBED_TOPICS = (topics.INTAKE_EVENTS,)


def build_consumer_for(
    settings: AssessmentSettings, app: AssessmentApplication, *, publish_dead_letters: bool
) -> TrackedConsumer:
    return build_consumer(
        name=CONSUMER,
        service="assessment",
        tracking=app,
        handlers=inbound.handlers(app),
        settings=settings,
        publish_dead_letters=publish_dead_letters,
    )


def build_api(settings: AssessmentSettings) -> "FastAPI":
    from services.assessment.api import create_app

    app = AssessmentApplication(settings)
    consumer = build_consumer_for(settings, app, publish_dead_letters=False)
    return create_app(settings, app, lambda: consumer)


def build_worker_app(settings: AssessmentSettings) -> "FastStream":
    from backbone.worker import build_worker

    app = AssessmentApplication(settings)
    consumer = build_consumer_for(settings, app, publish_dead_letters=True)
    return build_worker(consumer, settings, SUBSCRIBED_TOPICS)


def build_relay(settings: AssessmentSettings) -> OutboxRelay:
    return OutboxRelay(
        app=AssessmentApplication(settings),
        settings=settings,
        source="btxh/assessment",
        topic=topics.ASSESSMENT_EVENTS,
        to_contract=to_contract,
    )


def build_scheduler(settings: AssessmentSettings) -> DailyScheduler:
    app = AssessmentApplication(settings)
    return DailyScheduler(
        app,
        app.open_deadline_register(),
        url=settings.database_url,
        schema=settings.schema_name("assessment"),
    )


def build_chains(settings: AssessmentSettings) -> list[ChainedTable]:
    """What `verify` checks: the hash chains of assessment's stored events and of its read log."""
    from backbone.access_log import AccessLog  # imports the web framework: here only

    application = AssessmentApplication(settings)
    access_log = AccessLog(settings.database_url, settings.schema_name("assessment"))
    return [*application.event_chains(), *access_log.chains()]
