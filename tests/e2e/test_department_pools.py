"""Department pools (docs/scaling.md): with the health department's dedicated intake and approval
workers stopped, market cases still flow end to end through the default workers; health work waits
in the health queues (the default workers never take it) and completes when the workers return.

A stack of its own (own RabbitMQ vhost, own databases, own gateway) with DEPARTMENT_POOLS=health on
every process and two workers started with DEDICATED_DEPARTMENT=health.
"""
import os
import threading
import uuid

import amqp.exceptions
import pytest
from kombu import Connection
from test_platform import DEMO_PASSWORD, Api, eventually, inbox_events, once_opened, person

from deploy.localstack import Stack, free_port
from services.common import contracts, routing
from services.common.pools import event_queue

pytestmark = pytest.mark.e2e

AMQP_PORT = int(os.environ.get("TEST_AMQP_PORT", 5692))  # the session broker of tests/conftest.py

ADMIN_PASSWORD = "admin-pools-pw"
RPC_TIMEOUT = 3
HEALTH_ITEM, MARKET_ITEM = "HEALTH-PUBLIC-PLACE-NEW", "MARKET-FOOD-BUSINESS-NEW"
POOLED = ("intake", "approval")


class PooledStack(Stack):
    """The local stack, which starts an intake and an approval worker for each of DEPARTMENT_POOLS."""

    def start_pool(self, *services: str) -> None:
        for service in services:
            worker = self.pool_worker(service, "health")
            self.services[worker.name] = worker
            worker.start()
        self.wait_for_pool(*services)

    def wait_for_pool(self, *services: str) -> None:
        for service in services:
            eventually(lambda s=service: self.consumers(routing.rpc_queue_name(s, "health")) >= 1, timeout=60)

    def stop_pool(self, *services: str) -> None:
        for service in services:
            self.services[f"{service}-health"].stop()

    def queue_state(self, name: str) -> tuple[int, int]:
        """(messages waiting, consumers) of a queue, straight from the broker."""
        with Connection(self.env["AMQP_URI"]) as connection:
            _, messages, consumers = connection.default_channel.queue_declare(queue=name, passive=True)
        return messages, consumers

    def consumers(self, name: str) -> int:
        try:
            return self.queue_state(name)[1]
        except amqp.exceptions.NotFound:  # not declared yet: the worker is still starting
            return 0

    def log(self, name: str) -> str:
        path = self.var / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def handled(self, worker: str, request_id: str, call: str) -> bool:
        """Whether `worker` logged handling `call` ("intake.submit_application", or "approval." for any) for
        the request (services/common/context.py logs one line per call, with the request id)."""
        return any(request_id in line and f"handling {call}" in line for line in self.log(worker).splitlines())


@pytest.fixture(scope="module")
def pooled(broker, mongo_uri, test_var, vhost_pipeline):
    with vhost_pipeline.get() as vhost:
        stack = PooledStack(
            var=test_var / "pools", amqp_port=AMQP_PORT, management_port=broker.management_port,
            mongo_port=0, gateway_port=free_port(), node_name=broker.name,
            mongo_uri=mongo_uri, db_prefix=f"pools{uuid.uuid4().hex[:6]}",
            extra_env={"AMQP_URI": f"amqp://guest:guest@127.0.0.1:{AMQP_PORT}/{vhost}",
                       "GATEWAY_ADMIN_PASSWORD": ADMIN_PASSWORD, "DEPARTMENT_POOLS": "health",
                       "RPC_TIMEOUT": str(RPC_TIMEOUT), "GATEWAY_WORKERS": "1"},
        )
        stack.rabbit = broker
        try:
            stack.start_services()
            assert {f"{service}-health" for service in POOLED} <= set(stack.services)
            stack.wait_for_pool(*POOLED)
            stack.start_gateway()
            stack.seed()
            yield stack
        finally:
            stack.stop_services()


@pytest.fixture(scope="module")
def api(pooled):
    return Api(pooled.gateway_url)


def materials(api: Api, item_code: str) -> list[dict]:
    item = api.get(f"/v1/items/{item_code}")
    assert item.status_code == 200, item.text
    return [{"code": m["code"]} for m in item.json()["materials"] if m["required"]]


def submit(clerk: Api, item_code: str, key: str, request_id: str, owner: str):
    """A complete application filed at the window by the item's department's clerk for the applicant, who owns
    the case (an applicant may not take the window channel itself: it would skip pre-review)."""
    return clerk.post("/v1/applications", headers={"Idempotency-Key": key, "X-Request-Id": request_id}, json={
        "item_code": item_code, "channel": "window", "owner_account": owner, "applicant": person(),
        "materials": materials(clerk, item_code)})


def run_to_the_end(api: Api, case_no: str, clerk: str, chief: str, request_id: str) -> dict:
    """Review, inspection, approval, certificate, delivery: every step answered 200."""
    clerk_api, chief_api = api.as_user(clerk), api.as_user(chief)
    started = once_opened(lambda: clerk_api.transition(case_no, "start_review"))
    assert started.status_code == 200, started.text
    for user, action, params in ((clerk_api, "record_inspection", {"result": "passed"}),
                                 (chief_api, "approve", {}), (chief_api, "issue_certificate", {}),
                                 (clerk_api, "deliver", {})):
        response = user.post(f"/v1/cases/{case_no}/transitions", json={"action": action, **params},
                             headers={"X-Request-Id": request_id})
        assert response.status_code == 200, (action, response.text)
    view = clerk_api.get(f"/v1/cases/{case_no}").json()
    assert view["status"] == "closed" and view["certificate_no"], view
    return view


def test_a_stopped_department_pool_holds_its_work_while_the_others_flow(pooled, api):
    username = f"pool_{uuid.uuid4().hex[:8]}"
    registered = api.post("/v1/accounts/register", json={
        "username": username, "password": DEMO_PASSWORD, "display_name": "王小明", "phone": "13912345678"})
    assert registered.status_code == 201, registered.text
    applicant = api.as_user(username)
    health_clerk, market_clerk = api.as_user("clerk1"), api.as_user("market_clerk1")
    health_rpc = routing.rpc_queue_name("intake", "health")
    health_event = event_queue("approval", contracts.APPLICATION_ACCEPTED, "health").name

    # --- the health pool stops ----------------------------------------------------------
    pooled.stop_pool(*POOLED)
    assert pooled.consumers(health_rpc) == 0 and pooled.consumers("rpc-intake") >= 1

    # Market cases flow end to end through the default workers.
    market_id = f"market-{uuid.uuid4().hex[:10]}"
    market = submit(market_clerk, MARKET_ITEM, uuid.uuid4().hex, market_id, username)
    assert market.status_code == 201 and market.json()["status"] == "accepted", market.text
    run_to_the_end(api, market.json()["case_no"], "market_clerk1", "market_chief1", market_id)

    # A health submission waits in the health queue: the default workers do not take it, and the
    # gateway answers 503 when its call times out.
    health_id, key = f"health-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    answer = {}
    def file_health():
        return submit(health_clerk, HEALTH_ITEM, key, health_id, username)

    waiting = threading.Thread(target=lambda: answer.update(first=file_health()))
    waiting.start()
    eventually(lambda: pooled.queue_state(health_rpc)[0] >= 1, timeout=RPC_TIMEOUT + 2)
    waiting.join(timeout=RPC_TIMEOUT + 30)
    assert answer["first"].status_code == 503, answer["first"].text
    assert not pooled.handled("intake-0", health_id, "intake.submit_application")

    # Health's timeout opened no circuit for the other departments: market goes on at once.
    after = submit(market_clerk, MARKET_ITEM, uuid.uuid4().hex, f"market-{uuid.uuid4().hex[:10]}", username)
    assert after.status_code == 201 and after.json()["status"] == "accepted", after.text

    # --- the health intake worker returns ------------------------------------------------
    pooled.start_pool("intake")
    retried = eventually(lambda: (r := file_health()).status_code == 201 and r)
    assert retried.json()["status"] == "accepted", retried.text
    case_no = retried.json()["case_no"]
    assert routing.department_of_case(case_no) == "health"
    again = file_health()
    assert again.status_code == 201 and again.json()["case_no"] == case_no, again.text  # one case, not two
    assert pooled.handled("intake-health", health_id, "intake.submit_application")
    assert not pooled.handled("intake-0", health_id, "intake.submit_application")

    # Its acceptance waits for the health approval worker; notification hears it all the same.
    eventually(lambda: pooled.queue_state(health_event) == (1, 0))
    eventually(lambda: "application_accepted" in inbox_events(applicant, case_no))

    # --- the health approval worker returns: the waiting event is handled, the case completes -----
    pooled.start_pool("approval")
    eventually(lambda: pooled.queue_state(health_event) == (0, 1))
    steps_id = f"health-steps-{uuid.uuid4().hex[:10]}"
    view = run_to_the_end(api, case_no, "clerk1", "chief1", steps_id)
    assert view["department"] == "health"
    assert pooled.handled("approval-health", steps_id, "approval.transition")
    assert not pooled.handled("approval-0", steps_id, "approval.")
    assert market_id not in pooled.log("approval-health") + pooled.log("intake-health")
    assert pooled.queue_state(health_rpc) == (0, 1)
