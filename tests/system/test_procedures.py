"""Each procedure version walked end to end through the public APIs, with its deadlines on the
working-day calendar (Tết included): who reviews, posting, complaints, appraisal, who decides."""

from datetime import date, timedelta
from typing import Any

import httpx
import psycopg
from psycopg import sql

from reference.working_days import today_in_vietnam
from tests.support.api import (
    NEW_COMMUNE,
    OLD_COMMUNE,
    Client,
    dossier_body,
    officer_of,
    ok,
    steps_before,
    token,
)
from tests.support.eventually import eventually

#: Its tests touch only cases they create: the worker's shared system serves (tests/conftest.py).
SHARED_SYSTEM = True


def receive(client: Client, *, received_on: date, residence: dict[str, str], **kw: Any) -> str:
    body = dossier_body(received_on=received_on, **kw)
    body["residence"] = residence
    response = client.http.post(
        client.url("intake", "/dossiers"), json=body, headers=officer_of(body["residence"])
    )
    assert response.status_code == 201, response.text
    case_id = str(response.json()["case_id"])
    eventually(lambda: client.assessment_case(case_id), what="assessment learns the dossier")
    return case_id


def step(client: Client, case_id: str, path: str, role: str, **body: Any) -> httpx.Response:
    return client.http.post(
        client.url("assessment", f"/cases/{case_id}/{path}"), json=body, headers=token(role)
    )


def decide(client: Client, case_id: str, signed_on: str, authority: str, **extra: Any):
    return step(
        client,
        case_id,
        "approval",
        "approver",
        decision_number=f"{case_id[:6]}/QĐ-UBND",
        signed_on=signed_on,
        signer="Chủ tịch UBND",
        authority=authority,
        legal_basis=["NĐ 136/2013/NĐ-CP Đ5"],
        **extra,
    )


def test_version_b_2020_council_review_five_days_posting_complaint_appraisal_district_decides(
    client: Client,
) -> None:
    case_id = receive(client, received_on=date(2020, 1, 20), residence=OLD_COMMUNE)
    case = client.assessment_case(case_id)
    assert case is not None
    assert case["procedure_version"] == "B-ND140-2018"
    # 10 working days from 20/01/2020 skip Tết Canh Tý (23-29/01): due 10/02/2020
    assert (case["current_step"], case["current_due_on"]) == ("review", "2020-02-10")

    review = {"reviewed_on": "2020-01-22", "outcome": "eligible", "findings": "Đủ điều kiện"}
    no_council = step(client, case_id, "review", "assessor", **review)
    assert no_council.status_code == 422
    assert "members_present" in no_council.json()["detail"]
    no_quorum = step(
        client, case_id, "review", "assessor", **review, members_present=5, members_total=9
    )
    assert no_quorum.status_code == 422
    assert "quorum" in no_quorum.json()["detail"]
    ok(step(client, case_id, "review", "assessor", **review, members_present=7, members_total=9))

    posted = ok(step(client, case_id, "posting", "assessor", posted_from="2020-01-30"))
    assert posted["posted_until"] == "2020-02-05"  # five working days
    assert (posted["current_step"], posted["current_due_on"]) == ("appraisal", "2020-02-14")

    ok(
        step(
            client, case_id, "complaints", "assessor", received_on="2020-02-03", summary="Phản ánh"
        ),
        201,
    )
    case = client.assessment_case(case_id)
    assert case is not None
    [complaint] = case["complaints"]
    assert complaint["due_on"] == "2020-02-17"  # ten working days to conclude
    blocked = step(
        client,
        case_id,
        "appraisal",
        "assessor",
        appraised_on="2020-02-07",
        outcome="eligible",
        findings="Đủ điều kiện",
    )
    assert blocked.status_code == 409
    assert "complaint" in blocked.json()["detail"]
    ok(
        step(
            client,
            case_id,
            f"complaints/{complaint['complaint_id']}/conclusion",
            "approver",
            concluded_on="2020-02-06",
            outcome="dismissed",
            conclusion="Không có cơ sở",
        )
    )
    appraised = ok(
        step(
            client,
            case_id,
            "appraisal",
            "assessor",
            appraised_on="2020-02-07",
            outcome="eligible",
            findings="Thẩm định: đủ điều kiện",
        )
    )
    assert (appraised["current_step"], appraised["current_due_on"]) == ("decision", "2020-02-12")

    wrong = decide(client, case_id, "2020-02-11", "COMMUNE_CHAIRMAN")
    assert wrong.status_code == 422
    assert "DISTRICT_CHAIRMAN" in wrong.json()["detail"]
    decided = ok(decide(client, case_id, "2020-02-11", "DISTRICT_CHAIRMAN"), 201)
    assert decided["monthly_amount"] == 405_000  # 270,000 x 1.5
    assert decided["effective_month"] == "2020-02"
    assert decided["on_time"] is True

    # Decided under old Xã Ngọc Phái and still owed after June 2025: payment transfers it to
    # Xã Chợ Đồn from July 2025 when it enrols it.
    history = eventually(lambda: len(h := client.history(case_id)) == 10 and h, timeout=60)
    assert [e["type"].rsplit(".", 1)[1] for e in history][2:] == [
        "case_reviewed",
        "results_posted",
        "complaint_received",
        "complaint_concluded",
        "case_appraised",
        "case_approved",
        "beneficiary_enrolled",
        "beneficiary_transferred_by_reorganisation",
    ]
    assert "summary" not in history[4]["data"]  # complaint texts stay in assessment


def test_version_c_2024_posting_spans_tet_proposal_appraisal_and_a_late_decision_is_marked(
    client: Client,
) -> None:
    case_id = receive(
        client,
        received_on=date(2024, 2, 5),
        residence=OLD_COMMUNE,
        born=date(2015, 6, 1),
        category="CHILD_NO_CARE_4_16",
    )
    case = client.assessment_case(case_id)
    assert case is not None
    assert case["procedure_version"] == "C-ND20-2021"
    assert (case["current_step"], case["current_due_on"]) == ("review", "2024-02-21")
    ok(
        step(
            client,
            case_id,
            "review",
            "assessor",
            reviewed_on="2024-02-06",
            outcome="eligible",
            findings="Đủ điều kiện",
        )
    )
    posted = ok(step(client, case_id, "posting", "assessor", posted_from="2024-02-07"))
    assert posted["posted_until"] == "2024-02-15"  # 7/02 and, after Tết Giáp Thìn, 15/02
    assert (posted["current_step"], posted["current_due_on"]) == ("proposal", "2024-02-20")
    early = decide(client, case_id, "2024-02-19", "DISTRICT_CHAIRMAN")
    assert early.status_code == 409
    assert "appraisal" in early.json()["detail"]
    proposed = ok(step(client, case_id, "proposal", "approver", sent_on="2024-02-16"))
    assert (proposed["current_step"], proposed["current_due_on"]) == ("appraisal", "2024-02-27")
    appraised = ok(
        step(
            client,
            case_id,
            "appraisal",
            "assessor",
            appraised_on="2024-02-26",
            outcome="eligible",
            findings="Đủ điều kiện",
        )
    )
    assert appraised["current_due_on"] == "2024-02-29"
    decided = ok(decide(client, case_id, "2024-03-04", "DISTRICT_CHAIRMAN"), 201)
    assert decided["monthly_amount"] == 540_000  # 360,000 x 1.5
    assert decided["effective_month"] == "2024-03"
    assert decided["on_time"] is False


def test_version_d_2026_commune_chairman_decides_after_posting_and_population_db_check(
    client: Client,
) -> None:
    case_id = receive(
        client,
        received_on=date(2026, 2, 10),
        residence=NEW_COMMUNE,
        born=date(1979, 4, 2),
        category="PWD_SEVERE",
    )
    case = client.assessment_case(case_id)
    assert case is not None
    assert case["procedure_version"] == "D-ND147-2025"
    # 10 working days from 10/02/2026 skip Tết Bính Ngọ (16-20/02): due 03/03/2026
    assert (case["current_step"], case["current_due_on"]) == ("decision", "2026-03-03")
    review = {"reviewed_on": "2026-02-11", "outcome": "eligible", "findings": "Đủ điều kiện"}
    unchecked = step(client, case_id, "review", "assessor", **review)
    assert unchecked.status_code == 422
    assert "Population Database" in unchecked.json()["detail"]
    ok(step(client, case_id, "review", "assessor", **review, population_db_verified=True))
    posted = ok(step(client, case_id, "posting", "assessor", posted_from="2026-02-12"))
    assert posted["posted_until"] == "2026-02-13"

    during = decide(client, case_id, "2026-02-13", "COMMUNE_CHAIRMAN")
    assert during.status_code == 422
    assert "posting window" in during.json()["detail"]
    undetermined = decide(client, case_id, "2026-02-24", "COMMUNE_CHAIRMAN")
    assert undetermined.status_code == 422
    assert "disability level determination" in undetermined.json()["detail"]
    mild = {
        "determined_on": "2026-02-11",
        "types": ["MOBILITY"],
        "level": "MILD",
        "method": "observation_questionnaire",
        "council": "Hội đồng xác định mức độ khuyết tật xã Chợ Đồn",
        "certificate_number": "12/GXN",
        "certificate_date": "2026-02-12",
    }
    ok(step(client, case_id, "disability-determinations", "assessor", **mild), 201)
    too_mild = decide(client, case_id, "2026-02-24", "COMMUNE_CHAIRMAN")
    assert too_mild.status_code == 422
    assert "MILD" in too_mild.json()["detail"]
    no_reason = step(
        client,
        case_id,
        "disability-determinations",
        "assessor",
        **{**mild, "level": "SEVERE", "determined_on": "2026-02-23"},
    )
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["detail"]
    redone = ok(
        step(
            client,
            case_id,
            "disability-determinations",
            "assessor",
            **{
                **mild,
                "level": "SEVERE",
                "determined_on": "2026-02-23",
                "method": "medical_assessment",
                "referral_reason": "person_disagrees",
                "council": "Hội đồng giám định y khoa tỉnh",
                "reason": "Người khuyết tật không đồng ý với kết luận của Hội đồng xã",
                "certificate_date": "2026-02-23",
            },
        ),
        201,
    )
    assert [d["level"] for d in redone["determinations"]] == ["MILD", "SEVERE"]
    district = decide(client, case_id, "2026-02-24", "DISTRICT_CHAIRMAN")
    assert district.status_code == 422
    assert "COMMUNE_CHAIRMAN" in district.json()["detail"]
    by_assessor = client.http.post(
        client.url("assessment", f"/cases/{case_id}/approval"),
        json={"decision_number": "1/QĐ", "signed_on": "2026-02-24", "signer": "x"},
        headers=token("assessor"),
    )
    assert by_assessor.status_code == 403
    decided = ok(decide(client, case_id, "2026-02-24", "COMMUNE_CHAIRMAN"), 201)
    assert decided["monthly_amount"] == 750_000
    assert decided["effective_month"] == "2026-02"
    assert decided["on_time"] is True
    assert decided["version"] == 4  # opened, reviewed, posted, approved: refusals stored nothing


def test_a_rejection_needs_written_reasons_and_shows_in_the_register(client: Client) -> None:
    case_id = receive(client, received_on=date(2026, 2, 10), residence=NEW_COMMUNE)
    body = {
        "decision_number": "9/TB-UBND",
        "signed_on": "2026-02-12",
        "signer": "Chủ tịch UBND xã",
        "authority": "COMMUNE_CHAIRMAN",
    }
    silent = step(client, case_id, "rejection", "approver", **body, reasons=["  "])
    assert silent.status_code == 422
    assert "reasons" in silent.json()["detail"]
    rejected = ok(
        step(
            client,
            case_id,
            "rejection",
            "approver",
            **body,
            reasons=["Hộ gia đình không thuộc hộ nghèo tại thời điểm xét duyệt"],
        ),
        201,
    )
    assert rejected["status"] == "rejected"
    entry = eventually(
        lambda: (e := client.register_entry(case_id)) and e["status"] == "rejected" and e,
        timeout=60,
    )
    assert entry["decision_number"] == "9/TB-UBND"


def test_overdue_cases_are_listed_per_commune_and_the_job_records_each_once(
    client: Client,
) -> None:
    case_id = receive(client, received_on=date(2026, 2, 10), residence=NEW_COMMUNE)

    def overdue(on: str) -> list[str]:
        response = client.http.get(
            client.url("assessment", "/overdue"),
            params={"on": on, "commune": "02020"},
            headers=token("inspector"),
        )
        assert response.status_code == 200, response.text
        return [row["case_id"] for row in response.json()]

    assert case_id not in overdue("2026-03-03")  # due that day: not yet late
    assert case_id in overdue("2026-03-04")

    def run() -> dict[str, int]:
        return ok(
            client.http.post(
                client.url("assessment", "/ops/deadlines/run"),
                params={"on": "2026-03-04"},
                headers=token("operator"),
            )
        )

    assert run()["recorded"] >= 1
    assert run()["recorded"] == 0  # each case and step is recorded once
    history = eventually(
        lambda: [e for e in client.history(case_id) if e["type"].endswith("case_became_overdue")],
        timeout=60,
    )
    assert len(history) == 1
    assert history[0]["data"]["due_on"] == "2026-03-03"


def test_a_child_turning_4_gets_a_proposal_once_effective_the_next_month(client: Client) -> None:
    # The fourth birthday is a few days ago (the jobs never run for a day not yet begun), and
    # the decision was signed the day before it, while the child was 3.
    birthday = today_in_vietnam() - timedelta(days=3)
    born = birthday.replace(year=birthday.year - 4)  # leap days recur every 4 years
    signed = birthday - timedelta(days=1)
    received, reviewed = steps_before(signed)
    case_id = receive(
        client,
        received_on=received,
        residence=NEW_COMMUNE,
        category="CHILD_NO_CARE_U4",
        born=born,
    )
    ok(
        step(
            client,
            case_id,
            "review",
            "assessor",
            reviewed_on=reviewed.isoformat(),
            outcome="eligible",
            findings="Đủ điều kiện",
            population_db_verified=True,
        )
    )
    ok(step(client, case_id, "posting", "assessor", posted_from=reviewed.isoformat()))
    ok(
        step(
            client,
            case_id,
            "approval",
            "approver",
            decision_number=f"{case_id[:6]}/QĐ-UBND",
            signed_on=signed.isoformat(),
            signer="Chủ tịch UBND xã",
        ),
        201,
    )

    def run(on: date) -> dict[str, int]:
        return ok(
            client.http.post(
                client.url("assessment", "/ops/triggers/run"),
                params={"on": on.isoformat()},
                headers=token("operator"),
            )
        )

    assert run(signed)["proposed"] == 0  # the day before the birthday
    assert run(birthday)["proposed"] >= 1
    assert run(birthday)["proposed"] == 0  # once only
    proposal = eventually(
        lambda: [e for e in client.history(case_id) if e["type"].endswith("change_proposed")],
        timeout=60,
    )
    assert len(proposal) == 1
    data = proposal[0]["data"]
    assert (data["trigger"], data["proposal"]) == ("age_4", "adjust")
    assert (data["from_category"], data["to_category"]) == (
        "CHILD_NO_CARE_U4",
        "CHILD_NO_CARE_4_16",
    )
    following = (birthday.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert data["effective_month"] == f"{following:%Y-%m}"
    assert client.assessment_case(case_id)["monthly_amount"] == 1_250_000  # unchanged until decided


def test_the_scheduler_process_runs_the_daily_jobs_for_today(client: Client) -> None:
    env = client.system.processes["assessment-api"].env
    schema = f"{env['BTXH_PREFIX']}assessment"

    def ran_today() -> bool:
        with psycopg.connect(env["BTXH_DATABASE_URL"]) as conn:
            try:
                row = conn.execute(
                    sql.SQL("SELECT count(*) FROM {}.daily_job_run").format(sql.Identifier(schema))
                ).fetchone()
            except psycopg.errors.UndefinedTable:
                return False  # the scheduler has not started yet
        return bool(row and row[0] >= 1)

    eventually(ran_today, timeout=60, what="the scheduler recorded a day")


def test_version_a_2016_seven_day_posting_across_tet_then_district_appraisal_and_decision(
    client: Client,
) -> None:
    case_id = receive(client, received_on=date(2016, 2, 1), residence=OLD_COMMUNE)
    case = client.assessment_case(case_id)
    assert case is not None
    assert case["procedure_version"] == "A-ND136-2013"
    # 10 working days from 01/02/2016 skip Tết Bính Thân (08-12/02): due 22/02/2016
    assert (case["current_step"], case["current_due_on"]) == ("review", "2016-02-22")
    ok(
        step(
            client,
            case_id,
            "review",
            "assessor",
            reviewed_on="2016-02-02",
            outcome="eligible",
            findings="Hội đồng xét duyệt: đủ điều kiện",
            members_present=6,
            members_total=8,
        )
    )
    posted = ok(step(client, case_id, "posting", "assessor", posted_from="2016-02-03"))
    assert posted["posted_until"] == "2016-02-18"  # seven working days, Tết excluded
    assert (posted["current_step"], posted["current_due_on"]) == ("appraisal", "2016-02-29")
    no_proposal_step = step(client, case_id, "proposal", "approver", sent_on="2016-02-19")
    assert no_proposal_step.status_code == 409
    appraised = ok(
        step(
            client,
            case_id,
            "appraisal",
            "assessor",
            appraised_on="2016-02-24",
            outcome="eligible",
            findings="Phòng LĐTBXH thẩm định: đủ điều kiện",
        )
    )
    assert appraised["current_due_on"] == "2016-02-29"
    decided = ok(decide(client, case_id, "2016-02-26", "DISTRICT_CHAIRMAN"), 201)
    assert decided["monthly_amount"] == 405_000  # 270,000 x 1.5 (Decree 136/2013)
    assert decided["effective_month"] == "2016-02"
    assert decided["on_time"] is True


def test_version_0_2012_a_migrated_case_is_decided_by_the_district_on_the_provisions_of_2012(
    client: Client,
) -> None:
    # given a dossier of 01/03/2012 (Decree 67/2007 as amended by Decree 13/2010): 80+, no pension
    case_id = receive(
        client,
        received_on=date(2012, 3, 1),
        residence=OLD_COMMUNE,
        category="ELDERLY_80P_NO_PENSION",
        born=date(1930, 2, 1),
    )
    case = client.assessment_case(case_id)
    assert case is not None
    assert case["procedure_version"] == "0-ND67-2007"
    assert (case["current_step"], case["current_due_on"]) == ("review", "2012-03-15")
    council = {"members_present": 7, "members_total": 9}
    review = {"reviewed_on": "2012-03-05", "outcome": "eligible", "findings": "Đủ điều kiện"}
    ok(step(client, case_id, "review", "assessor", **review, **council))
    posted = ok(step(client, case_id, "posting", "assessor", posted_from="2012-03-06"))
    assert posted["posted_until"] == "2012-03-14"  # seven working days
    appraisal = {"appraised_on": "2012-03-19", "outcome": "eligible", "findings": "Đủ điều kiện"}
    ok(step(client, case_id, "appraisal", "assessor", **appraisal))

    # when the district chairman's decision is recorded without authority or legal basis
    decided = ok(
        step(
            client,
            case_id,
            "approval",
            "approver",
            decision_number=f"{case_id[:6]}/QĐ-UBND",
            signed_on="2012-03-21",
            signer="Chủ tịch UBND huyện",
        ),
        201,
    )

    # then 180,000 x 1.0 from March 2012, on the provisions and by the authority of 2012
    assert (decided["monthly_amount"], decided["effective_month"]) == (180_000, "2012-03")

    def approval() -> dict[str, Any] | None:
        response = client.http.get(
            client.url("reporting", f"/cases/{case_id}/timeline"), headers=token("inspector")
        )
        if response.status_code != 200:
            return None
        return next((e for e in response.json() if e["type"].endswith(".case_approved")), None)

    decision = eventually(approval, what="reporting holds the approval")
    assert decision["authority"] == "DISTRICT_CHAIRMAN"
    assert decision["legal_basis"] == [
        "NĐ 67/2007/NĐ-CP Đ4, Đ6 (sửa đổi bởi NĐ 13/2010/NĐ-CP); Luật Người cao tuổi 2009",
        "NĐ 67/2007/NĐ-CP (sửa đổi bởi NĐ 13/2010/NĐ-CP)",
    ]
    assert decision["summary"]["policy_version"] == "ND13-2010/0-ND67-2007"
    assert (decision["summary"]["standard_level"], decision["summary"]["coefficient"]) == (
        180_000,
        "1.0",
    )
