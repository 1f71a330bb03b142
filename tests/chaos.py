"""`make chaos`: thousands of cases through the public APIs while dozens of random SIGKILLs hit
the service processes and the broker; prints the kills, the recovery times and the checks.

    python -m tests.chaos --cases 2000 --kills 40 --every 4 --seed 1

It runs on its own embedded PostgreSQL and broker under .data/chaos (apart from the tests).
"""

import argparse
import sys
import threading
import time

from backbone.embedded import EmbeddedBroker, EmbeddedPostgres
from tests.support.chaos import Chaos
from tests.support.infra import ROOT, free_port
from tests.support.systems import READY_TIMEOUT, new_system

RUN_DIR = ROOT / ".data" / "chaos"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument(
        "--every", type=float, default=4.0, help="seconds between kills, on average"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    postgres = EmbeddedPostgres(RUN_DIR / "postgres")
    broker = EmbeddedBroker(free_port(), RUN_DIR / "logs" / "broker.log")
    supervising = threading.Event()
    database_url = postgres.start()
    broker.start()
    broker.supervise(supervising)
    system = new_system(
        database_url=database_url, kafka_bootstrap=broker.bootstrap, log_dir=RUN_DIR / "logs"
    )
    started = time.monotonic()
    try:
        system.start()
        system.wait_ready(timeout=READY_TIMEOUT)
        print(f"system {system.prefix} ready; logs in {RUN_DIR / 'logs'}", flush=True)
        chaos = Chaos(
            system,
            broker,
            seed=args.seed,
            kill_every=args.every,
            progress=lambda line: print(
                f"  {time.monotonic() - started:6.0f} s  {line}", flush=True
            ),
        )
        report = chaos.run(args.cases, args.kills)
    finally:
        supervising.set()
        system.stop()
        broker.stop()
        postgres.stop()
    print(report.render())
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
