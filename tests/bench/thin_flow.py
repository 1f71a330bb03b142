"""Thin-flow throughput, as a ratio to raw Kafka and PostgreSQL baselines of the same run.

Machines are shared and noisy, so an absolute cases/s figure means little on its own: the
bench measures, in one run and against the same embedded stack, how fast a bare producer
(the relay's settings) round-trips messages and how fast PostgreSQL commits single-row
transactions, and reports the thin flow against both. The baselines run just before and
just after the flow; a large spread between the two says the machine drifted meanwhile.
One case goes through the whole flow first (warm-up), so consumer-group joins do not count.

`make bench` (N=200), or `python -m tests.bench.thin_flow --cases 50`, or BTXH_BENCH_CASES.
Everything runs under .data/bench (PostgreSQL data, broker and service logs), apart from
the tests' .data/test.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TypeVar

import psycopg
from psycopg import sql

import contracts
from backbone.embedded import EmbeddedBroker, EmbeddedPostgres
from backbone.kafka import KafkaAdmin, OrderedProducer, OutboundMessage
from backbone.system import System
from tests.support.api import Client
from tests.support.eventually import eventually
from tests.support.infra import ROOT, Infra, free_port
from tests.support.kafka import read_topic
from tests.support.systems import READY_TIMEOUT, new_system

RUN_DIR = ROOT / ".data" / "bench"
LOG_DIR = RUN_DIR / "logs"
DEFAULT_CASES = 200
#: HTTP calls run on this many threads: a few officers at once, not a load generator.
HTTP_THREADS = 4
MESSAGE_BYTES = 1536
#: Messages each case puts on the bus: received, opened, reviewed, posted, approved, enrolled.
MESSAGES_PER_CASE = 6

#: Before/after baselines further apart than this make the ratios untrustworthy.
UNSTABLE_SPREAD = 2.0

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Baseline:
    """Raw rates of the two things every step of the flow pays for: an acked send, a commit."""

    kafka_produce_per_s: float
    kafka_round_trip_per_s: float
    pg_commits_per_s: float

    def mean(self, other: "Baseline") -> "Baseline":
        return Baseline(
            (self.kafka_produce_per_s + other.kafka_produce_per_s) / 2,
            (self.kafka_round_trip_per_s + other.kafka_round_trip_per_s) / 2,
            (self.pg_commits_per_s + other.pg_commits_per_s) / 2,
        )


@dataclass
class Flow:
    """The thin flow's phases, one after the other: their sum is first POST to last case active."""

    cases: int
    intake_s: float
    assessment_wait_s: float
    approval_s: float
    register_wait_s: float

    @property
    def total_s(self) -> float:
        return self.intake_s + self.assessment_wait_s + self.approval_s + self.register_wait_s


def start_embedded() -> Infra:
    """The embedded stack of the tests, but under .data/bench so a bench never meets a test run."""
    postgres = EmbeddedPostgres(RUN_DIR / "postgres")
    infra = Infra("embedded", postgres.start(), "")
    infra._stoppers.append(postgres.stop)
    try:
        broker = EmbeddedBroker(free_port(), LOG_DIR / "broker.log")
        infra._stoppers.append(broker.stop)
        infra.kafka_bootstrap = broker.start()
    except BaseException:
        infra.stop()
        raise
    return infra


def sample_message(sequence: int) -> bytes:
    """A real dossier_received envelope padded to MESSAGE_BYTES (bus envelopes are 1-1.3 KB)."""
    path = Path(contracts.__file__).parent / "examples" / "vn.btxh.intake.dossier_received.v1.json"
    envelope = json.loads(path.read_text(encoding="utf-8"))
    envelope["id"] = str(uuid.uuid4())
    envelope["originatorversion"] = sequence
    envelope["padding"] = ""
    size = len(json.dumps(envelope).encode())
    envelope["padding"] = "x" * max(0, MESSAGE_BYTES - size)
    return json.dumps(envelope).encode()


def kafka_baseline(bootstrap: str, topic: str, count: int) -> tuple[float, float]:
    """Send one message at a time, each awaited, as the relay's producer does; read all back.

    Returns (produce msgs/s, round-trip msgs/s where the time is produce plus consume).
    """
    admin = KafkaAdmin(bootstrap)
    try:
        admin.ensure_topics([topic], partitions=3)  # as the case topics (topic_partitions)
    finally:
        admin.close()
    messages = [
        OutboundMessage(topic, key=str(uuid.uuid4()).encode(), value=sample_message(i))
        for i in range(count)
    ]
    producer = OrderedProducer(bootstrap)
    try:
        producer.send_all(messages[:1])  # connection and metadata, outside the timing
        started = time.perf_counter()
        for message in messages[1:]:
            producer.send_all([message])
        produced = time.perf_counter() - started
    finally:
        producer.close()
    started = time.perf_counter()
    records = read_topic(bootstrap, topic)
    consumed = time.perf_counter() - started
    if len(records) != count:
        raise RuntimeError(f"raw topic {topic}: sent {count}, read back {len(records)}")
    return (count - 1) / produced, (count - 1) / (produced + consumed)


def postgres_baseline(database_url: str, table_name: str, count: int) -> float:
    """Commits/s of single-row INSERT transactions on one connection (the size of an event)."""
    table = sql.Identifier(table_name)
    payload = sample_message(0).decode()
    with psycopg.connect(database_url) as conn:
        conn.execute(
            sql.SQL("CREATE TABLE {} (id bigserial PRIMARY KEY, body jsonb NOT NULL)").format(table)
        )
        conn.commit()
        insert = sql.SQL("INSERT INTO {} (body) VALUES (%s)").format(table)
        try:
            started = time.perf_counter()
            for _ in range(count):
                conn.execute(insert, (payload,))
                conn.commit()
            elapsed = time.perf_counter() - started
        finally:
            conn.rollback()
            conn.execute(sql.SQL("DROP TABLE {}").format(table))
            conn.commit()
    return count / elapsed


def measure_baseline(infra: Infra, prefix: str, label: str, count: int) -> Baseline:
    """Both raw baselines, on a fresh topic and a fresh table named after `label`."""
    produce, round_trip = kafka_baseline(infra.kafka_bootstrap, f"{prefix}bench.{label}", count)
    commits = postgres_baseline(infra.database_url, f"{prefix}bench_{label}", count)
    return Baseline(produce, round_trip, commits)


class Officers:
    """HTTP clients for the thread pool: one Client per thread, none shared across threads."""

    def __init__(self, system: System) -> None:
        self.system = system
        self._local = threading.local()
        self._all: list[Client] = []
        self._lock = threading.Lock()
        self.pool = ThreadPoolExecutor(HTTP_THREADS, thread_name_prefix="officer")

    def client(self) -> Client:
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            client = Client(self.system)
            self._local.client = client
            with self._lock:
                self._all.append(client)
        return client

    def map(self, call: Callable[[Client, T], R], items: Iterable[T]) -> list[R]:
        """Run `call` on every item on the pool; the first failure raises here."""
        return list(self.pool.map(lambda item: call(self.client(), item), items))

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for client in self._all:
            client.http.close()


def approve(client: Client, case_id: str) -> None:
    response = client.approve(case_id)  # review and posting first, as the procedure requires
    if response.status_code != 201:
        raise RuntimeError(f"approval of {case_id}: {response.status_code} {response.text}")


def warm_up(system: System) -> float:
    """Push one case through the whole flow; return its seconds.

    wait_ready only sees the HTTP APIs: the workers may still be joining their consumer
    groups (seconds, on the embedded broker), which must not count as throughput.
    """
    client = Client(system)
    try:
        started = time.perf_counter()
        case_id = client.receive()
        eventually(lambda: client.assessment_case(case_id), timeout=120, what="warm-up assessed")
        approve(client, case_id)
        eventually(
            lambda: (e := client.register_entry(case_id)) and e["status"] == "active",
            timeout=120,
            what="warm-up case active",
        )
        return time.perf_counter() - started
    finally:
        client.http.close()


def thin_flow(system: System, count: int, already_active: int) -> Flow:
    """Receive N dossiers, wait for assessment, approve them all, wait for N active entries.

    The phases follow each other (no approval before every case reached assessment), so
    each has its own rate; end to end is first POST to last case seen active.
    """
    officers = Officers(system)
    watcher = Client(system)
    wait_limit = 60.0 + count  # generous: a timeout here is a finding, not noise
    try:
        started = time.perf_counter()
        case_ids = officers.map(lambda client, _: client.receive(), range(count))
        received = time.perf_counter()

        pending = set(case_ids)

        def assessment_has_all() -> bool:
            """Ask only about the cases still missing; AssertionError says how many (eventually)."""
            asked = list(pending)
            found = officers.map(lambda c, case_id: (case_id, c.assessment_case(case_id)), asked)
            pending.difference_update(case_id for case_id, case in found if case is not None)
            assert not pending, f"{len(pending)} of {count} cases not yet at assessment"
            return True

        def register_has_all() -> bool:
            total = watcher.register(status="active", limit=1)["total"] - already_active
            assert total >= count, f"{total} of {count} cases active in the register"
            return True

        eventually(assessment_has_all, timeout=wait_limit, interval=0.1, what="assessment")
        assessed = time.perf_counter()

        officers.map(approve, case_ids)
        approved = time.perf_counter()

        eventually(register_has_all, timeout=wait_limit, interval=0.1, what="the register")
        active = time.perf_counter()
        total = watcher.register(status="active", limit=1)["total"] - already_active
        if total != count:
            raise RuntimeError(f"register shows {total} active cases; {count} were approved")
    finally:
        officers.close()
        watcher.http.close()
    return Flow(
        cases=count,
        intake_s=received - started,
        assessment_wait_s=assessed - received,
        approval_s=approved - assessed,
        register_wait_s=active - approved,
    )


def peak_rss_kib(pid: int) -> int | None:
    """VmHWM of a live process (Linux /proc; no psutil needed)."""
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def process_report(system: System) -> list[str]:
    """Peak RSS of each service process, and any restart (a process died during the run)."""
    lines: list[str] = []
    total = 0
    for name, process in system.processes.items():
        kib = peak_rss_kib(process.popen.pid) if process.popen else None
        total += kib or 0
        restarts = (
            f"  restarted {process.restarts}x {process.exit_codes}" if process.restarts else ""
        )
        shown = f"{kib / 1024:7.1f} MiB" if kib is not None else "      n/a"
        lines.append(f"  {name:<20} {shown}{restarts}")
    lines.append(f"  {'total':<20} {total / 1024:7.1f} MiB")
    return lines


def parked_report(system: System) -> str:
    """Messages consumers parked during the run: must be none for the figures to count."""
    client = Client(system)
    try:
        counts = {s: len(client.parked(s)) for s in ("assessment", "payment", "reporting")}
    finally:
        client.http.close()
    return ", ".join(f"{service} {n}" for service, n in counts.items())


def row(
    label: str,
    rate: float | None = None,
    unit: str = "",
    seconds: float | None = None,
    digits: int = 1,
) -> str:
    """One aligned line of the table."""
    shown_rate = f"{rate:10.{digits}f} {unit:<8}" if rate is not None else " " * 19
    shown_seconds = f"{seconds:8.2f} s" if seconds is not None else ""
    return f"  {label:<46}{shown_rate}{shown_seconds}".rstrip()


def baseline_row(label: str, unit: str, before: float, after: float) -> str:
    """Before, after and their mean; flagged when the machine drifted too much in between."""
    spread = max(before, after) / min(before, after)
    flag = f"  UNSTABLE ({spread:.1f}x)" if spread > UNSTABLE_SPREAD else ""
    return f"  {label:<46}{before:10.1f}{after:10.1f}{(before + after) / 2:10.1f} {unit}{flag}"


def report(count: int, before: Baseline, after: Baseline, flow: Flow, system: System) -> str:
    """The printed table: absolute figures first, then the ratios that compare across runs."""
    mean = before.mean(after)
    cases_per_s = flow.cases / flow.total_s
    return "\n".join(
        [
            f"btxh thin-flow bench: {count} cases, {HTTP_THREADS} HTTP threads, "
            f"{MESSAGE_BYTES}-byte messages, embedded stack under {RUN_DIR.relative_to(ROOT)}",
            "",
            f"{'baseline (raw; the idle system runs beside it)':<48}"
            f"{'before':>10}{'after':>10}{'mean':>10}",
            baseline_row(
                "kafka produce, acks=all, 1 in flight, awaited",
                "msg/s",
                before.kafka_produce_per_s,
                after.kafka_produce_per_s,
            ),
            baseline_row(
                "kafka round trip (produce, then consume back)",
                "msg/s",
                before.kafka_round_trip_per_s,
                after.kafka_round_trip_per_s,
            ),
            baseline_row(
                "postgres single-row INSERT+COMMIT",
                "commit/s",
                before.pg_commits_per_s,
                after.pg_commits_per_s,
            ),
            "",
            "thin flow (phases in sequence)",
            row("intake POST /dossiers", flow.cases / flow.intake_s, "req/s", flow.intake_s),
            row("until assessment has every case", seconds=flow.assessment_wait_s),
            row(
                "review, posting, approval", flow.cases / flow.approval_s, "case/s", flow.approval_s
            ),
            row("until the register shows all active", seconds=flow.register_wait_s),
            row("end to end (first POST to last active)", cases_per_s, "case/s", flow.total_s, 2),
            "",
            "ratios: end-to-end case/s over the mean baseline "
            f"(each case puts {MESSAGES_PER_CASE} messages on the bus)",
            row(
                "over kafka round-trip msg/s",
                cases_per_s / mean.kafka_round_trip_per_s,
                digits=4,
            ),
            row("over postgres commit/s", cases_per_s / mean.pg_commits_per_s, digits=4),
            "",
            "peak RSS (VmHWM) of the system's processes",
            *process_report(system),
            f"parked messages: {parked_report(system)}",
        ]
    )


def drop_schemas(database_url: str, prefix: str) -> None:
    """Leave the bench's PostgreSQL as it was: the run's schemas go (the data dir stays)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        names = [
            found[0]
            for found in conn.execute(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (prefix,)
            )
        ]
        for name in names:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@contextmanager
def running_system(infra: Infra) -> Iterator[System]:
    """One full system (all processes) with its own prefix; stopped and dropped afterwards."""
    system = new_system(
        database_url=infra.database_url, kafka_bootstrap=infra.kafka_bootstrap, log_dir=LOG_DIR
    )
    try:
        system.start()
        system.wait_ready(timeout=READY_TIMEOUT)
        yield system
    finally:
        system.stop()
        drop_schemas(infra.database_url, system.prefix)


def parse_cases(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--cases",
        type=int,
        default=int(os.environ.get("BTXH_BENCH_CASES", DEFAULT_CASES)),
        help="cases, and raw messages and commits, per measurement "
        f"(env BTXH_BENCH_CASES, default {DEFAULT_CASES})",
    )
    cases: int = parser.parse_args(argv).cases
    if cases < 2:
        parser.error("--cases must be at least 2")
    return cases


def _terminate(signum: int, _frame: object) -> NoReturn:
    raise SystemExit(128 + signum)  # so the finally blocks stop what was started


def main(argv: list[str] | None = None) -> None:
    count = parse_cases(argv)
    signal.signal(signal.SIGTERM, _terminate)
    print(f"starting the embedded stack and one system under {RUN_DIR} ...", flush=True)
    infra = start_embedded()
    try:
        with running_system(infra) as system:
            print(f"system {system.prefix} ready; logs in {LOG_DIR}", flush=True)
            try:
                warm = warm_up(system)
                print(f"warm-up: one case through the whole flow in {warm:.2f} s", flush=True)
                # Baselines on both sides of the flow: drift of the machine shows as a spread.
                before = measure_baseline(infra, system.prefix, "before", count)
                flow = thin_flow(system, count, already_active=1)
                after = measure_baseline(infra, system.prefix, "after", count)
            except (AssertionError, RuntimeError) as error:
                print(f"\nbench FAILED: {error}", file=sys.stderr)
                print("\n".join(process_report(system)), file=sys.stderr)
                print(f"see the logs {LOG_DIR}/{system.prefix}*.log", file=sys.stderr)
                raise SystemExit(1) from error
            print()
            print(report(count, before, after, flow, system), flush=True)
    finally:
        infra.stop()


if __name__ == "__main__":
    main()
