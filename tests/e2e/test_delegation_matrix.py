"""Who may decide, over real HTTP: the letter of authority in force (首席代表委托书, A/B roles) decides
every decision; refusals outside it are 403 with the reason and recorded for supervisors."""
import datetime as dt
import uuid

import pytest
from test_platform import ADMIN_PASSWORD, DEMO_PASSWORD, Api, id_number, once_opened

pytestmark = pytest.mark.e2e

ITEM = "HEALTH-PUBLIC-PLACE-NEW"


@pytest.fixture(scope="module")
def api(stack):
    return Api(stack.gateway_url)


@pytest.fixture(scope="module")
def people(api):
    """Fresh chief representatives of health (the demo letter of chief1 stays untouched)."""
    admin = api.as_user("health_admin")
    tag = uuid.uuid4().hex[:6]
    names = {role: f"{role}_{tag}" for role in ("b", "a", "expired", "revoked")}
    for number, username in enumerate(names.values()):
        created = admin.post("/v1/accounts", json={"username": username, "password": DEMO_PASSWORD,
                                                    "display_name": f"首席代表{username}", "role": "chief_rep",
                                                    "department": "health", "work_no": f"T{tag}{number}"})
        assert created.status_code == 201, created.text
    return {key: api.as_user(username) for key, username in names.items()} | {"names": names, "admin": admin}


def letter(people, a, b, actions=("review", "decide", "inspect"), **dates):
    body = {"a_account": people["names"][a], "b_account": people["names"][b],
            "items": [{"item_code": ITEM, "actions": list(actions)}], **dates}
    response = people["admin"].post("/v1/delegations", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def case_in_review(api):
    """A complete window application, accepted, reviewed and inspected: ready for a decision."""
    clerk = api.as_user("clerk1")
    item = api.get(f"/v1/items/{ITEM}").json()
    submitted = clerk.post("/v1/applications", headers={"Idempotency-Key": uuid.uuid4().hex}, json={
        "item_code": ITEM, "channel": "window",
        "applicant": {"type": "person", "name": "周九", "id_number": id_number(seq="518"), "phone": "13712345678"},
        "materials": [{"code": m["code"]} for m in item["materials"] if m["required"]]})
    assert submitted.status_code == 201 and submitted.json()["status"] == "accepted", submitted.text
    case_no = submitted.json()["case_no"]
    assert once_opened(lambda: clerk.transition(case_no, "start_review")).status_code == 200
    assert clerk.transition(case_no, "record_inspection", result="passed").status_code == 200
    return case_no


def refused(response, *words):
    assert response.status_code == 403, response.text
    detail = response.json()["detail"]
    assert all(word in detail for word in words), detail
    return detail


def violations_of(api, username):
    supervisor = api.as_user("supervisor1")
    response = supervisor.get("/v1/supervision/violations?department=health")
    assert response.status_code == 200, response.text
    return [v for v in response.json()["violations"] if v["actor"] == username]


def test_the_delegation_matrix(api, people):
    names = letter(people, "a", "b")["id"] and people["names"]
    yesterday = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    letter(people, "a", "expired", valid_from="2024-01-01", valid_until=yesterday)
    revoked = letter(people, "a", "revoked")
    assert people["admin"].post(f"/v1/delegations/{revoked['id']}/revoke", json={"reason": "调岗"}).status_code == 200
    listed = people["admin"].get("/v1/delegations").json()["delegations"]
    assert {d["id"]: d["status"] for d in listed}[revoked["id"]] == "revoked"
    assert [h["action"] for h in next(d for d in listed if d["id"] == revoked["id"])["history"]] == ["issue", "revoke"]

    # in scope: B decides, and the case view offers the decision to B only
    case_no = case_in_review(api)
    view = people["b"].get(f"/v1/cases/{case_no}").json()
    assert {"approve", "deny"} <= set(view["allowed_actions"])
    assert "approve" not in people["a"].get(f"/v1/cases/{case_no}").json()["allowed_actions"]
    assert "approve" not in api.as_user("clerk1").get(f"/v1/cases/{case_no}").json()["allowed_actions"]

    # A acting while B is present: refused and recorded
    refused(people["a"].transition(case_no, "approve"), "B角")
    # expired and revoked letters do not count
    refused(people["expired"].transition(case_no, "approve"), "授权委托书")
    refused(people["revoked"].transition(case_no, "approve"), "授权委托书")
    # the centre admin is not a decision maker
    refused(api.as_user("admin", ADMIN_PASSWORD).transition(case_no, "approve"), "中心管理员")

    approved = people["b"].transition(case_no, "approve", comment="符合条件")
    assert approved.status_code == 200, approved.text
    entry = approved.json()["history"][-1]
    assert entry["actor"] == names["b"] and entry["actor_role"] == "chief_rep" and entry["actor_work_no"]
    assert approved.json()["received_by"]["username"] == "clerk1"

    # out of scope: the letter does not cover 发证
    detail = refused(people["b"].transition(case_no, "issue_certificate"), "发证")
    recorded = violations_of(api, names["b"])
    assert [(v["case_no"], v["action"], v["reason"]) for v in recorded] == [(case_no, "issue_certificate", detail)]
    for who in ("a", "expired", "revoked"):
        assert [v["action"] for v in violations_of(api, names[who])] == ["approve"]
    assert not violations_of(api, "admin")  # refused as not a decision maker, not as 越权

    # B away: A acts and B does not; back again: B acts and A does not
    second, third = case_in_review(api), case_in_review(api)
    assert people["b"].post(f"/v1/accounts/{names['b']}/away", json={"away": True}).status_code == 200
    refused(people["b"].transition(second, "approve"), "外出")
    assert people["a"].transition(second, "approve").status_code == 200
    assert people["admin"].post(f"/v1/accounts/{names['b']}/away", json={"away": False}).status_code == 200
    refused(people["a"].transition(third, "deny", comment="不符合条件"), "B角")
    assert people["b"].transition(third, "deny", comment="不符合条件").status_code == 200


def test_who_may_issue_letters_and_mark_away(api, people):
    clerk = api.as_user("clerk1")
    body = {"department": "health", "a_account": "xx_a1", "b_account": "xx_b2",
            "items": [{"item_code": ITEM, "actions": ["decide"]}]}
    assert clerk.post("/v1/delegations", json=body).status_code == 403
    market_admin = api.as_user("market_admin")
    assert market_admin.post("/v1/delegations", json=body).status_code == 403
    bad = people["admin"].post("/v1/delegations", json={**body, "items": [{"item_code": ITEM, "actions": ["fly"]}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "items[0].actions[0]"
    assert clerk.post(f"/v1/accounts/{people['names']['b']}/away", json={"away": True}).status_code == 403
    assert people["admin"].post("/v1/accounts/nobody_here/away", json={"away": True}).status_code == 404
