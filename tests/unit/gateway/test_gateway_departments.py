"""The gateway sends a pooled department's intake and approval calls with its pool's routing key
(docs/scaling.md), finds the department on the case number or the item, and leaves every other call alone."""
import falcon.testing
import pytest
from gateway_fakes import PASSWORD, SETTINGS
from test_gateway_cases import case_view

from gateway.app import create_app
from gateway.departments import DepartmentRouter
from services.common.errors import NotFound

HEALTH_CASE = "411400-HEALTH-20260105-00001"
MARKET_CASE = "411400-MARKET-20260105-00001"


@pytest.fixture
def client(rpc, store):
    return falcon.testing.TestClient(create_app(rpc, store, SETTINGS, router=DepartmentRouter(("health",))))


@pytest.fixture
def items(rpc):
    catalogue = {"HEALTH-PUBLIC-PLACE-NEW": "health", "MARKET-FOOD-BUSINESS-NEW": "market"}

    def get_item(code):
        if code not in catalogue:
            raise NotFound(f"事项 {code} 不存在")
        return {"code": code, "department": catalogue[code]}

    rpc.on("intake", "get_item", get_item)
    rpc.on("intake", "submit_application",
           lambda application, actor, idempotency_key=None: case_view(
               case_no=HEALTH_CASE if application["item_code"].startswith("HEALTH") else MARKET_CASE))
    return catalogue


def submit(client, headers, item_code):
    return client.simulate_post("/v1/applications", headers=headers,
                                json={"item_code": item_code, "channel": "window", "applicant": {}, "materials": []})


def test_submission_goes_to_the_items_department_pool_and_the_item_is_asked_once(client, rpc, login, items):
    clerk = login("clerk", "clerk", "health")
    for _ in range(3):
        assert submit(client, clerk, "HEALTH-PUBLIC-PLACE-NEW").status_code == 201
    assert submit(client, clerk, "MARKET-FOOD-BUSINESS-NEW").status_code == 201
    submits = rpc.calls_to("intake", "submit_application")
    assert [c["routing_key"] for c in submits] == ["intake.health.submit_application"] * 3 + [None]
    assert [c["args"][0] for c in rpc.calls_to("intake", "get_item")] == [
        "HEALTH-PUBLIC-PLACE-NEW", "MARKET-FOOD-BUSINESS-NEW"]
    assert all("routing_key" not in c["kwargs"] for c in submits)


def test_an_unknown_item_goes_to_the_default_pool_which_names_it(client, rpc, login, items):
    rpc.on("intake", "submit_application", NotFound("事项 NOPE 不存在"))
    response = submit(client, login("clerk", "clerk", "health"), "NOPE")
    assert response.status_code == 404
    assert rpc.calls_to("intake", "submit_application")[0]["routing_key"] is None


@pytest.mark.parametrize(("case_no", "department", "expected"), [
    (HEALTH_CASE, "health", "approval.health.transition"),
    (MARKET_CASE, "market", None),
])
def test_case_calls_follow_the_department_the_case_carries(client, rpc, login, case_no, department, expected):
    rpc.on("approval", "get_case", lambda number, actor=None: case_view(case_no=number, department=department))
    rpc.on("approval", "transition", lambda number, action, actor, params: case_view(case_no=number))
    staff = login("chief", "chief_rep", department)
    response = client.simulate_post(f"/v1/cases/{case_no}/transitions", headers=staff, json={"action": "approve"})
    assert response.status_code == 200, response.text
    (read,) = rpc.calls_to("approval", "get_case")
    (transition,) = rpc.calls_to("approval", "transition")
    assert read["routing_key"] == (expected and "approval.health.get_case")
    assert transition["routing_key"] == expected


def test_a_case_still_in_intake_is_read_from_the_departments_intake_pool(client, rpc, login):
    rpc.on("approval", "get_case", NotFound("办件不存在"))
    rpc.on("intake", "get_application",
           lambda number, actor=None: case_view(case_no=number, status="awaiting_supplement"))
    response = client.simulate_get(f"/v1/cases/{HEALTH_CASE}", headers=login("zhangsan", "applicant"))
    assert response.status_code == 200, response.text
    assert rpc.calls_to("intake", "get_application")[0]["routing_key"] == "intake.health.get_application"


def test_without_pools_no_call_carries_a_routing_key_and_items_are_not_looked_up(rpc, store, make_account, items):
    plain = falcon.testing.TestClient(create_app(rpc, store, SETTINGS))
    make_account("clerk2", "clerk", "health")
    token = plain.simulate_post("/v1/auth/token", json={"username": "clerk2", "password": PASSWORD}).json
    response = submit(plain, {"Authorization": f"Bearer {token['access_token']}"}, "HEALTH-PUBLIC-PLACE-NEW")
    assert response.status_code == 201, response.text
    assert rpc.calls_to("intake", "get_item") == []
    assert all(call["routing_key"] is None for call in rpc.calls)
