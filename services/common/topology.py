"""Declares every event exchange and handler queue before anything is published.

Nameko creates a handler's queue only when the handling service starts, so an
event published earlier would be dropped. Declaring the whole topology up
front (each service does it at start, the local stack and compose too) means
no event is lost to start-up order. The declarations match nameko's own
(durable topic exchange `<service>.events`, durable queue
`evt-<source>-<event>--<service>.<method>`), so both agree. With department
pools (DEPARTMENT_POOLS, docs/scaling.md) each pool's RPC and event queues are
declared too, so a department's work waits in its queue while its workers are
down instead of being dropped.
"""
from kombu import Connection
from nameko.rpc import get_rpc_exchange
from nameko.standalone.events import get_event_exchange

from services.common import contracts, routing
from services.common.config import setting
from services.common.handlers import dead_letter_queue
from services.common.pools import event_queue, rpc_pool_queue

__all__ = ["declare_topology", "event_queue"]


def declare_topology(amqp_uri: str, pools: tuple[str, ...] | None = None) -> None:
    """Declare everything; `pools` defaults to the DEPARTMENT_POOLS setting."""
    pools = routing.parse_pools(setting("DEPARTMENT_POOLS")) if pools is None else pools
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        get_rpc_exchange({}).declare(channel=channel)
        for source in set(contracts.EVENT_SOURCE.values()):
            get_event_exchange(source, {}).declare(channel=channel)
        for service, event_type in contracts.SUBSCRIPTIONS:
            event_queue(service, event_type).declare(channel=channel)
            for pool in pools if service in routing.POOLED_SERVICES else ():
                event_queue(service, event_type, pool).declare(channel=channel)
        for service in routing.POOLED_SERVICES:
            for pool in pools:
                rpc_pool_queue(service, pool).declare(channel=channel)
        dead_letter_queue().declare(channel=channel)
