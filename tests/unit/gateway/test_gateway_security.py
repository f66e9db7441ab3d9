"""Gateway security (issue 8): disable at once, refresh tokens, scoped keys with rotation and
revocation, lock-out, shared rate limits, production refusing the development secret."""
import falcon.testing
import pytest
from gateway_fakes import PASSWORD, SETTINGS, FakeRpc

from gateway.app import create_app
from gateway.ratelimit import client_address
from gateway.settings import GatewaySettings, InsecureConfiguration
from gateway.store import AccountStore
from services.common.config import database_name
from services.common.mongo import get_client


def token(client, username, password=PASSWORD):
    answer = client.simulate_post("/v1/auth/token", json={"username": username, "password": password})
    return answer


def bearer(value):
    return {"Authorization": f"Bearer {value}"}


def test_disable_takes_effect_on_the_next_call_for_tokens_and_keys(client, login, make_account):
    admin = login("boss", "centre_admin")
    person = login("clerk9", "clerk", "health")
    key = make_account("prov9", "api_client")["api_key"]
    assert client.simulate_get("/v1/me", headers=person).status_code == 200
    assert client.simulate_get("/v1/me", headers=bearer(key)).status_code == 200
    assert client.simulate_post("/v1/accounts/clerk9/disable", headers=admin).status_code == 200
    assert client.simulate_post("/v1/accounts/prov9/disable", headers=admin).status_code == 200
    assert client.simulate_get("/v1/me", headers=person).status_code == 401
    assert client.simulate_get("/v1/me", headers=bearer(key)).status_code == 401
    assert token(client, "clerk9").status_code == 401
    # enabling does not revive old tokens: the person logs in again
    assert client.simulate_post("/v1/accounts/clerk9/enable", headers=admin).status_code == 200
    assert client.simulate_get("/v1/me", headers=person).status_code == 401
    assert token(client, "clerk9").status_code == 200


def test_department_admin_disables_only_its_own_department(client, login, make_account):
    health_admin = login("hadmin", "department_admin", "health")
    make_account("mclerk", "clerk", "market")
    make_account("hclerk", "clerk", "health")
    assert client.simulate_post("/v1/accounts/mclerk/disable", headers=health_admin).status_code == 403
    assert client.simulate_post("/v1/accounts/hclerk/disable", headers=health_admin).status_code == 200
    assert client.simulate_post("/v1/accounts/nobody/disable", headers=health_admin).status_code == 404
    clerk = login("clerk7", "clerk", "health")
    assert client.simulate_post("/v1/accounts/hclerk/enable", headers=clerk).status_code == 403


def test_refresh_token_works_once_and_dies_with_the_account(client, login, make_account):
    admin = login("boss", "centre_admin")
    make_account("rev1", "reviewer", "health")
    first = token(client, "rev1").json
    assert first["expires_in"] <= 15 * 60 and first["refresh_token"].startswith("rt_")
    renewed = client.simulate_post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert renewed.status_code == 200
    assert client.simulate_get("/v1/me", headers=bearer(renewed.json["access_token"])).status_code == 200
    replay = client.simulate_post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    client.simulate_post("/v1/accounts/rev1/disable", headers=admin)
    dead = client.simulate_post("/v1/auth/refresh", json={"refresh_token": renewed.json["refresh_token"]})
    assert dead.status_code == 401


def test_scoped_keys_rotation_and_revocation(client, login, make_account, rpc):
    admin = login("boss", "centre_admin")
    initial = make_account("prov1", "api_client")["api_key"]
    issued = client.simulate_post("/v1/accounts/prov1/api-keys", headers=admin,
                                  json={"scopes": ["changes:read"], "label": "dashboard"})
    assert issued.status_code == 201, issued.text
    read_only = issued.json["api_key"]
    # the read-only key may not submit; 403 names the missing scope
    refused = client.simulate_post("/v1/applications", headers=bearer(read_only), json={"item_code": "X"})
    assert refused.status_code == 403 and "applications:write" in refused.json["detail"]
    # rotation: a new key with the same scopes, the old one dead at once
    rotated = client.simulate_post(f"/v1/accounts/prov1/api-keys/{issued.json['id']}/rotate", headers=admin)
    assert rotated.status_code == 201 and rotated.json["scopes"] == ["changes:read"]
    assert client.simulate_get("/v1/me", headers=bearer(read_only)).status_code == 401
    assert client.simulate_get("/v1/me", headers=bearer(rotated.json["api_key"])).status_code == 200
    # revocation
    revoked = client.simulate_post(f"/v1/accounts/prov1/api-keys/{rotated.json['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert client.simulate_get("/v1/me", headers=bearer(rotated.json["api_key"])).status_code == 401
    # the client rotates its own initial key; another client may not touch it
    own = client.simulate_post("/v1/accounts/prov1/api-keys/initial/rotate", headers=bearer(initial))
    assert own.status_code == 201
    assert client.simulate_get("/v1/me", headers=bearer(initial)).status_code == 401
    other = make_account("prov2", "api_client")["api_key"]
    assert client.simulate_get("/v1/accounts/prov1/api-keys", headers=bearer(other)).status_code == 403
    keys = client.simulate_get("/v1/accounts/prov1/api-keys", headers=admin).json["api_keys"]
    assert all("api_key" not in k and "key_hash" not in k for k in keys)
    bad = client.simulate_post("/v1/accounts/prov1/api-keys", headers=admin, json={"scopes": ["root"]})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"].startswith("scopes")


def test_lock_out_after_failures_even_with_the_right_password(client, make_account):
    make_account("lock1", "clerk", "health")
    for _ in range(SETTINGS.lockout_failures):
        assert token(client, "lock1", "wrong-password").status_code == 401
    locked = token(client, "lock1")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def test_login_flood_is_limited_before_hashing(store, make_account, one_rate_window):
    settings = GatewaySettings(admin_password="x-admin-pw-1", rate_limit_per_minute=0, login_rate_per_minute=3,
                               lockout_failures=100)
    client = falcon.testing.TestClient(create_app(FakeRpc(), store, settings))
    make_account("flood1", "clerk", "health")
    answers = [token(client, "flood1", "wrong-password").status_code for _ in range(5)]
    assert answers == [401, 401, 401, 429, 429]


def test_rate_limit_is_shared_across_app_instances(store, mongo_uri, db_prefix, make_account, one_rate_window):
    settings = GatewaySettings(admin_password="x-admin-pw-1", rate_limit_per_minute=4)
    # two "workers": two apps, two stores, one database
    other_store = AccountStore(get_client(mongo_uri)[database_name("gateway", db_prefix)])
    one = falcon.testing.TestClient(create_app(FakeRpc(), store, settings))
    two = falcon.testing.TestClient(create_app(FakeRpc(), other_store, settings))
    codes = [(one if i % 2 else two).simulate_get("/v1/codes").status_code for i in range(6)]
    assert codes[:4] == [200] * 4 and codes[4:] == [429, 429]
    assert int(one.simulate_get("/v1/codes").headers["Retry-After"]) >= 1


def test_forwarded_for_is_believed_only_from_a_trusted_proxy():
    class Req:
        def __init__(self, remote, forwarded):
            self.remote_addr, self._forwarded = remote, forwarded

        def get_header(self, name):
            return self._forwarded

    assert client_address(Req("10.0.0.5", "1.2.3.4"), ()) == "10.0.0.5"
    assert client_address(Req("10.0.0.5", "9.9.9.9, 1.2.3.4"), ("10.0.0.5",)) == "1.2.3.4"
    assert client_address(Req("10.0.0.5", "1.2.3.4, 10.0.0.5"), ("10.0.0.5",)) == "1.2.3.4"


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.setenv("WINDOW_ENV", "production")
    monkeypatch.delenv("GATEWAY_JWT_SECRET", raising=False)
    with pytest.raises(InsecureConfiguration):
        GatewaySettings.from_env()
    monkeypatch.setenv("GATEWAY_JWT_SECRET", "short")
    with pytest.raises(InsecureConfiguration):
        GatewaySettings.from_env()
    monkeypatch.setenv("GATEWAY_JWT_SECRET", "a" * 40)
    with pytest.raises(InsecureConfiguration):  # the actor signing key is still the development one
        GatewaySettings.from_env()
    monkeypatch.setenv("ACTOR_SIGNING_KEY", "b" * 40)
    assert GatewaySettings.from_env().jwt_secret == "a" * 40
    monkeypatch.setenv("WINDOW_ENV", "development")
    monkeypatch.delenv("GATEWAY_JWT_SECRET")
    assert GatewaySettings.from_env().environment == "development"


@pytest.mark.parametrize("body, status", [
    (b'{"username":"a","password":"' + b"x" * 2_000_000 + b'"}', 413),
    (b"[" * 100 + b"]" * 100, 400),
    (b'{"username":"\\ud800","password":"x"}', 422),
    (b'{"username":"\\u202eadmin","password":"x"}', 422),
])
def test_request_body_limits(client, body, status):
    answer = client.simulate_post("/v1/auth/token", body=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == status, answer.text
