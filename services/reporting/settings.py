"""The only reader of reporting's environment."""

from pydantic import Field

from backbone.settings import BackboneSettings


class ReportingSettings(BackboneSettings):
    http_port: int = Field(default=8104, description="Port of reporting's HTTP API.")
    projection_schema: str = Field(
        default="reporting",
        pattern=r"^[a-z0-9_]+$",
        description="Schema (after the prefix) of the read models; a rebuild uses another.",
    )

    def projections(self) -> str:
        return self.schema_name(self.projection_schema)
