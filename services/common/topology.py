"""Declares every event exchange and handler queue before anything is published.

Nameko creates a handler's queue only when the handling service starts, so an
event published earlier would be dropped. Declaring the whole topology up
front (each service does it at start, the local stack and compose too) means
no event is lost to start-up order. The declarations match nameko's own
(durable topic exchange `<service>.events`, durable queue
`evt-<source>-<event>--<service>.<method>`), so both agree.
"""
from kombu import Connection, Queue
from nameko.rpc import get_rpc_exchange
from nameko.standalone.events import get_event_exchange

from services.common import contracts
from services.common.handlers import dead_letter_queue


def event_queue(handling_service: str, event_type: str) -> Queue:
    source = contracts.EVENT_SOURCE[event_type]
    method = contracts.handler_name(event_type)
    return Queue(
        f"evt-{source}-{event_type}--{handling_service}.{method}",
        exchange=get_event_exchange(source, {}),
        routing_key=event_type,
        durable=True,
        auto_delete=False,
        exclusive=False,
    )


def declare_topology(amqp_uri: str) -> None:
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        get_rpc_exchange({}).declare(channel=channel)
        for source in set(contracts.EVENT_SOURCE.values()):
            get_event_exchange(source, {}).declare(channel=channel)
        for service, event_type in contracts.SUBSCRIPTIONS:
            event_queue(service, event_type).declare(channel=channel)
        dead_letter_queue().declare(channel=channel)
