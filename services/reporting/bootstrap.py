"""Composition root of reporting: builds every process from ReportingSettings."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from backbone.chain import ChainedTable
from backbone.signing import verifier_from
from backbone.tracked_consumer import ParkingStore, TrackedConsumer, dead_letter_producer
from contracts import topics
from reference.valuation import Valuation
from services.reporting.messaging import inbound
from services.reporting.projections import history
from services.reporting.projections.catalog import (
    ActiveProjection,
    OpenProjection,
    ProjectionCatalog,
    consumer_of,
)
from services.reporting.projections.store import ProjectionStore
from services.reporting.rebuild import ProjectionConsumer, ProjectionRunner, Rebuilds
from services.reporting.settings import ReportingSettings

if TYPE_CHECKING:  # each process imports only what it runs (backbone.service_main)
    from fastapi import FastAPI
    from faststream import FastStream

#: Case events, and the health-insurance notices the inspection checks time.
SUBSCRIBED_TOPICS = (*topics.CASE_EVENT_TOPICS, topics.HEALTH_INSURANCE_NOTICES)


def consumer_name(settings: ReportingSettings) -> str:
    """One consumer (and consumer group) per projection schema, so a rebuild reads from zero."""
    return consumer_of(settings.projection_schema)


def build_consumer_for(
    settings: ReportingSettings,
    store: ProjectionStore,
    *,
    publish_dead_letters: bool,
    updating: Callable[[], bool] | None = None,
) -> TrackedConsumer:
    """The consumer of `settings.projection_schema`; it stops applying when `updating` says
    the projection was retired or dropped. A worker's (`publish_dead_letters`) verifies what
    it reads and signs its dead letters as reporting; an API's only re-drives."""
    typed, fallback = inbound.handlers(store)
    name = consumer_name(settings)
    return ProjectionConsumer(
        updating=updating or (lambda: True),
        name=name,
        tracking=store,
        handlers=typed,
        fallback=fallback,
        parking=ParkingStore(settings.database_url, settings.projections(), name),
        dead_letter_topic=settings.topic(topics.dead_letter_topic(name)),
        producer=dead_letter_producer(settings, "reporting") if publish_dead_letters else None,
        verifier=verifier_from(settings) if publish_dead_letters else None,
    )


def build_catalog(settings: ReportingSettings) -> ProjectionCatalog:
    return ProjectionCatalog(
        settings.database_url,
        prefix=settings.prefix,
        service="reporting",
        first=settings.projection_schema,
    )


def build_api(settings: ReportingSettings) -> "FastAPI":
    from services.reporting.api import create_app

    if not settings.catalogued():  # pinned to BTXH_PROJECTION_SCHEMA
        store = ProjectionStore(
            settings.database_url, settings.projections(), Valuation.of(settings.policy_dir)
        )
        consumer = build_consumer_for(settings, store, publish_dead_letters=False)
        return create_app(settings, store, lambda: consumer)

    def open_projection(name: str) -> OpenProjection:
        projection = settings.for_projection(name)
        store = ProjectionStore(
            settings.database_url, projection.projections(), Valuation.of(settings.policy_dir)
        )
        return OpenProjection(
            store, build_consumer_for(projection, store, publish_dead_letters=False)
        )

    catalog = build_catalog(settings)
    active = ActiveProjection(catalog, open_projection)
    app = create_app(settings, active.current().store, lambda: active.current().consumer)
    app.state.projections = active  # what deps.projection_store reads
    app.state.rebuilds = Rebuilds(settings, catalog, SUBSCRIBED_TOPICS)
    return app


def build_worker_app(settings: ReportingSettings) -> "FastStream":
    from backbone.worker import build_worker

    if not settings.catalogued():  # pinned: a hand-started rebuild into another schema
        store = ProjectionStore(
            settings.database_url, settings.projections(), Valuation.of(settings.policy_dir)
        )
        consumer = build_consumer_for(settings, store, publish_dead_letters=True)
        return build_worker(consumer, settings, SUBSCRIBED_TOPICS)

    def open_consumer(name: str, updating: Callable[[], bool]) -> TrackedConsumer:
        projection = settings.for_projection(name)
        store = ProjectionStore(
            settings.database_url, projection.projections(), Valuation.of(settings.policy_dir)
        )
        return build_consumer_for(projection, store, publish_dead_letters=True, updating=updating)

    # The subscriber serves the projection live at start; the runner feeds any other
    # (a rebuild, and after a switch-over the projection it rebuilt).
    rebuilds = Rebuilds(settings, build_catalog(settings), SUBSCRIBED_TOPICS)
    served = rebuilds.catalog.active()
    app = build_worker(
        open_consumer(served, rebuilds.catalog.updating(served, every=1.0)),
        settings,
        SUBSCRIBED_TOPICS,
    )
    runner = ProjectionRunner(
        rebuilds,
        served=served,
        open_consumer=open_consumer,
        poll_seconds=settings.projection_poll_seconds,
    )
    app.after_startup(runner.start)
    app.on_shutdown(runner.stop)
    return app


def build_chains(settings: ReportingSettings) -> list[ChainedTable]:
    """What `verify` checks: the hash chains of reporting's read log and of the case history
    of the projection the API serves (opened as the API opens it)."""
    from backbone.access_log import AccessLog  # imports the web framework: here only

    served = settings
    if settings.catalogued():
        served = settings.for_projection(build_catalog(settings).active())
    schema = served.projections()
    ProjectionStore(settings.database_url, schema, Valuation.of(settings.policy_dir))
    access_log = AccessLog(settings.database_url, settings.schema_name("reporting"))
    return [*access_log.chains(), history.chained(schema)]
