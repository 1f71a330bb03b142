"""The only reader of assessment's environment."""

from pydantic import Field

from backbone.settings import BackboneSettings


class AssessmentSettings(BackboneSettings):
    http_port: int = Field(default=8102, description="Port of assessment's HTTP API.")
