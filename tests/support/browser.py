"""Headless Chromium for tests that drive a page, and what a test needs to watch it."""

import base64
import json
import shutil
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

INSTALL_HINT = (
    "run scripts/install-system-packages.sh (it installs Debian's chromium and chromium-driver)"
)


class BrowserMissing(RuntimeError):
    """Chromium or its WebDriver is not installed on this machine."""


def _executable(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing(f"{' or '.join(names)} not found on PATH; {INSTALL_HINT}")


def chromium() -> webdriver.Chrome:
    """A headless Chromium driven through Debian's chromedriver (found on PATH, never
    downloaded: Selenium Manager is skipped because both paths are given). Its performance
    log records every request the page makes."""
    options = webdriver.ChromeOptions()
    options.binary_location = _executable("chromium", "chromium-browser")
    for argument in (
        "--headless=new",
        "--no-sandbox",  # tests may run as root (CI containers), where the sandbox refuses
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        "--no-first-run",
        "--window-size=1280,1024",
        "--lang=vi-VN",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = Service(executable_path=_executable("chromedriver"))
    return webdriver.Chrome(options=options, service=service)


class RequestLog:
    """Every request the browser sent, read from Chromium's performance log (which empties on
    each read, so this keeps what it has read)."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver
        self.requests: list[dict[str, Any]] = []

    def read(self) -> list[dict[str, Any]]:
        """Requests so far, oldest first: DevTools' Request objects ("method", "url", ...) with
        "body", the request body as text ("" when none)."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                request = message["params"]["request"]
                self.requests.append({**request, "body": _body(request)})
        return self.requests

    def urls(self) -> list[str]:
        return [request["url"] for request in self.read()]


def _body(request: dict[str, Any]) -> str:
    """A request's body: `postData` in older Chromium, base64 `postDataEntries` in newer."""
    if "postData" in request:
        return str(request["postData"])
    entries = request.get("postDataEntries") or []
    return "".join(
        base64.b64decode(entry["bytes"]).decode("utf-8", "replace")
        for entry in entries
        if "bytes" in entry
    )


def browser_errors(driver: webdriver.Chrome) -> list[str]:
    """Script errors the page logged to the console (a test shows them when it fails)."""
    return [
        str(entry.get("message"))
        for entry in driver.get_log("browser")
        if entry.get("level") == "SEVERE"
    ]
