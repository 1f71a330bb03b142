"""A service process in production mode takes its officials from the identity provider: given
intake's API started with BTXH_ENVIRONMENT=production and pointed at a JWKS this test serves,
an RS256 access token with the right role and unit receives a dossier, and the official the
token names is who the access log records; the same request with an HS256 development token
is refused, as is the provider's token of another commune."""

import uuid
from collections.abc import Iterator

import httpx
import pytest

from backbone.system import System
from tests.support import infra as infra_support
from tests.support.api import dossier_body, token
from tests.support.identity_provider import LocalProvider, local_provider
from tests.support.systems import READY_TIMEOUT, new_system

OFFICER = "commune-officer-02020"


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    with local_provider() as started:
        yield started


@pytest.fixture(scope="module")
def intake(infra: infra_support.Infra, provider: LocalProvider) -> Iterator[System]:
    """Intake's API alone (no broker needed to receive a dossier), in production mode."""
    system = new_system(
        database_url=infra.database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        log_dir=infra_support.RUN_DIR / "logs",
        extra_env={
            "BTXH_ENVIRONMENT": "production",
            "BTXH_PERSONAL_ID_KEY": uuid.uuid4().hex * 2,
            **provider.environment(),
        },
        processes=(("intake", "api"),),
    )
    system.start()
    try:
        system.wait_ready(timeout=READY_TIMEOUT)
        yield system
    finally:
        system.stop(at_once=True)


def test_a_production_service_answers_the_providers_token_and_refuses_a_development_token(
    intake: System, provider: LocalProvider
) -> None:
    dossiers = intake.url("intake") + "/dossiers"
    officer = provider.headers(sub=OFFICER, role="commune_officer", unit="02020")

    received = httpx.post(dossiers, json=dossier_body(commune="02020"), headers=officer)
    development = httpx.post(
        dossiers,
        json=dossier_body(commune="02020"),
        headers=token("commune_officer", unit="02020"),
    )
    elsewhere = httpx.post(
        dossiers,
        json=dossier_body(commune="02020"),
        headers=provider.headers(role="commune_officer", unit="00004"),
    )

    assert received.status_code == 201, received.text
    assert development.status_code == 401
    assert (
        "HS256 development tokens are refused outside development" in (development.json()["detail"])
    )
    assert elsewhere.status_code == 403
    assert "a commune_officer of 00004 may not receive" in elsewhere.json()["detail"]

    case_id = received.json()["case_id"]
    read = httpx.get(f"{dossiers}/{case_id}", headers=officer)
    inspector = provider.headers(provider.ec, role="inspector", unit="VN")
    reads = httpx.get(
        intake.url("intake") + "/ops/personal-data-reads",
        params={"case_id": case_id},
        headers=inspector,
    )

    assert read.status_code == 200, read.text
    assert reads.status_code == 200, reads.text
    # the receipt's answer and the read, each under the provider's subject, role and unit
    assert [(r["actor_id"], r["actor_role"], r["actor_unit"]) for r in reads.json()] == [
        (OFFICER, "commune_officer", "02020")
    ] * 2
    assert provider.reads == 1  # the keys were read once, then served from the cache
