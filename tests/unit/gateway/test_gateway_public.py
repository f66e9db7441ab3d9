"""Public and operational routes, complaints and metrics access, and the cross-cutting rules
(problem+json, request ids, error mapping, OpenAPI completeness)."""
import falcon.inspect
import falcon.testing

from gateway.app import create_app
from gateway.openapi import openapi_document
from gateway.rpc import RemoteFailure
from services.common.errors import Conflict, Forbidden, NotFound, Unavailable

ITEM = {"code": "HEALTH-WATER-NEW", "name": "生活饮用水供水单位卫生许可（新办）", "department": "health"}


def test_catalogue_is_public_and_paged(client, rpc):
    rpc.on("intake", "list_items", lambda department=None, category=None: [ITEM, {**ITEM, "code": "B"}])
    response = client.simulate_get("/v1/items?department=health&limit=1&offset=1")
    assert response.status_code == 200
    assert [i["code"] for i in response.json["items"]] == ["B"] and response.json["total"] == 2
    assert rpc.calls[-1]["kwargs"] == {"department": "health", "category": None}
    rpc.on("intake", "get_item", lambda code: ITEM if code == ITEM["code"] else (_ for _ in ()).throw(NotFound("无")))
    assert client.simulate_get("/v1/items/HEALTH-WATER-NEW").json["name"].startswith("生活饮用水")
    assert client.simulate_get("/v1/items/NOPE").status_code == 404


def test_every_error_type_maps_to_its_status(client, rpc):
    for exc, status in ((NotFound("x"), 404), (Conflict("x"), 409), (Forbidden("x"), 403), (Unavailable("x"), 503),
                        (RemoteFailure("KeyError", "boom"), 500)):
        rpc.on("approval", "get_certificate", exc)
        response = client.simulate_get("/v1/certificates/C-1")
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert set(response.json) == {"type", "title", "status", "detail"} and response.json["status"] == status
    assert "boom" not in response.text  # internal details stay in the logs


def test_bad_json_is_400(client, login):
    headers = {**login("a7", "applicant"), "Content-Type": "application/json"}
    response = client.simulate_post("/v1/applications", headers=headers, body="{not json")
    assert response.status_code == 400 and response.json["status"] == 400
    assert client.simulate_post("/v1/applications", headers=headers, body="[1]").status_code == 400


def test_unknown_route_and_method_are_problems(client):
    missing = client.simulate_get("/v1/nothing")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    wrong = client.simulate_delete("/v1/items")
    assert wrong.status_code == 405 and wrong.json["title"]


def test_request_id_is_echoed_or_made_and_passed_on(client, rpc):
    rpc.on("approval", "get_certificate", lambda no: {"certificate_no": no})
    echoed = client.simulate_get("/v1/certificates/C-1", headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123" and rpc.calls[-1]["request_id"] == "abc-123"
    made = client.simulate_get("/v1/certificates/C-1")
    assert len(made.headers["x-request-id"]) == 32 and rpc.calls[-1]["request_id"] == made.headers["x-request-id"]
    assert client.simulate_get("/v1/nothing", headers={"X-Request-Id": "e-1"}).headers["x-request-id"] == "e-1"


def test_complaints(client, rpc, login):
    stored = {}

    def create(complaint, actor):
        stored.update(complaint, id="CP1", status="received", submitted_by=actor and actor["username"])
        return dict(stored)

    rpc.on("evaluation", "create_complaint", create).on("evaluation", "get_complaint", lambda cid: dict(stored))
    body = {"department": "health", "subject": "态度差", "text": "窗口人员态度不好", "contact": "13812345678"}
    created = client.simulate_post("/v1/complaints", json=body)
    assert created.status_code == 201 and created.json == {"id": "CP1", "status": "received"}
    bad = client.simulate_post("/v1/complaints", json={"department": "Health!", "subject": ""})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"department", "subject", "text", "contact"}
    assert client.simulate_get("/v1/complaints/CP1", headers=login("sup", "supervisor")).status_code == 200
    assert client.simulate_get("/v1/complaints/CP1", headers=login("hc", "clerk", "health")).status_code == 200
    assert client.simulate_get("/v1/complaints/CP1", headers=login("mc", "clerk", "market")).status_code == 404


def test_metrics_access(client, rpc, login):
    rpc.on("evaluation", "metrics", lambda department=None, date_from=None, date_to=None: {"department": department})
    assert client.simulate_get("/v1/metrics", headers=login("sup", "supervisor")).json == {"department": None}
    staff = login("hc", "chief_rep", "health")
    assert client.simulate_get("/v1/metrics", headers=staff).json == {"department": "health"}
    assert client.simulate_get("/v1/metrics?department=market", headers=staff).status_code == 403
    assert client.simulate_get("/v1/metrics", headers=login("ap", "applicant")).status_code == 403
    bad = client.simulate_get("/v1/metrics?from=2026/01/01&to=x", headers=login("ca", "centre_admin"))
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {"from", "to"}


def test_health_and_readiness(client, rpc):
    assert client.simulate_get("/healthz").json == {"status": "alive"}
    for service in ("intake", "approval", "notification"):
        rpc.on(service, "ping", "pong")
    not_ready = client.simulate_get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json["unavailable"] == ["evaluation"]
    assert "evaluation" in not_ready.json["detail"]
    rpc.on("evaluation", "ping", "pong")
    assert client.simulate_get("/readyz").status_code == 200


def test_prometheus_metrics_count_requests_by_route(client):
    client.simulate_get("/healthz")
    text = client.simulate_get("/metrics").text
    assert 'gateway_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "gateway_http_request_duration_seconds_bucket" in text


def test_rate_limit_is_429(rpc, store, one_rate_window):
    from gateway_fakes import SETTINGS

    client = falcon.testing.TestClient(create_app(rpc, store, SETTINGS.__class__(rate_limit_per_minute=2)))
    statuses = [client.simulate_get("/v1/me").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_openapi_describes_every_route(client, rpc, store):
    served = client.simulate_get("/openapi.json").json
    assert served["openapi"].startswith("3.1")
    document = openapi_document()["paths"]
    app = create_app(rpc, store)
    for route in falcon.inspect.inspect_routes(app):
        assert route.path in document, route.path
        methods = {m.method.lower() for m in route.methods if m.internal is False and m.method != "OPTIONS"}
        assert methods == set(document[route.path]), route.path
