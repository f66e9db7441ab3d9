"""Every endpoint's bad inputs over real HTTP: a clear problem+json naming the field, and nothing changed."""
import uuid

import pytest
import requests
from test_platform import DEMO_PASSWORD, ITEM, Api, accepted_case, eventually

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "admin-test-pw"


def fields(response) -> set:
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.text
    return {e["field"] for e in response.json().get("errors", [])}


@pytest.fixture(scope="module")
def api(stack):
    return Api(stack.gateway_url)


def new_applicant(api) -> Api:
    username = f"bad_{uuid.uuid4().hex[:8]}"
    response = api.post("/v1/accounts/register", json={
        "username": username, "password": DEMO_PASSWORD, "display_name": "赵六", "phone": "13700001111"})
    assert response.status_code == 201, response.text
    return api.as_user(username)


def test_token_bad_credentials_and_missing_fields(api):
    wrong = requests.post(f"{api.base}/v1/auth/token", json={"username": "admin", "password": "nope"}, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["status"] == 401
    empty = requests.post(f"{api.base}/v1/auth/token", json={}, timeout=10)
    assert empty.status_code == 422 and {"username", "password"} <= fields(empty)


def test_accounts_need_rights_valid_fields_and_a_free_name(api):
    applicant = new_applicant(api)
    body = {"username": f"c_{uuid.uuid4().hex[:6]}", "password": "Clerk-pass-1", "display_name": "窗口",
            "role": "clerk", "department": "health"}
    assert applicant.post("/v1/accounts", json=body).status_code == 403
    admin = api.as_user("admin", ADMIN_PASSWORD)
    invalid = admin.post("/v1/accounts", json={**body, "role": "emperor", "username": ""})
    assert invalid.status_code == 422 and {"role", "username"} <= fields(invalid)
    assert admin.post("/v1/accounts", json=body).status_code == 201
    assert admin.post("/v1/accounts", json=body).status_code == 409


def test_register_checks_the_phone_and_the_name(api):
    bad = api.post("/v1/accounts/register", json={
        "username": f"r_{uuid.uuid4().hex[:6]}", "password": DEMO_PASSWORD, "display_name": "钱七", "phone": "12345"})
    assert bad.status_code == 422 and "phone" in fields(bad)
    assert api.post("/v1/accounts/register", json={
        "username": "admin", "password": DEMO_PASSWORD, "display_name": "冒名", "phone": "13700001111"},
    ).status_code == 409


def test_catalogue_unknown_item_and_filter(api):
    assert api.get("/v1/items/NO-SUCH-ITEM").status_code == 404
    market = api.get("/v1/items", params={"department": "market"}).json()["items"]
    assert market and {item["department"] for item in market} == {"market"}


def test_supplements_only_while_waiting_and_only_valid(api):
    applicant = new_applicant(api)
    submitted = applicant.post("/v1/applications", json={
        "item_code": ITEM, "channel": "online", "materials": [{"code": "APPLICATION_FORM"}],
        "applicant": {"type": "person", "name": "赵六", "id_number": "11010519491231002X", "phone": "13700001111"},
    }).json()
    assert submitted["status"] == "pre_review"
    early = applicant.post(f"/v1/cases/{submitted['case_no']}/supplements", json={"materials": [{"code": "X"}]})
    assert early.status_code == 409   # nothing asked for yet: staff pre-review comes first
    case = api.as_user("clerk1").transition(submitted["case_no"], "accept").json()
    assert case["status"] == "awaiting_supplement"
    invalid = applicant.post(f"/v1/cases/{case['case_no']}/supplements", json={"materials": [{"code": 7}]})
    assert invalid.status_code == 422 and "materials[0].code" in fields(invalid)
    unchanged = applicant.get(f"/v1/cases/{case['case_no']}").json()
    assert unchanged["status"] == "awaiting_supplement"
    accepted = accepted_case(api, applicant)
    late = applicant.post(f"/v1/cases/{accepted.json()['case_no']}/supplements", json={"materials": [{"code": "X"}]})
    assert late.status_code == 409


def test_cases_are_private_and_ratings_wait_for_the_decision(api):
    owner, stranger = new_applicant(api), new_applicant(api)
    case_no = accepted_case(api, owner).json()["case_no"]
    assert stranger.get(f"/v1/cases/{case_no}").status_code in (403, 404)
    # 409 once evaluation knows the case (a Response with 4xx is falsy, so poll on the status code)
    assert eventually(lambda: owner.post(f"/v1/cases/{case_no}/rating", json={"level": 5}).status_code == 409)
    bad_level = owner.post(f"/v1/cases/{case_no}/rating", json={"level": 9})
    assert bad_level.status_code == 422 and "level" in fields(bad_level)
    assert stranger.post(f"/v1/cases/{case_no}/rating", json={"level": 1, "comment": "x"}).status_code in (403, 404)


def test_transitions_need_a_known_action(api):
    clerk = api.as_user("clerk1")
    applicant = new_applicant(api)
    case_no = accepted_case(api, applicant).json()["case_no"]
    unknown = clerk.transition(case_no, "teleport")
    assert unknown.status_code == 422 and "action" in fields(unknown)


def test_metrics_are_for_staff_and_need_valid_dates(api):
    assert new_applicant(api).get("/v1/metrics").status_code == 403
    supervisor = api.as_user("supervisor1")
    bad = supervisor.get("/v1/metrics", params={"from": "yesterday"})
    assert bad.status_code == 422 and "from" in fields(bad)


def test_unknown_certificate(api):
    response = api.get("/v1/certificates/HEALTH-411400-1999-000001")
    assert response.status_code == 404 and response.json()["detail"]
