"""The only reader of payment's environment."""

from pydantic import Field

from backbone.settings import BackboneSettings


class PaymentSettings(BackboneSettings):
    http_port: int = Field(default=8103, description="Port of payment's HTTP API.")
