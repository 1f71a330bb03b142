"""The public posting list of a commune (niêm yết công khai): who is posted on a day, with HIV
cases left out entirely (Decree 20/2021 Art. 8.1.b)."""

from datetime import date, timedelta
from typing import Any

import httpx

from contracts.categories import label
from tests.support.api import Client, token
from tests.support.eventually import eventually

#: Its tests touch only cases they create: the worker's shared system serves (tests/conftest.py).
SHARED_SYSTEM = True

COMMUNE = "02020"  # Xã Chợ Đồn, Thái Nguyên (DVHC_2025_2LEVEL)


def posting(client: Client, role: str = "commune_officer", **params: Any) -> httpx.Response:
    return client.http.get(
        client.url("reporting", "/public-posting"), params=params, headers=token(role)
    )


def posted_names(client: Client, on: date) -> list[str]:
    response = posting(client, commune=COMMUNE, on=on.isoformat())
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"commune", "on", "items"}  # no count of withheld cases
    assert (body["commune"], body["on"]) == (COMMUNE, on.isoformat())
    return [item["full_name"] for item in body["items"]]


def reviewed_and_posted(client: Client, case_id: str) -> tuple[date, date]:
    eventually(lambda: client.assessment_case(case_id), what="assessment learns the dossier")
    client.review_and_post(case_id)
    case = client.assessment_case(case_id)
    assert case is not None
    eventually(
        lambda: any(e["type"].endswith("results_posted") for e in client.history(case_id)),
        what="reporting projects the posting",
    )
    return date.fromisoformat(case["posted_from"]), date.fromisoformat(case["posted_until"])


def test_the_posting_lists_a_case_within_its_window_and_never_an_hiv_case(
    client: Client,
) -> None:
    elderly_name, hiv_name = "Nông Thị Lan", "Hoàng Văn Sơn"
    elderly = client.receive(
        name=elderly_name,
        born=date(1950, 5, 17),
        category="ELDERLY_POOR_NO_SUPPORTER_60_80",
        commune=COMMUNE,
    )
    hiv = client.receive(
        name=hiv_name,
        born=date(1980, 3, 9),
        sex="male",
        category="HIV_ADULT_POOR_NO_INCOME",
        commune=COMMUNE,
    )
    posted_from, posted_until = reviewed_and_posted(client, elderly)
    hiv_from, hiv_until = reviewed_and_posted(client, hiv)

    response = posting(client, commune=COMMUNE, on=posted_from.isoformat())
    assert response.status_code == 200, response.text
    [entry] = [i for i in response.json()["items"] if i["full_name"] == elderly_name]
    assert entry == {
        "full_name": elderly_name,
        "year_of_birth": 1950,
        "category": "ELDERLY_POOR_NO_SUPPORTER_60_80",
        "category_label": label("ELDERLY_POOR_NO_SUPPORTER_60_80"),
        "benefit": "monthly_allowance",
        "posted_from": posted_from.isoformat(),
        "posted_until": posted_until.isoformat(),
    }
    assert "date_of_birth" not in entry
    assert elderly_name in posted_names(client, posted_until)
    assert elderly_name not in posted_names(client, posted_until + timedelta(days=1))
    assert elderly_name not in posted_names(client, posted_from - timedelta(days=1))

    window = min(posted_from, hiv_from), max(posted_until, hiv_until) + timedelta(days=1)
    day = window[0] - timedelta(days=1)
    while day <= window[1]:
        response = posting(client, commune=COMMUNE, on=day.isoformat())
        assert response.status_code == 200, response.text
        assert hiv_name not in response.text
        assert label("HIV_ADULT_POOR_NO_INCOME") not in response.text
        day += timedelta(days=1)

    reads = client.http.get(
        client.url("reporting", "/ops/personal-data-reads"),
        params={"case_id": elderly},
        headers=token("inspector"),
    ).json()
    assert any(r["resource"] == "public posting" for r in reads)
    hiv_reads = client.http.get(
        client.url("reporting", "/ops/personal-data-reads"),
        params={"case_id": hiv},
        headers=token("inspector"),
    ).json()
    assert not any(r["resource"] == "public posting" for r in hiv_reads)


def test_the_commune_is_required_and_five_digits_and_payment_officers_may_not_read(
    client: Client,
) -> None:
    assert posting(client, commune="2020").status_code == 422
    assert posting(client, commune="0202A").status_code == 422
    assert posting(client).status_code == 422
    assert posting(client, commune=COMMUNE, on="2025-13-01").status_code == 422
    assert posting(client, "payment_officer", commune=COMMUNE).status_code == 403
    for role in ("commune_officer", "assessor", "approver", "inspector", "operator"):
        assert posting(client, role, commune=COMMUNE).status_code == 200
