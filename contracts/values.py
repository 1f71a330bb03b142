"""Value types shared by several event models."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: A calendar month, "YYYY-MM". Entitlements start and stop on month boundaries.
Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]

#: Integer Vietnamese đồng. Never a float.
Vnd = Annotated[int, Field(ge=0)]

#: A coefficient (hệ số) as a decimal string, e.g. "1.5": exact, never a float.
Coefficient = Annotated[str, StringConstraints(pattern=r"^\d{1,2}(\.\d{1,2})?$")]

Benefit = Literal["monthly_allowance", "care_support"]
Channel = Literal["in_person", "post", "online"]
Sex = Literal["male", "female"]
AdminScheme = Literal["DVHC_2025_2LEVEL", "DVHC_2004_3LEVEL"]
#: How a dependant relates to a case: a child the applicant raises, a child taken in, a person
#: cared for.
DependantRelation = Literal["child_raised", "child_taken_in", "person_cared_for"]


class AdminUnitRef(BaseModel):
    """An administrative unit as recorded at the time of the event; history is never rewritten."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scheme: AdminScheme
    code: str = Field(pattern=r"^\d{2,5}$")
    name: str | None = None
