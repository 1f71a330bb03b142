"""The thin flow through the public HTTP APIs: dossier -> assessment -> approval -> payment -> register."""

from datetime import date

from tests.support.api import Client, token
from tests.support.eventually import eventually

#: Its tests touch only cases they create: the worker's shared system serves (tests/conftest.py).
SHARED_SYSTEM = True


def test_an_approved_dossier_becomes_an_active_beneficiary_with_its_full_history(
    client: Client,
) -> None:
    case_id = client.receive(category="PWD_SEVERE", name="Đỗ Văn Hùng", born=date(1979, 4, 2))

    eventually(lambda: client.assessment_case(case_id), what="assessment learns the dossier")
    response = client.approve(case_id, number="77/QĐ-UBND")
    assert response.status_code == 201, response.text
    assert response.json()["monthly_amount"] == 750_000  # 500,000 x 1.5 since 01/07/2024

    entry = eventually(
        lambda: (e := client.register_entry(case_id)) and e["status"] == "active" and e,
        what="the register lists the case as active",
    )
    assert entry["full_name"] == "Đỗ Văn Hùng"
    assert entry["decision_number"] == "77/QĐ-UBND"
    assert entry["monthly_amount"] == 750_000

    entitlement = client.http.get(
        client.url("payment", f"/entitlements/{case_id}"), headers=token("payment_officer")
    ).json()
    assert entitlement["from_month"] == entry["effective_month"]

    history = eventually(lambda: len(h := client.history(case_id)) == 7 and h)
    assert [e["type"] for e in history] == [
        "vn.btxh.intake.dossier_received",
        "vn.btxh.assessment.case_opened",
        "vn.btxh.assessment.case_reviewed",
        "vn.btxh.assessment.disability_level_determined",
        "vn.btxh.assessment.results_posted",
        "vn.btxh.assessment.case_approved",
        "vn.btxh.payment.beneficiary_enrolled",
    ]
    assert [e["actor_role"] for e in history] == [
        "commune_officer",
        "system",
        "assessor",
        "assessor",
        "assessor",
        "approver",
        "system",
    ]
    assert history[0]["actor_id"] == "test-commune_officer"
    assert "types" not in history[3]["data"]  # the kind of disability stays in assessment
    assert history[5]["actor_id"] == "test-approver"
    assert history[5]["data"]["on_time"] is True
    assert history[5]["data"]["policy_version"] == "ND76-2024/D-ND147-2025"
    # consumers keep the correlation of the command that caused them
    assert history[1]["correlation_id"] == history[0]["correlation_id"]
    assert history[6]["correlation_id"] == history[5]["correlation_id"]
    assert history[1]["causation_id"] == history[0]["message_id"]
    assert "personal_id" not in history[0]["data"]  # the ID number never travels on the bus
