"""One authorisation matrix over every endpoint (issue 8), walked over HTTP: role × scope
(own case, own department, all). Every principal calls every row; an allowed call is never
refused (no 401/403, no 404 hiding the case, no 5xx), every other call is refused (401, 403,
or 404 where existence is not revealed). Bodies are chosen so the authorisation answer, not
the business answer, is what differs. A route added without a row here fails the coverage test."""
import uuid

import pytest
import requests
from test_platform import (
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    ITEM,
    Api,
    eventually,
    id_number,
    once_opened,
    required_materials,
)

from gateway.routes import ROUTES

pytestmark = pytest.mark.e2e

ANON, OWNER, OTHER_APPLICANT = "anonymous", "applicant_owner", "applicant_other"
CLERK_H, REVIEWER_H, CHIEF_H, ADMIN_H = "clerk_health", "reviewer_health", "chief_health", "dept_admin_health"
CLERK_M, CHIEF_M = "clerk_market", "chief_market"
SUPERVISOR, CENTRE_ADMIN, API_OWN, API_OTHER = "supervisor", "centre_admin", "api_client_own", "api_client_other"
EVERYONE = (ANON, OWNER, OTHER_APPLICANT, CLERK_H, REVIEWER_H, CHIEF_H, ADMIN_H, CLERK_M, CHIEF_M, SUPERVISOR,
            CENTRE_ADMIN, API_OWN, API_OTHER)
SIGNED_IN = tuple(p for p in EVERYONE if p != ANON)
HEALTH_STAFF = (CLERK_H, REVIEWER_H, CHIEF_H, ADMIN_H)
OVERSIGHT = (SUPERVISOR, CENTRE_ADMIN)

# Routes that take credentials rather than check them, and the public operational probes: each is
# exercised by its own tests (accounts, security, operations). Every other route must have a row below.
NOT_IN_MATRIX = {
    ("POST", "/v1/auth/token"),           # exchanges a password for tokens: nothing to be authorised for
    ("POST", "/v1/auth/refresh"),         # exchanges a refresh token: the token is the credential
    ("POST", "/v1/accounts/register"),    # self-registration of an applicant: anyone, by design
    ("GET", "/readyz"),                   # public probe for the orchestrator (503 while a dependency is down)
    ("GET", "/metrics"),                  # public Prometheus scrape: counters only, no personal data
}
# Routes whose path names an existing thing in every row (a case, complaint, follow-up, webhook, key or
# certificate made by the fixture): an allowed caller may not get 404 there either.
REAL_THINGS = ("{case_no}", "{complaint_id}", "{follow_up_id}", "{webhook_id}", "{key_id}")


def rows(world: dict) -> list[tuple]:
    """(method, route template, concrete path, body factory, allowed principals, unasserted principals)."""
    a, b, victim = world["case_a"], world["case_b"], world["victim"]
    decided, complaint, follow_up = world["case_decided"], world["complaint"], world["follow_up"]
    hook, gone_hook, own = world["webhook"], world["webhook_to_delete"], world["api_own"]
    a_readers = (OWNER, *HEALTH_STAFF, *OVERSIGHT)
    b_readers = (API_OWN, *HEALTH_STAFF, *OVERSIGHT)
    department_workers = (*HEALTH_STAFF, *OVERSIGHT)
    all_staff = (*HEALTH_STAFF, CLERK_M, CHIEF_M, *OVERSIGHT)
    return [
        ("GET", "/v1/cases/{case_no}", f"/v1/cases/{a}", None, a_readers, ()),
        ("GET", "/v1/cases/{case_no}", f"/v1/cases/{b}", None, b_readers, ()),
        ("GET", "/v1/cases/{case_no}/exchange", f"/v1/cases/{a}/exchange", None, a_readers, ()),
        ("POST", "/v1/cases/{case_no}/supplements", f"/v1/cases/{a}/supplements",
         lambda: {"materials": [{"code": "APPLICATION_FORM"}]}, (OWNER, *HEALTH_STAFF), ()),
        # accepting a pre-reviewed case: the health clerk may (200, or 409 once done); who may not gets
        # 401/403/404; which other staff role may take which action is the workflow's policy, not asserted here.
        ("POST", "/v1/cases/{case_no}/transitions", f"/v1/cases/{a}/transitions",
         lambda: {"action": "accept"}, (CLERK_H,), (REVIEWER_H, CHIEF_H, ADMIN_H, SUPERVISOR, CENTRE_ADMIN)),
        ("POST", "/v1/cases/{case_no}/rating", f"/v1/cases/{a}/rating", lambda: {"level": 5}, (OWNER,), ()),
        ("POST", "/v1/cases/{case_no}/rating", f"/v1/cases/{b}/rating", lambda: {"level": 5}, (API_OWN,), ()),
        ("POST", "/v1/applications", "/v1/applications", lambda: {"item_code": ITEM},
         (OWNER, OTHER_APPLICANT, CLERK_H, API_OWN, API_OTHER), ()),
        # each role files on its own channel only: the window is the window staff's (an applicant's
        # window application would skip pre-review), online the applicant's, province the API client's
        ("POST", "/v1/applications", "/v1/applications", lambda: {"item_code": ITEM, "channel": "window"},
         (CLERK_H,), ()),
        ("POST", "/v1/applications", "/v1/applications", lambda: {"item_code": ITEM, "channel": "online"},
         (OWNER, OTHER_APPLICANT), ()),
        ("POST", "/v1/applications", "/v1/applications", lambda: {"item_code": ITEM, "channel": "province"},
         (API_OWN, API_OTHER), ()),
        ("GET", "/v1/me", "/v1/me", None, SIGNED_IN, ()),
        ("GET", "/v1/me/notifications", "/v1/me/notifications", None, SIGNED_IN, ()),
        ("POST", "/v1/accounts", "/v1/accounts", lambda: {
            "username": f"m_{uuid.uuid4().hex[:8]}", "password": DEMO_PASSWORD, "display_name": "矩阵",
            "role": "clerk", "department": "health"}, (CENTRE_ADMIN, ADMIN_H), ()),
        ("POST", "/v1/accounts/{username}/disable", f"/v1/accounts/{victim}/disable", None,
         (CENTRE_ADMIN, ADMIN_H), ()),
        ("GET", "/v1/accounts/{username}/api-keys", f"/v1/accounts/{world['api_own']}/api-keys", None,
         (CENTRE_ADMIN, API_OWN), ()),
        ("POST", "/v1/accounts/{username}/api-keys", f"/v1/accounts/{world['api_own']}/api-keys",
         lambda: {"scopes": ["nope"]}, (CENTRE_ADMIN, API_OWN), ()),
        ("POST", "/v1/accounts/{username}/enable", f"/v1/accounts/{victim}/enable", None,
         (CENTRE_ADMIN, ADMIN_H), ()),
        # a spare key of the own client's: rotated by the first allowed caller, then 409 (already revoked)
        ("POST", "/v1/accounts/{username}/api-keys/{key_id}/rotate",
         f"/v1/accounts/{own}/api-keys/{world['key_to_rotate']}/rotate", None, (CENTRE_ADMIN, API_OWN), ()),
        ("POST", "/v1/accounts/{username}/api-keys/{key_id}/revoke",
         f"/v1/accounts/{own}/api-keys/{world['key_to_revoke']}/revoke", None, (CENTRE_ADMIN, API_OWN), ()),
        ("POST", "/v1/webhooks", "/v1/webhooks", lambda: {"url": "ftp://x", "events": []}, (API_OWN, API_OTHER), ()),
        ("GET", "/v1/webhooks", "/v1/webhooks", None, (API_OWN, API_OTHER, CENTRE_ADMIN), ()),
        ("GET", "/v1/webhooks/{webhook_id}", f"/v1/webhooks/{hook}", None, (API_OWN, CENTRE_ADMIN), ()),
        ("GET", "/v1/webhooks/{webhook_id}/deliveries", f"/v1/webhooks/{hook}/deliveries", None,
         (API_OWN, CENTRE_ADMIN), ()),
        ("POST", "/v1/webhooks/{webhook_id}/rotate-secret", f"/v1/webhooks/{hook}/rotate-secret", None,
         (API_OWN,), ()),
        ("DELETE", "/v1/webhooks/{webhook_id}", f"/v1/webhooks/{gone_hook}", None, (API_OWN, CENTRE_ADMIN), ()),
        ("GET", "/v1/changes", "/v1/changes", None, (API_OWN, API_OTHER, *OVERSIGHT), ()),
        ("GET", "/v1/metrics", "/v1/metrics?department=health", None, (*HEALTH_STAFF, *OVERSIGHT), ()),
        ("GET", "/v1/accountability", "/v1/accountability?year=2026", None, OVERSIGHT, ()),
        ("GET", "/v1/reports/monthly", "/v1/reports/monthly?period=2026-10&format=xlsx", None, OVERSIGHT, ()),
        ("GET", "/v1/cases/{case_no}/documents", f"/v1/cases/{a}/documents", None, a_readers, ()),
        ("GET", "/v1/cases/{case_no}/documents/{kind}", f"/v1/cases/{decided}/documents/approval_decision", None,
         a_readers, ()),
        # public with the case's query code (a wrong code is 404 and counts towards the guessing limit)
        ("GET", "/v1/progress/{case_no}", f"/v1/progress/{decided}?code={world['query_code']}", None, EVERYONE,
         ()),
        # complaints (about health, made by the owner), bad-rating follow-ups, accountability, rankings
        ("GET", "/v1/complaints", "/v1/complaints?department=health", None, department_workers, ()),
        ("GET", "/v1/complaints/{complaint_id}", f"/v1/complaints/{complaint}", None, (OWNER, *department_workers),
         ()),
        # closing a complaint just received: 409 for who may move it, refused for anyone else
        ("POST", "/v1/complaints/{complaint_id}/transitions", f"/v1/complaints/{complaint}/transitions",
         lambda: {"action": "close"}, department_workers, ()),
        ("GET", "/v1/follow-ups", "/v1/follow-ups?department=health", None, department_workers, ()),
        ("GET", "/v1/follow-ups/{follow_up_id}", f"/v1/follow-ups/{follow_up}", None, department_workers, ()),
        ("POST", "/v1/follow-ups/{follow_up_id}/transitions", f"/v1/follow-ups/{follow_up}/transitions",
         lambda: {"action": "close", "note": "矩阵"}, department_workers, ()),
        ("POST", "/v1/accountability", "/v1/accountability", lambda: {"department": "health"}, OVERSIGHT, ()),
        ("GET", "/v1/accountability/records", "/v1/accountability/records?year=2026", None, OVERSIGHT, ()),
        ("POST", "/v1/metrics/rebuild", "/v1/metrics/rebuild", None, OVERSIGHT, ()),
        ("GET", "/v1/rankings", "/v1/rankings?period=2026-10", None, all_staff, ()),
        ("GET", "/v1/rankings/formula", "/v1/rankings/formula", None, all_staff, ()),
        ("PUT", "/v1/rankings/formula", "/v1/rankings/formula", lambda: {"quarter_top": 0}, OVERSIGHT, ()),
        # licences: 存量证照 registered by a department admin or the centre; revoked by the issuing department
        ("POST", "/v1/certificates", "/v1/certificates", lambda: {
            "item_code": ITEM, "holder_name": "矩阵宾馆有限公司", "holder_type": "enterprise",
            "valid_from": "2024-01-01", "valid_until": "2029-12-31", "legacy_no": f"矩阵{uuid.uuid4().hex[:8]}"},
         (ADMIN_H, CENTRE_ADMIN), ()),
        ("POST", "/v1/certificates/{certificate_no}/transitions",
         f"/v1/certificates/{world['certificate']}/transitions", lambda: {"action": "revoke", "reason": "矩阵"},
         (*HEALTH_STAFF, CENTRE_ADMIN), ()),
        ("POST", "/v1/cases/{case_no}/applicant/reveal", f"/v1/cases/{a}/applicant/reveal",
         lambda: {"reason": "电话核实申请人身份"}, HEALTH_STAFF, ()),
        ("GET", "/v1/ops/dead-letters", "/v1/ops/dead-letters", None, (CENTRE_ADMIN,), ()),
        ("POST", "/v1/ops/dead-letters/{dead_letter_id}/replay", "/v1/ops/dead-letters/none/replay",
         lambda: {}, (CENTRE_ADMIN,), ()),
        ("POST", "/v1/items", "/v1/items", lambda: {"code": "MX-NEW", "department": "health"},
         (ADMIN_H, CENTRE_ADMIN), ()),
        ("PUT", "/v1/items/{code}", f"/v1/items/{ITEM}", lambda: {"promised_days": 10_000},
         (ADMIN_H, CENTRE_ADMIN), ()),
        # queues, supervision, letters of authority, the calendar (issue 5)
        ("GET", "/v1/cases", "/v1/cases", None, SIGNED_IN, ()),
        ("GET", "/v1/supervision", "/v1/supervision?department=health", None, (*HEALTH_STAFF, *OVERSIGHT), ()),
        ("GET", "/v1/supervision/violations", "/v1/supervision/violations?department=health", None, OVERSIGHT,
         ()),
        ("PUT", "/v1/calendar/{year}", "/v1/calendar/2027", lambda: {"holidays": "none"}, (CENTRE_ADMIN,), ()),
        ("GET", "/v1/delegations", "/v1/delegations?department=health", None,
         (*HEALTH_STAFF, CLERK_M, CHIEF_M, *OVERSIGHT), ()),
        ("POST", "/v1/delegations", "/v1/delegations", lambda: {"department": "health"}, (ADMIN_H,), ()),
        ("POST", "/v1/delegations/{delegation_id}/revoke", "/v1/delegations/none/revoke",
         lambda: {"reason": "矩阵"}, (ADMIN_H,), ()),
        ("POST", "/v1/delegations/{delegation_id}/renew", "/v1/delegations/none/renew", lambda: {}, (ADMIN_H,), ()),
        ("POST", "/v1/accounts/{username}/away", f"/v1/accounts/{victim}/away", lambda: {"away": False},
         (ADMIN_H, CENTRE_ADMIN), ()),
        # public
        ("GET", "/v1/calendar/{year}", "/v1/calendar/2027", None, EVERYONE, ()),
        ("GET", "/v1/departments", "/v1/departments", None, EVERYONE, ()),
        ("GET", "/v1/items/{code}/versions", f"/v1/items/{ITEM}/versions", None, EVERYONE, ()),
        ("GET", "/v1/results", "/v1/results", None, EVERYONE, ()),
        ("GET", "/v1/items", "/v1/items", None, EVERYONE, ()),
        ("GET", "/v1/items/{code}", f"/v1/items/{ITEM}", None, EVERYONE, ()),
        ("GET", "/v1/codes", "/v1/codes", None, EVERYONE, ()),
        ("GET", "/v1/codes/{table}", "/v1/codes/status", None, EVERYONE, ()),
        ("GET", "/v1/certificates/{certificate_no}", f"/v1/certificates/{world['certificate']}", None, EVERYONE,
         ()),
        ("POST", "/v1/complaints", "/v1/complaints", lambda: {"department": "health"}, EVERYONE, ()),
        ("GET", "/healthz", "/healthz", None, EVERYONE, ()),
        ("GET", "/openapi.json", "/openapi.json", None, EVERYONE, ()),
    ]


@pytest.fixture(scope="module")
def world(stack):
    api = Api(stack.gateway_url)
    admin = api.as_user("admin", ADMIN_PASSWORD)

    def api_client():
        name = f"mx_{uuid.uuid4().hex[:8]}"
        created = admin.post("/v1/accounts", json={"username": name, "display_name": "省平台", "role": "api_client"})
        assert created.status_code == 201, created.text
        return name, Api(api.base, created.json()["api_key"])

    owner_name = f"mx_{uuid.uuid4().hex[:8]}"
    registered = api.post("/v1/accounts/register", json={"username": owner_name, "password": DEMO_PASSWORD,
                                                         "display_name": "矩阵申请人", "phone": "13912345678"})
    assert registered.status_code == 201, registered.text
    api_own_name, api_own = api_client()
    _, api_other = api_client()
    victim = f"mx_{uuid.uuid4().hex[:8]}"
    assert admin.post("/v1/accounts", json={"username": victim, "password": DEMO_PASSWORD, "display_name": "被停用",
                                            "role": "clerk", "department": "health"}).status_code == 201
    principals = {
        ANON: api, OWNER: api.as_user(owner_name), OTHER_APPLICANT: api.as_user("zhangsan"),
        CLERK_H: api.as_user("clerk1"), REVIEWER_H: api.as_user("reviewer1"), CHIEF_H: api.as_user("chief1"),
        ADMIN_H: api.as_user("health_admin"), CLERK_M: api.as_user("market_clerk1"),
        CHIEF_M: api.as_user("market_chief1"), SUPERVISOR: api.as_user("supervisor1"), CENTRE_ADMIN: admin,
        API_OWN: api_own, API_OTHER: api_other,
    }
    materials = [{"code": c} for c in required_materials(api)]

    def submit(user, channel):
        answer = user.post("/v1/applications", json={
            "item_code": ITEM, "channel": channel, "materials": materials,
            "applicant": {"type": "person", "name": "矩阵", "id_number": id_number(seq="555"), "phone": "13912345678"}})
        assert answer.status_code == 201, answer.text
        return answer.json()["case_no"]

    case_a = submit(principals[OWNER], "online")
    case_b = submit(api_own, "province")
    eventually(lambda: principals[OWNER].get(f"/v1/cases/{case_a}").status_code == 200)
    return {"principals": principals, "case_a": case_a, "case_b": case_b, "victim": victim, "api_own": api_own_name,
            **decided_case(principals, owner_name, materials), **complaint_of(principals),
            **province_things(principals, api_own_name), **certificate(principals)}


def decided_case(principals: dict, owner_name: str, materials: list) -> dict:
    """A case filed at the window for the owner, approved, then rated badly: its documents, query code and
    the follow-up (回访整改) the bad rating opens."""
    clerk, chief, owner = principals[CLERK_H], principals[CHIEF_H], principals[OWNER]
    filed = clerk.post("/v1/applications", json={
        "item_code": ITEM, "channel": "window", "owner_account": owner_name, "materials": materials,
        "applicant": {"type": "person", "name": "矩阵", "id_number": id_number(seq="556"), "phone": "13912345678"}})
    assert filed.status_code == 201 and filed.json()["status"] == "accepted", filed.text
    case_no = filed.json()["case_no"]
    assert once_opened(lambda: clerk.transition(case_no, "start_review")).status_code == 200
    assert clerk.transition(case_no, "record_inspection", result="passed").status_code == 200
    assert chief.transition(case_no, "approve").status_code == 200
    assert eventually(lambda: owner.post(f"/v1/cases/{case_no}/rating",
                                         json={"level": 1, "comment": "矩阵：等候太久"}).status_code == 201)

    def opened_follow_up():
        listed = principals[SUPERVISOR].get("/v1/follow-ups?department=health&state=open&limit=200").json()
        return next((f["id"] for f in listed["follow_ups"] if f["case_no"] == case_no), None)

    return {"case_decided": case_no, "query_code": filed.json()["query_code"],
            "follow_up": eventually(opened_follow_up)}


def complaint_of(principals: dict) -> dict:
    made = principals[OWNER].post("/v1/complaints", json={
        "department": "health", "subject": "矩阵投诉", "text": "窗口无人", "contact": "13912345678"})
    assert made.status_code == 201, made.text
    return {"complaint": made.json()["id"]}


def province_things(principals: dict, api_own_name: str) -> dict:
    """Two webhooks of the own client's (one to delete) and two spare keys (one to rotate, one to revoke)."""
    client = principals[API_OWN]
    hooks = []
    for _ in range(2):
        made = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/matrix", "events": ["case_decided"]})
        assert made.status_code == 201, made.text
        hooks.append(made.json()["id"])
    keys = []
    for label in ("rotate", "revoke"):
        made = principals[CENTRE_ADMIN].post(f"/v1/accounts/{api_own_name}/api-keys",
                                             json={"scopes": ["cases:read"], "label": f"matrix {label}"})
        assert made.status_code == 201, made.text
        keys.append(made.json()["id"])
    return {"webhook": hooks[0], "webhook_to_delete": hooks[1], "key_to_rotate": keys[0], "key_to_revoke": keys[1]}


def certificate(principals: dict) -> dict:
    made = principals[ADMIN_H].post("/v1/certificates", json={
        "item_code": ITEM, "holder_name": "矩阵旅馆有限公司", "holder_type": "enterprise", "valid_from": "2024-01-01",
        "valid_until": "2029-12-31", "legacy_no": f"矩阵{uuid.uuid4().hex[:8]}"})
    assert made.status_code == 201, made.text
    return {"certificate": made.json()["certificate_no"]}


def test_every_route_has_a_row_or_a_reason(world):
    covered = {(method, template) for method, template, *_ in rows(world)} | NOT_IN_MATRIX
    routes = {(method, path) for path, resource in ROUTES for method in ("GET", "POST", "PUT", "DELETE", "PATCH")
              if hasattr(resource, f"on_{method.lower()}") and path.startswith(("/v1/", "/healthz", "/openapi",
                                                                                  "/readyz", "/metrics"))}
    assert not routes - covered, f"routes without an authorisation row: {sorted(routes - covered)}"


def test_the_matrix(world):
    failures = []
    for method, template, path, body, allowed, unasserted in rows(world):
        for principal in EVERYONE:
            if principal in unasserted:
                continue
            client = world["principals"][principal]
            answer = client.request(method, path, json=body() if body else None) if body else \
                client.request(method, path)
            status = answer.status_code
            if principal in allowed:
                ok = status < 500 and status not in (401, 403) and not (
                    status == 404 and any(thing in template for thing in REAL_THINGS))
            else:
                ok = status in (401, 403, 404)
            if not ok:
                expected = "should pass" if principal in allowed else "should be refused"
                failures.append(f"{principal:>18} {method} {path}: {status} ({expected}) {answer.text[:160]}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_401_with_a_challenge(world):
    answer = requests.get(world["principals"][ANON].base + "/v1/me", timeout=10)
    assert answer.status_code == 401 and answer.headers.get("WWW-Authenticate") == "Bearer"
