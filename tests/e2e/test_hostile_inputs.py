"""The corpus of hostile inputs a bad-input run found (issue 8), kept in the suite:
each probe must get a clear 4xx (never a 500), change nothing, and not be logged as an error."""
import json
import socket
import time
import uuid

import pytest
import requests
from nameko.standalone.rpc import ServiceRpcProxy
from polling import eventually
from pymongo import MongoClient
from test_platform import ADMIN_PASSWORD, DEMO_PASSWORD, ITEM, Api, id_number

from services.common import actor_claims
from services.common.config import DEFAULTS, database_name
from services.common.contracts import Intake, Notification, service_actor
from services.common.errors import Forbidden

pytestmark = pytest.mark.e2e

DEEP = b'{"a":' * 1000 + b"1" + b"}" * 1000
LONE_SURROGATE = "\\ud800"  # as it appears in JSON text


@pytest.fixture(scope="module")
def api(stack):
    return Api(stack.gateway_url)


@pytest.fixture(scope="module")
def applicant(api):
    username = f"hostile_{uuid.uuid4().hex[:8]}"
    answer = api.post("/v1/accounts/register", json={"username": username, "password": DEMO_PASSWORD,
                                                      "display_name": "测试", "phone": "13912345678"})
    assert answer.status_code == 201, answer.text
    return api.as_user(username)


def raw_post(api: Api, path: str, body: bytes, token: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(api.base + path, data=body, headers=headers, timeout=30)


def application(**applicant) -> dict:
    return {"item_code": ITEM, "channel": "online", "materials": [{"code": "APPLICATION_FORM"}],
            "applicant": {"type": "person", "name": "王五", "id_number": id_number(), "phone": "13800138000",
                          **applicant}}


@pytest.mark.parametrize("path", ["/v1/applications", "/v1/auth/token", "/v1/complaints"])
def test_json_nested_a_thousand_deep_is_400(api, applicant, path):
    answer = raw_post(api, path, DEEP, applicant.token)
    assert answer.status_code == 400, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("path, body, field", [
    ("/v1/applications", '{"item_code":"ITEM","channel":"online","materials":[],"applicant":{"type":"person",'
                         '"name":"王SURR","id_number":"x","phone":"1"}}', "applicant.name"),
    ("/v1/complaints", '{"department":"health","subject":"s","text":"差SURR","contact":"c"}', "text"),
    ("/v1/accounts/register", '{"username":"uSURR","password":"Passw0rd!x","display_name":"名SURR","phone":'
                              '"13800138000"}', "display_name"),
    ("/v1/auth/token", '{"username":"aSURR","password":"x"}', "username"),
])
def test_a_lone_surrogate_is_422_naming_the_field(api, applicant, path, body, field):
    body = body.replace("SURR", LONE_SURROGATE).replace("ITEM", ITEM)
    answer = raw_post(api, path, body.encode(), applicant.token)
    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_an_eight_megabyte_body_is_refused_at_once_with_a_small_answer(api, applicant):
    materials = ",".join('{"code":"APPLICATION_FORM"}' for _ in range(300_000))
    body = ('{"item_code":"' + ITEM + '","materials":[' + materials + "]}").encode()
    assert len(body) > 8_000_000
    started = time.monotonic()
    answer = raw_post(api, "/v1/applications", body, applicant.token)
    assert answer.status_code == 413
    assert len(answer.content) < 2000 and time.monotonic() - started < 3


@pytest.mark.parametrize("phone", ["13800138000\n", "١٣٨٠٠١٣٨٠٠٠", "１３８００１３８０００"])
def test_phones_with_a_trailing_newline_or_non_ascii_digits_are_refused(api, phone):
    answer = api.post("/v1/accounts/register", json={"username": f"p_{uuid.uuid4().hex[:6]}",
                                                     "password": "Passw0rd!x", "display_name": "某", "phone": phone})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "phone"


@pytest.mark.parametrize("override, field", [
    ({"id_number": "１１０１０５１９４９１２３１００２X"}, "applicant.id_number"),
    ({"id_number": "11010519491231002X\n"}, "applicant.id_number"),
    ({"phone": "13800138000\n"}, "applicant.phone"),
    ({"name": "\u200b\u200b\u200b"}, "applicant.name"),
    ({"name": "王\u0000五"}, "applicant.name"),
    ({"name": "王\u202e五"}, "applicant.name"),
])
def test_applicant_identity_holes(applicant, override, field):
    answer = applicant.post("/v1/applications", json=application(**override))
    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_a_clerk_of_market_cannot_file_a_health_application(api):
    clerk = api.as_user("market_clerk1")
    answer = clerk.post("/v1/applications", json={**application(), "channel": "window"})
    assert answer.status_code == 403, answer.text


def test_an_applicant_posting_the_window_channel_is_refused_and_nothing_is_filed(api, applicant):
    """The window channel is the window staff's: an applicant's would be accepted at once, skipping pre-review."""
    mine = applicant.get("/v1/cases", params={"limit": 200}).json()["cases"]
    complete = [{"code": m["code"]} for m in api.get(f"/v1/items/{ITEM}").json()["materials"] if m["required"]]
    answer = applicant.post("/v1/applications", headers={"Idempotency-Key": uuid.uuid4().hex},
                            json={**application(), "channel": "window", "materials": complete})
    assert answer.status_code == 403, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == ["channel"]
    assert applicant.get("/v1/cases", params={"limit": 200}).json()["cases"] == mine


def test_gunicorns_own_414_is_problem_json(api):
    host, port = api.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /v1/items?" + b"q" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414") and b"application/problem+json" in head
    assert json.loads(body)["status"] == 414


def test_repeated_failed_logins_lock_the_account(api):
    admin = api.as_user("admin", ADMIN_PASSWORD)
    username = f"lock_{uuid.uuid4().hex[:6]}"
    created = admin.post("/v1/accounts", json={"username": username, "password": DEMO_PASSWORD,
                                               "display_name": "锁定", "role": "clerk", "department": "health"})
    assert created.status_code == 201
    for _ in range(5):
        wrong = requests.post(f"{api.base}/v1/auth/token", json={"username": username, "password": "wrong-pw"},
                              timeout=10)
        assert wrong.status_code == 401
    locked = requests.post(f"{api.base}/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD},
                           timeout=10)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def test_expected_errors_are_not_logged_as_errors(stack, applicant):
    marker = uuid.uuid4().hex
    answer = applicant.post("/v1/applications", headers={"X-Request-Id": marker},
                            json=application(id_number="11010519491231002Y"))
    assert answer.status_code == 422
    time.sleep(0.5)
    lines = [line for path in (stack.var / "logs").glob("*.log") for line in path.read_text().splitlines()
             if marker in line]
    assert lines, "the request id appears in the logs"
    assert not [line for line in lines if '"ERROR"' in line or "Traceback" in line]


def test_an_actor_published_on_the_broker_without_the_gateways_signature_is_refused(api, stack):
    """Anyone able to publish on the broker is not the gateway: the running intake service refuses a claimed
    actor that is unsigned, signed with another key, signed for another actor, or signed too long ago; the same
    call signed by the gateway's key is served (so the refusals are about the signature, nothing else)."""
    clerk = api.as_user("clerk1")
    complete = [{"code": m["code"]} for m in api.get(f"/v1/items/{ITEM}").json()["materials"] if m["required"]]
    filed = clerk.post("/v1/applications", json={**application(), "channel": "window", "materials": complete})
    assert filed.status_code == 201, filed.text
    case_no = filed.json()["case_no"]
    forged = {"username": "mallory", "role": "centre_admin", "department": None, "display_name": "冒充"}
    supervisor = {"username": "supervisor1", "role": "supervisor", "department": None, "display_name": "督查"}
    key = stack.env.get("ACTOR_SIGNING_KEY") or DEFAULTS["ACTOR_SIGNING_KEY"]
    route, args = f"{Intake.SERVICE}.{Intake.GET_APPLICATION}", [case_no]
    config = {"AMQP_URI": stack.env["AMQP_URI"], "serializer": "json"}

    def call(actor, signed_with=None, signed_for=None, signed_at=None):
        context = {}
        if signed_with:
            signature, at = actor_claims.sign(signed_with, route, args, {"actor": signed_for or actor}, signed_at)
            context = {actor_claims.SIGNATURE_HEADER: signature, actor_claims.SIGNED_AT_HEADER: at}
        with ServiceRpcProxy(Intake.SERVICE, config, context_data=context) as intake:
            return getattr(intake, Intake.GET_APPLICATION)(case_no, actor=actor)

    for attempt in (lambda: call(forged), lambda: call(forged, "not-the-gateways-key"),
                    lambda: call(forged, key, signed_for=supervisor),
                    lambda: call(forged, key, signed_at=int(time.time()) - 3600)):
        with pytest.raises(Forbidden):
            attempt()
    assert call(supervisor, key)["case_no"] == case_no


def test_the_full_phone_is_not_given_to_anyone_on_the_broker(api, stack):
    """intake.get_contact answers notification alone, which names itself in a call signed with the services'
    key (contracts.service_actor): without an actor, or naming notification unsigned, the call is refused."""
    clerk = api.as_user("clerk1")
    complete = [{"code": m["code"]} for m in api.get(f"/v1/items/{ITEM}").json()["materials"] if m["required"]]
    filed = clerk.post("/v1/applications", json={**application(), "channel": "window", "materials": complete})
    assert filed.status_code == 201, filed.text
    case_no = filed.json()["case_no"]
    with ServiceRpcProxy(Intake.SERVICE, {"AMQP_URI": stack.env["AMQP_URI"], "serializer": "json"}) as intake:
        get_contact = getattr(intake, Intake.GET_CONTACT)
        for actor in (None, service_actor(Notification.SERVICE)):
            with pytest.raises(Forbidden):
                get_contact(case_no, actor=actor)
    # while notification's own signed call gets the phone: the acceptance SMS goes out
    messages = MongoClient(stack.database_uri("notification"))[database_name("notification", "e2e")].messages
    assert eventually(lambda: messages.find_one({"case_no": case_no, "channel": "sms",
                                                 "delivery.status": "sent"}), timeout=20)
