"""Outside development (BTXH_ENVIRONMENT=production, the compose default) a process starts only
with an identity provider configured and a real personal ID key, and says which variable is
wrong otherwise (the event key too, and in intake a real personal ID key); the development
JWT secret is then neither needed nor used."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from backbone.auth import TokenVerifier
from backbone.settings import BackboneSettings
from backbone.signing import public_keys_text
from services.assessment.settings import AssessmentSettings
from services.intake.settings import IntakeSettings
from services.payment.settings import PaymentSettings
from services.reporting.settings import ReportingSettings
from tests.support.signing import service_keys

ROOT = Path(__file__).resolve().parents[2]
OIDC = {
    "BTXH_OIDC_ISSUER": "https://id.example.test/realms/btxh",
    "BTXH_OIDC_AUDIENCE": "btxh",
    "BTXH_OIDC_JWKS_URL": "https://id.example.test/realms/btxh/protocol/openid-connect/certs",
}
PERSONAL_ID_KEY = {"BTXH_PERSONAL_ID_KEY": "k" * 48}
CIPHER_KEY = {
    "BTXH_CIPHER_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",  # 32 bytes
    # every publisher's public key (the signing keys' own checks: tests/unit/test_signing.py)
    "BTXH_SIGNING_PUBLIC_KEYS": public_keys_text(dict(service_keys())),
}
SERVICE_SETTINGS: list[type[BaseSettings]] = [
    IntakeSettings,
    AssessmentSettings,
    PaymentSettings,
    ReportingSettings,
]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch):
    """Sets the given variables over an environment with none of btxh's."""
    for name in list(os.environ):
        if name.startswith("BTXH_"):
            monkeypatch.delenv(name)

    def set_variables(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_variables


@pytest.mark.parametrize("settings", SERVICE_SETTINGS, ids=lambda s: s.__name__)
def test_every_service_refuses_to_start_in_production_without_the_identity_provider(
    environment, settings
):
    environment(BTXH_ENVIRONMENT="production", **PERSONAL_ID_KEY)

    with pytest.raises(ValueError, match="refuses to start") as refused:
        settings()

    assert "BTXH_OIDC_ISSUER, BTXH_OIDC_AUDIENCE, BTXH_OIDC_JWKS_URL are unset" in str(
        refused.value
    )


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({**OIDC, **CIPHER_KEY}, "BTXH_PERSONAL_ID_KEY is unset or the development value"),
        (
            {**OIDC, **CIPHER_KEY, "BTXH_PERSONAL_ID_KEY": "short"},
            "BTXH_PERSONAL_ID_KEY has 5 characters, fewer than 32",
        ),
        (
            {
                **OIDC,
                **PERSONAL_ID_KEY,
                "BTXH_SIGNING_PUBLIC_KEYS": CIPHER_KEY["BTXH_SIGNING_PUBLIC_KEYS"],
            },
            "BTXH_CIPHER_KEY is unset: stored events would be plaintext",
        ),
        (
            {**OIDC, **PERSONAL_ID_KEY, "BTXH_CIPHER_KEY": CIPHER_KEY["BTXH_CIPHER_KEY"]},
            "BTXH_SIGNING_PUBLIC_KEYS is unset",
        ),
        (
            {
                **OIDC,
                **CIPHER_KEY,
                **PERSONAL_ID_KEY,
                "BTXH_SIGNING_PUBLIC_KEYS": "intake=" + "A" * 43 + "=",
            },
            "BTXH_SIGNING_PUBLIC_KEYS has no key of assessment, payment, reporting",
        ),
        (
            {**OIDC, **PERSONAL_ID_KEY, "BTXH_CIPHER_KEY": "not base64!"},
            "BTXH_CIPHER_KEY is not base64",
        ),
        (
            {**OIDC, **PERSONAL_ID_KEY, "BTXH_CIPHER_KEY": "c2hvcnQ="},
            "BTXH_CIPHER_KEY decodes to 5 bytes",
        ),
        (
            {**PERSONAL_ID_KEY, "BTXH_OIDC_ISSUER": OIDC["BTXH_OIDC_ISSUER"]},
            "set BTXH_OIDC_AUDIENCE and BTXH_OIDC_JWKS_URL as well",
        ),
        (
            {**PERSONAL_ID_KEY, **OIDC, "BTXH_OIDC_AUDIENCE": ""},
            "set BTXH_OIDC_AUDIENCE as well",
        ),
        ({}, "BTXH_OIDC_ISSUER, BTXH_OIDC_AUDIENCE, BTXH_OIDC_JWKS_URL are unset"),
    ],
    ids=[
        "no ID key",
        "short ID key",
        "no event key",
        "no public keys",
        "a public key missing",
        "event key not base64",
        "event key too short",
        "issuer alone",
        "empty audience",
        "nothing",
    ],
)
def test_a_production_process_refuses_to_start_naming_the_variable(environment, variables, says):
    environment(BTXH_ENVIRONMENT="production", **variables)

    with pytest.raises(ValueError, match=says):
        IntakeSettings()  # the one service that holds every secret


def test_the_personal_id_key_is_intakes_alone(environment):
    environment(BTXH_ENVIRONMENT="production", **OIDC, **CIPHER_KEY)

    assert ReportingSettings().environment == "production"
    with pytest.raises(ValueError, match="BTXH_PERSONAL_ID_KEY is unset"):
        IntakeSettings()


def test_an_identity_provider_configured_in_part_is_refused_in_development_too(environment):
    environment(BTXH_OIDC_JWKS_URL=OIDC["BTXH_OIDC_JWKS_URL"])

    with pytest.raises(ValueError, match="set BTXH_OIDC_ISSUER and BTXH_OIDC_AUDIENCE as well"):
        BackboneSettings()


def test_a_production_process_starts_with_the_provider_and_no_jwt_secret(environment):
    environment(BTXH_ENVIRONMENT="production", **OIDC, **PERSONAL_ID_KEY, **CIPHER_KEY)

    settings = IntakeSettings()
    tokens = TokenVerifier.from_settings(settings)

    assert settings.environment == "production"
    assert tokens.provider is not None
    assert tokens.provider.issuer == OIDC["BTXH_OIDC_ISSUER"]
    assert tokens.development_secret is None  # HS256 development tokens are refused


def test_development_accepts_development_tokens_and_the_provider_when_configured(environment):
    environment(**OIDC)

    tokens = TokenVerifier.from_settings(BackboneSettings())

    assert tokens.provider is not None
    assert tokens.development_secret is not None


def test_a_production_process_exits_at_once_naming_the_missing_variables():
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("BTXH_") or name == "BTXH_TEST_INFRA"
    }
    env.update(BTXH_ENVIRONMENT="production", **PERSONAL_ID_KEY)

    finished = subprocess.run(
        [sys.executable, "-m", "services.payment", "api"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode != 0
    assert "BTXH_OIDC_ISSUER, BTXH_OIDC_AUDIENCE, BTXH_OIDC_JWKS_URL are unset" in finished.stderr
