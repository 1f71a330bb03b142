"""A commune payroll of 100,000 beneficiaries, phase by phase, against same-run baselines.

The sizing target is a national register of about 3.5 million beneficiaries; one commune
of 100,000 is the worst single payroll an officer would start. Approvals are put straight
on the assessment topic, exactly as the assessment relay publishes them (the intake and
review steps before them are the thin-flow bench's business), each effective two months
before the payroll month, so every beneficiary gets the month itself and two months of
arrears. Then, through the public APIs: generation, approval, the post office's results
file imported twice (the second import must record nothing), and the wait until reporting
shows every line settled. Peak memory of the payment API and of the whole run is sampled
throughout. Raw Kafka and PostgreSQL rates measured just before and just after (the
thin-flow bench's baselines) turn the figures into ratios that compare across machines.

`make bench-payroll` (N=100,000), `python -m tests.bench.payroll --beneficiaries 2000`, or
BTXH_BENCH_BENEFICIARIES. Everything runs under .data/bench-payroll (PostgreSQL data,
broker and service logs, the JSON reports).
"""

import argparse
import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from backbone.embedded import EmbeddedBroker, EmbeddedPostgres
from backbone.system import System
from contracts.topics import ASSESSMENT_EVENTS
from tests.bench.thin_flow import (
    Baseline,
    _terminate,
    baseline_row,
    drop_schemas,
    measure_baseline,
    parked_report,
    peak_rss_kib,
    process_report,
    row,
)
from tests.support.api import NEW_COMMUNE, province_of, token
from tests.support.approvals import approval_messages, publish
from tests.support.infra import ROOT, Infra, free_port
from tests.support.kafka import group_of
from tests.support.systems import READY_TIMEOUT, new_system

RUN_DIR = ROOT / ".data" / "bench-payroll"
LOG_DIR = RUN_DIR / "logs"
DEFAULT_BENEFICIARIES = 100_000

COMMUNE = NEW_COMMUNE["code"]
SCHEME = NEW_COMMUNE["scheme"]
CHANNEL = "post_office"
CATEGORY = "ELDERLY_POOR_NO_SUPPORTER_60_80"
APPROVED = "vn.btxh.assessment.case_approved"
#: Months of arrears each beneficiary is owed on top of the payroll month.
ARREARS_MONTHS = 2

#: Raw messages and commits per baseline measurement: enough for a stable rate.
BASELINE_COUNT = 2000
#: Approvals per producer call: the relay's batch size.
SEED_BATCH = 500
#: The largest page GET /payrolls/... serves.
PAGE = 5000
#: A results file of 300,000 rows takes minutes to import: nothing here may time out first.
HTTP_TIMEOUT = httpx.Timeout(7200.0, connect=10.0)
#: A wait fails when its figure has not moved for this long (a stall, not a slow machine).
STALL_SECONDS = 600.0
SAMPLE_SECONDS = 0.5
#: Other processes' share of the CPU above which a phase's figures are flagged.
NOISY_NEIGHBOURS = 0.10
#: Phases shorter than this get no neighbours' share.
MEASURABLE_SECONDS = 2.0
#: Results in the file, per 100 lines, as a post office typically reports them.
RESULT_SHARES = (("paid_at_point", 97), ("not_collected", 2), ("failed", 1))


@dataclass
class Phase:
    """One timed step; `items` per second is its rate."""

    key: str
    name: str
    seconds: float = 0.0
    items: int | None = None
    unit: str = ""
    #: Share of the machine's CPU that processes outside this run used meanwhile: a busy
    #: neighbour (a test suite, another bench) slows every phase it overlaps.
    neighbours_cpu: float | None = None

    @property
    def rate(self) -> float | None:
        return self.items / self.seconds if self.items is not None and self.seconds else None


@dataclass
class Peaks:
    """Highest sampled resident memory (RSS) of one phase, MiB. PostgreSQL's shared memory,
    mapped by every backend, counts once; the rest of each process counts in full."""

    payment_api: float = 0.0
    services: float = 0.0
    infrastructure: float = 0.0
    total: float = 0.0

    def take(self, other: "Peaks") -> None:
        for name in asdict(self):
            setattr(self, name, max(getattr(self, name), getattr(other, name)))


class MemorySampler:
    """Samples memory every SAMPLE_SECONDS on a thread, keeping the peaks of each phase.

    RSS only (/proc/<pid>/statm): PSS from smaps takes half a core at this rate, which on a
    small machine would slow down what is measured.
    """

    def __init__(self, system: System, postgres_dir: Path) -> None:
        self.system = system
        self.postgres_dir = postgres_dir
        self.phase = "start"
        self.peaks: dict[str, Peaks] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def enter(self, phase: str) -> None:
        """Peaks from now on count for `phase`; one sample at once, so a short phase has one."""
        self.phase = phase
        self.record()

    def record(self) -> None:
        with suppress(psutil.Error, OSError):
            found = self.sample()
            with self._lock:
                self.peaks.setdefault(self.phase, Peaks()).take(found)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.record()

    def sample(self) -> Peaks:
        services = {p.popen.pid for p in self.system.processes.values() if p.popen and p.alive()}
        postgres = self._postgres()
        # The broker, and anything else this run started that is not a service.
        others = [
            child
            for child in psutil.Process().children(recursive=True)
            if child.pid not in services and child.pid not in {p.pid for p in postgres}
        ]
        postgres_memory = [p.memory_info() for p in postgres]
        infrastructure = sum(m.rss - m.shared for m in postgres_memory) + max(
            (m.shared for m in postgres_memory), default=0
        )
        infrastructure += sum(_rss(child.pid) for child in others)
        services_rss = sum(_rss(pid) for pid in services)
        payment_api = self.system.processes["payment-api"].popen
        return Peaks(
            payment_api=_rss(payment_api.pid) / 2**20 if payment_api else 0.0,
            services=services_rss / 2**20,
            infrastructure=infrastructure / 2**20,
            total=(services_rss + infrastructure) / 2**20,
        )

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU seconds used so far by the whole machine and by this run's processes (the
        postmaster's children times include backends that have ended)."""
        machine = psutil.cpu_times()
        busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        ours = 0.0
        processes = [psutil.Process(), *self._postgres()]
        processes += psutil.Process().children(recursive=True)
        for process in {p.pid: p for p in processes}.values():
            with suppress(psutil.Error):
                times = process.cpu_times()
                ours += times.user + times.system + times.children_user + times.children_system
        return busy, ours

    def _postgres(self) -> list[psutil.Process]:
        """The postmaster (it runs detached from this process) and its backends."""
        try:
            pid = int(self.postgres_dir.joinpath("postmaster.pid").read_text().split()[0])
            postmaster = psutil.Process(pid)
            return [postmaster, *postmaster.children(recursive=True)]
        except (OSError, ValueError, psutil.Error):
            return []


def _rss(pid: int) -> int:
    """Bytes resident; 0 for a process that has just ended."""
    with suppress(psutil.Error):
        return int(psutil.Process(pid).memory_info().rss)
    return 0


def start_embedded() -> Infra:
    """The embedded stack under .data/bench-payroll: apart from the tests and the thin flow."""
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


@contextmanager
def running_system(infra: Infra) -> Iterator[System]:
    """One full system with its own prefix; stopped, and its schemas dropped, afterwards."""
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


def month_of(day: date, back: int = 0) -> str:
    index = day.year * 12 + day.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def wait_for(what: str, probe: Callable[[], tuple[int, bool]], *, interval: float = 1.0) -> float:
    """Poll `probe` (a figure, and whether it is done) until done; return the seconds taken.

    Prints the figure when it moves; fails when it stood still for STALL_SECONDS.
    """
    started = last_move = time.perf_counter()
    shown: int | None = None
    while True:
        figure, done = probe()
        now = time.perf_counter()
        if figure != shown:
            print(f"    {what}: {figure:,} ({now - started:.0f} s)", flush=True)
            shown, last_move = figure, now
        if done:
            return now - started
        if now - last_move > STALL_SECONDS:
            raise RuntimeError(f"{what}: stuck at {figure:,} for {STALL_SECONDS:.0f} s")
        time.sleep(interval)


class GroupLag:
    """Messages of some topics a consumer group has not committed yet (the ops view of lag)."""

    def __init__(self, bootstrap: str, group: str, topics: list[str]) -> None:
        self.group = group
        self.topics = topics
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)

    def __call__(self) -> int:
        partitions = [
            TopicPartition(t, p)
            for t in self.topics
            for p in self.consumer.partitions_for_topic(t) or ()
        ]
        committed = self.admin.list_group_offsets({self.group: partitions})[self.group]
        end = self.consumer.end_offsets(partitions)
        # Tansu can report a committed offset past the end it reports: that partition is done.
        return sum(
            max(0, end[tp] - (committed[tp].offset if tp in committed else 0)) for tp in partitions
        )

    def close(self) -> None:
        self.consumer.close()
        self.admin.close()


class Bench:
    """The phases, in order, against one running system."""

    def __init__(self, system: System, infra: Infra, sampler: MemorySampler, count: int) -> None:
        self.system = system
        self.infra = infra
        self.sampler = sampler
        self.count = count
        self.http = httpx.Client(timeout=HTTP_TIMEOUT)
        self.today = date.today()
        self.month = month_of(self.today)
        self.path = f"/payrolls/{COMMUNE}/{CHANNEL}/{self.month}"
        self.phases: list[Phase] = []
        self.payment_api_hwm_mib: dict[str, float] = {}
        self.lines = 0
        self.amount = 0
        self.revision = git_revision()  # the code the processes started from

    def close(self) -> None:
        self.http.close()

    @contextmanager
    def phase(self, key: str, name: str) -> Iterator[Phase]:
        """Time a phase (the block fills in its items), with memory peaks and the payment
        API's high-water mark at its end."""
        print(f"  {name} ...", flush=True)
        self.sampler.enter(key)
        found = Phase(key, name)
        machine, ours = self.sampler.cpu_seconds()
        started = time.perf_counter()
        yield found
        found.seconds = time.perf_counter() - started
        self.sampler.record()
        machine_after, ours_after = self.sampler.cpu_seconds()
        # CPU times tick in hundredths of a second: a share of a short phase means nothing.
        if found.seconds >= MEASURABLE_SECONDS:
            neighbours = (machine_after - machine) - (ours_after - ours)
            available = found.seconds * (os.cpu_count() or 1)
            found.neighbours_cpu = min(1.0, max(0.0, neighbours / available))
        self.phases.append(found)
        api = self.system.processes["payment-api"].popen
        hwm = peak_rss_kib(api.pid) if api else None
        if hwm is not None:
            self.payment_api_hwm_mib[key] = hwm / 1024
        rate = f", {found.rate:,.1f} {found.unit}/s" if found.rate is not None else ""
        print(f"  {name}: {found.seconds:.2f} s{rate}", flush=True)

    def call(
        self,
        method: str,
        service: str,
        path: str,
        role: str,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """One request as an official whose unit covers the commune (the commune itself for
        its officer, the nation for operators and inspectors, its province else); any answer
        but 2xx fails the bench."""
        unit = {"commune_officer": COMMUNE, "operator": "VN", "inspector": "VN"}.get(
            role, province_of(COMMUNE)
        )
        response = self.http.request(
            method,
            self.system.url(service) + path,
            headers={**token(role, unit=unit), **(headers or {})},
            **kwargs,
        )
        if not response.is_success:
            raise RuntimeError(
                f"{method} {service} {path}: {response.status_code} {response.text[:2000]}"
            )
        return response.json()

    # --- 1. approvals on the bus, enrolment --------------------------------------------------

    def seed(self) -> None:
        topic = self.system.prefix + ASSESSMENT_EVENTS
        bootstrap = self.infra.kafka_bootstrap
        effective = month_of(self.today, ARREARS_MONTHS)
        messages = approval_messages(
            self.system.prefix,
            commune=COMMUNE,
            scheme=SCHEME,
            signed_on=date.fromisoformat(f"{effective}-10"),
            count=self.count,
        )
        with self.phase("seed", "approvals produced, as the relay does") as phase:
            publish(bootstrap, messages)
            phase.items, phase.unit = self.count, "msg"
        lag = GroupLag(bootstrap, group_of(bootstrap, self.system.prefix, "payment"), [topic])

        def payment_lag() -> tuple[int, bool]:
            left = lag()
            return left, left == 0

        try:
            with self.phase("enrolment", "payment enrols every beneficiary") as phase:
                wait_for("approvals payment has not applied yet", payment_lag)
                phase.items, phase.unit = self.count, "benef"
        finally:
            lag.close()
        parked = self.call("GET", "payment", "/ops/parked", "operator")
        if parked:
            raise RuntimeError(f"payment parked {len(parked)} cases, e.g. {parked[0]}")
        with self.phase("register", "reporting's register shows all active") as phase:
            wait_for("active in the register", self._active_in_register)
            phase.items, phase.unit = self.count, "benef"

    def _active_in_register(self) -> tuple[int, bool]:
        page = self.call(
            "GET",
            "reporting",
            "/register",
            "inspector",
            params={"status": "active", "commune": COMMUNE, "limit": 1},
        )
        return int(page["total"]), int(page["total"]) >= self.count

    # --- 2. generation --------------------------------------------------------------------

    def generate(self) -> None:
        with self.phase("generation", "payroll generated") as phase:
            started = self.call(
                "POST",
                "payment",
                "/payrolls",
                "payment_officer",
                json={"commune": COMMUNE, "channel": CHANNEL, "month": self.month},
            )
            if started.get("status") == "generating":
                wait_for("lines generated", self._generation_progress)
            payroll = self.call("GET", "payment", self.path, "payment_officer", params={"limit": 1})
            # Totals counted from the lines where the payroll shows them, else per generation.
            totals = payroll.get("totals") or {
                "lines": sum(int(g["lines"]) for g in payroll["generations"]),
                "total": sum(int(g["total"]) for g in payroll["generations"]),
            }
            self.lines, self.amount = int(totals["lines"]), int(totals["total"])
            phase.items, phase.unit = self.lines, "line"
        if self.lines < self.count:
            raise RuntimeError(f"{self.lines} lines for {self.count} beneficiaries")
        with self.phase("reporting_issued", "reporting shows every line issued") as phase:
            wait_for("lines issued in reporting", lambda: self._in_reporting(settled=False))
            phase.items, phase.unit = self.lines, "line"

    def _generation_progress(self) -> tuple[int, bool]:
        payroll = self.call("GET", "payment", self.path, "payment_officer", params={"limit": 1})
        status = payroll.get("status")
        if status not in ("generating", "generated"):
            raise RuntimeError(f"generation ended {status}: {payroll}")
        progress = payroll.get("progress") or {}
        return int(progress.get("lines", 0)), status == "generated"

    def _in_reporting(self, *, settled: bool) -> tuple[int, bool]:
        """Lines reporting shows (issued, or settled), and whether that is every line."""
        summary = self.call(
            "GET",
            "reporting",
            "/payments/summary",
            "inspector",
            params={"commune": COMMUNE, "month": self.month},
        )
        lines = int(summary["lines"])
        pending = int(summary["by_result"]["pending"]["lines"])
        shown = lines - pending if settled else lines
        return shown, lines == self.lines and pending == (0 if settled else self.lines)

    # --- 3. approval ----------------------------------------------------------------------

    def approve(self) -> None:
        with self.phase("approval", "payroll approved"):
            self.call(
                "POST",
                "payment",
                f"{self.path}/approval",
                "approver",
                json={"approved_on": self.today.isoformat()},
            )

    # --- 4. the post office's results file ------------------------------------------------

    def line_ids(self) -> list[str]:
        found: list[str] = []
        with self.phase("listing", f"payroll listed, {PAGE} lines a page") as phase:
            while True:
                page = self.call(
                    "GET",
                    "payment",
                    self.path,
                    "payment_officer",
                    params={"limit": PAGE, "offset": len(found)},
                )
                found.extend(line["line_id"] for line in page["lines"])
                if len(page["lines"]) < PAGE:
                    break
            phase.items, phase.unit = len(found), "line"
        if len(found) != self.lines:
            raise RuntimeError(f"listed {len(found)} lines; the payroll has {self.lines}")
        return found

    def results_file(self, line_ids: list[str]) -> bytes:
        """The layout of services/payment/result_files.py, results spread by RESULT_SHARES."""
        shares = [result for result, per_100 in RESULT_SHARES for _ in range(per_100)]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["line_id", "result", "settled_on"])
        for number, line_id in enumerate(line_ids):
            writer.writerow([line_id, shares[number % len(shares)], self.today.isoformat()])
        return buffer.getvalue().encode()

    def import_results(self, content: bytes, key: str, label: str, expected: str) -> None:
        with self.phase(key, label) as phase:
            report = self.call(
                "POST",
                "payment",
                f"{self.path}/results/import",
                "payment_officer",
                params={"filename": "bench.csv"},
                content=content,
                headers={"Content-Type": "text/csv"},
            )
            phase.items, phase.unit = self.lines, "line"
        if report["counts"] != {expected: self.lines}:
            raise RuntimeError(f"{label}: counts {report['counts']}, expected {expected}")

    # --- 5. reporting ---------------------------------------------------------------------

    def reported(self) -> None:
        with self.phase("reporting_settled", "reporting shows every line settled") as phase:
            wait_for("lines settled in reporting", lambda: self._in_reporting(settled=True))
            phase.items, phase.unit = self.lines, "line"

    def run(self) -> None:
        self.seed()
        self.generate()
        self.approve()
        content = self.results_file(self.line_ids())
        print(f"  results file: {len(content) / 2**20:.1f} MiB, {self.lines:,} rows", flush=True)
        self.import_results(content, "import", "results file imported", "recorded")
        self.reported()
        self.import_results(content, "reimport", "same file imported again", "repeated")


def git_revision() -> str:
    """Which code was measured: the commit, marked when the tree had changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{'+changes' if dirty else ''}" or "unknown"


def command(count: int) -> str:
    python = (
        os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else "python"
    )
    return f"{python} -m tests.bench.payroll --beneficiaries {count}"


#: (phase key, what its rate is over, label): each rate over the raw rate of what each of its
#: items pays for at least once, an acknowledged message or a committed transaction.
RATIOS = (
    ("enrolment", "kafka", "enrolment benef/s over kafka round-trip msg/s"),
    ("enrolment", "postgres", "enrolment benef/s over postgres commit/s"),
    ("generation", "postgres", "generation line/s over postgres commit/s"),
    ("import", "postgres", "import line/s over postgres commit/s"),
    ("reimport", "postgres", "second import line/s over postgres commit/s"),
    ("reporting_settled", "postgres", "reporting settled line/s over pg commit/s"),
)


def ratios(bench: Bench, mean: Baseline) -> dict[str, float]:
    rates = {p.key: p.rate for p in bench.phases if p.rate is not None}
    raw = {"kafka": mean.kafka_round_trip_per_s, "postgres": mean.pg_commits_per_s}
    return {label: rates[key] / raw[over] for key, over, label in RATIOS if key in rates}


def report(
    bench: Bench, before: Baseline, after: Baseline, sampler: MemorySampler
) -> tuple[str, dict[str, Any]]:
    """The printed table and the same figures as JSON."""
    mean = before.mean(after)
    found_ratios = ratios(bench, mean)
    whole = Peaks()
    for peaks in sampler.peaks.values():
        whole.take(peaks)
    data: dict[str, Any] = {
        "bench": "payroll",
        "command": command(bench.count),
        "revision": bench.revision,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "beneficiaries": bench.count,
        "commune": COMMUNE,
        "payroll_month": bench.month,
        "lines": bench.lines,
        "amount_vnd": bench.amount,
        "cpus": os.cpu_count(),
        "baseline_before": asdict(before),
        "baseline_after": asdict(after),
        "phases": [
            {
                **asdict(p),
                "rate_per_s": p.rate,
                "peaks_mib": asdict(sampler.peaks.get(p.key, Peaks())),
            }
            for p in bench.phases
        ],
        "payment_api_vmhwm_mib_after_phase": bench.payment_api_hwm_mib,
        "peak_mib": asdict(whole),
        "ratios": found_ratios,
    }
    lines = [
        f"btxh payroll bench: {bench.count:,} beneficiaries in commune {COMMUNE}, payroll "
        f"{bench.month}, {bench.lines:,} lines, {bench.amount:,} VND; {os.cpu_count()} CPUs; "
        f"revision {data['revision']}",
        f"command: {data['command']}",
        "",
        f"{'baseline (raw; the idle system runs beside it)':<48}{'before':>10}{'after':>10}{'mean':>10}",
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
        f"{'phases (in sequence)':<48}{'rate':>10}{'':9}{'time':>8}  "
        f"{'peak RSS MiB: payment API':>28}{'all':>9}{'others CPU':>12}",
    ]
    for phase in bench.phases:
        peaks = sampler.peaks.get(phase.key, Peaks())
        lines.append(
            row(phase.name[:46], phase.rate, phase.unit[:8], phase.seconds)
            + f"{peaks.payment_api:28.0f}{peaks.total:9.0f}"
            + (f"{phase.neighbours_cpu:12.0%}" if phase.neighbours_cpu is not None else "")
        )
    busiest = max(bench.phases, key=lambda p: p.neighbours_cpu or 0.0, default=None)
    if busiest and (busiest.neighbours_cpu or 0.0) > NOISY_NEIGHBOURS:
        lines.append(
            f"  NOISY: processes outside this run used {busiest.neighbours_cpu:.0%} of the CPU"
            f" during '{busiest.name}': the phases they overlap ran slower"
        )
    lines += [
        "",
        "ratios over the mean baseline",
        *(row(name, value, digits=4) for name, value in found_ratios.items()),
        "",
        f"peak RSS, MiB: payment API {whole.payment_api:.0f}; the {len(bench.system.processes)}"
        f" service processes {whole.services:.0f}; PostgreSQL and broker"
        f" {whole.infrastructure:.0f}; all {whole.total:.0f} (sampled every {SAMPLE_SECONDS} s)",
        "peak RSS (VmHWM) of the system's processes",
        *process_report(bench.system),
        f"parked messages: {parked_report(bench.system)}",
    ]
    return "\n".join(lines), data


def parse_beneficiaries(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--beneficiaries",
        type=int,
        default=int(os.environ.get("BTXH_BENCH_BENEFICIARIES", DEFAULT_BENEFICIARIES)),
        help="beneficiaries in the commune's payroll "
        f"(env BTXH_BENCH_BENEFICIARIES, default {DEFAULT_BENEFICIARIES:,})",
    )
    count: int = parser.parse_args(argv).beneficiaries
    if count < 1:
        parser.error("--beneficiaries must be at least 1")
    return count


def main(argv: list[str] | None = None) -> None:
    count = parse_beneficiaries(argv)
    signal.signal(signal.SIGTERM, _terminate)
    print(f"starting the embedded stack and one system under {RUN_DIR} ...", flush=True)
    infra = start_embedded()
    try:
        with (
            running_system(infra) as system,
            MemorySampler(system, RUN_DIR / "postgres") as sampler,
        ):
            print(f"system {system.prefix} ready; logs in {LOG_DIR}", flush=True)
            bench = Bench(system, infra, sampler, count)
            try:
                sampler.enter("baseline before")
                before = measure_baseline(infra, system.prefix, "before", BASELINE_COUNT)
                bench.run()
                sampler.enter("baseline after")
                after = measure_baseline(infra, system.prefix, "after", BASELINE_COUNT)
            except (AssertionError, RuntimeError) as error:
                print(f"\nbench FAILED: {error}", file=sys.stderr)
                print("\n".join(process_report(system)), file=sys.stderr)
                print(f"see the logs {LOG_DIR}/{system.prefix}*.log", file=sys.stderr)
                raise SystemExit(1) from error
            finally:
                bench.close()
            table, data = report(bench, before, after, sampler)
            print()
            print(table, flush=True)
            path = RUN_DIR / f"report-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
            print(f"\nJSON report: {path.relative_to(ROOT)}")
            print(json.dumps(data, ensure_ascii=False))
    finally:
        infra.stop()


if __name__ == "__main__":
    main()
