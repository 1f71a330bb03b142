"""The only reader of intake's environment."""

from pydantic import Field

from backbone.settings import BackboneSettings


class IntakeSettings(BackboneSettings):
    http_port: int = Field(default=8101, description="Port of intake's HTTP API.")
    relay_kill_after_publish: bool = Field(
        default=False, description="Fault injection for tests only: relay dies before saving."
    )
