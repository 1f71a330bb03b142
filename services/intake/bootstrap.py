"""Composition root of intake: builds every process from IntakeSettings."""

from fastapi import FastAPI

from backbone.relay import OutboxRelay
from contracts import topics
from services.intake.api import create_app
from services.intake.application import IntakeApplication
from services.intake.messaging.outbound import to_contract
from services.intake.settings import IntakeSettings


def build_api(settings: IntakeSettings) -> FastAPI:
    return create_app(settings, IntakeApplication(settings))


def build_relay(settings: IntakeSettings) -> OutboxRelay:
    return OutboxRelay(
        app=IntakeApplication(settings),
        settings=settings,
        source="btxh/intake",
        topic=topics.INTAKE_EVENTS,
        to_contract=to_contract,
        kill_after_publish=settings.relay_kill_after_publish,
    )
