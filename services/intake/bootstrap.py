"""Composition root of intake: builds every process from IntakeSettings."""

from typing import TYPE_CHECKING

from backbone.chain import ChainedTable
from backbone.relay import OutboxRelay
from backbone.tracked_consumer import TrackedConsumer, build_consumer
from contracts import topics
from services.intake.application import IntakeApplication
from services.intake.messaging import inbound
from services.intake.messaging.outbound import to_contract
from services.intake.settings import IntakeSettings

if TYPE_CHECKING:  # each process imports only what it runs (backbone.service_main)
    from fastapi import FastAPI
    from faststream import FastStream

CONSUMER = "intake"
SUBSCRIBED_TOPICS = (topics.ASSESSMENT_EVENTS,)


def build_consumer_for(
    settings: IntakeSettings, app: IntakeApplication, *, publish_dead_letters: bool
) -> TrackedConsumer:
    return build_consumer(
        name=CONSUMER,
        service="intake",
        tracking=app,
        handlers=inbound.handlers(app),
        settings=settings,
        publish_dead_letters=publish_dead_letters,
    )


def build_api(settings: IntakeSettings) -> "FastAPI":
    from services.intake.api import create_app

    app = IntakeApplication(settings)
    consumer = build_consumer_for(settings, app, publish_dead_letters=False)
    return create_app(settings, app, lambda: consumer)


def build_worker_app(settings: IntakeSettings) -> "FastStream":
    from backbone.worker import build_worker

    app = IntakeApplication(settings)
    consumer = build_consumer_for(settings, app, publish_dead_letters=True)
    return build_worker(consumer, settings, SUBSCRIBED_TOPICS)


def build_relay(settings: IntakeSettings) -> OutboxRelay:
    return OutboxRelay(
        app=IntakeApplication(settings),
        settings=settings,
        source="btxh/intake",
        topic=topics.INTAKE_EVENTS,
        to_contract=to_contract,
        kill_after_publish=settings.relay_kill_after_publish,
    )


def build_chains(settings: IntakeSettings) -> list[ChainedTable]:
    """What `verify` checks: the hash chains of intake's stored events and of its read log."""
    from backbone.access_log import AccessLog  # imports the web framework: here only

    application = IntakeApplication(settings)
    access_log = AccessLog(settings.database_url, settings.schema_name("intake"))
    return [*application.event_chains(), *access_log.chains()]
