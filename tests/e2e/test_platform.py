"""The whole platform over real HTTP: gunicorn gateway, four services, broker, database.

Events travel asynchronously, so every check that depends on one polls with a
short bounded wait (`eventually`) instead of sleeping.
"""
import uuid

import pytest
import requests
from polling import eventually

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "admin-test-pw"
DEMO_PASSWORD = "Demo-2026!"  # deploy/seed.py
ITEM = "HEALTH-PUBLIC-PLACE-NEW"


def id_number(birth: str = "19900307", seq: str = "123") -> str:
    """An 18-digit resident ID number with a correct check digit (GB 11643)."""
    body = "110105" + birth + seq
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def once_opened(request):
    """Repeat `request` while it answers 404: approval may open an accepted case from the event a moment later."""
    holder = {}

    def attempt():
        holder["response"] = request()
        return holder["response"].status_code != 404

    eventually(attempt)
    return holder["response"]


class Api:
    def __init__(self, base: str, token: str | None = None, username: str | None = None):
        self.base, self.token, self.username = base, token, username

    def request(self, method, path, **kwargs):
        headers = kwargs.pop("headers", {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return requests.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def as_user(self, username: str, password: str = DEMO_PASSWORD) -> "Api":
        response = requests.post(self.base + "/v1/auth/token", json={"username": username, "password": password},
                                 timeout=30)
        assert response.status_code == 200, response.text
        return Api(self.base, response.json()["access_token"], username)

    def transition(self, case_no, action, **params):
        return self.post(f"/v1/cases/{case_no}/transitions", json={"action": action, **params})


@pytest.fixture(scope="module")
def api(stack):
    return Api(stack.gateway_url)


@pytest.fixture(scope="module")
def applicant(api):
    username = f"e2e_{uuid.uuid4().hex[:8]}"
    registered = api.post("/v1/accounts/register", json={
        "username": username, "password": DEMO_PASSWORD, "display_name": "王小明", "phone": "13912345678"})
    assert registered.status_code == 201, registered.text
    return api.as_user(username)


def person(**overrides):
    return {"type": "person", "name": "王小明", "id_number": id_number(), "phone": "13912345678", **overrides}


def required_materials(api) -> list[str]:
    item = api.get(f"/v1/items/{ITEM}").json()
    return [m["code"] for m in item["materials"] if m["required"]]


def inbox_events(user: Api, case_no: str) -> set:
    response = user.get("/v1/me/notifications")
    assert response.status_code == 200, response.text
    return {n["event"] for n in response.json()["notifications"] if n.get("case_no") == case_no}


def test_the_whole_story(api, applicant):
    codes = required_materials(api)
    withheld = codes[-1]

    # apply online with one material missing: staff pre-review first, then the one-time notice listing it
    submitted = applicant.post("/v1/applications", headers={"Idempotency-Key": uuid.uuid4().hex}, json={
        "item_code": ITEM, "channel": "online", "applicant": person(),
        "materials": [{"code": code} for code in codes[:-1]]})
    assert submitted.status_code == 201, submitted.text
    case_no = submitted.json()["case_no"]
    assert submitted.json()["status"] == "pre_review"
    clerk, chief = api.as_user("clerk1"), api.as_user("chief1")
    reviewed = clerk.transition(case_no, "accept")
    assert reviewed.status_code == 200, reviewed.text
    case = reviewed.json()
    assert case["status"] == "awaiting_supplement"
    assert [m["code"] for m in case["missing"]] == [withheld]
    assert case["notice"]
    eventually(lambda: "one_time_notice_issued" in inbox_events(applicant, case_no))

    # supplement: accepted, with working-day deadlines
    supplied = applicant.post(f"/v1/cases/{case_no}/supplements", json={"materials": [{"code": withheld}]})
    assert supplied.status_code == 200, supplied.text
    assert supplied.json()["status"] == "accepted"
    deadlines = eventually(lambda: applicant.get(f"/v1/cases/{case_no}").json().get("deadlines"))
    assert deadlines["promised"] <= deadlines["statutory"]

    # review, inspection, decision, certificate, delivery
    started = once_opened(lambda: clerk.transition(case_no, "start_review"))
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_review"
    inspected = clerk.transition(case_no, "record_inspection", result="passed", comment="现场检查合格")
    assert inspected.status_code == 200, inspected.text
    approved = chief.transition(case_no, "approve", comment="准予许可")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    issued = chief.transition(case_no, "issue_certificate")
    assert issued.status_code == 200, issued.text
    view = applicant.get(f"/v1/cases/{case_no}").json()
    assert view["status"] == "certificate_issued" and view["certificate_no"]
    assert {"paused", "used_working_days"} <= set(view["clock"])
    assert [h["action"] for h in view["history"]][-3:] == ["record_inspection", "approve", "issue_certificate"]

    certificate = requests.get(f"{api.base}/v1/certificates/{view['certificate_no']}", timeout=30)
    assert certificate.status_code == 200, certificate.text
    assert certificate.json()["item_code"] == ITEM and certificate.json()["status"]
    assert id_number() not in certificate.text

    delivered = clerk.transition(case_no, "deliver")
    assert delivered.status_code == 200 and delivered.json()["status"] == "closed"

    # the applicant's inbox has acceptance and decision
    eventually(lambda: {"application_accepted", "case_decided"} <= inbox_events(applicant, case_no))

    # rating once
    rated = applicant.post(f"/v1/cases/{case_no}/rating", json={"level": 5, "comment": "办事很快"})
    assert rated.status_code == 201, rated.text
    again = applicant.post(f"/v1/cases/{case_no}/rating", json={"level": 4})
    assert again.status_code == 409

    # metrics moved
    supervisor = api.as_user("supervisor1")

    def metrics_show_the_case():
        metrics = supervisor.get("/v1/metrics?department=health").json()
        return metrics.get("completed", 0) >= 1 and metrics["ratings"]["count"] >= 1 and metrics

    metrics = eventually(metrics_show_the_case)
    assert {"received", "accepted", "completed", "on_time_rate", "satisfaction_rate", "complaints"} <= set(metrics)


def test_invalid_application_names_every_field(applicant):
    response = applicant.post("/v1/applications", json={
        "item_code": ITEM, "channel": "online",
        "applicant": {"type": "person", "name": "", "id_number": "110105199003071230", "phone": "123"},
        "materials": [{"code": "APPLICATION_FORM"}, {"nope": 1}]})
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"applicant.name", "applicant.id_number", "applicant.phone", "materials[1].code"} <= fields


def test_malformed_json_unauthenticated_forbidden_unknown(api, applicant):
    bad = applicant.post("/v1/applications", data="{oops", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["status"] == 400
    assert api.post("/v1/applications", json={"item_code": ITEM}).status_code == 401
    assert api.get("/v1/me/notifications", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert applicant.transition("NO-SUCH-CASE", "approve").status_code == 403
    unknown = applicant.get("/v1/cases/411400-NOPE-0")
    assert unknown.status_code == 404 and unknown.json()["title"]


def submit_complete(user: Api, key: str | None = None, name: str = "王小明", channel: str | None = None,
                    request_id: str | None = None, owner: str | None = None):
    """A complete application on the caller's own channel (the gateway's default for its role) unless named."""
    headers = {"Idempotency-Key": key} if key else {}
    if request_id:
        headers["X-Request-Id"] = request_id
    body = {"item_code": ITEM, "applicant": person(name=name),
            "materials": [{"code": code} for code in required_materials(user)]}
    if channel:
        body["channel"] = channel
    if owner:
        body["owner_account"] = owner
    return user.post("/v1/applications", headers=headers, json=body)


def accepted_case(api: Api, applicant: Api, **kwargs):
    """A complete application the window clerk files for the applicant (who owns the case): accepted at once.
    An applicant may not post the window channel itself: that would skip staff pre-review."""
    submitted = submit_complete(api.as_user("clerk1"), channel="window", owner=applicant.username, **kwargs)
    assert submitted.status_code == 201 and submitted.json()["status"] == "accepted", submitted.text
    return submitted


def test_an_applicant_may_not_take_the_window_channel(applicant):
    """Posting channel=window would be accepted at once, skipping staff pre-review (issue 8): refused, naming it."""
    refused = submit_complete(applicant, key=uuid.uuid4().hex, channel="window")
    assert refused.status_code == 403, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["channel"]
    online = submit_complete(applicant, key=uuid.uuid4().hex)
    assert online.status_code == 201 and online.json()["status"] == "pre_review", online.text


def test_illegal_transition_is_409(api, applicant):
    submitted = accepted_case(api, applicant)
    assert submitted.status_code == 201 and submitted.json()["status"] == "accepted", submitted.text
    case_no = submitted.json()["case_no"]
    clerk = api.as_user("clerk1")
    response = once_opened(lambda: clerk.transition(case_no, "deliver"))
    assert response.status_code == 409, response.text
    market = api.as_user("market_clerk1")
    assert market.transition(case_no, "start_review").status_code in (403, 404)


def test_idempotency_key(applicant):
    key = uuid.uuid4().hex
    first = submit_complete(applicant, key)
    second = submit_complete(applicant, key)
    assert first.status_code == second.status_code == 201
    assert first.json()["case_no"] == second.json()["case_no"]
    other = submit_complete(applicant, key, name="李四")
    assert other.status_code == 409, other.text


def test_request_id_follows_the_case_into_every_service_log(stack, api, applicant):
    request_id = f"e2e-trace-{uuid.uuid4().hex[:12]}"
    response = accepted_case(api, applicant, request_id=request_id)
    assert response.status_code == 201, response.text
    assert response.headers["X-Request-Id"] == request_id
    logs = stack.var / "logs"
    for name in ("gateway", "intake-0", "approval-0", "notification-0", "evaluation-0"):
        log_file = logs / f"{name}.log"
        assert eventually(lambda f=log_file: request_id in f.read_text(errors="replace")), name


def test_api_client_submits_and_sees_its_case(api):
    admin = api.as_user("admin", ADMIN_PASSWORD)
    created = admin.post("/v1/accounts", json={
        "username": f"prov_{uuid.uuid4().hex[:6]}", "display_name": "省平台（测试）", "role": "api_client"})
    assert created.status_code == 201, created.text
    client = Api(api.base, created.json()["api_key"])
    submitted = submit_complete(client, uuid.uuid4().hex, channel="province")
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["status"] == "pre_review"
    assert client.get(f"/v1/cases/{submitted.json()['case_no']}").status_code == 200


def test_complaint_is_received_and_seen_by_supervision(api):
    body = {"department": "health", "subject": "窗口排队时间长", "text": "上午排队超过一小时", "contact": "13912345678"}
    created = api.post("/v1/complaints", json=body)
    assert created.status_code == 201, created.text
    assert set(created.json()) == {"id", "status"}
    supervisor = api.as_user("supervisor1")
    seen = supervisor.get(f"/v1/complaints/{created.json()['id']}")
    assert seen.status_code == 200 and seen.json()["subject"] == body["subject"]
    assert "13912345678" not in seen.text
    invalid = api.post("/v1/complaints", json={"department": "health"})
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} == {"subject", "text", "contact"}


def test_operations(api):
    health = api.get("/healthz", headers={"X-Request-Id": "e2e-probe-1"})
    assert health.status_code == 200 and health.headers["X-Request-Id"] == "e2e-probe-1"
    ready = api.get("/readyz")
    assert ready.status_code == 200, ready.text
    document = api.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1") and "/v1/applications" in document["paths"]
    metrics = api.get("/metrics")
    assert metrics.status_code == 200 and "gateway_http_requests_total" in metrics.text
    items = api.get("/v1/items?department=health").json()["items"]
    assert ITEM in {item["code"] for item in items}
