"""The provincial network end to end (issue 8): signed webhooks received by a
real local HTTP receiver, retries then a dead letter, the change feed read
across a gateway restart, exchange code tables, and an account disabled
mid-session."""
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from test_platform import ADMIN_PASSWORD, DEMO_PASSWORD, ITEM, Api, eventually, id_number, required_materials

pytestmark = pytest.mark.e2e

FLOW = ("start_review", "record_inspection", "approve", "issue_certificate", "deliver")
EVENTS = ["application_received", "application_accepted", "case_status_changed", "case_decided",
          "certificate_issued", "case_closed"]


class Receiver:
    """A webhook receiver on 127.0.0.1 (port 0): records every request, answers `status`."""

    def __init__(self, status: int = 204):
        self.status, self.requests = status, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/zwfw"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(status=204):
        made.append(Receiver(status))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture(scope="module")
def api(stack):
    return Api(stack.gateway_url)


@pytest.fixture(scope="module")
def admin(api):
    return api.as_user("admin", ADMIN_PASSWORD)


def new_client(api, admin) -> tuple[str, Api]:
    username = f"prov_{uuid.uuid4().hex[:8]}"
    created = admin.post("/v1/accounts", json={"username": username, "display_name": "省政务服务平台",
                                               "role": "api_client"})
    assert created.status_code == 201, created.text
    return username, Api(api.base, created.json()["api_key"])


def verified(secret: str, headers: dict, body: bytes) -> dict:
    """What a receiver does: recompute the signature over timestamp.body, refuse stale timestamps."""
    timestamp = headers["X-Webhook-Timestamp"]
    assert abs(time.time() - int(timestamp)) < 300
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, headers["X-Webhook-Signature"]), "forged or corrupted delivery"
    return json.loads(body)


def submit_province_case(api, client: Api) -> str:
    submitted = client.post("/v1/applications", headers={"Idempotency-Key": uuid.uuid4().hex}, json={
        "item_code": ITEM, "channel": "province",
        "applicant": {"type": "person", "name": "赵省网", "id_number": id_number(seq="271"), "phone": "13712345678"},
        "materials": [{"code": code} for code in required_materials(api)]})
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["status"] == "pre_review"
    return submitted.json()["case_no"]


def run_to_delivery(api, case_no: str) -> None:
    clerk, chief = api.as_user("clerk1", DEMO_PASSWORD), api.as_user("chief1", DEMO_PASSWORD)
    accepted = clerk.transition(case_no, "accept")
    assert accepted.status_code == 200, accepted.text
    for action in FLOW:
        actor = chief if action in ("approve", "issue_certificate") else clerk

        def step(action=action, actor=actor):
            answer = actor.transition(case_no, action, result="passed")
            return answer if answer.status_code != 404 else None  # approval opens the case from the event

        answer = eventually(step)
        assert answer.status_code == 200, (action, answer.text)


def test_signed_webhooks_in_order_through_pre_review_to_decision(api, admin, receiver):
    hook_receiver = receiver()
    _, client = new_client(api, admin)
    registered = client.post("/v1/webhooks", json={"url": hook_receiver.url, "events": EVENTS})
    assert registered.status_code == 201, registered.text
    webhook_id, secret = registered.json()["id"], registered.json()["secret"]

    case_no = submit_province_case(api, client)
    run_to_delivery(api, case_no)

    history = client.get(f"/v1/cases/{case_no}").json()["history"]
    expected = [entry["status"] for entry in history]

    def statuses():
        bodies = [verified(secret, headers, body) for headers, body in hook_receiver.requests]
        changed = [b["status"] for b in bodies if b["event"] in ("application_received", "application_accepted",
                                                                   "case_status_changed")]
        return len(changed) >= len(expected) and (bodies, changed)

    bodies, changed = eventually(statuses, timeout=30)
    assert all(b["case_no"] == case_no for b in bodies)
    # the order a receiver sees is the case's own order: every status change once
    assert changed == expected, (changed, expected)
    assert changed[:2] == ["pre_review", "accepted"] and changed[-1] == "closed"
    kinds = [b["event"] for b in bodies]
    assert kinds.index("case_decided") > kinds.index("application_accepted")
    assert "certificate_issued" in kinds
    ids = [headers["X-Webhook-Id"] for headers, _ in hook_receiver.requests]
    assert len(ids) == len(set(ids))
    assert all("id_number" not in json.dumps(b) and "13712345678" not in json.dumps(b, ensure_ascii=False)
               for b in bodies)
    # a forged delivery fails the receiver's check
    headers, body = hook_receiver.requests[0]
    with pytest.raises(AssertionError):
        verified(secret, headers, body.replace(b"pre_review", b"approved"))

    deliveries = client.get(f"/v1/webhooks/{webhook_id}/deliveries").json()["deliveries"]
    assert deliveries and all(d["status"] == "delivered" and d["attempt_count"] == 1 for d in deliveries)
    # another client sees nothing of it
    _, other = new_client(api, admin)
    assert other.get(f"/v1/webhooks/{webhook_id}/deliveries").status_code == 404

    # rotation: the next delivery is signed with the new secret, the old one still rides alongside
    rotated = client.post(f"/v1/webhooks/{webhook_id}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    seen = len(hook_receiver.requests)
    run_case = submit_province_case(api, client)
    headers, body = eventually(lambda: len(hook_receiver.requests) > seen and hook_receiver.requests[seen])
    assert verified(new_secret, headers, body)["case_no"] == run_case
    old = "sha256=" + hmac.new(secret.encode(), headers["X-Webhook-Timestamp"].encode() + b"." + body,
                               hashlib.sha256).hexdigest()
    assert headers["X-Webhook-Signature-Previous"] == old


def test_a_failing_receiver_sees_retries_then_a_dead_letter(api, admin, receiver):
    failing = receiver(status=500)
    _, client = new_client(api, admin)
    registered = client.post("/v1/webhooks", json={"url": failing.url, "events": ["application_received"]})
    assert registered.status_code == 201, registered.text
    webhook_id = registered.json()["id"]
    submit_province_case(api, client)

    def dead():
        found = client.get(f"/v1/webhooks/{webhook_id}/deliveries").json()["deliveries"]
        return found and found[0]["status"] == "dead_lettered" and found[0]

    delivery = eventually(dead, timeout=30)
    assert delivery["attempt_count"] == 3  # WEBHOOK_MAX_ATTEMPTS in the test stack
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500]
    assert len(failing.requests) == 3
    assert len({h["X-Webhook-Id"] for h, _ in failing.requests}) == 1  # the same delivery, retried
    gaps = [b["at"] for b in delivery["attempts"]]
    assert gaps == sorted(gaps)


def read_feed(client: Api, cursor: str = "", limit: int = 3) -> tuple[list, str]:
    changes = []
    while True:
        page = client.get("/v1/changes", params={"cursor": cursor, "limit": limit})
        assert page.status_code == 200, page.text
        body = page.json()
        if not body["changes"]:
            assert body["next_cursor"] == cursor or cursor == ""
            return changes, body["next_cursor"]
        changes += body["changes"]
        cursor = body["next_cursor"]


def test_change_feed_across_a_gateway_restart(stack, api, admin):
    _, client = new_client(api, admin)
    first_case = submit_province_case(api, client)
    run_to_delivery(api, first_case)
    eventually(lambda: any(c["status"] == "closed" for c in read_feed(client)[0]), timeout=30)
    before, cursor = read_feed(client)

    stack.gateway.terminate()
    stack.gateway.stop()
    stack.start_gateway()

    second_case = submit_province_case(api, client)
    eventually(lambda: read_feed(client, cursor)[0], timeout=30)
    after, _ = read_feed(client, cursor)
    whole, _ = read_feed(client)
    assert before + after == whole
    seqs = [c["seq"] for c in whole]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    first = [c["status"] for c in whole if c["case_no"] == first_case]
    assert first == [entry["status"] for entry in client.get(f"/v1/cases/{first_case}").json()["history"]]
    assert [c["status"] for c in after if c["case_no"] == second_case] == ["pre_review"]
    # oversight sees every change, numbered without gaps
    everything, _ = read_feed(admin, limit=200)
    numbers = [c["seq"] for c in everything]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    # an empty page returns the same cursor; a bad cursor names the field
    end = whole[-1]["seq"]
    assert client.get("/v1/changes", params={"cursor": str(end)}).json() == {"changes": [], "next_cursor": str(end)}
    bad = client.get("/v1/changes", params={"cursor": "abc"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


def test_code_tables_and_the_exchange_format(api, admin):
    satisfaction = requests.get(f"{api.base}/v1/codes/satisfaction", timeout=10)
    assert satisfaction.status_code == 200
    codes = {row["ours"]: row["code"] for row in satisfaction.json()["codes"]}
    assert codes[5] == "1" and codes[1] == "5"  # the national scale runs the other way
    for table in ("case_kind", "channel", "status"):
        assert requests.get(f"{api.base}/v1/codes/{table}", timeout=10).status_code == 200
    assert requests.get(f"{api.base}/v1/codes/nope", timeout=10).status_code == 404
    _, client = new_client(api, admin)
    case_no = submit_province_case(api, client)
    record = client.get(f"/v1/cases/{case_no}/exchange").json()["record"]
    assert record["PROJID"] == case_no and record["APPLYFROM"] == "3" and record["HANDLESTATE"] == "01"


def test_a_disabled_account_is_refused_on_its_next_call(api, admin):
    username = f"clerk_{uuid.uuid4().hex[:6]}"
    created = admin.post("/v1/accounts", json={"username": username, "password": DEMO_PASSWORD,
                                               "display_name": "临时人员", "role": "clerk", "department": "health"})
    assert created.status_code == 201, created.text
    person = api.as_user(username)
    assert person.get("/v1/me").status_code == 200
    client_name, client = new_client(api, admin)
    assert client.get("/v1/changes").status_code == 200

    assert admin.post(f"/v1/accounts/{username}/disable").status_code == 200
    assert admin.post(f"/v1/accounts/{client_name}/disable").status_code == 200
    assert person.get("/v1/me").status_code == 401
    assert client.get("/v1/changes").status_code == 401
    relogin = requests.post(f"{api.base}/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD},
                            timeout=10)
    assert relogin.status_code == 401


def test_id_numbers_and_phones_are_encrypted_at_rest_and_full_reads_are_logged(stack, api, admin):
    from pymongo import MongoClient

    from services.intake.store import APPLICATIONS

    _, client = new_client(api, admin)
    case_no = submit_province_case(api, client)
    stored = MongoClient(stack.database_uri("intake"))["e2e_intake"][APPLICATIONS].find_one({"case_no": case_no}) \
        or MongoClient(stack.database_uri("intake"))["e2e_intake"][APPLICATIONS].find_one({"_id": case_no})
    text = json.dumps(stored, default=str, ensure_ascii=False)
    assert id_number(seq="271") not in text and "13712345678" not in text
    assert stored["applicant"]["id_number_encrypted"].startswith("v1:")

    clerk = api.as_user("clerk1", DEMO_PASSWORD)
    revealed = clerk.post(f"/v1/cases/{case_no}/applicant/reveal", json={"reason": "电话核实申请人身份"})
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["id_number"] == id_number(seq="271") and revealed.json()["phone"] == "13712345678"
    assert api.as_user("market_clerk1").post(f"/v1/cases/{case_no}/applicant/reveal",
                                             json={"reason": "好奇"}).status_code == 403
    no_reason = clerk.post(f"/v1/cases/{case_no}/applicant/reveal", json={})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"

    def logged():
        lines = [json.loads(line) for path in (stack.var / "logs").glob("intake*.log")
                 for line in path.read_text().splitlines() if "personal data read in full" in line]
        return [line for line in lines if line.get("case_no") == case_no and line.get("read_by") == "clerk1"]

    reads = eventually(logged)
    assert {r["pii_field"] for r in reads} == {"id_number", "phone"} and reads[0]["reason"] == "电话核实申请人身份"
