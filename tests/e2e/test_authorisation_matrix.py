"""One authorisation matrix over every endpoint (issue 8), walked over HTTP: role × scope
(own case, own department, all). Every principal calls every row; an allowed call is never
refused (no 401/403, no 404 hiding the case, no 5xx), every other call is refused (401, 403,
or 404 where existence is not revealed). Bodies are chosen so the authorisation answer, not
the business answer, is what differs. A route added without a row here fails the coverage test."""
import uuid

import pytest
import requests
from test_platform import ADMIN_PASSWORD, DEMO_PASSWORD, ITEM, Api, eventually, id_number, required_materials

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

# Routes whose rules API.md leaves to their issue, or that take credentials rather than check them;
# each is exercised by its own tests. Anything else must have a row below.
NOT_IN_MATRIX = {
    ("POST", "/v1/auth/token"), ("POST", "/v1/auth/refresh"), ("POST", "/v1/accounts/register"),
    ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/v1/complaints"), ("GET", "/v1/complaints/{complaint_id}"),
    ("POST", "/v1/complaints/{complaint_id}/transitions"), ("GET", "/v1/follow-ups"),
    ("GET", "/v1/follow-ups/{follow_up_id}"), ("POST", "/v1/follow-ups/{follow_up_id}/transitions"),
    ("POST", "/v1/accountability"), ("GET", "/v1/accountability/records"), ("POST", "/v1/metrics/rebuild"),
    ("GET", "/v1/rankings"), ("GET", "/v1/rankings/formula"), ("PUT", "/v1/rankings/formula"),
    ("POST", "/v1/accounts/{username}/enable"), ("POST", "/v1/accounts/{username}/api-keys/{key_id}/rotate"),
    ("POST", "/v1/accounts/{username}/api-keys/{key_id}/revoke"), ("DELETE", "/v1/webhooks/{webhook_id}"),
    ("POST", "/v1/webhooks/{webhook_id}/rotate-secret"), ("GET", "/v1/webhooks/{webhook_id}"),
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"),
    # public, but 404 without the case's query code (progress); kinds vary per case (documents);
    # a certificate must exist first (certificates' own tests walk who may register, revoke, cancel)
    ("GET", "/v1/progress/{case_no}"), ("GET", "/v1/cases/{case_no}/documents/{kind}"),
    ("POST", "/v1/certificates"), ("POST", "/v1/certificates/{certificate_no}/transitions"),
}


def rows(world: dict) -> list[tuple]:
    """(method, route template, concrete path, body factory, allowed principals, unasserted principals)."""
    a, b, victim = world["case_a"], world["case_b"], world["victim"]
    a_readers = (OWNER, *HEALTH_STAFF, *OVERSIGHT)
    b_readers = (API_OWN, *HEALTH_STAFF, *OVERSIGHT)
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
        ("POST", "/v1/webhooks", "/v1/webhooks", lambda: {"url": "ftp://x", "events": []}, (API_OWN, API_OTHER), ()),
        ("GET", "/v1/webhooks", "/v1/webhooks", None, (API_OWN, API_OTHER, CENTRE_ADMIN), ()),
        ("GET", "/v1/changes", "/v1/changes", None, (API_OWN, API_OTHER, *OVERSIGHT), ()),
        ("GET", "/v1/metrics", "/v1/metrics?department=health", None, (*HEALTH_STAFF, *OVERSIGHT), ()),
        ("GET", "/v1/accountability", "/v1/accountability?year=2026", None, OVERSIGHT, ()),
        ("GET", "/v1/reports/monthly", "/v1/reports/monthly?period=2026-10&format=xlsx", None, OVERSIGHT, ()),
        ("GET", "/v1/cases/{case_no}/documents", f"/v1/cases/{a}/documents", None, a_readers, ()),
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
        ("GET", "/v1/certificates/{certificate_no}", "/v1/certificates/NONE-1", None, EVERYONE, ()),
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
    return {"principals": principals, "case_a": case_a, "case_b": case_b, "victim": victim, "api_own": api_own_name}


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
                ok = status < 500 and status not in (401, 403) and not (status == 404 and "{case_no}" in template)
            else:
                ok = status in (401, 403, 404)
            if not ok:
                expected = "should pass" if principal in allowed else "should be refused"
                failures.append(f"{principal:>18} {method} {path}: {status} ({expected}) {answer.text[:160]}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_401_with_a_challenge(world):
    answer = requests.get(world["principals"][ANON].base + "/v1/me", timeout=10)
    assert answer.status_code == 401 and answer.headers.get("WWW-Authenticate") == "Bearer"
