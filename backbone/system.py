"""Starts and supervises every btxh process against a given PostgreSQL and Kafka.

Used by `make run` (backbone.launcher) and by the system tests. A process that exits is
started again (a worker exits on purpose when the broker lost its log), unless it was
stopped on purpose.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from backbone.signing import (
    PUBLIC_KEYS_VARIABLE,
    SIGNING_KEY_VARIABLE,
    parse_private_key,
    public_keys_text,
)

log = logging.getLogger(__name__)

SERVICES = ("intake", "assessment", "payment", "reporting")
PROCESSES: tuple[tuple[str, str], ...] = (
    ("intake", "api"),
    ("intake", "worker"),
    ("intake", "relay"),
    ("assessment", "api"),
    ("assessment", "worker"),
    ("assessment", "relay"),
    ("assessment", "scheduler"),
    ("payment", "api"),
    ("payment", "worker"),
    ("payment", "relay"),
    ("reporting", "api"),
    ("reporting", "worker"),
)
#: The kinds of process that publish (a relay its service's events, a worker its dead
#: letters): only they are given their service's private key.
SIGNING_KINDS = frozenset({"relay", "worker"})


@dataclass
class ManagedProcess:
    service: str
    kind: str
    env: dict[str, str]
    log_file: Path
    popen: subprocess.Popen[bytes] | None = None
    wanted: bool = True
    restarts: int = 0
    exit_codes: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.service}-{self.kind}"

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as output:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", f"services.{self.service}", self.kind],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


class System:
    """The four services' processes, with one environment each."""

    def __init__(
        self,
        *,
        database_url: str,
        kafka_bootstrap: str,
        ports: Mapping[str, int],
        log_dir: Path,
        prefix: str = "",
        extra_env: Mapping[str, str] | None = None,
        processes: tuple[tuple[str, str], ...] = PROCESSES,
        signing_keys: Mapping[str, str] | None = None,
    ) -> None:
        """`signing_keys`: each service's private key (base64); every process is given every
        public key, and a relay or worker its own service's private key, no other."""
        self.ports = dict(ports)
        self.prefix = prefix
        self.signing_keys = dict(signing_keys or {})
        public = {s: parse_private_key(k) for s, k in self.signing_keys.items()}
        base = {
            **{n: v for n, v in os.environ.items() if n != SIGNING_KEY_VARIABLE},
            "BTXH_DATABASE_URL": database_url,
            "BTXH_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "BTXH_PREFIX": prefix,
            # reporting resolves an ID number through intake's API
            "BTXH_INTAKE_URL": f"http://127.0.0.1:{self.ports['intake']}",
            "PYTHONUNBUFFERED": "1",
            **({PUBLIC_KEYS_VARIABLE: public_keys_text(public)} if public else {}),
            **(extra_env or {}),
        }
        self._base = base
        self.processes = {
            f"{service}-{kind}": ManagedProcess(
                service=service,
                kind=kind,
                env=self._env(service, kind),
                log_file=log_dir / f"{prefix}{service}-{kind}.log",
            )
            for service, kind in processes
        }
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._supervisor: threading.Thread | None = None

    def _env(self, service: str, kind: str) -> dict[str, str]:
        env = {**self._base, "BTXH_HTTP_PORT": str(self.ports[service])}
        if kind in SIGNING_KINDS and service in self.signing_keys:
            env[SIGNING_KEY_VARIABLE] = self.signing_keys[service]
        return env

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self) -> None:
        for process in self.processes.values():
            process.start()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()

    def _supervise(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                for process in self.processes.values():
                    if process.wanted and process.popen and process.popen.poll() is not None:
                        code = process.popen.returncode
                        process.exit_codes.append(code)
                        process.restarts += 1
                        log.warning("%s exited with %s; starting it again", process.name, code)
                        process.start()

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Wait until every API answers /health; return the seconds it took."""
        started = time.monotonic()
        services = {p.service for p in self.processes.values() if p.kind == "api"}
        pending = set(services)
        while pending:
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"not ready after {timeout}s: {', '.join(sorted(pending))}")
            for service in list(pending):
                if self._answers_health(service):
                    pending.discard(service)
            if pending:
                time.sleep(0.2)
        return time.monotonic() - started

    def _answers_health(self, service: str) -> bool:
        """Whether this system's own API process of `service` answers /health (not another
        process that happens to listen on its port)."""
        api = self.processes[f"{service}-api"]
        try:
            response = httpx.get(self.url(service) + "/health", timeout=1)
        except httpx.HTTPError:
            return False
        if response.status_code != 200 or api.popen is None:
            return False
        answered_by = response.json().get("pid")
        return answered_by is None or answered_by == str(api.popen.pid)

    def kill(self, name: str, sig: int = signal.SIGKILL, *, restart: bool = False) -> None:
        """Send a signal; the process stays down unless `restart` (then the supervisor acts)."""
        with self._lock:
            process = self.processes[name]
            process.wanted = restart
            if process.popen and process.popen.poll() is None:
                os.killpg(process.popen.pid, sig)
        if process.popen:
            process.popen.wait(15)

    def wait_exit(self, name: str, timeout: float = 30.0) -> int:
        """Wait for a process to end by itself (e.g. fault injection); keep it down."""
        process = self.processes[name]
        with self._lock:
            process.wanted = False
        assert process.popen is not None
        return process.popen.wait(timeout)

    def start_process(self, name: str, env: Mapping[str, str] | None = None) -> None:
        with self._lock:
            process = self.processes[name]
            if process.alive():
                raise RuntimeError(f"{name} is running")
            if env is not None:
                process.env.update(env)
            process.wanted = True
            process.start()

    def add_process(self, name: str, service: str, kind: str, env: Mapping[str, str]) -> None:
        """Start one more process, e.g. a second reporting worker rebuilding into another schema."""
        template = next(p for p in self.processes.values() if p.service == service)
        process = ManagedProcess(
            service=service,
            kind=kind,
            env={**self._env(service, kind), **env},
            log_file=template.log_file.with_name(f"{self.prefix}{name}.log"),
        )
        with self._lock:
            self.processes[name] = process
            process.start()

    def stop(self, *, at_once: bool = False) -> None:
        """Stop every process: SIGTERM and up to ten seconds to finish, or, `at_once`, SIGKILL
        (for tests: everything is in PostgreSQL, and a killed process loses nothing)."""
        self._stop.set()
        if self._supervisor:
            self._supervisor.join(5)
        sig = signal.SIGKILL if at_once else signal.SIGTERM
        for process in self.processes.values():
            if process.alive():
                assert process.popen is not None
                os.killpg(process.popen.pid, sig)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            if process.popen is None:
                continue
            try:
                process.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
