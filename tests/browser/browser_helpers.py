"""Helpers of the browser tests: the JSON API to set a scene, a person at the browser, screenshots."""
import os
import uuid
from pathlib import Path

import requests
from polling import eventually
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS") or Path(__file__).resolve().parent / "artifacts")
WIDTHS = (360, 1920)
DEMO_PASSWORD = "Demo-2026!"  # deploy/seed.py
ADMIN_PASSWORD = "admin-test-pw"


def id_number(seq: int) -> str:
    """An 18-digit resident ID number with a correct check digit (GB 11643)."""
    body = "110105" + "19850612" + f"{seq % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


class Api:
    """The JSON API, to set the scene a page is then tested on."""

    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base, token

    def call(self, method, path, **kwargs):
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return requests.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def as_user(self, username: str, password: str = DEMO_PASSWORD) -> "Api":
        answer = requests.post(self.base + "/v1/auth/token", json={"username": username, "password": password},
                               timeout=30)
        assert answer.status_code == 200, answer.text
        return Api(self.base, answer.json()["access_token"])

    def served(self, method: str, path: str) -> bool:
        """Whether the gateway routes this path at all (an unrouted path answers the http-404 problem)."""
        answer = self.call(method, path)
        return not (answer.status_code in (404, 405) and "http-40" in answer.text)

    def walk_in(self, item: str, materials: list[str], owner: str | None = None,
                name: str = "卫生服务有限公司") -> dict:
        """A clerk's complete window application (idempotent by a fresh key)."""
        body = {"item_code": item, "channel": "window", "materials": [{"code": m} for m in materials],
                "applicant": {"type": "person", "name": name, "id_number": id_number(uuid.uuid4().int),
                              "phone": "13800138000"}}
        if owner:
            body["owner_account"] = owner
        answer = self.call("POST", "/v1/applications", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def transition(self, case_no: str, action: str, **params) -> dict:
        def attempt():  # approval opens an accepted case from the event a moment later
            answer = self.call("POST", f"/v1/cases/{case_no}/transitions", json={"action": action, **params})
            return answer if answer.status_code != 404 else None
        answer = eventually(attempt)
        assert answer.status_code == 200, answer.text
        return answer.json()


class Browser:
    """One person at the browser: open pages, fill forms, keep screenshots."""

    def __init__(self, driver, base: str):
        self.driver, self.base = driver, base
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def open(self, path: str):
        self.driver.get(self.base + path)
        return self

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self) -> str:
        return self.find("body").text

    def fill(self, **fields):
        for name, value in fields.items():
            element = self.find(f"[name='{name}']")
            element.clear()
            element.send_keys(value)
        return self

    def click(self, css: str):
        self.find(css).click()
        return self

    def submit(self, css: str):
        """Click a submit button and wait for the next page to load."""
        old = self.find("html")
        self.find(css).click()
        WebDriverWait(self.driver, 20).until(lambda _: _left_the_document(old))
        return self

    def log_in(self, username: str, password: str = DEMO_PASSWORD, next_path: str | None = None):
        self.open("/login" + (f"?next={next_path}" if next_path else ""))
        self.fill(username=username, password=password).submit("form.stack button[type=submit]")
        return self

    def log_out(self):
        self.driver.delete_all_cookies()

    def shoot(self, name: str) -> list[Path]:
        """The page at phone and hall-screen widths, full height (the device metrics emulated, as DevTools does)."""
        paths = []
        for width in WIDTHS:
            metrics = {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600}
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            metrics["height"] = min(max(height, 600), 8000)
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            path = ARTIFACTS / f"{name}-{width}.png"
            self.driver.save_screenshot(str(path))
            paths.append(path)
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return paths


def _left_the_document(element) -> bool:
    """staleness_of, also for chromium's other way of saying it: while a page is being replaced it may answer
    "Node with given id does not belong to the document" (a plain WebDriverException) instead of stale."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise
