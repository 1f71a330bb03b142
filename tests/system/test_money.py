"""Money right through the public APIs: a district's month of 2020 under procedure B with the
categories in force then, every category with its units, both care-support grounds; then the
same people paid by their 2025 communes after the reorganisation, each once, with the months
owed as arrears or awaiting a decision; a split old commune's beneficiary held up until an
official decides, then paid from July 2025."""

from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from tests.support.api import (
    Client,
    dossier_body,
    officer_of,
    ok,
    payroll_token,
    personal_id,
    token,
)
from tests.support.eventually import eventually

STANDARD_2020 = 270_000
RECEIVED = date(2020, 7, 1)
CHO_DON = "02020"  # Xã Chợ Đồn (2025): old 02020, 02050, 02053, 02065 went whole into it
CAREGIVER_BORN = date(1975, 5, 17)
CAREGIVER_ID = "019175512345"  # born in 1975 (century digit 1: a woman of the 1900s)

#: (category, born, units, benefit, coefficient) decided in July 2020 in old Xã Ngọc Phái.
CASES: list[tuple[str, date, int, str, str]] = [
    ("CHILD_NO_CARE_U4", date(2017, 3, 1), 1, "monthly_allowance", "2.5"),
    ("CHILD_NO_CARE_4_16", date(2012, 5, 2), 1, "monthly_allowance", "1.5"),
    ("YOUTH_STUDYING_16_22", date(2002, 9, 3), 1, "monthly_allowance", "1.5"),
    ("CHILD_HIV_POOR_U4", date(2018, 1, 4), 1, "monthly_allowance", "2.5"),
    ("CHILD_HIV_POOR_4_16", date(2010, 2, 5), 1, "monthly_allowance", "2.0"),
    ("SINGLE_PARENT_POOR", date(1985, 6, 6), 1, "monthly_allowance", "1.0"),
    ("SINGLE_PARENT_POOR", date(1986, 7, 7), 2, "monthly_allowance", "1.0"),
    ("SINGLE_PARENT_POOR", date(1987, 8, 8), 3, "monthly_allowance", "1.0"),
    ("ELDERLY_POOR_NO_SUPPORTER_60_80", date(1950, 9, 9), 1, "monthly_allowance", "1.5"),
    ("ELDERLY_POOR_NO_SUPPORTER_80P", date(1935, 10, 10), 1, "monthly_allowance", "2.0"),
    ("ELDERLY_80P_NO_PENSION", date(1938, 11, 11), 1, "monthly_allowance", "1.0"),
    ("ELDERLY_COMMUNITY_CARE", date(1940, 12, 12), 1, "monthly_allowance", "3.0"),
    ("PWD_SPECIAL_SEVERE", date(1980, 1, 13), 1, "monthly_allowance", "2.0"),
    ("PWD_SPECIAL_SEVERE_CHILD_OR_ELDERLY", date(1945, 2, 14), 1, "monthly_allowance", "2.5"),
    ("PWD_SEVERE", date(1981, 3, 15), 1, "monthly_allowance", "1.5"),
    ("PWD_SEVERE_CHILD_OR_ELDERLY", date(2011, 4, 16), 1, "monthly_allowance", "2.0"),
    ("HIV_ADULT_POOR_NO_INCOME", date(1982, 4, 17), 1, "monthly_allowance", "1.5"),
    # One household, two grounds of care support: both are paid.
    ("CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE", CAREGIVER_BORN, 1, "care_support", "1.0"),
    ("CARE_TAKER_CHILD_4P", CAREGIVER_BORN, 1, "care_support", "1.5"),
]


def step(client: Client, case_id: str, path: str, role: str, **body: Any) -> httpx.Response:
    """A step by an official of the province the case lies in."""
    return client.http.post(
        client.url("assessment", f"/cases/{case_id}/{path}"),
        json=body,
        headers=client.case_token(role, case_id),
    )


def decided_in_2020(
    client: Client, category: str, born: date, units: int, benefit: str, old_commune: str
) -> str:
    """Received on 1 July 2020 and decided by the district chairman under procedure B: council
    review, five working days of posting, appraisal, decision signed on 14 July 2020."""
    body = dossier_body(category=category, born=born, received_on=RECEIVED)
    body["residence"] = {"scheme": "DVHC_2004_3LEVEL", "code": old_commune}
    body["benefit"] = benefit
    if "HIV" in category and "hiv_confirmation" not in body["documents_presented"]:
        body["documents_presented"].append("hiv_confirmation")
    if category == "SINGLE_PARENT_POOR":  # the children raised, each counted at approval
        body["dependants"] = [
            {
                "relation": "child_raised",
                "full_name": f"Con {n}",
                "date_of_birth": f"201{n}-03-0{n}",
            }
            for n in range(1, units + 1)
        ]
    if benefit == "care_support":
        body["applicant"]["personal_id"] = CAREGIVER_ID
        body["cared_for"] = {
            "full_name": f"Người được chăm sóc {category}",
            "date_of_birth": "2014-02-02",
            "relationship": "taken in" if "CHILD" in category else "son",
        }
    response = client.http.post(
        client.url("intake", "/dossiers"), json=body, headers=officer_of(body["residence"])
    )
    assert response.status_code == 201, response.text
    case_id = str(response.json()["case_id"])
    eventually(lambda: client.assessment_case(case_id), what="assessment learns the dossier")
    review = {"reviewed_on": "2020-07-02", "outcome": "eligible", "findings": "Đủ điều kiện"}
    ok(step(client, case_id, "review", "assessor", **review, members_present=7, members_total=9))
    if category.startswith("PWD_"):
        client.determine_disability(case_id, date(2020, 7, 2))
    ok(step(client, case_id, "posting", "assessor", posted_from="2020-07-03"))
    appraisal = {"appraised_on": "2020-07-10", "outcome": "eligible", "findings": "Đủ điều kiện"}
    ok(step(client, case_id, "appraisal", "assessor", **appraisal))
    decision = ok(
        step(
            client,
            case_id,
            "approval",
            "approver",
            decision_number=f"{case_id[:6]}/QĐ-UBND",
            signed_on="2020-07-14",
            signer="Chủ tịch UBND huyện",
            categories={category: units},
        ),
        201,
    )
    assert decision["effective_month"] == "2020-07"
    return case_id


def payroll(client: Client, commune: str, month: str, **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = ok(
        client.http.get(
            client.url("payment", f"/payrolls/{commune}/post_office/{month}"),
            params={"limit": 5000, **params},
            headers=payroll_token("payment_officer", commune, month),
        )
    )
    return found


def settle_all_paid(client: Client, commune: str, month: str, on: str) -> None:
    lines = payroll(client, commune, month)["lines"]
    ok(
        client.http.post(
            client.url("payment", f"/payrolls/{commune}/post_office/{month}/approval"),
            json={"approved_on": on},
            headers=payroll_token("approver", commune, month),
        )
    )
    ok(
        client.http.post(
            client.url("payment", f"/payrolls/{commune}/post_office/{month}/results"),
            json={
                "results": [
                    {"line_id": x["line_id"], "result": "paid_at_point", "settled_on": on}
                    for x in lines
                ]
            },
            headers=payroll_token("post_office", commune, month),
        )
    )


def test_a_2020_district_month_and_the_first_payrolls_after_the_reorganisation(
    client: Client,
) -> None:
    cases = {
        decided_in_2020(client, category, born, units, benefit, "02053"): (category, units, c)
        for category, born, units, benefit, c in CASES
    }
    other = decided_in_2020(
        client,
        "ELDERLY_POOR_NO_SUPPORTER_60_80",
        date(1951, 1, 19),
        1,
        "monthly_allowance",
        "02050",
    )
    split = decided_in_2020(
        client,
        "ELDERLY_POOR_NO_SUPPORTER_60_80",
        date(1952, 2, 20),
        1,
        "monthly_allowance",
        "00007",
    )
    everyone = [*cases, other, split]
    eventually(lambda: all(client.enrolled(c) for c in everyone), what="payment enrols all")

    # Authority and legal basis were left out: those in force on 14 July 2020 (Decree 136/2013).
    approved = eventually(
        lambda: [e for e in client.history(other) if e["type"].endswith(".case_approved")],
        what="reporting holds the approval",
    )
    assert approved[0]["data"]["authority"] == "DISTRICT_CHAIRMAN"
    assert any("136/2013" in basis for basis in approved[0]["data"]["legal_basis"])

    # August 2020, the old commune's payroll: 270,000 x sum of (coefficient x units).
    client.generate_payroll("02053", "2020-08")
    august = payroll(client, "02053", "2020-08")
    current = {x["case_id"]: x["amount"] for x in august["lines"] if x["kind"] == "current"}
    assert set(current) == set(cases)
    expected = {
        case_id: int(STANDARD_2020 * Decimal(coefficient) * units)
        for case_id, (_, units, coefficient) in cases.items()
    }
    assert current == expected
    assert sum(current.values()) == STANDARD_2020 * sum(Decimal(c) * u for _, _, u, _, c in CASES)
    assert expected[_single_parent(cases, 3)] == 810_000
    settle_all_paid(client, "02053", "2020-08", "2020-08-20")
    by_category = ok(
        client.http.get(
            client.url("reporting", "/register/counts"),
            params={"by": "category", "on": "2020-08-15", "commune": CHO_DON},
            headers=token("inspector"),
        )
    )
    counted = {c["key"]: c["count"] for c in by_category["counts"]}
    assert counted["SINGLE_PARENT_POOR"] == 3
    assert by_category["total"] == len(CASES) + 1  # and the one of old Xã 02050

    # The same month reported by the units as they were (old district, old province) and by
    # today's (the 2025 commune the old ones went into): the same money.
    august_total = sum(x["amount"] for x in august["lines"])

    def reported(**params: str) -> int:
        found = ok(
            client.http.get(
                client.url("reporting", "/reports/monthly-payments"),
                params={"month": "2020-08", **params},
                headers=token("inspector"),
            )
        )
        return int(found["total"]["amount"])

    old_district = {"recorded_scheme": "DVHC_2004_3LEVEL", "district": "064"}  # Huyện Chợ Đồn
    assert reported(**old_district) == august_total
    assert reported(recorded_scheme="DVHC_2004_3LEVEL", province="06") == august_total  # Bắc Kạn
    assert reported(commune=CHO_DON) == august_total
    too_late = client.http.get(
        client.url("reporting", "/reports/period"),
        params={"period": "2025", **old_district},
        headers=token("inspector"),
    )
    assert too_late.status_code == 422, too_late.text

    # After the reorganisation: the old code pays no more, the 2025 commune pays everyone once.
    refused = client.http.post(
        client.url("payment", "/payrolls"),
        json={"commune": "02053", "channel": "post_office", "month": "2025-07"},
        headers=token("payment_officer"),
    )
    assert refused.status_code == 422, refused.text
    assert CHO_DON in refused.json()["detail"]
    client.generate_payroll(CHO_DON, "2025-07")
    july = payroll(client, CHO_DON, "2025-07")
    mine = [x for x in july["lines"] if x["case_id"] in {*cases, other}]
    currents = [x["case_id"] for x in mine if x["kind"] == "current"]
    assert sorted(currents) == sorted([*cases, other])  # each exactly once
    # Paid up to August 2020: September 2020 .. June 2025 owed; the look-back pays
    # August 2022 .. June 2025 as arrears, the months before wait for a decision.
    arrears_months = sorted({x["month"] for x in mine if x["kind"] == "arrears"})
    assert (arrears_months[0], arrears_months[-1]) == ("2022-08", "2025-06")
    awaiting = {a["case_id"]: a for a in july["arrears_awaiting_decision"]}
    assert awaiting[next(iter(cases))]["months"][0] == "2020-09"
    assert awaiting[next(iter(cases))]["months"][-1] == "2022-07"
    first_child = next(iter(cases))
    july_amount = next(
        x["amount"] for x in mine if x["case_id"] == first_child and x["kind"] == "current"
    )
    assert (
        july_amount == 1_250_000
    )  # the child born 2017 is 8: still decided at 2.5 (no change decided)

    # A split old commune: held up on its candidates' payroll, paid from July 2025 once decided.
    client.generate_payroll("00008", "2025-07")
    held = payroll(client, "00008", "2025-07")["held_up_by_reorganisation"]
    assert [h["case_id"] for h in held] == [split]
    assert held[0]["candidates"] == ["00008", "00025"]
    ok(
        client.http.post(
            client.url("intake", f"/dossiers/{split}/jurisdiction"),
            json={
                "commune": "00025",
                "basis": "Tổ dân phố 5: thuộc phường Giảng Võ",
                "decided_on": "2025-07-20",
            },
            headers=token("commune_officer", unit="00025"),  # where the person lives
        )
    )

    def transferred() -> bool:
        entitlement = client.http.get(
            client.url("payment", f"/entitlements/{split}"), headers=token("inspector")
        ).json()
        return bool(entitlement["residence_code"] == "00025")

    eventually(transferred, what="payment transfers the split commune's case")
    client.generate_payroll("00025", "2025-08")
    paid = [x for x in payroll(client, "00025", "2025-08")["lines"] if x["case_id"] == split]
    months = sorted(x["month"] for x in paid)
    assert "2025-07" in months
    assert months[-1] == "2025-08"


def test_a_death_gets_funeral_support_once_and_never_on_the_care_support_of_its_caregiver(
    client: Client,
) -> None:
    """Uses the cases of the test above (same module, same system)."""
    register = client.register(commune=CHO_DON)["items"]
    elder = next(i for i in register if i["category"] == "ELDERLY_POOR_NO_SUPPORTER_80P")
    care = next(i for i in register if i["category"] == "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE")

    def decide(case_id: str, path: str, **body: Any) -> httpx.Response:
        return client.http.post(
            client.url("payment", f"/entitlements/{case_id}/{path}"),
            json=body,
            headers=token("approver"),
        )

    for case_id in (elder["case_id"], care["case_id"]):
        ok(
            decide(
                case_id,
                "cessation",
                reason="death",
                event_date="2025-08-10",
                decision_number=f"{case_id[:4]}/QĐ-UBND",
                signed_on="2025-08-15",
            )
        )
    funeral = {"signed_on": "2025-08-20", "organiser": "Con trai"}
    decided = ok(decide(elder["case_id"], "funeral-support", decision_number="301/QĐ", **funeral))
    assert decided["funeral_support"]["amount"] == 10_000_000  # 20 x 500,000
    again = decide(elder["case_id"], "funeral-support", decision_number="302/QĐ", **funeral)
    assert again.status_code == 422
    on_care = decide(care["case_id"], "funeral-support", decision_number="303/QĐ", **funeral)
    assert on_care.status_code == 422
    assert "own monthly allowance" in on_care.json()["detail"]


def _single_parent(cases: dict[str, tuple[str, int, str]], units: int) -> str:
    return next(c for c, (cat, u, _) in cases.items() if cat == "SINGLE_PARENT_POOR" and u == units)


CAO_MINH = "01879"  # Xã Cao Minh, Thái Nguyên (2025): the national level; no other case here


def test_a_person_of_85_with_a_survivor_allowance_gets_funeral_support_once_on_a_claim(
    client: Client,
) -> None:
    """Decree 20/2021 Art. 11: no btxh allowance, so the claim opens the deceased's own case."""
    officer = token("commune_officer", unit=CAO_MINH)
    body = {
        "deceased": {
            "full_name": "Người Thử Tám Lăm",
            "date_of_birth": "1941-05-01",
            "sex": "male",
            "personal_id": personal_id(date(1941, 5, 1), "male"),
        },
        "residence": {"scheme": "DVHC_2025_2LEVEL", "code": CAO_MINH},
        "died_on": "2026-10-12",
        "ground": "survivor_allowance_80_plus",
        "allowance_stopped_by": "Quyết định 45/QĐ-BHXH ngày 16/10/2026",
        "organiser": {"full_name": "Người Tổ Chức", "relationship": "son"},
        "documents_presented": ["death_certificate", "allowance_stop_decision"],
        "received_on": "2026-10-20",
    }
    claims = client.url("intake", "/funeral-claims")
    case_id = ok(client.http.post(claims, json=body, headers=officer), 201)["case_id"]
    again = client.http.post(claims, json=body, headers=officer)
    assert again.status_code == 409
    assert case_id in again.json()["detail"]
    assert (
        client.http.post(
            claims, json=body, headers=token("commune_officer", unit="00004")
        ).status_code
        == 403
    )

    eventually(
        lambda: (
            client.http.get(
                client.url("payment", f"/funeral-claims/{case_id}"), headers=token("approver")
            ).status_code
            == 200
        ),
        what="payment records the claim",
    )
    support = client.url("payment", f"/entitlements/{case_id}/funeral-support")
    funeral = {"signed_on": "2026-10-26", "organiser": "Con trai"}
    decided = ok(
        client.http.post(
            support, json={"decision_number": "88/QĐ-UBND", **funeral}, headers=token("approver")
        )
    )
    assert decided["funeral_support"]["amount"] == 10_000_000  # 20 x 500,000
    second = client.http.post(
        support, json={"decision_number": "89/QĐ-UBND", **funeral}, headers=token("approver")
    )
    assert second.status_code == 422
    assert "88/QĐ-UBND" in second.json()["detail"]

    # the commune's next payroll pays the organiser once, and the one after pays nothing more
    client.generate_payroll(CAO_MINH, "2026-10")
    lines = payroll(client, CAO_MINH, "2026-10")["lines"]
    assert [(x["case_id"], x["kind"], x["amount"]) for x in lines] == [
        (case_id, "funeral_support", 10_000_000)
    ]
    settle_all_paid(client, CAO_MINH, "2026-10", "2026-10-28")
    client.generate_payroll(CAO_MINH, "2026-11")
    assert payroll(client, CAO_MINH, "2026-11")["lines"] == []
    view = ok(
        client.http.get(
            client.url("payment", f"/funeral-claims/{case_id}"), headers=token("approver")
        )
    )
    assert [(x["amount"], x["result"]) for x in view["lines"]] == [(10_000_000, "paid_at_point")]

    def counted() -> dict[str, Any] | None:
        found = client.http.get(
            client.url("reporting", "/reports/period"),
            params={"period": "2026-H2", "commune": CAO_MINH},
            headers=token("inspector"),
        ).json()
        money: dict[str, Any] = found["money"]
        paid = money["total"]["funeral_support_paid"]
        return money["funeral_support_decided"] if paid else None

    assert eventually(counted, what="the commune's report counts it, decided and paid") == {
        "count": 1,
        "amount": 10_000_000,
    }
    entry = client.register_entry(case_id)
    assert entry is not None
    assert (entry["benefit"], entry["status"]) == ("funeral_support", "approved")


def test_the_units_restoration_finds_nothing_to_restore_where_approvals_carried_units(
    client: Client,
) -> None:
    """Every entitlement of this system was enrolled from an approval with units (the ones
    stored before they travelled are restored in tests/use_cases/test_units_restoration.py):
    the operator's run changes nothing, says what it checked, and only an operator may run it."""
    url = client.url("payment", "/ops/units-restoration")
    refused = client.http.post(url, headers=token("payment_officer", unit="02020"))
    assert refused.status_code == 403

    first = ok(client.http.post(url, headers=token("operator")))
    again = ok(client.http.post(url, headers=token("operator")))

    assert first["checked"] == again["checked"]
    assert (first["restored_count"], again["restored_count"]) == (0, 0)
    assert first["to_review"] == []
