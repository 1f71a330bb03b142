"""Settings every service reads from the environment (prefix BTXH_)."""

import base64
import binascii
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backbone.database import SessionBounds
from backbone.kafka import consumer_group
from backbone.signing import PUBLIC_KEYS_VARIABLE, parse_private_key, parse_public_keys
from contracts import topics

#: The development values of the secrets: accepted in development only.
DEVELOPMENT_JWT_SECRET = "btxh-development-only-secret-change-me!"  # noqa: S105 - development only
DEVELOPMENT_PERSONAL_ID_KEY = "btxh-development-only-personal-id-key"
#: The shortest secret a production process accepts (HMAC keys of 256 bits and more).
MIN_SECRET_CHARS = 32


class BackboneSettings(BaseSettings):
    """Connection, isolation and security settings shared by all services."""

    model_config = SettingsConfigDict(env_prefix="BTXH_", extra="ignore")

    environment: Literal["development", "production"] = Field(
        default="development",
        description="`production` (the compose default): tokens come from the identity provider "
        "only (BTXH_OIDC_ISSUER, BTXH_OIDC_AUDIENCE and BTXH_OIDC_JWKS_URL must be set), HS256 "
        "development tokens are refused, and every process refuses to start with a missing, "
        "development or short (< 32 characters) BTXH_PERSONAL_ID_KEY (intake), without "
        "BTXH_CIPHER_KEY, or without a public signing key of every publishing service in "
        "BTXH_SIGNING_PUBLIC_KEYS, naming the variable. "
        "`development` (make run, tests) accepts the development values and HS256 development "
        "tokens signed with BTXH_JWT_SECRET, besides the provider's tokens when configured.",
    )

    database_url: str = Field(
        default="postgresql://btxh:btxh@localhost:5432/btxh",
        description="libpq URL of PostgreSQL; each service keeps its own schema in it.",
    )
    kafka_bootstrap: str = Field(default="localhost:9092", description="Kafka bootstrap servers.")
    event_store: Literal["postgres", "memory"] = Field(
        default="postgres",
        description="Where a command service's Application keeps its events and the side tables "
        "beside them: `postgres` (every process of a running system), or `memory` "
        "(eventsourcing's in-memory store and in-memory side tables: the fast tests of use "
        "cases; nothing is kept, published or shared between processes).",
    )
    prefix: str = Field(
        default="",
        pattern=r"^[a-z0-9_]*$",
        description="Prefix of schemas, topics and consumer groups (isolates test systems).",
    )
    topic_partitions: int = Field(default=3, ge=1, description="Partitions of each case topic.")
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_JWT_SECRET),
        description="HMAC key of the HS256 development tokens (make run prints some); used in "
        "development only: production accepts the identity provider's tokens alone.",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="Issuer (`iss`) of the identity provider's tokens, e.g. "
        "https://id.example.gov.vn/realms/btxh for a Keycloak realm. Required in production.",
    )
    oidc_audience: str | None = Field(
        default=None,
        description="Audience (`aud`) a token must name: btxh's client at the provider "
        "(Keycloak adds it with an audience mapper). Required in production.",
    )
    oidc_jwks_url: str | None = Field(
        default=None,
        pattern=r"^(https?://.+)?$",
        description="URL of the provider's signing keys (JWKS); Keycloak's is "
        "<issuer>/protocol/openid-connect/certs. Required in production.",
    )
    oidc_role_claim: str = Field(
        default="realm_access.roles",
        min_length=1,
        description="Dotted path of the claim that holds the role: the one btxh role among its "
        "values (Keycloak: realm roles `realm_access.roles`, or a client's roles "
        "`resource_access.<client>.roles`).",
    )
    oidc_unit_claim: str = Field(
        default="unit",
        min_length=1,
        description="Dotted path of the claim that holds the official's unit (a 2025 commune or "
        "province code, or VN): Keycloak maps the user attribute `unit` into it.",
    )
    oidc_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Longest wait for the provider's keys; a request that needs them and cannot "
        "get them is answered 503.",
    )
    signing_key: SecretStr | None = Field(
        default=None,
        description="Base64 Ed25519 private key of this process's service: its relay and "
        "workers sign every message they publish with it (a relay or worker refuses to start "
        "without it). Give it to no other service, and to no process that does not publish. "
        "Generate keys with `python -m backbone.signing generate`.",
    )
    signing_public_keys: str | None = Field(
        default=None,
        description="Every service's public key, `service=base64,...` (a service named twice: "
        "both keys are accepted, while its key is replaced). A consumer drops to its "
        "dead-letter topic any message not signed by the service that publishes on its topic.",
    )
    cipher_key: SecretStr | None = Field(
        default=None,
        description="Base64 of a 256-bit AES key (openssl rand -base64 32): stored events are "
        "encrypted at rest with it (AES-GCM). Required in production; `make run` generates one "
        "into its run directory on first start. Every process of a service must hold the same.",
    )
    policy_dir: Path | None = Field(
        default=None,
        description="Directory of the policy files (national.json, provinces/); unset: the "
        "repository's reference/policy_data. Every service of a system must read the same.",
    )
    max_message_bytes: int = Field(
        default=1_000_000,
        ge=10_000,
        description="Largest message the bus carries (value, key and headers; Kafka's default "
        "limit is 1,048,576 bytes): a command whose event would be larger is refused (422).",
    )
    write_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Longest a transaction that writes events may last; a stalled write is cut, "
        "rolled back and retried, never left holding the event table's lock.",
    )
    lock_timeout_seconds: int = Field(
        default=10, ge=1, description="Longest a write waits for the event table's lock."
    )
    http_host: str = Field(default="127.0.0.1", description="Interface the HTTP API binds to.")
    log_level: str = Field(default="INFO")

    @field_validator("cipher_key")
    @classmethod
    def _an_aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        """A key that is not 16, 24 or 32 bytes of base64 is refused at start, not at the
        first write."""
        if value is None:
            return None
        try:
            key = base64.b64decode(value.get_secret_value(), validate=True)
        except binascii.Error as error:
            raise ValueError(f"BTXH_CIPHER_KEY is not base64: {error}") from error
        if len(key) not in (16, 24, 32):
            raise ValueError(
                f"BTXH_CIPHER_KEY decodes to {len(key)} bytes; an AES key has 16, 24 or 32"
                " (generate one: openssl rand -base64 32)"
            )
        return value

    def oidc_variables(self) -> dict[str, str | None]:
        """The identity provider's settings, by variable (an empty value counts as unset)."""
        return {
            "BTXH_OIDC_ISSUER": self.oidc_issuer or None,
            "BTXH_OIDC_AUDIENCE": self.oidc_audience or None,
            "BTXH_OIDC_JWKS_URL": self.oidc_jwks_url or None,
        }

    @model_validator(mode="after")
    def _whole_identity_provider(self) -> "BackboneSettings":
        """An identity provider is configured wholly or not at all: a token cannot be checked
        without its issuer, its audience and its keys."""
        variables = self.oidc_variables()
        missing = [name for name, value in variables.items() if value is None]
        if missing and len(missing) < len(variables):
            raise ValueError(
                f"the identity provider is configured in part: set {' and '.join(missing)} "
                f"as well, or unset every BTXH_OIDC_ variable"
            )
        return self

    @model_validator(mode="after")
    def _signing_keys_readable(self) -> "BackboneSettings":
        """A key that is set but unusable stops every process at start, naming its variable."""
        if self.signing_key is not None:
            parse_private_key(self.signing_key.get_secret_value())
        if self.signing_public_keys is not None:
            parse_public_keys(self.signing_public_keys)
        return self

    @model_validator(mode="after")
    def _real_secrets_in_production(self) -> "BackboneSettings":
        """Outside development, a process that could be fooled does not start: tokens come from
        the identity provider only (anyone can sign a token with the development JWT secret),
        stored events are encrypted, no secret is guessable (in intake, with the development ID
        key an ID number is recovered from its digest in a fraction of a second), and every
        publisher's public key is known (else a forged message could not be told apart)."""
        if self.environment != "production":
            return self
        problems = []
        missing = [name for name, value in self.oidc_variables().items() if value is None]
        if missing:
            problems.append(
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} unset (in "
                "production every token comes from the identity provider: README, Identity)"
            )
        for variable, value, development in self.production_secrets():
            secret = value.get_secret_value()
            if secret == development:
                problems.append(
                    f"{variable} is unset or the development value (generate one: "
                    "openssl rand -base64 48)"
                )
            elif len(secret) < MIN_SECRET_CHARS:
                problems.append(
                    f"{variable} has {len(secret)} characters, fewer than "
                    f"{MIN_SECRET_CHARS} (generate one: openssl rand -base64 48)"
                )
        if self.cipher_key is None:
            problems.append(
                "BTXH_CIPHER_KEY is unset: stored events would be plaintext (generate one: "
                "openssl rand -base64 32)"
            )
        problems += self._missing_public_keys()
        if problems:
            raise ValueError("BTXH_ENVIRONMENT=production refuses to start: " + "; ".join(problems))
        return self

    def _missing_public_keys(self) -> list[str]:
        if not self.signing_public_keys:
            return [f"{PUBLIC_KEYS_VARIABLE} is unset"]
        listed = parse_public_keys(self.signing_public_keys)
        missing = sorted(set(topics.PUBLISHERS.values()) - set(listed))
        if missing:
            return [f"{PUBLIC_KEYS_VARIABLE} has no key of {', '.join(missing)}"]
        return []

    def production_secrets(self) -> list[tuple[str, SecretStr, str]]:
        """(variable, value, development value) of each secret production checks beside the
        identity provider and the event key: none here (tokens come from the provider); a
        service that holds a secret of its own adds it."""
        return []

    def session_bounds(self) -> SessionBounds:
        return SessionBounds(
            write_timeout=self.write_timeout_seconds, lock_timeout=self.lock_timeout_seconds
        )

    def topic(self, name: str) -> str:
        return topics.prefixed(self.prefix, name)

    def schema_name(self, service: str) -> str:
        return f"{self.prefix}{service}"

    def group_id(self, consumer: str, cluster_id: str) -> str:
        return consumer_group(self.prefix, consumer, cluster_id)
