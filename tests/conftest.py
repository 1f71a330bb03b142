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


def _start(
    infra: infra_support.Infra,
    *,
    database_url: str | None = None,
    kafka_bootstrap: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> System:
    system = new_system(
        database_url=database_url or infra.database_url,
        kafka_bootstrap=kafka_bootstrap or infra.kafka_bootstrap,
        log_dir=Path(LOG_DIR),
        extra_env=extra_env,
    )
    _ALL.append(system)
    system.start()
    system.wait_ready(timeout=READY_TIMEOUT)
    return system


_ALL: list[System] = []


@pytest.fixture(scope="session", autouse=True)
def _stop_every_system_at_the_end() -> Iterator[None]:
    """Safety net: a system whose fixture could not stop it is stopped with the session."""
    yield
    for system in _ALL:
        system.stop()


@pytest.fixture
def make_system(infra: infra_support.Infra) -> Iterator[SystemFactory]:
    """Start whole systems for one test, each with its own schemas, topics and consumer groups
    (a fresh prefix); they are stopped when the test ends, so tests never pile up processes
    or database connections."""
    mine: list[System] = []

    def make(
        *,
        database_url: str | None = None,
        kafka_bootstrap: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> System:
        system = _start(
            infra,
            database_url=database_url,
            kafka_bootstrap=kafka_bootstrap,
            extra_env=extra_env,
        )
        mine.append(system)
        return system

    yield make
    for system in mine:
        system.stop()


@pytest.fixture(scope="module")
def system(infra: infra_support.Infra) -> Iterator[System]:
    """A system shared by the tests of one module (they isolate themselves by case ids)."""
    started = _start(infra)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(system: System) -> Client:
    return Client(system)
