"""The only reader of intake's environment."""

from pydantic import Field, SecretStr

from backbone.settings import DEVELOPMENT_PERSONAL_ID_KEY, BackboneSettings


class IntakeSettings(BackboneSettings):
    http_port: int = Field(default=8101, description="Port of intake's HTTP API.")
    personal_id_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_PERSONAL_ID_KEY),
        description="HMAC key of the personal ID digests by which intake finds a person again. "
        "Intake's alone: every other service asks intake (POST /people/lookup).",
    )

    def production_secrets(self) -> list[tuple[str, SecretStr, str]]:
        return [
            *super().production_secrets(),
            ("BTXH_PERSONAL_ID_KEY", self.personal_id_key, DEVELOPMENT_PERSONAL_ID_KEY),
        ]

    relay_kill_after_publish: bool = Field(
        default=False, description="Fault injection for tests only: relay dies before saving."
    )
