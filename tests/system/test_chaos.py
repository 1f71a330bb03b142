"""A few hundred cases driven to approval and a payroll while service processes and the broker
are SIGKILLed at random: nothing lost, nothing doubled, nothing parked, and a projection rebuilt
from zero equals the live one. `make chaos` runs the same at a size for a person to watch."""

import threading
from pathlib import Path

from backbone.embedded import EmbeddedBroker
from tests.conftest import LOG_DIR, SystemFactory
from tests.support import infra as infra_support
from tests.support.chaos import Chaos

CASES = 80
KILLS = 5


def test_cases_driven_through_random_kills_of_processes_and_the_broker_lose_and_double_nothing(
    make_system: SystemFactory,
) -> None:
    broker = EmbeddedBroker(infra_support.free_port(), Path(LOG_DIR) / "chaos-broker.log")
    broker.start()
    supervising = threading.Event()
    try:
        broker.supervise(supervising)
        system = make_system(kafka_bootstrap=broker.bootstrap)
        report = Chaos(system, broker, seed=7, kill_every=6.0, progress=print).run(CASES, KILLS)
        print(report.render())
        assert len(report.kills) >= 4, report.render()
        assert report.passed, report.render()
    finally:
        supervising.set()
        broker.stop()
