"""Shared fixtures: one real PostgreSQL and one real broker per session; systems isolated by prefix."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backbone.system import System
from tests.support import infra as infra_support
from tests.support.api import Client
from tests.support.systems import READY_TIMEOUT, new_system

LOG_DIR = infra_support.RUN_DIR / "logs"


def pytest_report_header(config: pytest.Config) -> str:
    return infra_support.describe(infra_support.choice())


@pytest.fixture(scope="session")
def infra() -> Iterator[infra_support.Infra]:
    started = infra_support.start()
    yield started
    started.stop()


SystemFactory = Callable[..., System]


@pytest.fixture(scope="session")
def make_system(infra: infra_support.Infra) -> Iterator[SystemFactory]:
    """Start a whole system with its own schemas, topics and consumer groups (a fresh prefix)."""
    systems: list[System] = []

    def make(
        *,
        kafka_bootstrap: str | None = None,
        database_url: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> System:
        system = new_system(
            database_url=database_url or infra.database_url,
            kafka_bootstrap=kafka_bootstrap or infra.kafka_bootstrap,
            log_dir=Path(LOG_DIR),
            extra_env=extra_env,
        )
        systems.append(system)
        system.start()
        system.wait_ready(timeout=READY_TIMEOUT)
        return system

    yield make
    for system in systems:
        system.stop()


@pytest.fixture(scope="module")
def system(make_system: SystemFactory) -> System:
    """A system shared by the tests of one module (they isolate themselves by case ids)."""
    return make_system()


@pytest.fixture(scope="module")
def client(system: System) -> Client:
    return Client(system)
