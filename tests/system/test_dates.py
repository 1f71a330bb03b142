"""Dates are checked before anything is computed from them (issue 11), through the public APIs.

A date outside what the policy tables and the working-day calendar cover, after today in
Vietnam, or before the case's own history is answered 422 with the field and the bound, and
nothing is recorded. The first three tests are the 500s fuzzing found.
"""

from datetime import timedelta
from typing import Any

import httpx
import pytest

from reference.policy import policy_book
from reference.working_days import today_in_vietnam
from tests.support.api import Client, dossier_body, ok, steps_before, token
from tests.support.cases import approved_in_june_2024
from tests.support.eventually import eventually
from tests.support.payrolls import approved_payroll
from tests.system.test_bad_input import intake_event_count

#: The first day the policy tables cover, read from the policy book as the services do, and
#: the month and the year before it.
FIRST_DAY = policy_book().first_covered[0]
FIRST = FIRST_DAY.isoformat()
MONTH_BEFORE = f"{FIRST_DAY - timedelta(days=1):%Y-%m}"
YEAR_BEFORE = str(FIRST_DAY.year - 1)


def post(client: Client, service: str, path: str, role: str, **body: Any) -> httpx.Response:
    return client.http.post(client.url(service, path), json=body, headers=token(role))


def opened(client: Client) -> str:
    case_id = client.receive()
    eventually(lambda: client.assessment_case(case_id), what="assessment learns the dossier")
    return case_id


def refused(response: httpx.Response, starts: str) -> str:
    assert response.status_code == 422, response.text
    detail: str = response.json()["detail"]
    assert detail.startswith(starts), detail
    return detail


def test_a_complaint_received_on_0920_03_16_is_refused_naming_the_first_day_covered(
    client: Client,
) -> None:
    case_id = opened(client)
    client.review_and_post(case_id)
    before = client.assessment_case(case_id)
    assert before is not None

    response = post(
        client,
        "assessment",
        f"/cases/{case_id}/complaints",
        "assessor",
        received_on="0920-03-16",
        summary="Khiếu nại kết quả niêm yết",
    )

    detail = refused(response, f"complaint received_on 0920-03-16 is before {FIRST}")
    assert "the first day the policy tables cover" in detail
    after = client.assessment_case(case_id)
    assert after is not None
    assert (after["version"], after["complaints"]) == (before["version"], [])


def test_a_posting_from_9469_09_01_is_refused_as_in_the_future(client: Client) -> None:
    case_id = opened(client)
    reviewed = steps_before(today_in_vietnam())[1].isoformat()
    review = {"reviewed_on": reviewed, "outcome": "eligible", "findings": "Đủ điều kiện"}
    ok(
        post(
            client,
            "assessment",
            f"/cases/{case_id}/review",
            "assessor",
            **review,
            population_db_verified=True,
        )
    )

    response = post(
        client, "assessment", f"/cases/{case_id}/posting", "assessor", posted_from="9469-09-01"
    )

    detail = refused(response, "posted_from 9469-09-01 is in the future")
    assert f"today in Vietnam is {today_in_vietnam().isoformat()}" in detail
    case = client.assessment_case(case_id)
    assert case is not None
    assert (case["version"], case["posted_from"]) == (2, None)  # opened, reviewed


def test_a_death_before_the_entitlement_started_is_refused_and_so_is_funeral_support(
    client: Client,
) -> None:
    case_id = approved_in_june_2024(client)  # owed from June 2024
    path = f"/entitlements/{case_id}"
    before = ok(client.http.get(client.url("payment", path), headers=token("approver")))

    def cessation(died_on: str) -> httpx.Response:
        return post(
            client,
            "payment",
            f"{path}/cessation",
            "approver",
            reason="death",
            event_date=died_on,
            decision_number="70/QĐ-UBND",
            signed_on="2024-10-01",
        )

    refused(cessation("2019-03-01"), "event_date 2019-03-01 is before the entitlement started")
    refused(cessation("2009-05-01"), f"event_date 2009-05-01 is before {FIRST}")
    funeral = post(
        client,
        "payment",
        f"{path}/funeral-support",
        "approver",
        decision_number="71/QĐ-UBND",
        signed_on="2024-10-02",
        organiser="Gia đình",
    )
    refused(funeral, "funeral support follows a cessation for death")
    after = ok(client.http.get(client.url("payment", path), headers=token("approver")))
    assert (after["status"], after["version"]) == ("active", before["version"])


def test_operator_runs_of_the_daily_jobs_refuse_a_day_after_today_in_vietnam_and_record_nothing(
    client: Client,
) -> None:
    case_id = opened(client)  # undecided: its step would be overdue on any far day
    before = client.assessment_case(case_id)
    assert before is not None
    tomorrow = (today_in_vietnam() + timedelta(days=1)).isoformat()

    for job in ("/ops/deadlines/run", "/ops/triggers/run"):
        for day in (tomorrow, "2099-01-01"):
            response = client.http.post(
                client.url("assessment", job), params={"on": day}, headers=token("operator")
            )
            detail = refused(response, f"on {day} is in the future")
            assert "the daily jobs run for a day once it has begun" in detail

    assert client.assessment_case(case_id)["version"] == before["version"]  # type: ignore[index]
    listed = ok(
        client.http.get(
            client.url("assessment", "/overdue"),
            params={"on": "2099-01-01"},
            headers=token("inspector"),
        )
    )
    assert case_id in {row["case_id"] for row in listed}  # asking is not recording


def test_a_payment_settled_before_its_payroll_was_approved_is_refused_row_by_row(
    client: Client,
) -> None:
    case_id = approved_in_june_2024(client)
    lines = approved_payroll(client, "02053", "2024-07", approved_on="2024-07-05")
    line = next(x for x in lines if x["case_id"] == case_id)
    result = {"line_id": line["line_id"], "result": "paid_at_point", "settled_on": "2024-07-01"}
    answer = ok(
        post(
            client,
            "payment",
            "/payrolls/02053/post_office/2024-07/results",
            "post_office",
            results=[result],
        )
    )
    [row] = answer["rows"]
    assert row["outcome"] == "refused"
    assert row["reason"].startswith("settled_on 2024-07-01 is before the payroll was approved")


def too_far_month() -> str:
    """Two months after this month in Vietnam: beyond the payroll's horizon."""
    today = today_in_vietnam()
    index = today.year * 12 + today.month - 1 + 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


NOBODY = "00000000-0000-4000-8000-000000000000"  # dates are refused before any case is looked up


@pytest.mark.parametrize(
    ("service", "path", "params", "says"),
    [
        ("reporting", "/register", {"on": "0920-03-16"}, f"on 0920-03-16 is before {FIRST}"),
        ("reporting", "/register/counts", {"on": "9999-12-31"}, "on 9999-12-31 is after 2100"),
        ("reporting", "/register/export", {"on": "0001-01-01"}, "on 0001-01-01 is before"),
        ("reporting", f"/cases/{NOBODY}/state", {"on": "9469-09-01"}, "on 9469-09-01 is after"),
        (
            "reporting",
            f"/cases/{NOBODY}/state",
            {"known_at": "9999-12-31T23:59:59-10:00"},
            "known_at 9999-12-31 is after",
        ),
        (
            "reporting",
            f"/cases/{NOBODY}/diff",
            {"from": "0001-01-01", "to": "2025-01-01"},
            "from 0001-01-01 is before",
        ),
        (
            "reporting",
            "/public-posting",
            {"commune": "02020", "on": "9469-09-01"},
            "on 9469-09-01 is after",
        ),
        (
            "reporting",
            "/payments/summary",
            {"commune": "02020", "month": "9999-12"},
            "month 9999-12 is after",
        ),
        (
            "reporting",
            "/reports/monthly-payments",
            {"month": MONTH_BEFORE},
            f"month {MONTH_BEFORE} is before",
        ),
        ("reporting", "/reports/period", {"period": "1999"}, "period 1999 is before"),
        (
            "reporting",
            "/reports/budget-estimate",
            {"year": YEAR_BEFORE},
            f"year {YEAR_BEFORE} is before",
        ),
        (
            "reporting",
            "/reports/budget-estimate",
            {"year": "2026", "as_of": "2000-01-01"},
            "as_of 2000-01-01 is before",
        ),
        ("reporting", "/checks/payments_after_death", {"on": "0001-01-01"}, "on 0001-01-01 is"),
        ("assessment", "/overdue", {"on": "0001-01-01"}, "on 0001-01-01 is before"),
        (
            "payment",
            f"/entitlements/{NOBODY}/months",
            {"first": "9999-12", "last": "9999-12"},
            "first 9999-12 is after",
        ),
    ],
)
def test_a_date_asked_about_outside_the_policy_tables_or_the_calendar_is_a_422(
    client: Client, service: str, path: str, params: dict[str, str], says: str
) -> None:
    response = client.http.get(client.url(service, path), params=params, headers=token("inspector"))
    refused(response, says)


@pytest.mark.parametrize(
    ("month", "says"),
    [
        ("9999-12", "payroll month 9999-12 is after 2100-12-31"),
        (MONTH_BEFORE, f"payroll month {MONTH_BEFORE} is before {FIRST}"),
        (too_far_month(), f"payroll month {too_far_month()} is after"),
    ],
)
def test_a_payroll_for_a_month_not_covered_or_too_far_ahead_is_refused_before_it_starts(
    client: Client, month: str, says: str
) -> None:
    response = post(client, "payment", "/payrolls", "payment_officer", commune="02020", month=month)
    refused(response, says)
    status = client.http.get(
        client.url("payment", f"/payrolls/02020/post_office/{month}"), headers=token("inspector")
    )
    assert status.status_code == 404, status.text  # never started


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"received_on": "0920-03-16"}, f"received_on 0920-03-16 is before {FIRST}"),
        ({"date_of_birth": "1800-01-01"}, "applicant date_of_birth 1800-01-01 is more than 130"),
    ],
)
def test_a_dossier_with_a_date_out_of_bounds_is_refused_and_nothing_is_stored(
    client: Client, change: dict[str, str], says: str
) -> None:
    body = dossier_body()
    if "date_of_birth" in change:
        body["applicant"] = {**body["applicant"], **change}
    else:
        body.update(change)
    before = intake_event_count(client)
    refused(post(client, "intake", "/dossiers", "commune_officer", **body), says)
    assert intake_event_count(client) == before
