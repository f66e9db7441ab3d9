"""Browser tests: Debian's chromium, headless, driven by selenium over the whole platform (the `stack` fixture).

Screenshots of every page visited are kept at 360 px (phone) and 1920 px (hall screen) widths in
$BROWSER_ARTIFACTS (default tests/browser/artifacts/), one PNG per page and width.
"""
import os
import shutil
import tempfile

import pytest
from browser_helpers import CHROMEDRIVER, CHROMIUM, Api, Browser
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


@pytest.fixture(scope="session")
def api(stack):
    return Api(stack.gateway_url)


@pytest.fixture(scope="session")
def chrome():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("Debian's chromium and chromium-driver are not installed (scripts/bootstrap.sh --test)")
    profile = tempfile.mkdtemp(prefix="window-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1920,1080",
                 "--lang=zh-CN", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(chrome, stack):
    chrome.delete_all_cookies()
    chrome.set_window_size(1920, 1080)
    yield Browser(chrome, stack.gateway_url)
    chrome.delete_all_cookies()
