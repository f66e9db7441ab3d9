"""Dead letters through the gateway, on a real broker and database: a poison event lands in the
dead-letter queue with its reason, ops list it (centre_admin only) and, once the cause is fixed, replay it."""
import functools

import falcon.testing
from nameko.standalone.events import event_dispatcher
from polling import eventually

from gateway.accounts import ensure_admin
from gateway.app import create_app
from gateway.dead_letters import DeadLetterOffice
from gateway.rpc import RpcClient
from gateway.settings import GatewaySettings
from gateway.store import AccountStore
from services.common import contracts
from services.common.config import database_name
from services.common.handlers import handle
from services.common.mongo import get_client

SETTINGS = GatewaySettings(admin_password="admin-dl-pw", rate_limit_per_minute=0)
HANDLED, BROKEN = [], {"on": True}


class Evaluation:
    name = contracts.Evaluation.SERVICE

    @handle(contracts.CASE_CLOSED)
    def on_case_closed(self, payload):
        if BROKEN["on"]:
            raise RuntimeError("facts store rejects this case")
        HANDLED.append(payload["case_no"])


def closed(case_no):
    fields = {name: "x" for name in contracts.EVENT_FIELDS[contracts.CASE_CLOSED]}
    return contracts.event(contracts.CASE_CLOSED, **{**fields, "case_no": case_no})


wait_for = functools.partial(eventually, timeout=20.0)


def test_poison_event_listed_with_its_reason_and_replayed(container_factory, service_config, db_prefix):
    HANDLED.clear()
    BROKEN["on"] = True
    config = {**service_config, "EVENT_RETRY_BASE_SECONDS": 0.05, "EVENT_MAX_ATTEMPTS": 2}
    container_factory(Evaluation, config).start()
    db = get_client(config["MONGO_URI"])[database_name("gateway", db_prefix)]
    store = AccountStore(db)
    rpc = RpcClient(config["AMQP_URI"])
    app = create_app(rpc, store, SETTINGS, DeadLetterOffice(config["AMQP_URI"], db))
    client = falcon.testing.TestClient(app)
    ensure_admin(store, SETTINGS)
    token = client.simulate_post("/v1/auth/token", json={"username": "admin", "password": "admin-dl-pw"})
    admin = {"Authorization": f"Bearer {token.json['access_token']}"}
    try:
        event_dispatcher(config)(contracts.Approval.SERVICE, contracts.CASE_CLOSED, closed("POISON-1"))

        def listed():
            answer = client.simulate_get("/v1/ops/dead-letters", headers=admin)
            assert answer.status_code == 200, answer.text
            return answer.json["dead_letters"]

        (letter,) = wait_for(listed)
        assert letter["event"]["case_no"] == "POISON-1" and letter["status"] == "pending"
        assert "facts store rejects this case" in letter["error"] and letter["attempts"] == 2
        assert letter["queue"].startswith("evt-approval-case_closed--evaluation")
        assert client.simulate_get("/v1/ops/dead-letters").status_code == 401
        assert client.simulate_get("/v1/ops/dead-letters", params={"status": "lost"}, headers=admin).status_code == 422

        BROKEN["on"] = False  # ops fixed the cause
        replay = client.simulate_post(f"/v1/ops/dead-letters/{letter['id']}/replay", headers=admin)
        assert replay.status_code == 200 and replay.json["status"] == "replayed"
        assert replay.json["replayed_by"] == "admin"
        wait_for(lambda: HANDLED == ["POISON-1"])
        again = client.simulate_post(f"/v1/ops/dead-letters/{letter['id']}/replay", headers=admin)
        assert again.status_code == 409
        assert client.simulate_post("/v1/ops/dead-letters/nope/replay", headers=admin).status_code == 404
        assert [d["status"] for d in listed()] == ["replayed"]
    finally:
        rpc.close()
