"""Each official sees and acts on their own unit's cases only: role x unit x route, every route
of the four OpenAPI documents.

Given one case of Xã Chợ Đồn (02020, Thái Nguyên) in every service and a funeral claim there,
when officials of every role ask every route from their own unit and from another (Hà Nội),
then another unit's official is answered 404 (a case, a payroll) or 403 (a report, a commune
asked by name), and lists, counts and lookups leave the case out; tokens whose unit does not
fit the role are refused. Routes come from the OpenAPI documents, so a new route that no rule
below scopes fails `test_every_route_has_a_scope_rule`.
"""

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from contracts.envelope import ROLES
from tests.support.api import Client, dossier_body, ok, personal_id, token
from tests.support.eventually import eventually

#: Its tests touch only cases they create: the worker's shared system serves (tests/conftest.py).
SHARED_SYSTEM = True

SERVICES = ("intake", "assessment", "payment", "reporting")
OFFICIALS = [role for role in ROLES if role != "system"]
COMMUNE, PROVINCE = "02020", "19"  # Xã Chợ Đồn, Thái Nguyên
OTHER_COMMUNE, OTHER_PROVINCE = "00004", "01"  # Phường Ba Đình, Hà Nội


def own(role: str) -> dict[str, str]:
    """A token of the case's unit: its commune for a commune officer, its province else."""
    return token(role, unit=COMMUNE if role == "commune_officer" else PROVINCE)


def other(role: str) -> dict[str, str]:
    """A token of another unit: a Hà Nội commune for a commune officer, Hà Nội else."""
    return token(role, unit=OTHER_COMMUNE if role == "commune_officer" else OTHER_PROVINCE)


#: Routes that name no case, payroll or unit of their own, and what each shows another unit.
#: "ops": operators' plumbing (no case data by unit); "public": no personal data at all;
#: "listed": a list or count filtered to the reader's unit; "named": a unit asked by name.
UNSCOPED = {
    "public": {
        ("GET", "/health"),
        ("GET", "/policy"),
        ("GET", "/inspector"),
        ("GET", "/inspector/app.js"),
        ("GET", "/inspector/app.css"),
        ("GET", "/inspector/labels.json"),
        ("GET", "/checks"),
    },
    "listed": {
        ("GET", "/register"),
        ("GET", "/register/counts"),
        ("GET", "/register/export"),
        ("POST", "/cases/lookup"),
        ("GET", "/checks/{code}"),
        ("GET", "/overdue"),
        ("GET", "/access-log"),
    },
    # btxh's opaque person id of an ID number, nothing of a case: reporting's lookup asks it
    "person": {("POST", "/people/lookup")},
    "named": {
        ("POST", "/dossiers"),
        ("POST", "/funeral-claims"),
        ("POST", "/payrolls"),
        ("GET", "/payments/summary"),
        ("GET", "/public-posting"),
        ("GET", "/reports/monthly-payments"),
        ("GET", "/reports/period"),
        ("GET", "/reports/budget-estimate"),
    },
}
OPS = re.compile(r"^/ops/")
CASE = re.compile(r"\{case_id\}")
PAYROLL = re.compile(r"^/payrolls/\{commune\}/\{channel\}/\{month\}")


def operations(client: Client) -> Iterator[tuple[str, str, str]]:
    """(service, method, path) of every operation of the four OpenAPI documents."""
    for service in SERVICES:
        document = ok(client.http.get(client.url(service, "/openapi.json")))
        for path, item in document["paths"].items():
            for method in item:
                if method in ("get", "post", "put", "patch", "delete"):
                    yield service, method.upper(), path


def rule_of(method: str, path: str) -> str | None:
    if CASE.search(path) and not OPS.match(path):
        return "case"
    if PAYROLL.match(path):
        return "payroll"
    if OPS.match(path):
        return "ops"
    for rule, routes in UNSCOPED.items():
        if (method, path) in routes:
            return rule
    return None


def test_every_route_has_a_scope_rule(client: Client) -> None:
    unruled = [(s, m, p) for s, m, p in operations(client) if rule_of(m, p) is None]
    assert unruled == [], "routes no scope rule covers (add one here and scope the route)"


@pytest.fixture(scope="module")
def case(client: Client) -> dict[str, str]:
    """An approved and enrolled case of Xã Chợ Đồn, and a funeral claim of the same commune."""
    case_id = client.receive(commune=COMMUNE)
    eventually(lambda: client.assessment_case(case_id), what="assessment has the case")
    assert client.approve(case_id).status_code == 201
    eventually(lambda: client.enrolled(case_id), what="payment enrolled the case")
    eventually(lambda: client.register_entry(case_id), what="reporting has the case")
    claim = {
        "deceased": {
            "full_name": "Người Thử Ma Trận",
            "date_of_birth": "1940-03-01",
            "sex": "female",
            "personal_id": personal_id(date(1940, 3, 1), "female"),
        },
        "residence": {"scheme": "DVHC_2025_2LEVEL", "code": COMMUNE},
        "died_on": "2026-10-02",
        "ground": "survivor_allowance_80_plus",
        "allowance_stopped_by": "Quyết định 9/QĐ-BHXH ngày 05/10/2026",
        "organiser": {"full_name": "Người Tổ Chức", "relationship": "daughter"},
        "documents_presented": ["death_certificate", "allowance_stop_decision"],
        "received_on": "2026-10-08",
    }
    claim_id = ok(
        client.http.post(
            client.url("intake", "/funeral-claims"), json=claim, headers=own("commune_officer")
        ),
        201,
    )["case_id"]
    eventually(
        lambda: (
            client.http.get(
                client.url("payment", f"/funeral-claims/{claim_id}"), headers=own("approver")
            ).status_code
            == 200
        ),
        what="payment has the claim",
    )
    return {"case_id": case_id, "claim_id": claim_id}


def call(
    client: Client, service: str, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    return client.http.request(method, client.url(service, path), headers=headers, json={})


def filled(path: str, case: dict[str, str]) -> str:
    case_id = case["claim_id"] if path.startswith("/funeral-claims") else case["case_id"]
    return (
        path.replace("{case_id}", case_id)
        .replace("{complaint_id}", "00000000-0000-4000-8000-000000000001")
        .replace("{commune}", COMMUNE)
        .replace("{channel}", "post_office")
        .replace("{month}", "2026-10")
    )


def test_a_case_or_payroll_of_another_unit_answers_404_to_every_role_on_every_route(
    client: Client, case: dict[str, str]
) -> None:
    scoped = [(s, m, p) for s, m, p in operations(client) if rule_of(m, p) in ("case", "payroll")]
    assert len(scoped) > 30
    wrong: list[str] = []
    for service, method, path in scoped:
        url = filled(path, case)
        for role in OFFICIALS:
            theirs = call(client, service, method, url, other(role))
            if theirs.status_code != 404 or "among those of unit" not in theirs.text:
                wrong.append(
                    f"{role} of another unit: {method} {service}{url} {theirs.status_code}"
                )
            mine = call(client, service, method, url, own(role))
            if "among those of unit" in mine.text:
                wrong.append(f"{role} of the unit: {method} {service}{url} {mine.status_code}")
    assert wrong == []


def test_lists_counts_and_lookups_leave_another_units_cases_out(
    client: Client, case: dict[str, str]
) -> None:
    case_id = case["case_id"]

    def listed(headers: dict[str, str]) -> list[str]:
        page = ok(
            client.http.get(
                client.url("reporting", "/register"),
                params={"limit": 1000, "commune": COMMUNE},
                headers=headers,
            )
        )
        return [item["case_id"] for item in page["items"]]

    assert case_id in listed(own("inspector"))
    assert case_id in listed(token("inspector", unit="VN"))
    assert case_id in listed(own("commune_officer"))
    assert listed(other("inspector")) == []
    assert listed(other("commune_officer")) == []
    counts = ok(
        client.http.get(
            client.url("reporting", "/register/counts"),
            params={"commune": COMMUNE},
            headers=other("approver"),
        )
    )
    assert counts["total"] == 0
    export = client.http.get(
        client.url("reporting", "/register/export"),
        params={"format": "csv", "commune": COMMUNE},
        headers=other("inspector"),
    )
    assert export.status_code == 200
    assert case_id not in export.text
    overdue = client.http.get(
        client.url("assessment", "/overdue"),
        params={"on": "2026-12-01"},
        headers=other("inspector"),
    )
    assert overdue.status_code == 200
    assert case_id not in overdue.text


def test_a_report_or_commune_of_another_unit_asked_by_name_is_refused(client: Client) -> None:
    asks: list[tuple[str, str, dict[str, Any], str]] = [
        ("reporting", "/reports/period", {"period": "2026-H2", "commune": COMMUNE}, "inspector"),
        ("reporting", "/reports/period", {"period": "2026-H2", "province": PROVINCE}, "approver"),
        (
            "reporting",
            "/reports/monthly-payments",
            {"month": "2026-10", "commune": COMMUNE},
            "payment_officer",
        ),
        ("reporting", "/payments/summary", {"month": "2026-10", "commune": COMMUNE}, "approver"),
        ("reporting", "/public-posting", {"commune": COMMUNE}, "commune_officer"),
    ]
    for service, path, params, role in asks:
        theirs = client.http.get(client.url(service, path), params=params, headers=other(role))
        assert theirs.status_code == 403, (path, theirs.text)
        mine = client.http.get(client.url(service, path), params=params, headers=own(role))
        assert mine.status_code == 200, (path, mine.text)
    payroll = client.http.post(
        client.url("payment", "/payrolls"),
        json={"commune": COMMUNE, "channel": "post_office", "month": "2026-10"},
        headers=other("payment_officer"),
    )
    assert payroll.status_code == 403
    # a report asked with no unit is the reader's own unit's
    mine = ok(
        client.http.get(
            client.url("reporting", "/reports/period"),
            params={"period": "2026-H2"},
            headers=token("approver", unit=COMMUNE),
        )
    )
    assert mine["unit_code"] == COMMUNE


def test_a_dossier_of_another_commune_is_not_received(client: Client) -> None:
    response = client.http.post(
        client.url("intake", "/dossiers"),
        json=dossier_body(commune=COMMUNE),
        headers=other("commune_officer"),
    )
    assert response.status_code == 403
    assert "not receive a dossier of commune 02020" in response.text


@pytest.mark.parametrize(
    ("role", "unit", "says"),
    [
        ("commune_officer", PROVINCE, "may hold: commune"),
        ("approver", "VN", "may hold: commune, province"),
        ("operator", COMMUNE, "may hold: province, national"),
        ("inspector", None, "names no administrative unit"),
        ("approver", "99999", "no commune or province of the 2025 scheme"),
    ],
)
def test_a_token_whose_unit_does_not_fit_its_role_is_refused(
    client: Client, role: str, unit: str | None, says: str
) -> None:
    response = client.http.get(client.url("reporting", "/register"), headers=token(role, unit=unit))
    assert response.status_code == 403
    assert says in response.text


def test_a_post_office_acts_only_on_the_channels_it_pays(
    client: Client, case: dict[str, str]
) -> None:
    path = f"/payrolls/{COMMUNE}/bank_account/2026-10/results"
    refused = client.http.post(
        client.url("payment", path), json={"results": []}, headers=own("post_office")
    )
    assert refused.status_code == 404
    allowed = client.http.post(
        client.url("payment", path), json={"results": []}, headers=own("payment_officer")
    )
    assert allowed.status_code == 422  # an empty list of results, nothing about the unit


def test_a_name_typed_as_a_formula_is_exported_inert(client: Client) -> None:
    case_id = client.receive(name='=HYPERLINK("http://example.invalid","Xem")', commune=COMMUNE)
    eventually(lambda: client.register_entry(case_id), what="reporting has the case")
    export = client.http.get(
        client.url("reporting", "/register/export"),
        params={"format": "csv", "commune": COMMUNE},
        headers=token("inspector"),
    )
    assert export.status_code == 200
    row = next(line for line in export.text.splitlines() if case_id in line)
    assert "'=HYPERLINK(" in row


def test_a_disability_is_shown_only_to_the_roles_that_need_it(client: Client) -> None:
    case_id = client.receive(category="PWD_SEVERE", born=date(1980, 4, 4), commune=COMMUNE)
    eventually(lambda: client.assessment_case(case_id), what="assessment has the case")
    assert client.approve(case_id).status_code == 201
    eventually(lambda: client.enrolled(case_id), what="payment enrolled the case")

    def register_entry(role: str) -> dict[str, Any]:
        page = ok(
            client.http.get(
                client.url("reporting", "/register"),
                params={"limit": 1000, "commune": COMMUNE, "status": "active"},
                headers=own(role),
            )
        )
        found: dict[str, Any] = next(i for i in page["items"] if i["case_id"] == case_id)
        return found

    eventually(
        lambda: (client.register_entry(case_id) or {}).get("status") == "active",
        what="the register shows the beneficiary active",
    )
    assert register_entry("inspector")["category"] == "PWD_SEVERE"
    assert register_entry("commune_officer")["category"] == "PWD_SEVERE"
    hidden = register_entry("payment_officer")
    assert hidden["category"] is None
    assert hidden["category_label"].startswith("Thông tin hạn chế")
    assert register_entry("operator")["category"] is None

    def entitlement(role: str) -> Any:
        path = f"/entitlements/{case_id}"
        return ok(client.http.get(client.url("payment", path), headers=own(role)))["category"]

    assert entitlement("approver") == "PWD_SEVERE"
    assert entitlement("payment_officer") is None

    def shown(service: str, path: str, role: str) -> httpx.Response:
        return client.http.get(client.url(service, path), headers=own(role))

    assert ok(shown("intake", f"/dossiers/{case_id}", "commune_officer"))["category"] == (
        "PWD_SEVERE"
    )
    dossier = ok(shown("intake", f"/dossiers/{case_id}", "operator"))
    assert (dossier["category"], dossier["documents_presented"]) == (None, [])
    assert ok(shown("assessment", f"/cases/{case_id}", "operator"))["category"] is None
    determinations = f"/cases/{case_id}/disability-determinations"
    assert ok(shown("assessment", determinations, "assessor"))["determinations"]
    assert shown("assessment", determinations, "operator").status_code == 403
    assert shown("reporting", f"/cases/{case_id}/history", "payment_officer").status_code == 403
    assert shown("reporting", f"/cases/{case_id}/timeline", "operator").status_code == 403
    assert ok(shown("reporting", f"/cases/{case_id}/timeline", "approver"))
