"""The approvals page in a real headless browser (Debian's `chromium` + `chromium-driver`,
driven by selenium): a person lists held requests, approves or denies one, and the held
client gets its answer. The browser only ever loads 127.0.0.1 pages."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ProxyFactory
from tests.helpers.proxy import ProxyProcess, header_of, status_of
from tests.helpers.upstream import RecordingServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 10.0  # seconds, for every browser-side wait

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (pip install selenium; CI installs it)"
)
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.chrome.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = [
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason=f"{CHROMIUM} missing: apt-get install --no-install-recommends chromium chromium-driver",
    ),
    pytest.mark.skipif(
        not os.access(CHROMEDRIVER, os.X_OK),
        reason=f"{CHROMEDRIVER} missing: apt-get install --no-install-recommends chromium-driver",
    ),
]

PATH = "/repos/acme/app/issues/7/comments"
# A path segment that would become markup if the page ever used innerHTML with data.
MARKUP_PATH = "/repos/acme/<b>x<b>/issues/8/comments"


def policy(port: int) -> str:
    return f"""
version: 1
defaults:
  approval_timeout: 60s
rules:
  - id: comment
    hosts: [api.example.test]
    ports: [{port}]
    methods: [POST]
    paths: ["/repos/acme/*/issues/*/comments"]
    approval: required
    private_networks: allow
"""


class HeldClient(threading.Thread):
    """Sends one request through the proxy and waits (in the background) for the answer."""

    def __init__(self, proxy: ProxyProcess, upstream: RecordingServer, path: str) -> None:
        super().__init__(daemon=True)
        host = f"api.example.test:{upstream.port}"
        body = b'{"body": "hello"}'
        self.request = (
            f"POST http://{host}{path}?token=abc HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self.proxy = proxy
        self.answer = b""
        self.start()

    def run(self) -> None:
        self.answer = self.proxy.raw(self.request, timeout=60)

    def result(self) -> bytes:
        self.join(timeout=WAIT)
        assert not self.is_alive(), "the held client got no answer"
        return self.answer


@pytest.fixture
def proxy(start_proxy: ProxyFactory, upstream: RecordingServer) -> ProxyProcess:
    return start_proxy(policy(upstream.port))


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--disable-extensions",
        "--no-proxy-server",
        # nothing but 127.0.0.1 resolves, whatever a page (or chromium itself) asks for
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--window-size=1280,800",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: selenium does not run Selenium Manager or download anything.
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log"))
    driver = WebDriver(service=service, options=options)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


# -- page helpers ---------------------------------------------------------------------------
def until(driver: WebDriver, what: str, pred: Callable[[WebDriver], Any]) -> Any:
    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(pred)
    except TimeoutException:
        raise AssertionError(f"timed out waiting for {what}; page says: {page_text(driver)!r}") from None


def page_text(driver: WebDriver) -> str:
    try:
        return str(driver.find_element(By.TAG_NAME, "body").text)
    except Exception as exc:  # the page may be gone; the message is only for the failure
        return f"<{exc}>"


def shown(driver: WebDriver, element_id: str) -> WebElement | None:
    found = driver.find_elements(By.ID, element_id)
    return found[0] if found and found[0].is_displayed() else None


def sign_in(driver: WebDriver, token: str) -> None:
    field = until(driver, "the token field", lambda d: shown(d, "token"))
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()


def rows(driver: WebDriver) -> list[WebElement]:
    return list(driver.find_elements(By.CSS_SELECTOR, "#rows tr"))


def wait_rows(driver: WebDriver, count: int) -> list[WebElement]:
    return list(
        until(
            driver,
            f"{count} listed request(s)",
            lambda d: (found := [r for r in rows(d) if r.is_displayed()]) and len(found) == count and found,
        )
    )


def cells(row: WebElement) -> dict[str, str]:
    names = ["method", "url", "rule", "client", "age", "expires"]
    tds = row.find_elements(By.TAG_NAME, "td")
    return {name: td.text for name, td in zip(names, tds, strict=False)}


def stored_token(driver: WebDriver) -> str | None:
    value = driver.execute_script("return sessionStorage.getItem('egressguard-token');")
    return None if value is None else str(value)


def wait_empty(driver: WebDriver) -> None:
    until(driver, "the empty state", lambda d: not rows(d) and shown(d, "empty"))


def browser_problems(driver: WebDriver) -> list[str]:
    """Console errors other than the favicon the admin listener does not serve."""
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e.get("level") == "SEVERE" and "favicon.ico" not in e.get("message", "")
    ]


def screenshot(driver: WebDriver, name: str) -> None:
    target = os.environ.get("EGRESSGUARD_SCREENSHOTS")
    if target:
        driver.save_screenshot(str(Path(target) / f"{name}.png"))


# -- tests --------------------------------------------------------------------------------
def test_list_approve_and_the_held_request_completes(
    proxy: ProxyProcess, upstream: RecordingServer, browser: WebDriver
) -> None:
    token = proxy.admin_token()
    client = HeldClient(proxy, upstream, PATH)
    browser.get(proxy.admin_url + "/")
    sign_in(browser, token)
    (row,) = wait_rows(browser, 1)
    got = cells(row)
    assert got["method"] == "POST" and got["rule"] == "comment" and got["client"] == "127.0.0.1"
    assert got["url"] == f"http://api.example.test:{upstream.port}{PATH}"  # no query string
    assert got["age"].endswith("s") and got["expires"].endswith("s")
    assert browser.find_element(By.ID, "status").text == "1 request waiting for a decision."
    assert stored_token(browser) == token
    assert browser.find_element(By.ID, "token").get_attribute("value") == ""
    screenshot(browser, "approvals-listed")

    # the token is kept for the tab: a reload lists again without asking
    browser.refresh()
    (row,) = wait_rows(browser, 1)
    assert shown(browser, "login") is None and stored_token(browser) == token
    # ...but only for this tab: a new tab asks again
    first_tab = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(proxy.admin_url + "/")
    until(browser, "the token field in a new tab", lambda d: shown(d, "token"))
    assert stored_token(browser) is None and not rows(browser)
    browser.close()
    browser.switch_to.window(first_tab)

    assert b"/comments" not in upstream.received
    # slow the decision call down so the in-flight state can be seen
    browser.execute_script(
        "const f = window.fetch; window.fetch = (u, o) => (o && o.method === 'POST')"
        " ? new Promise((r) => setTimeout(r, 700)).then(() => f(u, o)) : f(u, o);"
    )
    approve = row.find_element(By.CSS_SELECTOR, "button[data-verb=approve]")
    deny = row.find_element(By.CSS_SELECTOR, "button[data-verb=deny]")
    assert approve.get_attribute("aria-label") == f"Approve POST {got['url']}"
    approve.click()
    until(
        browser,
        "both buttons disabled in flight",
        lambda d: not approve.is_enabled() and not deny.is_enabled(),
    )
    deny.click()  # disabled: does nothing

    answer = client.result()
    assert status_of(answer) == 200, answer[:300]
    assert upstream.received.count(f"POST {PATH}".encode()) == 1
    wait_empty(browser)
    until(browser, "the approval notice", lambda d: "Approved POST" in d.find_element(By.ID, "notice").text)
    assert browser.find_element(By.ID, "status").text == "No held requests."
    assert shown(browser, "held") is None and shown(browser, "error") is None
    screenshot(browser, "approvals-empty")
    decisions = [d for d in proxy.wait_decisions(2) if d["rule"] == "comment"]
    assert [d["decision"] for d in decisions] == ["hold", "allow"]
    assert decisions[1]["approver"] == "operator"
    assert browser_problems(browser) == []


def test_deny_answers_403_and_nothing_goes_out(
    proxy: ProxyProcess, upstream: RecordingServer, browser: WebDriver
) -> None:
    client = HeldClient(proxy, upstream, MARKUP_PATH)
    browser.get(proxy.admin_url + "/")
    sign_in(browser, proxy.admin_token())
    (row,) = wait_rows(browser, 1)
    # data is text, never markup
    assert cells(row)["url"] == f"http://api.example.test:{upstream.port}{MARKUP_PATH}"
    assert browser.find_elements(By.CSS_SELECTOR, "#held b") == []
    screenshot(browser, "approvals-markup")
    row.find_element(By.CSS_SELECTOR, "button[data-verb=deny]").click()
    answer = client.result()
    assert status_of(answer) == 403 and header_of(answer, "X-Egressguard-Reason") == "approval_denied"
    wait_empty(browser)
    until(browser, "the denial notice", lambda d: "Denied POST" in d.find_element(By.ID, "notice").text)
    # a request held later shows up by itself (auto-refresh), and can be denied too
    later = HeldClient(proxy, upstream, PATH)
    (row,) = wait_rows(browser, 1)
    assert cells(row)["url"].endswith(PATH)
    row.find_element(By.CSS_SELECTOR, "button[data-verb=deny]").click()
    assert status_of(later.result()) == 403
    wait_empty(browser)
    assert upstream.connection_count == 0
    assert browser_problems(browser) == []


def test_wrong_token_shows_an_error_and_lists_nothing(
    proxy: ProxyProcess, upstream: RecordingServer, browser: WebDriver
) -> None:
    client = HeldClient(proxy, upstream, PATH)
    browser.get(proxy.admin_url + "/")
    sign_in(browser, "not-the-token")
    error = until(browser, "the error", lambda d: shown(d, "error"))
    assert "rejected" in error.text
    assert rows(browser) == [] and shown(browser, "view") is None
    assert stored_token(browser) is None
    assert shown(browser, "token") is not None
    screenshot(browser, "approvals-wrong-token")
    # nothing was decided: with the right token the request is still there, still held
    sign_in(browser, proxy.admin_token())
    wait_rows(browser, 1)
    until(browser, "the error to clear", lambda d: shown(d, "error") is None)
    assert client.is_alive() and upstream.connection_count == 0
    # "Forget token" signs the tab out again
    browser.find_element(By.ID, "forget").click()
    until(browser, "the token field", lambda d: shown(d, "token"))
    assert stored_token(browser) is None and rows(browser) == []
    # 401s are expected console errors here; only CSP or script errors count
    assert [m for m in browser_problems(browser) if "401" not in m] == []
