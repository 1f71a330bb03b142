"""Composition root of reporting: builds every process from ReportingSettings."""

from fastapi import FastAPI
from faststream import FastStream

from backbone.tracked_consumer import TrackedConsumer, build_consumer
from backbone.worker import build_worker
from contracts import topics
from services.reporting.api import create_app
from services.reporting.messaging import inbound
from services.reporting.projections.store import ProjectionStore
from services.reporting.settings import ReportingSettings

#: Case events, and the health-insurance notices the inspection checks time.
SUBSCRIBED_TOPICS = (*topics.CASE_EVENT_TOPICS, topics.HEALTH_INSURANCE_NOTICES)


def consumer_name(settings: ReportingSettings) -> str:
    """One consumer (and consumer group) per projection schema, so a rebuild reads from zero."""
    return settings.projection_schema.replace("_", "-")


def build_consumer_for(
    settings: ReportingSettings, store: ProjectionStore, *, publish_dead_letters: bool
) -> TrackedConsumer:
    typed, fallback = inbound.handlers(store)
    return build_consumer(
        name=consumer_name(settings),
        service=settings.projection_schema,
        tracking=store,
        handlers=typed,
        fallback=fallback,
        settings=settings,
        publish_dead_letters=publish_dead_letters,
    )


def build_api(settings: ReportingSettings) -> FastAPI:
    store = ProjectionStore(settings.database_url, settings.projections())
    consumer = build_consumer_for(settings, store, publish_dead_letters=False)
    return create_app(settings, store, lambda: consumer)


def build_worker_app(settings: ReportingSettings) -> FastStream:
    store = ProjectionStore(settings.database_url, settings.projections())
    consumer = build_consumer_for(settings, store, publish_dead_letters=True)
    return build_worker(consumer, settings, SUBSCRIBED_TOPICS)
