"""The inspector's page (trang thanh tra), driven in headless Chromium: an inspector pastes a
token, finds a case by its id or by the exact personal ID number, reads its timeline (and
whether its history verified), its state on a date and its findings; the ID number never
appears in any address the browser asks for."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import httpx
import pytest
from psycopg import sql
from selenium.common.exceptions import TimeoutException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.support.api import Client, dossier_body, ok, token
from tests.support.browser import (
    BrowserMissing,
    RequestLog,
    browser_errors,
    chromium,
)
from tests.support.cases import approved_in_june_2024
from tests.support.eventually import eventually
from tests.support.tampering import query, table, tampered

#: Its tests touch only cases they create: the worker's shared system serves (tests/conftest.py).
SHARED_SYSTEM = True

WAIT = 30  # seconds: the browser shares two cores with a whole running system
T = TypeVar("T")


@dataclass(frozen=True)
class KnownCase:
    case_id: str
    personal_id: str


@pytest.fixture(scope="module")
def case(client: Client) -> KnownCase:
    """Received in May 2024 (old commune 02053), decided by the district on 3 June 2024
    (61/QĐ-UBND), enrolled; reporting holds all of it."""
    body = dossier_body(received_on=date(2024, 5, 6))
    number = body["applicant"]["personal_id"]
    case_id = approved_in_june_2024(client, body)
    eventually(
        lambda: any(e["type"].endswith("beneficiary_enrolled") for e in client.history(case_id)),
        what="reporting holds the case up to its enrolment",
    )
    return KnownCase(case_id, number)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chrome]:
    """Chromium, or a failure that says how to install it (never a skip)."""
    try:
        driver = chromium()
    except BrowserMissing as error:
        missing = str(error)
    else:
        yield driver
        driver.quit()
        return
    pytest.fail(f"cannot drive the inspector's page: {missing}", pytrace=False)


def bearer(role: str = "inspector") -> str:
    return token(role)["Authorization"].removeprefix("Bearer ")


class InspectorPage:
    """The page as an inspector uses it, by the stable ids it promises."""

    def __init__(self, driver: Chrome, client: Client) -> None:
        self.driver = driver
        self.url = client.url("reporting", "/inspector")
        self.requests = RequestLog(driver)

    def open(self, access_token: str) -> "InspectorPage":
        self.driver.get(self.url)
        self.until(
            lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true",
            "the page is ready",
        )
        self.type_into("token", access_token)
        return self

    def element(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def type_into(self, element_id: str, text: str) -> None:
        field = self.driver.find_element(By.ID, element_id)
        field.clear()
        if text:
            field.send_keys(text)

    def set_date(self, element_id: str, iso: str) -> None:
        """Date inputs take keys in the browser's locale order; the value is set directly."""
        field = self.driver.find_element(By.ID, element_id)
        self.driver.execute_script("arguments[0].value = arguments[1];", field, iso)

    def find_by_case_id(self, case_id: str) -> None:
        self.type_into("personal-id", "")
        self.type_into("case-id", case_id)
        self.driver.find_element(By.ID, "find").click()

    def find_by_personal_id(self, number: str) -> None:
        self.type_into("case-id", "")
        self.type_into("personal-id", number)
        self.driver.find_element(By.ID, "find").click()

    def error(self) -> str:
        box = self.driver.find_element(By.ID, "error")
        return "" if box.get_attribute("hidden") is not None else box.text

    def until(self, condition: Callable[[WebDriver], T], what: str) -> T:
        """Wait for `condition`; on timeout say what the page showed, never just 'timeout'."""
        try:
            return WebDriverWait(self.driver, WAIT).until(condition)
        except TimeoutException:
            raise AssertionError(
                f"not within {WAIT}s: {what}; error box: {self.error()!r}; "
                f"console errors: {browser_errors(self.driver)}"
            ) from None

    def timeline_shown(self, case_id: str) -> list[WebElement]:
        def rows(driver: WebDriver) -> list[WebElement]:
            if self.element("#current-case").text != case_id:
                return []
            return driver.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")

        return self.until(rows, f"the timeline of case {case_id}")

    def integrity_shown(self) -> WebElement:
        """The line above the timeline saying whether the case's history verified."""
        line = self.element("#timeline-integrity")
        self.until(lambda d: line.get_attribute("data-verified"), "whether the history verified")
        return line

    def state_on(self, iso: str) -> dict[str, WebElement]:
        """Ask for the state on `iso`; the shown fields by key."""
        self.set_date("state-on", iso)
        self.driver.find_element(By.ID, "state-show").click()
        self.until(
            lambda d: d.find_elements(By.CSS_SELECTOR, f'#state[data-on="{iso}"] dd'),
            f"the state on {iso}",
        )
        return {
            dd.get_attribute("data-field") or "": dd
            for dd in self.driver.find_elements(By.CSS_SELECTOR, "#state dd")
        }


@pytest.fixture
def page(browser: Chrome, client: Client) -> InspectorPage:
    return InspectorPage(browser, client)


def test_the_page_and_its_files_are_served_without_a_token_and_hold_no_data(
    client: Client,
) -> None:
    html = httpx.get(client.url("reporting", "/inspector"))
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    assert "Tra cứu hồ sơ" in html.text
    policy = html.headers["content-security-policy"]
    assert "form-action 'none'" in policy
    assert "script-src 'self'" in policy
    script = httpx.get(client.url("reporting", "/inspector/app.js"))
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    style = httpx.get(client.url("reporting", "/inspector/app.css"))
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")
    labels = ok(httpx.get(client.url("reporting", "/inspector/labels.json")))
    assert labels["events"]["case_approved"] == "Quyết định trợ cấp"


def test_an_inspector_finds_a_case_by_its_id_and_reads_its_timeline(
    page: InspectorPage, case: KnownCase
) -> None:
    access_token = bearer()
    page.open(access_token).find_by_case_id(case.case_id)

    rows = page.timeline_shown(case.case_id)
    table = page.element("#timeline tbody").text
    assert "Tiếp nhận hồ sơ" in table
    assert "Quyết định trợ cấp" in table
    [approval] = [
        r for r in rows if (r.get_attribute("data-type") or "").endswith(".case_approved")
    ]
    assert "61/QĐ-UBND" in approval.text
    assert "NĐ 20/2021/NĐ-CP Đ5 K5" in approval.text
    assert "Chủ tịch UBND cấp huyện" in approval.text
    integrity = page.integrity_shown()
    assert integrity.get_attribute("data-verified") == "true"
    assert "đã được kiểm tra toàn vẹn" in integrity.text
    assert all(row.get_attribute("data-verified") == "true" for row in rows)
    assert page.error() == ""

    stored = page.driver.execute_script(
        "return [sessionStorage.getItem('btxh.inspector.token'), JSON.stringify(localStorage)];"
    )
    assert stored == [access_token, "{}"]  # the token stays in this tab's session only


def test_an_altered_event_of_the_case_is_marked_and_the_history_said_not_verified(
    page: InspectorPage, client: Client, case: KnownCase
) -> None:
    system = client.system
    [approval] = query(
        system,
        sql.SQL(
            "SELECT source, originator_id, version FROM {} WHERE case_id = %s AND type LIKE %s"
        ).format(table(system, "reporting", "case_history")),
        (case.case_id, "%.case_approved"),
    )
    with tampered(
        system,
        "reporting",
        "case_history",
        sql.SQL("source = %s AND originator_id = %s AND version = %s"),
        tuple(approval.values()),
        change=sql.SQL("data = jsonb_set(data, '{decision_number}', '\"62/QĐ-UBND\"')"),
    ):
        page.open(bearer()).find_by_case_id(case.case_id)
        rows = page.timeline_shown(case.case_id)
        integrity = page.integrity_shown()
        assert integrity.get_attribute("data-verified") == "false"
        assert "KHÔNG toàn vẹn" in integrity.text
        assert "altered record" in integrity.text
        marked = [r for r in rows if r.get_attribute("data-verified") == "false"]
        assert [r.get_attribute("data-type") for r in marked] == [
            "vn.btxh.assessment.case_approved"
        ]
        assert "Không toàn vẹn" in marked[0].text
        assert "62/QĐ-UBND" in marked[0].text  # shown as it now stands, and marked


def test_an_inspector_finds_the_same_case_by_the_personal_id_number_never_put_in_an_address(
    page: InspectorPage, case: KnownCase
) -> None:
    page.open(bearer())
    before = len(page.requests.read())
    page.find_by_personal_id(case.personal_id)

    page.timeline_shown(case.case_id)
    assert page.error() == ""
    requests = page.requests.read()
    urls = [page.driver.current_url, *(r["url"] for r in requests)]
    assert all(case.personal_id not in url for url in urls), urls
    lookups = [r for r in requests[before:] if r["url"].endswith("/cases/lookup")]
    assert [(r["method"], r["body"]) for r in lookups] == [
        ("POST", f'{{"personal_id":"{case.personal_id}"}}')
    ]
    kept = page.driver.execute_script(
        "return JSON.stringify(sessionStorage) + JSON.stringify(localStorage);"
    )
    assert case.personal_id not in kept


def test_a_number_with_no_case_is_said_so_and_lists_nobody(page: InspectorPage) -> None:
    page.open(bearer()).find_by_personal_id("001099000000")

    message = page.until(lambda d: page.error(), "the lookup's answer in the error box")
    assert message
    assert page.driver.find_elements(By.CSS_SELECTOR, "#case-choices li") == []


def test_the_state_on_a_date_and_what_changed_between_two_dates(
    page: InspectorPage, case: KnownCase
) -> None:
    page.open(bearer()).find_by_case_id(case.case_id)
    page.timeline_shown(case.case_id)

    before = page.state_on("2024-05-20")
    assert before["status"].get_attribute("data-value") == "received"
    assert "Đã tiếp nhận hồ sơ" in before["status"].text

    after = page.state_on("2024-08-01")
    assert after["status"].get_attribute("data-value") == "active"
    assert "Đang hưởng" in after["status"].text
    assert after["monthly_amount"].text == "750.000 đ"  # 500.000 đ x 1,5 from 1 July 2024
    assert page.error() == ""

    page.set_date("diff-from", "2024-05-20")
    page.set_date("diff-to", "2024-08-01")
    page.driver.find_element(By.ID, "diff-show").click()
    status = page.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '#diff tbody tr[data-field="status"]'),
        "the status among the changes",
    )[0]
    assert "Đã tiếp nhận hồ sơ" in status.find_element(By.CSS_SELECTOR, "td.before").text
    assert "Đang hưởng" in status.find_element(By.CSS_SELECTOR, "td.after").text


def test_a_bad_token_is_told_to_the_inspector(page: InspectorPage, case: KnownCase) -> None:
    page.open("not-a-token").find_by_case_id(case.case_id)

    message = page.until(lambda d: page.error(), "an error in the error box")
    assert "Mã truy cập không hợp lệ hoặc đã hết hạn" in message
    assert page.driver.find_elements(By.CSS_SELECTOR, "#timeline tbody tr") == []


def findings(client: Client, code: str, **params: Any) -> dict[str, Any]:
    answer: dict[str, Any] = ok(
        client.http.get(
            client.url("reporting", f"/checks/{code}"), params=params, headers=token("inspector")
        )
    )
    return answer


def test_findings_of_a_case_and_of_one_check_across_cases_are_those_the_api_gives(
    page: InspectorPage, client: Client, case: KnownCase
) -> None:
    checks = ok(client.http.get(client.url("reporting", "/checks"), headers=token("inspector")))
    assert checks, "the API names no check, so the page has nothing to show"
    page.open(bearer()).find_by_case_id(case.case_id)

    page.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '#findings[data-loaded="true"]'),
        "the findings of the case",
    )
    for check in checks:
        block = page.element(f'#findings [data-check="{check["code"]}"]')
        expected = findings(client, check["code"], case_id=case.case_id)["total"]
        assert block.get_attribute("data-count") == str(expected), check

    # Inspectors also start from a check: every finding of it, across cases.
    code = checks[0]["code"]
    Select(page.element("#check-select")).select_by_value(code)
    page.driver.find_element(By.ID, "check-run").click()
    page.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '#check-findings[data-loaded="true"]'),
        f"the findings of check {code}",
    )
    rows = page.driver.find_elements(By.CSS_SELECTOR, "#check-findings tbody tr")
    on = page.element("#check-on").get_attribute("value")
    every = findings(client, code, on=on)["findings"]
    assert [r.get_attribute("data-case-id") for r in rows] == [f["case_id"] for f in every]
    if rows:  # a finding's case id opens that case
        rows[0].find_element(By.CSS_SELECTOR, "button.open-case").click()
        page.timeline_shown(every[0]["case_id"])
