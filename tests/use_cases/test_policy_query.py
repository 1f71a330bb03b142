"""The policy in force for a province on a date, through assessment's HTTP API in process
(FastAPI's test client) over the in-memory store: public law, no token, no database."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.assessment.api import create_app
from services.assessment.application import AssessmentApplication
from services.assessment.settings import AssessmentSettings


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    settings = AssessmentSettings(event_store="memory")
    application = AssessmentApplication(settings)
    with TestClient(create_app(settings, application, consumer_factory=_no_consumer)) as client:
        yield client
    application.close()


def _no_consumer() -> None:
    raise AssertionError("the policy query reads no consumer")


def test_hanoi_in_2026_has_its_own_level_and_the_commune_chairman_decides(
    api: TestClient,
) -> None:
    response = api.get("/policy", params={"province": "01", "on": "2026-03-01"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["standard_level"] == 650_000
    assert body["national_standard_level"]["amount"] == 500_000
    assert body["procedure"]["version"] == "D-ND147-2025"
    assert body["procedure"]["decision_authority"] == "COMMUNE_CHAIRMAN"
    pwd = next(c for c in body["categories"] if c["code"] == "PWD_SEVERE")
    assert pwd["monthly_amount"] == 975_000
    assert body["policy_version"] == "ND76-2024+HN-NQ63-2025/D-ND147-2025"


def test_in_2020_the_review_council_procedure_and_270000_were_in_force(api: TestClient) -> None:
    body = api.get("/policy", params={"on": "2020-01-15"}).json()
    assert body["standard_level"] == 270_000
    assert body["procedure"]["version"] == "B-ND140-2018"
    assert body["procedure"]["public_posting_days"] == 5
    categories = {c["code"]: c for c in body["categories"]}
    assert "CHILD_U3_POOR_DTTS" not in categories  # added by Decree 20/2021
    assert categories["HIV_ADULT_POOR_NO_INCOME"]["legal_basis"].startswith("NĐ 136/2013/NĐ-CP")


def test_questions_the_policy_cannot_answer_get_a_clear_4xx(api: TestClient) -> None:
    before = api.get("/policy", params={"on": "2009-12-31"})
    assert before.status_code == 422
    assert "no national standard level" in before.json()["detail"]
    assert api.get("/policy", params={"on": "31/12/2020"}).status_code == 422
    assert api.get("/policy", params={"on": "2024-01-01", "province": "1"}).status_code == 422
