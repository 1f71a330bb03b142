"""Settings every service reads from the environment (prefix BTXH_)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
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
        description="`production` (the compose default): every process refuses to start with a "
        "missing, development or short (< 32 characters) BTXH_JWT_SECRET or "
        "BTXH_PERSONAL_ID_KEY, or without a public signing key of every publishing service in "
        "BTXH_SIGNING_PUBLIC_KEYS, naming the variable. `development` (make run, tests) accepts "
        "the development values.",
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
        description="HMAC key that signs bearer tokens (HS256).",
    )
    personal_id_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_PERSONAL_ID_KEY),
        description="HMAC key for personal ID digests; the number itself never leaves intake.",
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
        description="Base64 AES key: when set, stored events are encrypted at rest.",
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
        """Outside development, a process with a guessable key does not start: with the
        development ID key, an ID number is recovered from its digest in a fraction of a
        second, and anyone can sign a token with the development JWT secret. Nor does one
        that could not tell a genuine message from a forged one (no publisher's public key)."""
        if self.environment != "production":
            return self
        problems = []
        for variable, value, development in (
            ("BTXH_JWT_SECRET", self.jwt_secret, DEVELOPMENT_JWT_SECRET),
            ("BTXH_PERSONAL_ID_KEY", self.personal_id_key, DEVELOPMENT_PERSONAL_ID_KEY),
        ):
            secret = value.get_secret_value()
            if secret == development:
                problems.append(f"{variable} is unset or the development value")
            elif len(secret) < MIN_SECRET_CHARS:
                problems.append(
                    f"{variable} has {len(secret)} characters, fewer than {MIN_SECRET_CHARS}"
                )
        problems += self._missing_public_keys()
        if problems:
            raise ValueError(
                "BTXH_ENVIRONMENT=production refuses to start: "
                + "; ".join(problems)
                + " (generate a secret: openssl rand -base64 48; signing keys: python -m "
                "backbone.signing generate)"
            )
        return self

    def _missing_public_keys(self) -> list[str]:
        if not self.signing_public_keys:
            return [f"{PUBLIC_KEYS_VARIABLE} is unset"]
        listed = parse_public_keys(self.signing_public_keys)
        missing = sorted(set(topics.PUBLISHERS.values()) - set(listed))
        if missing:
            return [f"{PUBLIC_KEYS_VARIABLE} has no key of {', '.join(missing)}"]
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
