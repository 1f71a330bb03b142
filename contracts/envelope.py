"""The envelope of every published event: CloudEvents 1.0 (structured JSON) plus btxh extensions."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

ROLES = (
    "commune_officer",
    "assessor",
    "approver",
    "payment_officer",
    "post_office",
    "inspector",
    "operator",
    "system",
)
Role = Literal[
    "commune_officer",
    "assessor",
    "approver",
    "payment_officer",
    "post_office",
    "inspector",
    "operator",
    "system",
]


class Envelope(BaseModel):
    """One published event. Attribute names follow CloudEvents: lower-case, no separators.

    `subject` is the case id; `originatorid`/`originatorversion` identify the stored
    event (the consumer's idempotency key); `actor*` say who caused it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(description="Same for every publication of the same stored event.")
    source: str = Field(
        pattern=r"^btxh/[a-z]+$", description="Producing service, e.g. btxh/intake."
    )
    type: str = Field(pattern=r"^vn\.btxh\.[a-z]+\.[a-z_]+$")
    subject: UUID = Field(description="Case id (mã hồ sơ), minted at intake.")
    time: datetime = Field(description="When the fact was recorded (UTC).")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    originatorid: UUID = Field(description="Id of the aggregate that recorded the event.")
    originatorversion: int = Field(ge=1, description="Version of that aggregate; gap-free.")
    actorid: str = Field(min_length=1, description="User id of the person or service that acted.")
    actorrole: Role
    actorunit: str | None = Field(
        default=None, description="Administrative unit code of the actor."
    )
    correlationid: UUID
    causationid: UUID | None = None
    schemaversion: int = Field(ge=1)
    data: dict[str, Any]

    @property
    def stream(self) -> str:
        """Key of the source stream a consumer tracks: service and aggregate."""
        return f"{self.source}:{self.originatorid}"
