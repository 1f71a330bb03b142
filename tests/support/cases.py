"""Cases brought to a known state through the public APIs, for tests that start from there."""

from datetime import date
from typing import Any

from tests.support.api import OLD_COMMUNE, Client, dossier_body, officer_of, ok, token
from tests.support.eventually import eventually


def approved_in_june_2024(client: Client, body: dict[str, Any] | None = None) -> str:
    """A case received in May 2024 under procedure C and decided by the district in June
    (`body`: the dossier to receive, e.g. to know its ID number; default: a new person's)."""
    body = body or dossier_body(received_on=date(2024, 5, 6))
    body["received_on"] = "2024-05-06"
    body["residence"] = OLD_COMMUNE
    case_id = ok(
        client.http.post(
            client.url("intake", "/dossiers"), json=body, headers=officer_of(body["residence"])
        ),
        201,
    )["case_id"]
    eventually(lambda: client.assessment_case(case_id))

    def step(path: str, role: str, **payload: Any) -> Any:
        return client.http.post(
            client.url("assessment", f"/cases/{case_id}/{path}"), json=payload, headers=token(role)
        )

    ok(step("review", "assessor", reviewed_on="2024-05-07", outcome="eligible", findings="Đủ"))
    ok(step("posting", "assessor", posted_from="2024-05-08"))
    ok(step("proposal", "approver", sent_on="2024-05-10"))
    ok(step("appraisal", "assessor", appraised_on="2024-05-13", outcome="eligible", findings="Đủ"))
    ok(
        step(
            "approval",
            "approver",
            decision_number="61/QĐ-UBND",
            signed_on="2024-06-03",
            signer="Chủ tịch UBND huyện",
            authority="DISTRICT_CHAIRMAN",
            legal_basis=["NĐ 20/2021/NĐ-CP Đ5 K5"],
        ),
        201,
    )
    eventually(
        lambda: (
            client.http.get(
                client.url("payment", f"/entitlements/{case_id}"), headers=token("payment_officer")
            ).status_code
            == 200
        ),
        what="payment enrols the beneficiary",
    )
    return case_id
