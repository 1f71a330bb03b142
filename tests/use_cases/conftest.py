"""The fast tier's applications: each service's Application on eventsourcing's in-memory
store with its in-memory side tables (settings.event_store = "memory"), one per test."""

from collections.abc import Iterator

import pytest

from services.assessment.application import AssessmentApplication
from services.assessment.settings import AssessmentSettings
from services.intake.application import IntakeApplication
from services.intake.settings import IntakeSettings
from services.payment.application import PaymentApplication
from services.payment.settings import PaymentSettings


@pytest.fixture
def intake() -> Iterator[IntakeApplication]:
    app = IntakeApplication(IntakeSettings(event_store="memory"))
    yield app
    app.close()


@pytest.fixture
def assessment() -> Iterator[AssessmentApplication]:
    app = AssessmentApplication(AssessmentSettings(event_store="memory"))
    yield app
    app.close()


@pytest.fixture
def payment() -> Iterator[PaymentApplication]:
    app = PaymentApplication(PaymentSettings(event_store="memory"))
    yield app
    app.close()
