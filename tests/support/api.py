"""Talks to a running system through its public HTTP APIs, as a user would."""

import itertools
import random
from datetime import date
from typing import Any

import httpx

from backbone.auth import mint_token
from backbone.settings import DEVELOPMENT_JWT_SECRET
from backbone.system import System
from reference.admin_units import load_admin_units
from reference.jurisdiction import Places
from reference.policy import policy_book
from reference.working_days import load_calendar
from tests.support.eventually import eventually

SECRET = DEVELOPMENT_JWT_SECRET
_serial = itertools.count(1)


#: The unit a test token answers for unless the test names one: Xã Chợ Đồn (02020, where the
#: old communes most tests record under went) for commune officers, its province (Thái Nguyên,
#: 19) for the officials who act on cases, the nation for inspectors and operators.
DEFAULT_UNITS = {"commune_officer": "02020", "inspector": "VN", "operator": "VN"}
PROVINCE = "19"


def unit_of(code: str, scheme: str = "DVHC_2025_2LEVEL") -> str:
    """The 2025 commune a place recorded as (scheme, code) lies in now (of a split old commune,
    the first of those it went into): the unit of its commune officer."""
    return sorted(Places(load_admin_units()).communes_of(scheme, code))[0]


def officer_of(residence: dict[str, str], role: str = "commune_officer") -> dict[str, str]:
    """A token of the commune a dossier's residence lies in now."""
    return token(role, unit=unit_of(residence["code"], residence["scheme"]))


def province_of(commune: str, scheme: str = "DVHC_2025_2LEVEL") -> str:
    """The 2025 province a commune recorded as (scheme, code) lies in now."""
    return load_admin_units().province_of("DVHC_2025_2LEVEL", unit_of(commune, scheme)).code


def payroll_token(role: str, commune: str, month: str) -> dict[str, str]:
    """A token of the province whose commune a payroll is (codes of the scheme of its month)."""
    scheme = "DVHC_2025_2LEVEL" if month >= "2025-07" else "DVHC_2004_3LEVEL"
    return token(role, unit=province_of(commune, scheme))


def token(role: str, unit: str | None = "default", user: str | None = None) -> dict[str, str]:
    if unit == "default":
        unit = DEFAULT_UNITS.get(role, PROVINCE)
    return {
        "Authorization": "Bearer "
        + mint_token(SECRET, user_id=user or f"test-{role}", role=role, unit=unit)
    }


#: Tails of the ID numbers this process hands out: from a random start, never the same twice
#: (random draws would repeat: 200 of a million collide once in 50 runs).
_tails = itertools.count(random.randrange(10**6))


def personal_id(born: date, sex: str) -> str:
    """A valid 12-digit number for this birth date and sex, unique in this process."""
    century_code = (born.year // 100 - 19) * 2 + (0 if sex == "male" else 1)
    return f"001{century_code}{born.year % 100:02d}{next(_tails) % 10**6:06d}"


CALENDAR = load_calendar()

#: A commune of the pre-2025 scheme (Xã Ngọc Phái, Bắc Kạn) and of the 2025 scheme (Xã Chợ Đồn,
#: Thái Nguyên, which it went into).
OLD_COMMUNE = {"scheme": "DVHC_2004_3LEVEL", "code": "02053"}
NEW_COMMUNE = {"scheme": "DVHC_2025_2LEVEL", "code": "02020"}


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON answer, after checking the status (the body is shown when it differs)."""
    assert response.status_code == status, response.text
    return response.json()


def steps_before(today: date) -> tuple[date, date]:
    """A receipt date and a review date such that review, two days of posting and a decision
    signed today all fit, on the working-day calendar (so tests run on any date, Tết too)."""
    received = CALENDAR.start_leaving(today, 4)
    return received, CALENDAR.add_working_days(received, 1)


def dossier_body(
    *,
    name: str | None = None,
    born: date = date(1950, 5, 17),
    sex: str = "female",
    category: str = "ELDERLY_POOR_NO_SUPPORTER_60_80",
    commune: str = "02020",
    received_on: date | None = None,
) -> dict[str, Any]:
    return {
        "applicant": {
            "full_name": name or f"Người Thử {next(_serial)}",
            "date_of_birth": born.isoformat(),
            "sex": sex,
            "personal_id": personal_id(born, sex),
        },
        "category": category,
        "residence": {"scheme": "DVHC_2025_2LEVEL", "code": commune},
        "received_on": (received_on or steps_before(date.today())[0]).isoformat(),
        "household": {"poverty_status": "poor"},
        "documents_presented": [
            "personal_id_card",
            *policy_book().documents_by_category.get(category, ()),
        ],
        **(
            {"representative": {"full_name": "Người Giám Hộ", "relationship": "guardian"}}
            if (received_on or date.today()).year - born.year < 17
            else {}
        ),
    }


class Client:
    def __init__(self, system: System) -> None:
        self.system = system
        # uvicorn closes an idle connection after 5 s (timeout_keep_alive), httpx reuses one
        # for 5 s too: a request sent on a connection the server is closing that very moment
        # gets "Server disconnected without sending a response". Reusing one for 2 s at most
        # never races the server's close.
        self.http = httpx.Client(timeout=15, limits=httpx.Limits(keepalive_expiry=2.0))

    def url(self, service: str, path: str) -> str:
        return self.system.url(service) + path

    def receive(self, **kwargs: Any) -> str:
        body = dossier_body(**kwargs)
        response = self.http.post(
            self.url("intake", "/dossiers"), json=body, headers=officer_of(body["residence"])
        )
        assert response.status_code == 201, response.text
        return str(response.json()["case_id"])

    def start_payroll(
        self, commune: str, month: str, channel: str = "post_office"
    ) -> dict[str, Any]:
        """Start a payroll's generation (202); its status and progress at the start."""
        started: dict[str, Any] = ok(
            self.http.post(
                self.url("payment", "/payrolls"),
                json={"commune": commune, "channel": channel, "month": month},
                headers=payroll_token("payment_officer", commune, month),
            ),
            202,
        )
        return started

    def enrolled(self, case_id: str) -> bool:
        """Whether payment has an entitlement for the case (its approval was applied)."""
        return self.http.get(
            self.url("payment", f"/entitlements/{case_id}"), headers=token("inspector")
        ).is_success

    def generate_payroll(
        self, commune: str, month: str, channel: str = "post_office"
    ) -> dict[str, Any]:
        """Start a payroll's generation and wait until it is generated; return the payroll."""
        started = self.start_payroll(commune, month, channel)
        assert started["status"] in ("generating", "generated"), started

        def finished() -> dict[str, Any] | None:
            payroll: dict[str, Any] = ok(
                self.http.get(
                    self.url("payment", f"/payrolls/{commune}/{channel}/{month}"),
                    params={"limit": 1},
                    headers=payroll_token("payment_officer", commune, month),
                )
            )
            assert payroll["status"] != "failed", payroll
            return payroll if payroll["status"] == "generated" else None

        return eventually(finished, what=f"payroll {commune} {channel} {month} generated")

    def assessment_case(self, case_id: str) -> dict[str, Any] | None:
        response = self.http.get(
            self.url("assessment", f"/cases/{case_id}"), headers=token("inspector")
        )
        assert response.status_code in (200, 404), response.text
        return response.json() if response.status_code == 200 else None

    def case_token(self, role: str, case_id: str) -> dict[str, str]:
        """A token of the province the case lies in (the default one when assessment does not
        know the case: the request then answers as for an unknown case)."""
        case = self.assessment_case(case_id)
        if case is None:
            return token(role)
        return token(role, unit=province_of(case["residence_code"], case["residence_scheme"]))

    def review_and_post(self, case_id: str) -> None:
        """The steps the procedure puts before a decision: review, then two days of posting."""
        case = self.assessment_case(case_id)
        if case is None:
            return  # unknown to assessment: the decision itself answers 404
        reviewed_on = max(
            date.fromisoformat(case["dossier_received_on"]), steps_before(date.today())[1]
        )
        if case["reviewed_on"] is None:
            response = self.http.post(
                self.url("assessment", f"/cases/{case_id}/review"),
                json={
                    "reviewed_on": reviewed_on.isoformat(),
                    "outcome": "eligible",
                    "findings": "Đủ điều kiện theo hồ sơ và đối chiếu CSDL dân cư",
                    "population_db_verified": True,
                },
                headers=self.case_token("assessor", case_id),
            )
            assert response.status_code == 200, response.text
        if case["category"].startswith("PWD_"):
            self.determine_disability(case_id, reviewed_on)
        if case["posted_from"] is None:
            response = self.http.post(
                self.url("assessment", f"/cases/{case_id}/posting"),
                json={"posted_from": reviewed_on.isoformat()},
                headers=self.case_token("assessor", case_id),
            )
            assert response.status_code == 200, response.text

    def determine_disability(self, case_id: str, on: date) -> None:
        """A determination matching the case's category, unless one is recorded."""
        path = f"/cases/{case_id}/disability-determinations"
        known = self.http.get(
            self.url("assessment", path), headers=self.case_token("assessor", case_id)
        ).json()
        if known["determinations"]:
            return
        case = self.assessment_case(case_id)
        assert case is not None
        level = "SPECIAL_SEVERE" if "SPECIAL" in case["category"] else "SEVERE"
        response = self.http.post(
            self.url("assessment", path),
            json={
                "determined_on": on.isoformat(),
                "types": ["MOBILITY"],
                "level": level,
                "method": "observation_questionnaire",
                "council": "Hội đồng xác định mức độ khuyết tật xã",
            },
            headers=self.case_token("assessor", case_id),
        )
        assert response.status_code == 201, response.text

    def approve(self, case_id: str, number: str | None = None, **extra: Any) -> httpx.Response:
        """Review and post when not yet done, then record the decision."""
        self.review_and_post(case_id)
        body = {
            "decision_number": number or f"{next(_serial)}/QĐ-UBND",
            "signed_on": date.today().isoformat(),
            "signer": "Chủ tịch UBND xã",
            **extra,
        }
        return self.http.post(
            self.url("assessment", f"/cases/{case_id}/approval"),
            json=body,
            headers=self.case_token("approver", case_id),
        )

    def register(self, **params: Any) -> dict[str, Any]:
        response = self.http.get(
            self.url("reporting", "/register"),
            params={"limit": 1000, **params},
            headers=token("inspector"),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def register_entry(self, case_id: str) -> dict[str, Any] | None:
        for item in self.register()["items"]:
            if item["case_id"] == case_id:
                return dict(item)
        return None

    def history(self, case_id: str, *, notices: bool = False) -> list[dict[str, Any]]:
        """The case's events in reporting; health-insurance notices (another topic, published
        beside the enrolment or cessation) only with `notices`."""
        response = self.http.get(
            self.url("reporting", f"/cases/{case_id}/history"), headers=token("inspector")
        )
        events = list(response.json()) if response.status_code == 200 else []
        if notices:
            return events
        return [e for e in events if not e["type"].endswith(".health_insurance_notice")]

    def parked(self, service: str) -> list[dict[str, Any]]:
        response = self.http.get(self.url(service, "/ops/parked"), headers=token("operator"))
        assert response.status_code == 200, response.text
        return list(response.json())
