"""Shared fixtures: one real PostgreSQL and one real broker per session; systems isolated by
prefix. Tiers: every test is marked by what it needs (see `pytest_collection_modifyitems`)."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backbone.system import System
from tests.support import infra as infra_support
from tests.support.api import Client
from tests.support.systems import READY_TIMEOUT, new_system

LOG_DIR = infra_support.RUN_DIR / "logs"
TESTS = Path(__file__).parent

#: The fast tier (`make test-fast`): what needs neither PostgreSQL nor the broker.
FAST_TIER = "not system and not integration"


def pytest_report_header(config: pytest.Config) -> str:
    if config.option.markexpr == FAST_TIER:
        return "Infrastructure: none (fast tier: eventsourcing's in-memory store, no PostgreSQL, no broker)"
    return infra_support.describe(infra_support.choice())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by what it needs: `system` when it starts service processes (everything
    under tests/system, or a test using a system fixture), `integration` when it needs the real
    PostgreSQL or broker but no process (tests/integration, or a test using `infra`); the rest
    is the fast tier. A store-parametrized contract test marks its PostgreSQL case itself."""
    for item in items:
        path = Path(str(item.path))
        fixtures = set(getattr(item, "fixturenames", ()))
        if TESTS / "system" in path.parents or fixtures & {"system", "make_system"}:
            item.add_marker(pytest.mark.system)
        elif TESTS / "integration" in path.parents or "infra" in fixtures:
            item.add_marker(pytest.mark.integration)


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
        system.stop(at_once=True)


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
        system.stop(at_once=True)


@pytest.fixture(scope="session")
def _shared_system(infra: infra_support.Infra) -> Iterator[System]:
    started = _start(infra)
    yield started
    started.stop(at_once=True)


@pytest.fixture(scope="module")
def system(request: pytest.FixtureRequest, infra: infra_support.Infra) -> Iterator[System]:
    """A system shared by the tests of one module (they isolate themselves by case ids).

    A module that sets SHARED_SYSTEM = True runs on one system shared with the other such
    modules of its pytest-xdist worker: its tests touch only cases they create and never count
    what a whole commune, month or service holds. A system start costs about half a minute of
    both cores, most of what a small module takes."""
    if getattr(request.module, "SHARED_SYSTEM", False):
        yield request.getfixturevalue("_shared_system")
        return
    started = _start(infra)
    yield started
    started.stop(at_once=True)


@pytest.fixture(scope="module")
def client(system: System) -> Client:
    return Client(system)
