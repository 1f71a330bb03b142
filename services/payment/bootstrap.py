"""Composition root of payment: builds every process from PaymentSettings."""

from typing import TYPE_CHECKING

from backbone.chain import ChainedTable
from backbone.relay import OutboxRelay
from backbone.tracked_consumer import TrackedConsumer, build_consumer
from contracts import topics
from services.payment.application import PaymentApplication
from services.payment.messaging import inbound
from services.payment.messaging.outbound import to_contract
from services.payment.settings import PaymentSettings

if TYPE_CHECKING:  # each process imports only what it runs (backbone.service_main)
    from fastapi import FastAPI
    from faststream import FastStream

CONSUMER = "payment"
#: Assessment's decisions; intake's for the jurisdiction of cases of split old communes.
SUBSCRIBED_TOPICS = (topics.ASSESSMENT_EVENTS, topics.INTAKE_EVENTS)


def build_consumer_for(
    settings: PaymentSettings, app: PaymentApplication, *, publish_dead_letters: bool
) -> TrackedConsumer:
    return build_consumer(
        name=CONSUMER,
        service="payment",
        tracking=app,
        handlers=inbound.handlers(app),
        settings=settings,
        publish_dead_letters=publish_dead_letters,
    )


def build_api(settings: PaymentSettings) -> "FastAPI":
    from services.payment.api import create_app

    app = PaymentApplication(settings)
    consumer = build_consumer_for(settings, app, publish_dead_letters=False)
    return create_app(settings, app, lambda: consumer)


def build_worker_app(settings: PaymentSettings) -> "FastStream":
    from backbone.worker import build_worker

    app = PaymentApplication(settings)
    consumer = build_consumer_for(settings, app, publish_dead_letters=True)
    return build_worker(consumer, settings, SUBSCRIBED_TOPICS)


def build_relay(settings: PaymentSettings) -> OutboxRelay:
    return OutboxRelay(
        app=PaymentApplication(settings),
        settings=settings,
        source="btxh/payment",
        topic=topics.PAYMENT_EVENTS,
        to_contract=to_contract,
    )


def build_chains(settings: PaymentSettings) -> list[ChainedTable]:
    """What `verify` checks: the hash chains of payment's stored events and of its read log."""
    from backbone.access_log import AccessLog  # imports the web framework: here only

    application = PaymentApplication(settings)
    access_log = AccessLog(settings.database_url, settings.schema_name("payment"))
    return [*application.event_chains(), *access_log.chains()]
