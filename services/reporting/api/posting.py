"""HTTP route of the public posting list (danh sách niêm yết công khai) of a commune."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from backbone.access_log import PersonalDataRead, personal_data_reader
from backbone.auth import require_commune
from backbone.database import connection
from contracts.categories import label
from reference.admin_units import DVHC_2025_2LEVEL
from reference.working_days import today_in_vietnam
from services.reporting.api.deps import Bounds, Store
from services.reporting.projections import register

router = APIRouter(tags=["public posting"])

Reader = Annotated[
    PersonalDataRead,
    Depends(
        personal_data_reader("commune_officer", "assessor", "approver", "inspector", "operator")
    ),
]


class PostingEntry(BaseModel):
    full_name: str
    year_of_birth: int | None
    category: str | None
    category_label: str | None
    benefit: str | None
    posted_from: date
    posted_until: date


class PostingList(BaseModel):
    commune: str
    on: date
    items: list[PostingEntry]


@router.get(
    "/public-posting",
    summary="The review results a commune posts publicly on a day (HIV cases left out)",
)
def get_public_posting(
    reader: Reader,
    store: Store,
    bounds: Bounds,
    commune: Annotated[str, Query(pattern=r"^\d{5}$")],
    on: date | None = None,
) -> PostingList:
    """Every case of `commune` whose posting window holds `on` (default: today in Vietnam),
    by name, with the year of birth only.

    A case whose posting withheld HIV/AIDS information (Decree 20/2021 Art. 8.1.b) is left
    out entirely. Showing its name with a blank or generic category would not protect it: on
    a list where every other entry shows its category, the one entry without a category
    points at the HIV case as clearly as the label would. The only way not to reveal it is
    to omit the entry. For the same reason the response carries no count of omitted cases:
    in a small commune, "one case withheld" next to the people known to have applied is a
    disclosure too. A case whose flag is not known is left out as well (fail closed).
    """
    day = bounds.query("on", on) if on is not None else today_in_vietnam()
    require_commune(reader.actor, DVHC_2025_2LEVEL, commune)
    with connection(store.url) as conn:
        rows = register.posted_on(conn, store.schema, commune=commune, on=day)
    reader.record("public posting", [row["case_id"] for row in rows])
    items = [
        PostingEntry(
            full_name=row["full_name"],
            year_of_birth=row["date_of_birth"].year if row["date_of_birth"] else None,
            category=row["category"],
            category_label=label(row["category"]) if row["category"] else None,
            benefit=row["benefit"],
            posted_from=row["posted_from"],
            posted_until=row["posted_until"],
        )
        for row in rows
    ]
    return PostingList(commune=commune, on=day, items=items)
