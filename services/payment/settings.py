"""The only reader of payment's environment."""

from typing import Literal

from pydantic import Field

from backbone.settings import BackboneSettings


class PaymentSettings(BackboneSettings):
    http_port: int = Field(default=8103, description="Port of payment's HTTP API.")
    health_insurance_card_start: Literal["first_day_of_entitlement_month", "decision_date"] = Field(
        default="first_day_of_entitlement_month",
        description="First day of validity of the card in an increase notice (báo tăng).",
    )
    health_insurance_card_end: Literal["last_day_of_last_month_owed", "event_date"] = Field(
        default="last_day_of_last_month_owed",
        description="Last day of validity of the card in a decrease notice (báo giảm).",
    )
    relocation_months: int = Field(
        default=12,
        ge=0,
        description="How far back a new commune's decision continues an entitlement stopped "
        "for a move (no gap between the two communes).",
    )
    result_file_max_rows: int = Field(
        default=400_000,
        ge=1,
        description="Most rows one results file may hold (an import reads them all before it "
        "settles any): a commune of 100,000 beneficiaries owed three months has 300,000 lines.",
    )
