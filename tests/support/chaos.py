"""Chaos: cases driven through the public APIs to approval and a payroll while random service
processes and the broker are SIGKILLed; then the checks that nothing was lost, doubled or
parked, and that a projection rebuilt from zero equals the live one.

Used by tests/system/test_chaos.py (a few hundred cases, a handful of kills, on every run) and
by `make chaos` (python -m tests.chaos: thousands of cases, dozens of kills, a printed report).
The officials here are patient: a refused connection, a timeout or a 503 is tried again, as a
person would press the button again; every other answer is taken at its word.
"""

import os
import queue
import random
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from backbone.embedded import EmbeddedBroker
from backbone.system import System
from tests.support import projections
from tests.support.api import dossier_body, steps_before, token
from tests.support.eventually import eventually

BROKER = "broker"
UUID_IN_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Answers a patient official tries again: the service is restarting or the database is busy.
RETRIED = {502, 503, 504}
#: Two communes of one province (Thái Nguyên, 19): the officials of the run answer for it.
COMMUNES = ("02020", "01879")


@dataclass
class Kill:
    target: str
    at: float  # seconds since the run started
    recovered_after: float | None = None  # seconds until it served again


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class ChaosReport:
    cases: int
    seconds: dict[str, float] = field(default_factory=dict)
    kills: list[Kill] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def render(self) -> str:
        lines = [f"chaos: {self.cases} cases, {len(self.kills)} kills"]
        lines += [f"  {phase:<28} {took:7.1f} s" for phase, took in self.seconds.items()]
        lines.append("  kills (at s, target, back after s):")
        for kill in self.kills:
            back = "never" if kill.recovered_after is None else f"{kill.recovered_after:.1f}"
            lines.append(f"    {kill.at:7.1f}  {kill.target:<22} {back}")
        recovered = [k.recovered_after for k in self.kills if k.recovered_after is not None]
        if recovered:
            lines.append(
                f"  recovery: median {sorted(recovered)[len(recovered) // 2]:.1f} s,"
                f" longest {max(recovered):.1f} s"
            )
        lines.append("  checks:")
        lines += [f"    {'ok  ' if c.passed else 'FAIL'} {c.name}: {c.detail}" for c in self.checks]
        return "\n".join(lines)


class Official:
    """HTTP calls made as an official would make them during an outage: tried again while the
    service cannot answer, up to a deadline."""

    def __init__(self, system: System, deadline: float = 240.0) -> None:
        self.system = system
        self.deadline = deadline
        self.http = httpx.Client(timeout=30)

    def call(
        self,
        method: str,
        service: str,
        path: str,
        role: str,
        unit: str = "default",
        **kwargs: Any,
    ) -> httpx.Response:
        """The request by an official of `role` (of `unit`; by default the province of the
        run's communes, or Chợ Đồn for a commune officer), tried again while no answer comes."""
        started = time.monotonic()
        delay = 0.2
        while True:
            try:
                answer = self.http.request(
                    method,
                    self.system.url(service) + path,
                    headers=token(role, unit=unit),
                    **kwargs,
                )
                if answer.status_code not in RETRIED:
                    return answer
                problem = f"{answer.status_code} {answer.text[:200]}"
            except httpx.TransportError as error:
                problem = f"{type(error).__name__}: {error}"
            if time.monotonic() - started > self.deadline:
                raise AssertionError(f"{method} {service}{path} failed for good: {problem}")
            time.sleep(delay)
            delay = min(delay * 2, 3.0)

    def wait_for(self, what: str, probe: Callable[[], Any], timeout: float | None = None) -> Any:
        return eventually(probe, timeout=timeout or self.deadline, interval=0.5, what=what)


class Killer:
    """Kills a random target now and then; the supervisors (backbone.system for the service
    processes, EmbeddedBroker.supervise for the broker) start them again."""

    def __init__(
        self,
        system: System,
        broker: EmbeddedBroker,
        *,
        rng: random.Random,
        every: float,
        limit: int,
        started: float,
    ) -> None:
        self.system = system
        self.broker = broker
        self.rng = rng
        self.every = every
        self.limit = limit
        self.started = started
        self.kills: list[Kill] = []
        self._killed_broker: Any = None
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos-killer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> None:
        self.stop.set()
        self._thread.join(120)

    def _run(self) -> None:
        targets = [*self.system.processes, BROKER]
        while len(self.kills) < self.limit and not self.stop.wait(
            self.every * self.rng.uniform(0.5, 1.5)
        ):
            # The broker is killed at least once, halfway; the rest is left to chance.
            halfway = len(self.kills) == self.limit // 2
            target = BROKER if halfway else self.rng.choice(targets)
            kill = Kill(target, time.monotonic() - self.started)
            self.kills.append(kill)
            killed_at = time.monotonic()
            if target == BROKER:
                killed = self.broker.process
                assert killed is not None
                os.kill(killed.pid, signal.SIGKILL)
                killed.wait()
                self._killed_broker = killed
            else:
                self.system.kill(target, signal.SIGKILL, restart=True)
            kill.recovered_after = self._recovery(target, killed_at)

    def _recovery(self, target: str, killed_at: float, timeout: float = 120.0) -> float | None:
        """Seconds until the target serves again: an API answers /health, a process has been up
        for a second, the broker listens."""
        deadline = killed_at + timeout
        while time.monotonic() < deadline:
            if self._serving(target):
                return time.monotonic() - killed_at
            time.sleep(0.2)
        return None

    def _serving(self, target: str) -> bool:
        if target == BROKER:  # a new broker process, listening
            started_again = self.broker.process is not self._killed_broker
            return started_again and self.broker.alive() and _listening(self.broker.bootstrap)
        process = self.system.processes[target]
        if not process.alive():
            return False
        if process.kind == "api":
            try:
                return httpx.get(self.system.url(process.service) + "/health", timeout=1).is_success
            except httpx.HTTPError:
                return False
        time.sleep(1.0)
        return process.alive()


def _listening(bootstrap: str) -> bool:
    from backbone.kafka import broker_listening

    return broker_listening(bootstrap)


class Chaos:
    """One run against a running system whose broker is `broker` (supervised by the caller)."""

    def __init__(
        self,
        system: System,
        broker: EmbeddedBroker,
        *,
        seed: int = 11,
        kill_every: float = 5.0,
        drivers: int = 6,
        progress: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.system = system
        self.broker = broker
        self.rng = random.Random(seed)
        self.kill_every = kill_every
        self.drivers = drivers
        self.progress = progress
        self.official = Official(system)
        self.today = date.today()
        self.month = f"{self.today.year:04d}-{self.today.month:02d}"
        self._numbers = iter(range(1, 10**9))
        self._lock = threading.Lock()

    # --- the run --------------------------------------------------------------------------

    def run(self, cases: int, kills: int) -> ChaosReport:
        report = ChaosReport(cases=cases)
        started = time.monotonic()
        killer = Killer(
            self.system,
            self.broker,
            rng=self.rng,
            every=self.kill_every,
            limit=kills,
            started=started,
        )
        killer.start()
        try:
            phase = time.monotonic()
            case_ids = self._drive(cases)
            report.seconds["cases to approval"] = time.monotonic() - phase
            phase = time.monotonic()
            self._wait_enrolled(case_ids)
            for commune in COMMUNES:
                self._generate_payroll(commune)
            report.seconds["enrolment and payrolls"] = time.monotonic() - phase
        finally:
            killer.finish()
            report.kills = killer.kills
        phase = time.monotonic()
        self._heal(case_ids)
        for commune in COMMUNES:  # generating again adds only what is missing
            self._generate_payroll(commune)
        report.seconds["healed"] = time.monotonic() - phase
        phase = time.monotonic()
        report.checks = self._checks(case_ids)
        report.seconds["checks and rebuild"] = time.monotonic() - phase
        report.seconds["total"] = time.monotonic() - started
        return report

    # --- driving cases as officials would ---------------------------------------------------

    def _drive(self, cases: int) -> dict[str, str]:
        """Every case received, reviewed, posted and approved; case id -> commune."""
        work: queue.Queue[int] = queue.Queue()
        for number in range(cases):
            work.put(number)
        done: dict[str, str] = {}

        def driver() -> None:
            while True:
                try:
                    number = work.get_nowait()
                except queue.Empty:
                    return
                commune = COMMUNES[number % len(COMMUNES)]
                case_id = self._one_case(commune)
                with self._lock:
                    done[case_id] = commune
                    if len(done) % 50 == 0:
                        self.progress(f"{len(done)} cases approved")

        with ThreadPoolExecutor(self.drivers) as pool:
            for future in [pool.submit(driver) for _ in range(self.drivers)]:
                future.result()
        return done

    def _one_case(self, commune: str) -> str:
        case_id = self._receive(commune)
        case = self.official.wait_for(
            f"assessment opened {case_id}", lambda: self._assessment_case(case_id)
        )
        reviewed_on = max(
            date.fromisoformat(case["dossier_received_on"]), steps_before(self.today)[1]
        )
        if case["reviewed_on"] is None:
            self._step(
                case_id,
                "review",
                {
                    "reviewed_on": reviewed_on.isoformat(),
                    "outcome": "eligible",
                    "findings": "Đủ điều kiện theo hồ sơ",
                    "population_db_verified": True,
                },
            )
        if (self._assessment_case(case_id) or {}).get("posted_from") is None:
            self._step(case_id, "posting", {"posted_from": reviewed_on.isoformat()})
        with self._lock:
            number = next(self._numbers)
        self._step(
            case_id,
            "approval",
            {
                "decision_number": f"{number}/QĐ-UBND",
                "signed_on": self.today.isoformat(),
                "signer": "Chủ tịch UBND xã",
            },
            role="approver",
        )
        return case_id

    def _receive(self, commune: str) -> str:
        answer = self.official.call(
            "POST",
            "intake",
            "/dossiers",
            "commune_officer",
            unit=commune,
            json=dossier_body(commune=commune),
        )
        if answer.status_code == 201:
            return str(answer.json()["case_id"])
        # The first try went through and its answer was lost with the process: the receipt
        # tried again names the case it opened.
        assert answer.status_code == 409, answer.text
        found = UUID_IN_TEXT.search(answer.json()["detail"])
        assert found is not None, answer.text
        return found.group(0)

    def _assessment_case(self, case_id: str) -> dict[str, Any] | None:
        answer = self.official.call("GET", "assessment", f"/cases/{case_id}", "assessor")
        assert answer.status_code in (200, 404), answer.text
        return answer.json() if answer.status_code == 200 else None

    def _step(self, case_id: str, step: str, body: dict[str, Any], role: str = "assessor") -> None:
        """One procedural step; a 409 after a lost answer means the first try was recorded."""
        answer = self.official.call(
            "POST", "assessment", f"/cases/{case_id}/{step}", role, json=body
        )
        if answer.status_code in (200, 201):
            return
        assert answer.status_code == 409, f"{step} of {case_id}: {answer.text}"
        case = self._assessment_case(case_id)
        assert case is not None
        recorded = {
            "review": case["reviewed_on"] is not None,
            "posting": case["posted_from"] is not None,
            "approval": case["decision_number"] is not None,
        }[step]
        assert recorded, f"{step} of {case_id} refused: {answer.text}"

    def _wait_enrolled(self, case_ids: dict[str, str]) -> None:
        for case_id in case_ids:
            self.official.wait_for(
                f"payment enrolled {case_id}",
                lambda c=case_id: (
                    self.official.call(
                        "GET", "payment", f"/entitlements/{c}", "payment_officer"
                    ).status_code
                    == 200
                ),
            )

    def _generate_payroll(self, commune: str) -> None:
        """Start (again, after an interruption) until generated."""
        path = f"/payrolls/{commune}/post_office/{self.month}"

        def generated() -> bool:
            status = self.official.call(
                "GET", "payment", path, "payment_officer", params={"limit": 1}
            )
            current = status.json().get("status") if status.status_code == 200 else None
            if current == "generated":
                return True
            if current != "generating":  # none yet, interrupted by a kill, or failed
                started = self.official.call(
                    "POST",
                    "payment",
                    "/payrolls",
                    "payment_officer",
                    json={"commune": commune, "channel": "post_office", "month": self.month},
                )
                assert started.status_code == 202, started.text
            return False

        self.official.wait_for(f"payroll {commune} {self.month} generated", generated)

    def _heal(self, case_ids: dict[str, str]) -> None:
        """After the last kill: every case active in reporting, every message consumed."""
        self.official.wait_for(
            "reporting shows every case active",
            lambda: self._register_statuses(case_ids) == {"active": len(case_ids)},
        )
        self.official.wait_for(
            "every message consumed",
            lambda: projections.everything_consumed(self.system, self._client()),
        )

    # --- the checks ----------------------------------------------------------------------

    def _checks(self, case_ids: dict[str, str]) -> list[Check]:
        return [
            self._check_every_service_has_every_case(case_ids),
            self._check_one_enrolment_and_no_duplicate_history(case_ids),
            self._check_one_current_line_per_case(case_ids),
            self._check_nothing_parked(),
            self._check_rebuild_equals_live(),
        ]

    def _check_every_service_has_every_case(self, case_ids: dict[str, str]) -> Check:
        missing: Counter[str] = Counter()
        for case_id in case_ids:
            for service, path, role in (
                ("intake", f"/dossiers/{case_id}", "inspector"),  # of the province: both communes
                ("assessment", f"/cases/{case_id}", "assessor"),
                ("payment", f"/entitlements/{case_id}", "payment_officer"),
                ("reporting", f"/cases/{case_id}/history", "inspector"),
            ):
                if self.official.call("GET", service, path, role).status_code != 200:
                    missing[service] += 1
        approved = sum(
            1
            for case_id in case_ids
            if (self._assessment_case(case_id) or {}).get("decision_number") is not None
        )
        passed = not missing and approved == len(case_ids)
        return Check(
            "every case reached every service",
            passed,
            f"{len(case_ids)} cases, {approved} approved; missing: {dict(missing) or 'none'}",
        )

    def _history(self, case_id: str) -> list[dict[str, Any]]:
        answer = self.official.call("GET", "reporting", f"/cases/{case_id}/history", "inspector")
        return list(answer.json()) if answer.status_code == 200 else []

    def _check_one_enrolment_and_no_duplicate_history(self, case_ids: dict[str, str]) -> Check:
        enrolments: Counter[int] = Counter()
        duplicates = 0
        for case_id in case_ids:
            history = self._history(case_id)
            enrolments[sum(1 for e in history if e["type"].endswith(".beneficiary_enrolled"))] += 1
            ids = [e["message_id"] for e in history]
            duplicates += len(ids) - len(set(ids))
        passed = enrolments == Counter({1: len(case_ids)}) and duplicates == 0
        return Check(
            "exactly one enrolment per case, no duplicate history event",
            passed,
            f"cases by enrolments: {dict(enrolments)}; duplicate history events: {duplicates}",
        )

    def _check_one_current_line_per_case(self, case_ids: dict[str, str]) -> Check:
        lines: Counter[str] = Counter()
        for commune in COMMUNES:
            payroll = self.official.call(
                "GET",
                "payment",
                f"/payrolls/{commune}/post_office/{self.month}",
                "inspector",
                params={"limit": 5000},
            ).json()
            for line in payroll["lines"]:
                if line["month"] == self.month:
                    lines[line["case_id"]] += 1
        per_case = Counter(lines[c] for c in case_ids)
        strangers = set(lines) - set(case_ids)
        passed = per_case == Counter({1: len(case_ids)}) and not strangers
        return Check(
            "one current-month payroll line per active case",
            passed,
            f"cases by lines: {dict(per_case)}; lines of unknown cases: {len(strangers)}",
        )

    def _check_nothing_parked(self) -> Check:
        parked = {
            service: self.official.call("GET", service, "/ops/parked", "operator").json()
            for service in ("intake", "assessment", "payment", "reporting")
        }
        counts = {service: len(cases) for service, cases in parked.items()}
        return Check("nothing parked", not any(counts.values()), f"parked: {counts}")

    def _check_rebuild_equals_live(self) -> Check:
        client = self._client()
        live = projections.projections(client)["active"]
        answer = projections.rebuild(client)
        if answer.status_code != 202:
            return Check("rebuilt projection equals the live one", False, answer.text)
        name = answer.json()["name"]
        self.official.wait_for(
            f"projection {name} caught up",
            lambda: projections.caught_up(client, name),
            timeout=600,
        )
        try:
            counts = projections.assert_same_read_models(self.system, live, name)
        except AssertionError as error:
            return Check("rebuilt projection equals the live one", False, str(error)[:500])
        finally:
            projections.drop(client, name)
        return Check(
            "rebuilt projection equals the live one", True, f"{name} = {live}, rows {counts}"
        )

    def _register_statuses(self, case_ids: dict[str, str]) -> dict[str, int]:
        statuses: Counter[str] = Counter()
        for commune in COMMUNES:
            offset = 0
            while True:
                page = self.official.call(
                    "GET",
                    "reporting",
                    "/register",
                    "inspector",
                    params={"commune": commune, "limit": 1000, "offset": offset},
                ).json()
                for item in page["items"]:
                    if item["case_id"] in case_ids:
                        statuses[item["status"]] += 1
                if len(page["items"]) < 1000:
                    break
                offset += 1000
        return dict(statuses)

    def _client(self) -> Any:
        from tests.support.api import Client

        return Client(self.system)
