"""Applications and cases through the gateway: who sees what, where each call goes, what comes back."""
import pytest

from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound


def case_view(case_no="411400-HEALTH-20260105-0001", owner="zhangsan", department="health",
              submitted_by="zhangsan", status="accepted"):
    return {"case_no": case_no, "item_code": "HEALTH-PUBLIC-PLACE-NEW", "department": department, "status": status,
            "owner": owner, "submitted_by": submitted_by, "missing": [], "notice": None,
            "deadlines": {"promised": "2026-01-20", "statutory": "2026-02-02", "estimated": False},
            "clock": {"paused": False, "used_working_days": 0},
            "history": [{"at": "2026-01-05T09:00:00+08:00", "status": status, "action": "submit",
                         "actor_role": "applicant"}]}


@pytest.fixture
def approval_case(rpc):
    case = case_view()
    rpc.on("approval", "get_case", lambda case_no, actor=None: {**case, "case_no": case_no})
    return case


def test_submit_passes_application_actor_and_idempotency_key(client, rpc, login):
    headers = {**login("zhangsan", "applicant"), "Idempotency-Key": "k-1", "X-Request-Id": "req-abc"}
    rpc.on("intake", "submit_application",
           lambda application, actor, idempotency_key=None: case_view(status="awaiting_supplement")
           | {"missing": [{"code": "M1", "name": "营业执照", "reason": "未提交"}]})
    body = {"item_code": "HEALTH-PUBLIC-PLACE-NEW", "channel": "online", "applicant": {"type": "person"},
            "materials": [{"code": "M2"}]}
    response = client.simulate_post("/v1/applications", headers=headers, json=body)
    assert response.status_code == 201, response.text
    assert set(response.json) >= {"case_no", "status", "missing", "deadlines", "notice"}
    assert response.json["missing"][0]["code"] == "M1"
    call = rpc.calls_to("intake", "submit_application")[0]
    application, actor = call["args"]
    assert application == body
    assert actor == {"username": "zhangsan", "role": "applicant", "department": None, "display_name": "zhangsan",
                     "work_no": None}
    assert call["kwargs"] == {"idempotency_key": "k-1"}
    assert call["request_id"] == "req-abc"


def test_submit_defaults_channel_by_role_and_guards_province(client, rpc, login):
    rpc.on("intake", "submit_application", lambda application, actor, idempotency_key=None: case_view())
    api = login("province", "api_client")
    assert client.simulate_post("/v1/applications", headers=api, json={"item_code": "X"}).status_code == 201
    assert rpc.calls[-1]["args"][0]["channel"] == "province"
    applicant = login("wangwu", "applicant")
    assert client.simulate_post("/v1/applications", headers=applicant, json={"item_code": "X"}).status_code == 201
    assert rpc.calls[-1]["args"][0]["channel"] == "online"
    assert client.simulate_post("/v1/applications", headers=applicant,
                                json={"item_code": "X", "channel": "province"}).status_code == 403
    assert client.simulate_post("/v1/applications", headers=api,
                                json={"item_code": "X", "channel": "window"}).status_code == 403


@pytest.mark.parametrize("role, channel", [
    ("applicant", "window"), ("applicant", "province"), ("clerk", "online"), ("clerk", "province"),
    ("api_client", "window"), ("api_client", "online"),
])
def test_a_channel_the_role_may_not_use_is_refused_naming_the_field(client, rpc, login, role, channel):
    """An applicant posting channel=window would be accepted at once, skipping staff pre-review (issue 8)."""
    rpc.on("intake", "submit_application", lambda application, actor, idempotency_key=None: case_view())
    headers = login("someone", role, "health" if role == "clerk" else None)
    response = client.simulate_post("/v1/applications", headers=headers, json={
        "item_code": "HEALTH-PUBLIC-PLACE-NEW", "channel": channel, "applicant": {"type": "person"},
        "materials": []})
    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json["errors"]] == ["channel"]
    assert channel in response.json["detail"]
    assert not rpc.calls_to("intake", "submit_application")


def test_submit_roles(client, login):
    response = client.simulate_post("/v1/applications", headers=login("rev", "reviewer", "health"), json={})
    assert response.status_code == 403
    assert client.simulate_post("/v1/applications", json={}).status_code == 401


def test_intake_validation_errors_pass_through_with_every_field(client, rpc, login):
    errors = [{"field": "applicant.id_number", "message": "校验位错误"},
              {"field": "materials[2].code", "message": "未知"}]
    rpc.on("intake", "submit_application", InvalidInput("申请内容有误", errors))
    response = client.simulate_post("/v1/applications", headers=login("a1", "applicant"), json={"item_code": "X"})
    assert response.status_code == 422
    assert response.json["errors"] == errors
    assert set(response.json) == {"type", "title", "status", "detail", "errors"}


def test_owner_sees_case_others_get_404(client, approval_case, login):
    owner = client.simulate_get("/v1/cases/C1", headers=login("zhangsan", "applicant"))
    assert owner.status_code == 200 and owner.json["case_no"] == "C1"
    assert set(owner.json) >= {"case_no", "item_code", "status", "deadlines", "clock", "history"}
    stranger = client.simulate_get("/v1/cases/C1", headers=login("lisi", "applicant"))
    assert stranger.status_code == 404
    assert client.simulate_get("/v1/cases/C1", headers=login("m1", "clerk", "market")).status_code == 404
    assert client.simulate_get("/v1/cases/C1", headers=login("h1", "clerk", "health")).status_code == 200
    assert client.simulate_get("/v1/cases/C1", headers=login("s1", "supervisor")).status_code == 200
    assert client.simulate_get("/v1/cases/C1", headers=login("other-api", "api_client")).status_code == 404


def test_api_client_sees_what_it_submitted(client, rpc, login):
    rpc.on("approval", "get_case", lambda case_no, actor=None: case_view(owner=None, submitted_by="province"))
    assert client.simulate_get("/v1/cases/C1", headers=login("province", "api_client")).status_code == 200


def test_case_not_yet_in_approval_comes_from_intake(client, rpc, login):
    rpc.on("approval", "get_case", NotFound("办件不存在"))
    rpc.on("intake", "get_application", lambda case_no, actor=None: case_view(status="awaiting_supplement"))
    response = client.simulate_get("/v1/cases/C2", headers=login("zhangsan", "applicant"))
    assert response.status_code == 200 and response.json["status"] == "awaiting_supplement"
    rpc.on("intake", "get_application", NotFound("办件不存在"))
    assert client.simulate_get("/v1/cases/C3", headers=login("lisi", "applicant")).status_code == 404


def test_transitions_route_by_owner_service(client, rpc, approval_case, login):
    rpc.on("intake", "transition", lambda *args: case_view(status="accepted"))
    rpc.on("approval", "transition", lambda *args: case_view(status="in_review"))
    clerk = login("clerk1", "clerk", "health")
    accept = client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json={"action": "accept"})
    assert accept.status_code == 200 and rpc.calls_to("intake", "transition")[0]["args"][1] == "accept"
    review = client.simulate_post("/v1/cases/C1/transitions", headers=clerk,
                                  json={"action": "start_review", "comment": "开始审查", "note": 1})
    assert review.status_code == 200 and review.json["status"] == "in_review"
    case_no, action, actor, params = rpc.calls_to("approval", "transition")[0]["args"]
    assert (case_no, action, actor["username"]) == ("C1", "start_review", "clerk1")
    assert params == {"comment": "开始审查", "note": 1}


def test_transition_rules(client, rpc, approval_case, login):
    rpc.on("approval", "transition", Conflict("当前状态不能执行该操作"))
    clerk = login("clerk2", "clerk", "health")
    approve = {"action": "approve"}
    assert client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=approve).status_code == 409
    rpc.on("approval", "transition", Forbidden("不在委托范围内"))
    assert client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json=approve).status_code == 403
    bad = client.simulate_post("/v1/cases/C1/transitions", headers=clerk, json={"action": "fly", "comment": 3})
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {"action", "comment"}
    applicant = login("zhangsan", "applicant")
    assert client.simulate_post("/v1/cases/C1/transitions", headers=applicant,
                                json={"action": "withdraw"}).status_code == 403
    market = login("mclerk", "clerk", "market")
    assert client.simulate_post("/v1/cases/C1/transitions", headers=market,
                                json={"action": "approve"}).status_code == 404


def test_supplement_and_rating(client, rpc, approval_case, login):
    rpc.on("intake", "supplement", lambda case_no, materials, actor: case_view(status="accepted"))
    rpc.on("evaluation", "rate", lambda case_no, actor, level, comment=None, channel=None: {"case_no": case_no,
                                                                                          "level": level})
    owner = login("zhangsan", "applicant")
    supplied = client.simulate_post("/v1/cases/C1/supplements", headers=owner, json={"materials": [{"code": "M1"}]})
    assert supplied.status_code == 200 and supplied.json["status"] == "accepted"
    empty = client.simulate_post("/v1/cases/C1/supplements", headers=owner, json={"materials": []})
    assert empty.status_code == 422 and empty.json["errors"][0]["field"] == "materials"
    rated = client.simulate_post("/v1/cases/C1/rating", headers=owner, json={"level": 5, "comment": "很好"})
    assert rated.status_code == 201
    assert rpc.calls_to("evaluation", "rate")[0]["kwargs"] == {"comment": "很好", "channel": None}
    rpc.on("evaluation", "rate", Conflict("该办件已评价"))
    assert client.simulate_post("/v1/cases/C1/rating", headers=owner, json={"level": 4}).status_code == 409
    bad = client.simulate_post("/v1/cases/C1/rating", headers=owner, json={"level": 9, "channel": "pigeon"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {"level", "channel"}
    staff = login("clerk3", "clerk", "health")
    assert client.simulate_post("/v1/cases/C1/rating", headers=staff, json={"level": 5}).status_code == 403


def test_inbox_asks_for_person_role_and_department(client, rpc, login):
    rpc.on("notification", "list_inbox",
           lambda recipients, limit=50, offset=0: [{"id": str(i)} for i in range(offset, offset + limit)])
    response = client.simulate_get("/v1/me/notifications?limit=2&offset=1", headers=login("c5", "clerk", "health"))
    assert response.status_code == 200
    assert [n["id"] for n in response.json["notifications"]] == ["1", "2"]
    assert rpc.calls[-1]["kwargs"] == {"limit": 2, "offset": 1}  # the page itself, not the first 3 cut here
    assert rpc.calls[-1]["args"][0] == ["c5", "role:clerk", "dept:health:staff"]
    bad = client.simulate_get("/v1/me/notifications?limit=0&offset=x", headers=login("a5", "applicant"))
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {"limit", "offset"}


def test_joint_departments_staff_see_and_sign_a_joint_case(client, rpc, login):
    joint = {**case_view(status="joint_review"), "joint": {"departments": ["health", "market"], "signed": []}}
    rpc.on("approval", "get_case", lambda case_no, actor=None: joint)
    rpc.on("approval", "transition", lambda *args: {**joint, "joint": {**joint["joint"], "signed": ["market"]}})
    market = login("mclerk", "clerk", "market")
    assert client.simulate_get("/v1/cases/C1", headers=market).status_code == 200
    signed = client.simulate_post("/v1/cases/C1/transitions", headers=market, json={"action": "sign_joint"})
    assert signed.status_code == 200 and signed.json["joint"]["signed"] == ["market"]
    outsider = login("eclerk", "clerk", "education")
    assert client.simulate_get("/v1/cases/C1", headers=outsider).status_code == 404
