"""Department pools: which routing keys and queues a department's work uses (services/common/routing.py)."""
import datetime as dt

import pytest

from services.common import contracts, routing
from services.intake.case_numbers import case_number
from services.intake.departments import seed_departments


def topic_matches(binding: str, key: str) -> bool:
    """RabbitMQ topic matching (`*` one word, `#` zero or more), to check bindings against keys."""
    def match(pattern, words):
        if not pattern:
            return not words
        head, rest = pattern[0], pattern[1:]
        if head == "#":
            return any(match(rest, words[i:]) for i in range(len(words) + 1))
        return bool(words) and head in ("*", words[0]) and match(rest, words[1:])
    return match(binding.split("."), key.split("."))


def test_pools_parse_and_refuse_what_is_not_a_department():
    assert routing.parse_pools("") == ()
    assert routing.parse_pools(None) == ()
    assert routing.parse_pools(" health , market,health ") == ("health", "market")
    for bad in ("Health", "health.x", "health#", "a b", "9x"):
        with pytest.raises(routing.PoolSettingError):
            routing.parse_pools(bad)


def test_dedicated_department_must_be_a_pool_of_a_pooled_service():
    assert routing.dedicated_pool("intake", "", ("health",)) is None
    assert routing.dedicated_pool("approval", " health ", ("health",)) == "health"
    with pytest.raises(routing.PoolSettingError, match="DEPARTMENT_POOLS"):
        routing.dedicated_pool("intake", "health", ())
    with pytest.raises(routing.PoolSettingError, match="every department"):
        routing.dedicated_pool("notification", "health", ("health",))


def test_rpc_key_carries_the_department_only_for_pooled_departments_of_pooled_services():
    pools = ("health",)
    health = routing.rpc_routing_key("intake", "submit_application", "health", pools)
    assert health == "intake.health.submit_application"
    assert routing.rpc_routing_key("approval", "transition", "health", pools) == "approval.health.transition"
    assert routing.rpc_routing_key("intake", "submit_application", "market", pools) == "intake.submit_application"
    assert routing.rpc_routing_key("intake", "submit_application", None, pools) == "intake.submit_application"
    assert routing.rpc_routing_key("evaluation", "rate", "health", pools) == "evaluation.rate"
    assert routing.rpc_routing_key("intake", "submit_application", "health", ()) == "intake.submit_application"


@pytest.mark.parametrize("method", ["ping", "submit_application", "transition"])
def test_default_rpc_queue_never_receives_pool_work_and_the_pool_queue_nothing_else(method):
    pools = ("health",)
    default_binding = "intake.*"  # nameko's RpcConsumer
    pool_binding = routing.rpc_binding("intake", "health")
    health = routing.rpc_routing_key("intake", method, "health", pools)
    market = routing.rpc_routing_key("intake", method, "market", pools)
    assert topic_matches(pool_binding, health) and not topic_matches(default_binding, health)
    assert topic_matches(default_binding, market) and not topic_matches(pool_binding, market)
    assert not topic_matches(routing.rpc_binding("approval", "health"), health)
    assert routing.rpc_method(health) == routing.rpc_method(market) == method
    assert routing.rpc_queue_name("intake", "health") == "rpc-intake@health"
    assert routing.rpc_target("intake", "health") + "." + method == health


@pytest.mark.parametrize("event_type", sorted(contracts.EVENT_FIELDS))
@pytest.mark.parametrize("department", ["health", "market", None])
def test_every_event_reaches_exactly_one_queue_per_subscriber(event_type, department):
    """Each subscribing service gets each event once: a pooled department's intake/approval work in its
    pool's queue only, everything else in the default queue; notification and evaluation hear all."""
    pools = ("health",)
    key = routing.event_routing_key(event_type, department, pools)
    for service, subscribed in contracts.SUBSCRIPTIONS:
        if subscribed != event_type:
            continue
        queues = {None: routing.event_bindings(service, event_type)}
        if service in routing.POOLED_SERVICES:
            queues.update({pool: routing.event_bindings(service, event_type, pool) for pool in pools})
        receiving = [pool for pool, keys in queues.items() if any(topic_matches(b, key) for b in keys)]
        expected = routing.pool_of(service, department, pools)
        assert receiving == [expected], (service, key, queues)


def test_events_keep_nameko_plain_keys_without_pools():
    for event_type in contracts.EVENT_FIELDS:
        assert routing.event_routing_key(event_type, "health", ()) == event_type
    assert routing.event_queue_name("evt-a-b--c.d", "health") == "evt-a-b--c.d@health"


@pytest.mark.parametrize("department", sorted(seed_departments()))
def test_a_case_number_carries_its_department(department):
    assert routing.DEPARTMENT_CODE.match(department)  # every department can have a pool
    number = case_number("411400", department, dt.date(2026, 11, 23), 42)
    assert routing.department_of_case(number) == department


@pytest.mark.parametrize("value", [None, 42, "", "HEALTH", "411400-HEALTH-2026112-00001", "x411400-HEALTH-20261123-1",
                                   "411400--20261123-00001", "411400-HEALTH-20261123-00001/../x"])
def test_anything_else_has_no_department(value):
    assert routing.department_of_case(value) is None


def test_topic_matcher_follows_rabbitmq():
    assert topic_matches("a.*", "a.b") and not topic_matches("a.*", "a.b.c") and not topic_matches("a.*", "a")
    assert topic_matches("a.#", "a") and topic_matches("a.#", "a.b.c") and not topic_matches("a.*.c", "a.c")
