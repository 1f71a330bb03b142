"""Intake beyond receipt: household, representative and documents; supplementing a dossier
starts the procedure's clock; withdrawing ends the case and frees the person to apply again;
dependants received at intake are counted at approval."""

import json
from datetime import date
from typing import Any

from tests.support.api import OLD_COMMUNE, Client, dossier_body, ok, token
from tests.support.eventually import eventually

#: Its tests touch only cases they create: the worker's shared system serves (tests/conftest.py).
SHARED_SYSTEM = True


def post(client: Client, path: str, body: dict[str, Any]):
    return client.http.post(client.url("intake", path), json=body, headers=token("commune_officer"))


def test_the_dossier_records_form_household_representative_and_documents(client: Client) -> None:
    body = dossier_body(category="CHILD_NO_CARE_U4", born=date(2024, 5, 1))
    response = post(client, "/dossiers", body)
    assert response.status_code == 201, response.text
    dossier = response.json()
    assert dossier["form"] == "1a"
    assert dossier["household_poverty"] == "poor"
    assert dossier["representative"] == {"full_name": "Người Giám Hộ", "relationship": "guardian"}
    assert dossier["missing_documents"] == []
    assert dossier["complete_on"] == body["received_on"]


def test_a_dossier_missing_a_document_starts_its_clock_when_supplemented(client: Client) -> None:
    body = dossier_body(received_on=date(2024, 2, 5))
    body["residence"] = OLD_COMMUNE
    body["documents_presented"] = []  # no identity document shown yet
    response = post(client, "/dossiers", body)
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    assert response.json()["missing_documents"] == ["identity"]
    assert response.json()["complete_on"] is None

    case = eventually(lambda: client.assessment_case(case_id))
    assert (case["current_step"], case["current_due_on"]) == ("review", None)  # clock waits

    supplemented = post(
        client,
        f"/dossiers/{case_id}/supplements",
        {"documents": ["population_db_notice"], "supplemented_on": "2024-02-16"},
    )
    assert supplemented.status_code == 200, supplemented.text
    assert supplemented.json()["complete_on"] == "2024-02-16"
    # 7 working days from 16/02/2024: due 27/02/2024
    eventually(
        lambda: (client.assessment_case(case_id) or {}).get("current_due_on") == "2024-02-27",
        what="assessment starts the review clock from the complete dossier",
    )
    again = post(
        client,
        f"/dossiers/{case_id}/supplements",
        {"documents": ["birth_certificate"], "supplemented_on": "2024-02-19"},
    )
    assert again.status_code == 422
    assert "complete since" in again.json()["detail"]


def test_a_withdrawn_dossier_closes_the_case_and_the_person_may_apply_again(
    client: Client,
) -> None:
    body = dossier_body()
    first = post(client, "/dossiers", body)
    assert first.status_code == 201
    case_id = first.json()["case_id"]
    eventually(lambda: client.assessment_case(case_id))
    assert post(client, "/dossiers", body).status_code == 409  # one open case per benefit

    no_reason = post(
        client,
        f"/dossiers/{case_id}/withdrawal",
        {"withdrawn_on": body["received_on"], "reason": ""},
    )
    assert no_reason.status_code == 422
    withdrawn = post(
        client,
        f"/dossiers/{case_id}/withdrawal",
        {"withdrawn_on": body["received_on"], "reason": "Người nộp xin rút hồ sơ"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    eventually(lambda: (client.assessment_case(case_id) or {}).get("status") == "withdrawn")
    refused = client.http.post(
        client.url("assessment", f"/cases/{case_id}/review"),
        json={
            "reviewed_on": body["received_on"],
            "outcome": "eligible",
            "findings": "x",
            "population_db_verified": True,
        },
        headers=token("assessor"),
    )
    assert refused.status_code == 409
    assert "withdrawn" in refused.json()["detail"]
    eventually(
        lambda: (client.register_entry(case_id) or {}).get("status") == "withdrawn", timeout=60
    )
    assert post(client, "/dossiers", body).status_code == 201  # a new application is accepted


def test_after_a_rejection_the_person_may_apply_again(client: Client) -> None:
    body = dossier_body()
    first = post(client, "/dossiers", body)
    case_id = first.json()["case_id"]
    eventually(lambda: client.assessment_case(case_id))
    rejected = client.http.post(
        client.url("assessment", f"/cases/{case_id}/rejection"),
        json={
            "decision_number": "3/TB-UBND",
            "signed_on": body["received_on"],
            "signer": "Chủ tịch UBND xã",
            "reasons": ["Không thuộc diện hộ nghèo theo danh sách của xã"],
        },
        headers=token("approver"),
    )
    assert rejected.status_code == 201, rejected.text
    eventually(
        lambda: post(client, "/dossiers", body).status_code == 201,
        timeout=60,
        what="intake learns the rejection and frees the person's claim",
    )


def test_care_support_needs_the_person_cared_for(client: Client) -> None:
    body = {
        **dossier_body(category="CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE", born=date(1970, 2, 3)),
        "benefit": "care_support",
    }
    refused = post(client, "/dossiers", body)
    assert refused.status_code == 422
    assert "cared_for" in refused.json()["detail"]
    cared_for = {
        "full_name": "Người Được Chăm Sóc",
        "date_of_birth": "2001-09-09",
        "relationship": "son",
    }
    accepted = post(client, "/dossiers", {**body, "cared_for": cared_for})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["form"] == "2a"
    assert accepted.json()["cared_for"] == cared_for
    wrong_benefit = {**dossier_body(category="CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE")}
    refused = post(client, "/dossiers", wrong_benefit)  # a care category under the allowance
    assert refused.status_code == 422
    assert "not a category of monthly_allowance" in refused.json()["detail"]


def test_a_single_parent_raising_three_children_is_approved_for_three_without_typing_units(
    client: Client,
) -> None:
    body = dossier_body(category="SINGLE_PARENT_POOR", born=date(1988, 11, 20))
    received_on = date.fromisoformat(body["received_on"])
    children = [
        {"relation": "child_raised", "full_name": name, "date_of_birth": born.isoformat()}
        for name, born in (
            ("Trần Văn Bình", received_on.replace(year=received_on.year - 13, day=1)),
            ("Trần Thị Cúc", received_on.replace(year=received_on.year - 9, day=1)),
            ("Trần Văn Dũng", received_on.replace(year=received_on.year - 5, day=1)),
        )
    ]
    alone = post(client, "/dossiers", body)
    assert alone.status_code == 422
    assert "child_raised under 16" in alone.json()["detail"]
    dossier = ok(post(client, "/dossiers", {**body, "dependants": children}), 201)
    case_id = dossier["case_id"]
    assert [d["full_name"] for d in dossier["dependants"]] == [c["full_name"] for c in children]
    eventually(lambda: client.assessment_case(case_id), what="assessment learns the dossier")

    decided = ok(client.approve(case_id), 201)

    level = ok(
        client.http.get(
            client.url("assessment", "/policy"),
            params={"province": "19", "on": decided["signed_on"]},
        )
    )["standard_level"]
    assert decided["monthly_amount"] == 3 * level
    assert decided["categories"] == {"SINGLE_PARENT_POOR": 3}
    assert sorted(d["dependant_id"] for d in decided["dependants_counted"]) == sorted(
        d["dependant_id"] for d in dossier["dependants"]
    )
    history = eventually(
        lambda: (
            (h := client.history(case_id))
            and any(e["type"].endswith("case_approved") for e in h)
            and h
        ),
        timeout=60,
        what="reporting holds the approval",
    )
    published = json.dumps([e["data"] for e in history], ensure_ascii=False)
    assert all(child["full_name"] not in published for child in children)
    [approval] = [e["data"] for e in history if e["type"].endswith("case_approved")]
    assert len(approval["dependants"]) == 3
    eventually(lambda: client.enrolled(case_id), what="payment enrols the approval")

    newborn = {"relation": "child_raised", "full_name": "Trần Văn Em"}
    changed = ok(
        post(
            client,
            f"/dossiers/{case_id}/dependants",
            {
                "changed_on": decided["signed_on"],
                "reason": "Con thứ tư ra đời",
                "add": [{**newborn, "date_of_birth": decided["signed_on"]}],
            },
        )
    )
    assert len(changed["dependants"]) == 4
    assert changed["dependant_changes"][0]["reason"] == "Con thứ tư ra đời"
    eventually(
        lambda: any(e["type"].endswith("dependants_changed") for e in client.history(case_id)),
        timeout=60,
        what="the change reaches the bus",
    )
    for service in ("assessment", "reporting"):
        assert all(p["case_id"] != case_id for p in client.parked(service)), service
