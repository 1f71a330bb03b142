"""Process entry points shared by every service: `api`, `relay`, `worker`, `verify`.

Each process imports only what it runs (the web framework for an API, the consumer framework
for a worker): a system starts twelve processes on two cores, and imports are most of it.
"""

import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from backbone.kafka import wait_for_broker
from backbone.settings import BackboneSettings
from backbone.signing import SigningKeyProblem

if TYPE_CHECKING:
    from fastapi import FastAPI
    from faststream import FastStream

    from backbone.chain import ChainedTable
    from backbone.relay import OutboxRelay

#: Exit status of `verify` when a chain is broken (a failure to run exits 1, with a traceback).
EXIT_CHAIN_BROKEN = 3


def configure_logging(settings: BackboneSettings, process: str) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format=f"%(asctime)s %(levelname)s [{process}] %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("eventsourcing").setLevel(logging.WARNING)
    # While the broker is away the Kafka clients log every reconnection attempt as an error
    # (thousands of lines a minute); backbone.kafka.BrokerOutage says it once instead.
    for chatty in ("kafka", "aiokafka"):
        logging.getLogger(chatty).setLevel(logging.CRITICAL)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def serve_api(app: "FastAPI", settings: BackboneSettings, port: int, port_variable: str) -> None:
    import uvicorn

    if not port_is_free(settings.http_host, port):
        sys.exit(
            f"port {port} on {settings.http_host} is already taken: stop what uses it or "
            f"choose another with {port_variable}=<port>"
        )
    uvicorn.run(app, host=settings.http_host, port=port, log_level="warning", access_log=False)


def run_relay(relay_factory: Callable[[], "OutboxRelay"]) -> None:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    relay_factory().run(stop)


def run_worker(
    app_factory: Callable[[], "FastStream"], settings: BackboneSettings, who: str
) -> None:
    """Wait for the broker (the consumer and its dead-letter producer need it), then consume."""
    import asyncio

    stop = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    if not wait_for_broker(settings.kafka_bootstrap, who, stop):
        return
    for signum, handler in previous.items():
        signal.signal(signum, handler)
    asyncio.run(app_factory().run())


def run_verify(
    service: str, settings: BackboneSettings, chains: Callable[[], "Sequence[ChainedTable]"]
) -> None:
    """`python -m services.<service> verify`: the service's hash chains verified now, printed as
    JSON (what GET /ops/integrity answers); exits EXIT_CHAIN_BROKEN when one is broken."""
    from backbone.chain import verify_service

    report = verify_service(settings.database_url, service, chains())
    print(report.model_dump_json(indent=2))
    if not report.verified:
        sys.exit(EXIT_CHAIN_BROKEN)


def dispatch(
    commands: dict[str, Callable[[], Any]],
    argv: list[str],
    service: str,
    settings: BackboneSettings,
) -> None:
    """`python -m services.<service> <command>`."""
    if len(argv) < 2 or argv[1] not in commands:
        sys.exit(f"usage: python -m services.{service} {{{'|'.join(commands)}}}")
    if settings.event_store != "postgres":
        # The in-memory store keeps nothing and shares nothing between processes.
        sys.exit(
            f"BTXH_EVENT_STORE={settings.event_store} is for the fast tests only: a process "
            "of a running system keeps its events in PostgreSQL (unset it, or set postgres)"
        )
    try:
        commands[argv[1]]()
    except SigningKeyProblem as problem:
        sys.exit(f"services.{service} {argv[1]} refuses to start: {problem}")
