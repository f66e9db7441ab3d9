"""Department pools on a real broker and database (docs/scaling.md): a worker dedicated to health
consumes only the health queues, the default worker only the default ones, and each department's
work waits in its own queue until a worker of its pool is there."""
import uuid

import pytest
from kombu import Connection, Queue
from nameko.amqp.publish import Publisher
from nameko.rpc import get_rpc_exchange
from nameko.standalone.events import get_event_exchange
from nameko.standalone.rpc import ClusterRpcProxy
from polling import eventually
from test_approval_service import accepted_event

from services.approval.service import ApprovalService
from services.common import contracts, routing
from services.common.errors import NotFound
from services.common.pools import event_queue, rpc_pool_queue
from services.common.topology import declare_topology
from services.notification.service import NotificationService

POOLS = ("health",)
ACCEPTED = contracts.APPLICATION_ACCEPTED


@pytest.fixture
def pooled_config(service_config):
    declare_topology(service_config["AMQP_URI"], POOLS)
    return {**service_config, "DEPARTMENT_POOLS": ",".join(POOLS)}


def waiting(config, queue) -> tuple[int, int]:
    """(messages ready, consumers) of a queue, from the broker."""
    with Connection(config["AMQP_URI"]) as connection:
        _, messages, consumers = queue.bind(connection.default_channel).queue_declare(passive=True)
    return messages, consumers


def publish_accepted(config, payload):
    """As intake's outbox does with DEPARTMENT_POOLS set."""
    exchange = get_event_exchange(contracts.Intake.SERVICE, {})
    key = routing.event_routing_key(ACCEPTED, payload["department"], POOLS)
    Publisher(config["AMQP_URI"], use_confirms=True, declare=[exchange]).publish(
        payload, exchange=exchange, routing_key=key)


def market_event():
    payload = accepted_event(case_no=f"411400-MARKET-{uuid.uuid4().hex[:8]}")
    return {**payload, "department": "market", "item_code": "MARKET-FOOD-BUSINESS-NEW"}


def test_dedicated_and_default_workers_take_only_their_own_work(container_factory, pooled_config):
    # nameko's own RPC queue, as a default approval worker would declare it
    default_rpc = Queue("rpc-approval", exchange=get_rpc_exchange({}), routing_key="approval.*", durable=True)
    with Connection(pooled_config["AMQP_URI"]) as connection:
        default_rpc.bind(connection.default_channel).declare()
    health_rpc = rpc_pool_queue("approval", "health")
    health_events, default_events = event_queue("approval", ACCEPTED, "health"), event_queue("approval", ACCEPTED)

    # The health pool alone: it answers on its own key, and default work waits for the default pool.
    container_factory(ApprovalService, {**pooled_config, "DEDICATED_DEPARTMENT": "health"}).start()
    health_case, market_case = accepted_event(), market_event()
    publish_accepted(pooled_config, health_case)
    publish_accepted(pooled_config, market_case)
    with ClusterRpcProxy(pooled_config, timeout=10) as cluster:
        health = getattr(cluster, routing.rpc_target("approval", "health"))
        assert health.ping() == "pong"
        assert eventually(lambda: _opened(health, health_case["case_no"]))
        pending = cluster.approval.ping.call_async()
        assert eventually(lambda: waiting(pooled_config, default_rpc) == (1, 0))
        assert waiting(pooled_config, default_events) == (1, 0)   # the market case waits
        assert waiting(pooled_config, health_events) == (0, 1)
        assert waiting(pooled_config, health_rpc)[1] == 1

        # The default pool arrives: it takes the waiting default work and nothing of health's.
        container_factory(ApprovalService, pooled_config).start()
        assert pending.result() == "pong"
        assert eventually(lambda: _opened(cluster.approval, market_case["case_no"]))
        assert waiting(pooled_config, default_rpc)[1] == 1 and waiting(pooled_config, health_rpc)[1] == 1
        assert waiting(pooled_config, default_events) == (0, 1) and waiting(pooled_config, health_events) == (0, 1)


def _opened(proxy, case_no) -> bool:
    try:
        return proxy.get_case(case_no)["status"] == "accepted"
    except NotFound:
        return False


def test_services_without_pools_hear_every_departments_events(container_factory, pooled_config):
    queue = event_queue(contracts.Notification.SERVICE, ACCEPTED)
    publish_accepted(pooled_config, accepted_event())
    publish_accepted(pooled_config, market_event())
    assert waiting(pooled_config, queue)[0] == 2


@pytest.mark.parametrize(("service", "config"), [
    (ApprovalService, {"DEDICATED_DEPARTMENT": "market"}),                     # not a pool: nothing would reach it
    (NotificationService, {"DEDICATED_DEPARTMENT": "health"}),                 # serves every department
    (ApprovalService, {"DEDICATED_DEPARTMENT": "health", "DEPARTMENT_POOLS": ""}),
])
def test_a_worker_refuses_a_dedication_no_work_reaches(container_factory, pooled_config, service, config):
    container = container_factory(service, {**pooled_config, **config})
    with pytest.raises(routing.PoolSettingError):
        container.start()
