"""The only reader of reporting's environment."""

from decimal import Decimal

from pydantic import Field

from backbone.settings import BackboneSettings

#: The first projection's schema (reporting's own); left at it, the catalog picks the live one.
CATALOGUED_PROJECTION = "reporting"


class ReportingSettings(BackboneSettings):
    http_port: int = Field(default=8104, description="Port of reporting's HTTP API.")
    intake_url: str = Field(
        default="http://127.0.0.1:8101",
        description="Base URL of intake's API: a lookup by ID number is resolved there (intake "
        "alone holds the personal-ID key), with the official's own token.",
    )
    projection_schema: str = Field(
        default=CATALOGUED_PROJECTION,
        pattern=r"^[a-z0-9_]+$",
        description="Schema (after the prefix) of the read models. Left at `reporting`, the "
        "projection catalog (GET /ops/projections) says which schema is live and a rebuild "
        "switches it; another value pins the process to that schema (a hand-started rebuild).",
    )
    projection_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often the worker reads the projection catalog for rebuild requests "
        "and switch-overs.",
    )

    def projections(self) -> str:
        return self.schema_name(self.projection_schema)

    def catalogued(self) -> bool:
        """Whether the projection catalog, not this setting, decides the projection."""
        return self.projection_schema == CATALOGUED_PROJECTION

    def for_projection(self, name: str) -> "ReportingSettings":
        return self.model_copy(update={"projection_schema": name})

    # Inspection checks: thresholds the law found does not fix [U] (DOMAIN.md §6.7, §7.3).
    health_insurance_notice_days: int = Field(
        default=5,
        ge=0,
        description="[U] Days after the decision by which a health-insurance increase/decrease "
        "notice (báo tăng/giảm BHYT) is on time. No legal deadline was found: 5 working days "
        "is a placeholder to confirm with the provincial social-insurance office (BHXH).",
    )
    health_insurance_notice_working_days: bool = Field(
        default=True,
        description="Count health_insurance_notice_days as working days (official calendar, "
        "Tết and compensatory days off skipped); false: calendar days.",
    )

    # Budget estimate (dự toán, DOMAIN.md §7.1): assumptions that are not law [U]; each can be
    # overridden per request by the query parameter of the same name without the prefix.
    budget_new_grant_months: Decimal = Field(
        default=Decimal("6.5"),
        ge=0,
        le=12,
        description="[U] Months a new beneficiary is paid in the budget year on average: "
        "decisions spread evenly over the year and paid from the signing month, (12 + 1) / 2.",
    )
    budget_new_grant_growth: Decimal = Field(
        default=Decimal("1"),
        ge=0,
        description="[U] New grants next year as a multiple of the approvals of the last 12 months.",
    )
    budget_funeral_multiple: int = Field(
        default=20,
        ge=20,
        description="Funeral support as a multiple of the standard level: at least 20 "
        "(Decree 20/2021 Art. 11); a province may pay more.",
    )
    budget_include_suspended: bool = Field(
        default=False,
        description="[U] Count beneficiaries whose payment is suspended at the reference date.",
    )
