"""How a test (or the bench) builds one whole system, isolated from others by a fresh prefix.

A plain function, not a fixture, so that scripts such as tests/bench can use it too.
"""

import base64
import secrets
import uuid
from collections.abc import Mapping
from pathlib import Path

from backbone.system import PROCESSES, SERVICES, System
from tests.support.infra import free_port
from tests.support.signing import system_keys

READY_TIMEOUT = 90.0


def new_system(
    *,
    database_url: str,
    kafka_bootstrap: str,
    log_dir: Path,
    extra_env: Mapping[str, str] | None = None,
    processes: tuple[tuple[str, str], ...] = PROCESSES,
) -> System:
    """A system (not started) with its own schemas, topics and consumer groups and free ports;
    its events are stored encrypted and its services sign with the test keys
    (tests/support/signing.py). `processes`: all of them, or the few a test needs."""
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    return System(
        database_url=database_url,
        kafka_bootstrap=kafka_bootstrap,
        ports={service: free_port() for service in SERVICES},
        log_dir=log_dir,
        prefix=prefix,
        extra_env={
            "BTXH_LOG_LEVEL": "INFO",
            # every test system stores its events encrypted, as make run and compose do
            "BTXH_CIPHER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            **(extra_env or {}),
        },
        signing_keys=system_keys(),
        processes=processes,
    )
