"""Gateway unit fixtures: the app over a FakeRpc and a real account store on the session SecantusDB."""
import functools
import re
import time

import falcon.testing
import pytest
from gateway_fakes import PASSWORD, SETTINGS, FakeRpc

from gateway import accounts
from gateway import app as gateway_app
from gateway.app import create_app
from gateway.pages.sessions import COOKIE, LOGIN_COOKIE
from gateway.ratelimit import RateLimiter
from gateway.store import AccountStore
from services.common.config import database_name
from services.common.mongo import get_client


@pytest.fixture
def store(mongo_uri, db_prefix):
    return AccountStore(get_client(mongo_uri)[database_name("gateway", db_prefix)])


@pytest.fixture
def rpc():
    return FakeRpc()


@pytest.fixture
def client(rpc, store):
    return falcon.testing.TestClient(create_app(rpc, store, SETTINGS))


@pytest.fixture
def make_account(store):
    """Create an account directly in the store; returns the create answer (with api_key for api clients)."""

    def make(username, role, department=None, display_name=None):
        return accounts.create_account(store, SETTINGS, {
            "username": username, "password": PASSWORD, "role": role, "department": department,
            "display_name": display_name or username,
        })

    return make


@pytest.fixture
def login(client, make_account):
    """Create an account and return Authorization headers for it."""

    def login_as(username, role, department=None):
        account = make_account(username, role, department)
        if role == "api_client":
            return {"Authorization": f"Bearer {account['api_key']}"}
        token = client.simulate_post("/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert token.status_code == 200, token.text
        return {"Authorization": f"Bearer {token.json['access_token']}"}

    return login_as


@pytest.fixture
def browser_login(client, make_account):
    """Log in through the login page like a browser; returns the session cookie dict."""

    def log_in(username, role, department=None):
        make_account(username, role, department)
        form = client.simulate_get("/login")
        login_token = re.search(r'name="login_token" value="([^"]+)"', form.text).group(1)
        answer = client.simulate_post("/login", cookies={LOGIN_COOKIE: form.cookies[LOGIN_COOKIE].value},
                                      body=f"username={username}&password={PASSWORD}&login_token={login_token}",
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert answer.status_code == 303, answer.text
        cookie = answer.cookies[COOKIE]
        assert cookie.http_only and cookie.same_site == "Lax"
        return {COOKIE: cookie.value}

    return log_in


@pytest.fixture
def one_rate_window(monkeypatch):
    """Apps created after this count every request in one rate-limit window: the windows are the
    clock's minutes, and a test's requests straddling a minute's end started afresh (a flaky 401
    where the limit had been reached)."""
    now = time.time()
    monkeypatch.setattr(gateway_app, "RateLimiter", functools.partial(RateLimiter, clock=lambda: now))
