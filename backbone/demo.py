"""Demo cases for `make run`, loaded through the public APIs on the first start.

Enough for every view an inspector opens to show something: dossiers approved today, one
waiting past its review deadline (an overdue dossier), and a case decided in June 2024 under
the old commune codes, paid through September and whose death in July was reported in
October (payments after death, an overpayment). A payroll of the current month is generated
for the communes of today's approvals, so the monthly report has lines.
"""

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from backbone.auth import PLACES, mint_token
from backbone.system import System
from reference.jurisdiction import NATIONAL
from reference.working_days import load_calendar

log = logging.getLogger("btxh.demo")

DEMO_UNIT = "00004"
DEMO_DOSSIERS = [
    ("Nguyễn Thị Lan", "1948-03-02", "female", "001148000111", "ELDERLY_POOR_NO_SUPPORTER_60_80"),
    ("Trần Văn Bình", "1990-07-15", "male", "034090000222", "PWD_SEVERE"),
    ("Lê Minh Châu", "2019-11-20", "male", "035219000333", "CHILD_NO_CARE_4_16"),
]
#: Received long ago and never reviewed: past its review deadline.
OVERDUE_DOSSIER = (
    "Phạm Thị Dung",
    "1941-01-09",
    "female",
    "036141000444",
    "ELDERLY_80P_NO_PENSION",
)
#: Decided in June 2024 by the district (procedure C), old commune code 02053 (now 02020).
HISTORICAL_DOSSIER = (
    "Hoàng Văn Em",
    "1950-05-17",
    "male",
    "001050000555",
    "ELDERLY_POOR_NO_SUPPORTER_60_80",
)
OLD_COMMUNE = {"scheme": "DVHC_2004_3LEVEL", "code": "02053"}


class DemoLoader:
    """Talks to the running system as its users would, one role per step."""

    def __init__(self, system: System, secret: str) -> None:
        self.system = system
        self.secret = secret
        self.http = httpx.Client(timeout=30)
        #: The 2025 commune the current step is in: its officials act (backbone/auth.py).
        self.commune = DEMO_UNIT

    def headers(self, role: str, user: str) -> dict[str, str]:
        """A token of the official of the step's unit: its commune for a commune officer, the
        nation for inspectors and operators, its province for everyone else."""
        if role == "commune_officer":
            unit = self.commune
        elif role in ("inspector", "operator"):
            unit = NATIONAL
        else:
            unit = PLACES.province_of(self.commune) or self.commune
        token = mint_token(self.secret, user_id=user, role=role, unit=unit)
        return {"Authorization": f"Bearer {token}"}

    def call(
        self, service: str, path: str, role: str, user: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        url = self.system.url(service) + path
        if body is None:
            return self.http.get(url, headers=self.headers(role, user))
        return self.http.post(url, json=body, headers=self.headers(role, user))

    def until(self, probe: Callable[[], httpx.Response], timeout: float = 60) -> httpx.Response:
        """Retry while the case has not reached the service yet (404/409); the last answer."""
        deadline = time.monotonic() + timeout
        while True:
            response = probe()
            if response.status_code not in (404, 409) or time.monotonic() > deadline:
                return response
            time.sleep(0.3)

    def receive(
        self, person: tuple[str, str, str, str, str], commune: dict[str, str], received_on: date
    ) -> str | None:
        name, born, sex, personal_id, category = person
        body: dict[str, Any] = {
            "applicant": {
                "full_name": name,
                "date_of_birth": born,
                "sex": sex,
                "personal_id": personal_id,
            },
            "category": category,
            "residence": commune,
            "received_on": received_on.isoformat(),
            "household": {"poverty_status": "poor"},
            "documents_presented": ["personal_id_card", "birth_certificate"],
        }
        if born >= "2010":
            body["representative"] = {"full_name": "Lê Thị Hoa", "relationship": "guardian"}
        response = self.call("intake", "/dossiers", "commune_officer", "demo-officer", body)
        if response.status_code != 201:
            log.warning("demo dossier %s refused: %s", name, response.text)
            return None
        return str(response.json()["case_id"])

    def assess(self, case_id: str, path: str, role: str, body: dict[str, Any]) -> httpx.Response:
        user = "demo-chairman" if role == "approver" else "demo-official"
        return self.until(
            lambda: self.call("assessment", f"/cases/{case_id}/{path}", role, user, body)
        )

    def payment(self, path: str, role: str, body: dict[str, Any] | None = None) -> Any:
        response = self.until(lambda: self.call("payment", path, role, f"demo-{role}", body))
        if response.status_code >= 400:
            log.warning("demo step %s failed: %s", path, response.text)
        return response.json()

    def payroll(self, commune: str, month: str, approved_on: date) -> list[dict[str, Any]]:
        """Generate and approve the commune's post-office payroll of `month`; its lines."""
        self.payment(
            "/payrolls",
            "payment_officer",
            {"commune": commune, "channel": "post_office", "month": month},
        )
        path = f"/payrolls/{commune}/post_office/{month}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = self.payment(f"{path}?limit=1000", "payment_officer")
            if found.get("status") in ("generated", "failed"):
                break
            time.sleep(0.3)
        self.payment(f"{path}/approval", "approver", {"approved_on": approved_on.isoformat()})
        lines: list[dict[str, Any]] = self.payment(f"{path}?limit=1000", "payment_officer").get(
            "lines", []
        )
        return lines

    def enrolled(self, case_id: str) -> bool:
        response = self.until(
            lambda: self.call("payment", f"/entitlements/{case_id}", "inspector", "demo")
        )
        return response.status_code == 200

    # --- the scenarios ------------------------------------------------------------------

    def approved_today(self) -> list[str]:
        today = date.today()
        calendar = load_calendar()
        received_on = calendar.start_leaving(today, 4)
        reviewed_on = calendar.add_working_days(received_on, 1)
        communes = ["00004", "00004", "02020"]
        approved = []
        for number, (person, code) in enumerate(zip(DEMO_DOSSIERS, communes, strict=True), 1):
            self.commune = code
            commune = {"scheme": "DVHC_2025_2LEVEL", "code": code}
            case_id = self.receive(person, commune, received_on)
            if case_id is None:
                continue
            self.assess(
                case_id,
                "review",
                "assessor",
                {
                    "reviewed_on": reviewed_on.isoformat(),
                    "outcome": "eligible",
                    "findings": "Đủ điều kiện (dữ liệu minh họa)",
                    "population_db_verified": True,
                },
            )
            category = person[4]
            if category.startswith("PWD_"):  # the level the category needs, determined first
                self.assess(
                    case_id,
                    "disability-determinations",
                    "assessor",
                    {
                        "determined_on": reviewed_on.isoformat(),
                        "types": ["MOBILITY"],
                        "level": "SEVERE",
                        "method": "observation_questionnaire",
                        "council": "Hội đồng xác định mức độ khuyết tật (dữ liệu minh họa)",
                    },
                )
            self.assess(case_id, "posting", "assessor", {"posted_from": reviewed_on.isoformat()})
            self.assess(
                case_id,
                "approval",
                "approver",
                {
                    "decision_number": f"{number}/QĐ-UBND-DEMO",
                    "signed_on": today.isoformat(),
                    "signer": "Chủ tịch UBND xã (demo)",
                },
            )
            approved.append(case_id)
        return approved

    def overdue(self) -> str | None:
        """A dossier received 30 working days ago that nobody reviewed."""
        received_on = load_calendar().start_leaving(date.today(), 30)
        self.commune = "02020"
        commune = {"scheme": "DVHC_2025_2LEVEL", "code": "02020"}
        return self.receive(OVERDUE_DOSSIER, commune, received_on)

    def paid_after_death(self) -> str | None:
        """Approved in June 2024, paid June-September; the death on 20 July was reported in
        October, so August and September were paid after it."""
        self.commune = "02020"  # where the old commune 02053 went in 2025
        case_id = self.receive(HISTORICAL_DOSSIER, OLD_COMMUNE, date(2024, 5, 6))
        if case_id is None:
            return None
        steps: list[tuple[str, str, dict[str, Any]]] = [
            (
                "review",
                "assessor",
                {"reviewed_on": "2024-05-07", "outcome": "eligible", "findings": "Đủ"},
            ),
            ("posting", "assessor", {"posted_from": "2024-05-08"}),
            ("proposal", "approver", {"sent_on": "2024-05-10"}),
            (
                "appraisal",
                "assessor",
                {"appraised_on": "2024-05-13", "outcome": "eligible", "findings": "Đủ"},
            ),
            (
                "approval",
                "approver",
                {
                    "decision_number": "61/QĐ-UBND",
                    "signed_on": "2024-06-03",
                    "signer": "Chủ tịch UBND huyện (demo)",
                    "authority": "DISTRICT_CHAIRMAN",
                    "legal_basis": ["Nghị định 20/2021/NĐ-CP, Điều 5 khoản 5"],
                },
            ),
        ]
        for path, role, body in steps:
            self.assess(case_id, path, role, body)
        if not self.enrolled(case_id):
            log.warning("demo case %s was not enrolled", case_id)
            return case_id
        lines = self.payroll("02053", "2024-09", date(2024, 9, 5))
        self.payment(
            "/payrolls/02053/post_office/2024-09/results",
            "post_office",
            {
                "results": [
                    {
                        "line_id": line["line_id"],
                        "result": "paid_at_point",
                        "settled_on": "2024-09-20",
                    }
                    for line in lines
                    if line["case_id"] == case_id
                ]
            },
        )
        self.payment(
            f"/entitlements/{case_id}/cessation",
            "approver",
            {
                "reason": "death",
                "event_date": "2024-07-20",
                "decision_number": "88/QĐ-UBND",
                "signed_on": "2024-10-02",
            },
        )
        return case_id


def load_demo_data(system: System, secret: str) -> int:
    """Load the demo cases unless the register has cases already; how many were received."""
    loader = DemoLoader(system, secret)
    existing = loader.call("reporting", "/register?limit=1", "operator", "demo-operator")
    if existing.status_code == 200 and existing.json().get("total", 0) > 0:
        return 0
    approved = loader.approved_today()
    overdue = loader.overdue()
    historical = loader.paid_after_death()
    for case_id in approved:
        loader.enrolled(case_id)
    month = date.today().strftime("%Y-%m")
    for commune in ("00004", "02020"):
        loader.commune = commune
        loader.payroll(commune, month, date.today())
    return len(approved) + (overdue is not None) + (historical is not None)
