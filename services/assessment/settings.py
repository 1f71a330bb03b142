"""The only reader of assessment's environment."""

from pathlib import Path

from pydantic import Field

from backbone.settings import BackboneSettings


class AssessmentSettings(BackboneSettings):
    http_port: int = Field(default=8102, description="Port of assessment's HTTP API.")
    extra_days_file: Path | None = Field(
        default=None,
        description="Working-day calendar: a province's extra days off / working days (JSON); "
        "by default the national file shipped with btxh.",
    )
