"""Accounts and credentials: the first admin, login, account creation rules, self-registration, API keys."""
from gateway_fakes import PASSWORD


def test_first_start_creates_admin_once(client, store):
    response = client.simulate_post("/v1/auth/token", json={"username": "admin", "password": "admin-unit-pw"})
    assert response.status_code == 200
    assert response.json["token_type"] == "Bearer"
    assert response.json["roles"] == ["centre_admin"]
    assert response.json["expires_in"] > 0
    assert store.count() == 1


def test_bad_password_is_401_problem(client):
    response = client.simulate_post("/v1/auth/token", json={"username": "admin", "password": "wrong"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json["status"] == 401
    unknown = client.simulate_post("/v1/auth/token", json={"username": "nobody", "password": "wrong"})
    assert unknown.status_code == 401


def test_bad_token_is_401_and_missing_token_is_401(client):
    assert client.simulate_get("/v1/me").status_code == 401
    bad = client.simulate_get("/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"


def admin_headers(client):
    token = client.simulate_post("/v1/auth/token", json={"username": "admin", "password": "admin-unit-pw"})
    return {"Authorization": f"Bearer {token.json['access_token']}"}


def test_centre_admin_creates_staff_and_login_works(client):
    created = client.simulate_post("/v1/accounts", headers=admin_headers(client), json={
        "username": "clerk1", "password": PASSWORD, "display_name": "窗口一", "role": "clerk", "department": "health"})
    assert created.status_code == 201, created.text
    assert created.json["role"] == "clerk" and created.json["department"] == "health"
    assert "password_hash" not in created.json and "api_key" not in created.json
    token = client.simulate_post("/v1/auth/token", json={"username": "clerk1", "password": PASSWORD})
    me = client.simulate_get("/v1/me", headers={"Authorization": f"Bearer {token.json['access_token']}"})
    assert me.json["username"] == "clerk1" and me.json["display_name"] == "窗口一"


def test_duplicate_username_is_409(client):
    body = {"username": "dup1", "password": PASSWORD, "display_name": "甲", "role": "supervisor"}
    assert client.simulate_post("/v1/accounts", headers=admin_headers(client), json=body).status_code == 201
    again = client.simulate_post("/v1/accounts", headers=admin_headers(client), json=body)
    assert again.status_code == 409


def test_account_validation_names_every_bad_field(client):
    response = client.simulate_post("/v1/accounts", headers=admin_headers(client), json={
        "username": "x", "password": "short", "role": "wizard", "phone": "12345", "extra": 1})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"username", "password", "role", "phone", "display_name", "extra"}
    assert all(e["message"] for e in response.json["errors"])


def test_staff_role_needs_a_department(client):
    response = client.simulate_post("/v1/accounts", headers=admin_headers(client), json={
        "username": "nodept", "password": PASSWORD, "display_name": "无部门", "role": "reviewer"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["department"]


def test_department_admin_only_for_own_department(client, login):
    headers = login("hadmin", "department_admin", "health")
    own = client.simulate_post("/v1/accounts", headers=headers, json={
        "username": "rev1", "password": PASSWORD, "display_name": "审查员", "role": "reviewer"})
    assert own.status_code == 201 and own.json["department"] == "health"
    other = client.simulate_post("/v1/accounts", headers=headers, json={
        "username": "rev2", "password": PASSWORD, "display_name": "审查员", "role": "reviewer", "department": "market"})
    assert other.status_code == 403
    boss = client.simulate_post("/v1/accounts", headers=headers, json={
        "username": "sup2", "password": PASSWORD, "display_name": "督查", "role": "supervisor"})
    assert boss.status_code == 403


def test_clerk_cannot_create_accounts(client, login):
    response = client.simulate_post("/v1/accounts", headers=login("c9", "clerk", "health"), json={
        "username": "x99", "password": PASSWORD, "display_name": "x", "role": "applicant"})
    assert response.status_code == 403


def test_api_client_key_shown_once_and_works(client, store):
    created = client.simulate_post("/v1/accounts", headers=admin_headers(client), json={
        "username": "province", "display_name": "省级平台", "role": "api_client"})
    assert created.status_code == 201, created.text
    key = created.json["api_key"]
    assert key.startswith("wk_")
    assert key not in str(store.get_with_secret("province"))
    me = client.simulate_get("/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200 and me.json["role"] == "api_client"
    assert client.simulate_get("/v1/me", headers={"Authorization": "Bearer wk_forged"}).status_code == 401


def test_self_registration(client):
    response = client.simulate_post("/v1/accounts/register", json={
        "username": "zhangsan", "password": PASSWORD, "display_name": "张三", "phone": "13812345678"})
    assert response.status_code == 201
    assert response.json["role"] == "applicant" and response.json["department"] is None
    bad = client.simulate_post("/v1/accounts/register", json={
        "username": "lisi", "password": PASSWORD, "display_name": "李四", "phone": "2381234567", "role": "clerk"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"phone", "role"}
