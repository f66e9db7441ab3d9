"""The queues of department pools and the RPC consumer that picks one (services/common/routing.py, docs/scaling.md).

Every service's `rpc` (services.common.rpc) consumes through DepartmentRpcConsumer:
without DEDICATED_DEPARTMENT it consumes nameko's own `rpc-<service>` queue; a
worker started with DEDICATED_DEPARTMENT=health consumes only `rpc-<service>@health`
(and, through services.common.handlers, only the `@health` event queues), so the
default pool and the department's pool never take each other's work.
"""
import logging

from kombu import Queue, binding
from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.rpc import Responder, RpcConsumer, get_rpc_exchange
from nameko.standalone.events import get_event_exchange

from services.common import contracts, routing
from services.common.consumers import CONNECTION_LOST, QuickQueueConsumer

log = logging.getLogger(__name__)


def configured_pools(config: dict) -> tuple[str, ...]:
    return routing.parse_pools(config.get("DEPARTMENT_POOLS", ""))


def dedicated_pool(container) -> str | None:
    """The department this worker serves alone, or None (default pool). Refuses a setting no work reaches."""
    config = container.config
    return routing.dedicated_pool(container.service_name, config.get("DEDICATED_DEPARTMENT"), configured_pools(config))


def rpc_pool_queue(service: str, pool: str, config: dict | None = None) -> Queue:
    """A department's RPC queue: durable like nameko's `rpc-<service>`, bound `<service>.<pool>.*`."""
    return Queue(routing.rpc_queue_name(service, pool), exchange=get_rpc_exchange(config or {}),
                 routing_key=routing.rpc_binding(service, pool), durable=True)


def event_queue(handling_service: str, event_type: str, pool: str | None = None, config: dict | None = None,
                method: str | None = None) -> Queue:
    """A handler's queue as nameko names it (`evt-<source>-<event>--<service>.<method>`), `@<pool>` for a pool."""
    source = contracts.EVENT_SOURCE[event_type]
    method = method or contracts.handler_name(event_type)
    name = f"evt-{source}-{event_type}--{handling_service}.{method}"
    if pool:
        name = routing.event_queue_name(name, pool)
    exchange = get_event_exchange(source, config or {})
    keys = routing.event_bindings(handling_service, event_type, pool)
    return Queue(name, bindings=[binding(exchange, routing_key=key) for key in keys],
                 durable=True, auto_delete=False, exclusive=False)


class MixedRpcEntrypoints(TypeError):
    """A service mixes nameko's `rpc` with services.common.rpc.rpc: two consumers would split its methods."""


class DepartmentRpcConsumer(RpcConsumer):
    queue_consumer = QuickQueueConsumer()  # back within a second of the broker (services/common/consumers.py)

    def setup(self):
        others = [ext for ext in self.container.extensions if isinstance(ext, RpcConsumer) and ext is not self]
        if others:  # each consumer knows only its own methods: calls would fail at random with MethodNotFound
            raise MixedRpcEntrypoints(
                f"{self.container.service_name}: use services.common.rpc.rpc for every RPC method, not nameko's rpc")
        pool = dedicated_pool(self.container)
        if self.queue is None and pool:
            self.queue = rpc_pool_queue(self.container.service_name, pool, self.container.config)
            self.queue_consumer.register_provider(self)
            self._registered = True
        super().setup()  # nameko's default queue, unless a pool queue was set above

    def get_provider_for_method(self, routing_key):
        method = routing.rpc_method(routing_key)
        return super().get_provider_for_method(f"{self.container.service_name}.{method}")

    def handle_result(self, message, result, exc_info):
        """nameko's, replying without waiting for the broker's confirm (a fifth of a case read's CPU in
        approval): a reply lost with the broker leaves its caller to time out with 503, as a reply whose
        confirm failed did, and the request is done either way.

        Every answer goes out here: a worker's result, a call refused before any worker ran (expired,
        unsigned, malformed) and the readiness ping. nameko lets a reply that fails because the broker
        just went away kill the whole service; here it is logged (the caller answers 503 at its
        timeout), and the request is acked all the same: it was handled, and is never left unacked on a
        live connection. If the ack is lost too, the request comes back after the reconnect and is
        refused then if its deadline has passed."""
        config = self.container.config
        responder = QuickResponder(config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
                                   config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
                                   ssl=config.get(AMQP_SSL_CONFIG_KEY),
                                   login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        try:
            result, exc_info = responder.send_response(result, exc_info)
        except CONNECTION_LOST as exc:
            log.warning("reply to %s not sent (%r); the caller will answer 503", message.delivery_info.get(
                "routing_key"), exc)
        self.queue_consumer.ack_message(message)  # QuickQueueConsumer: an ack lost with the connection is logged
        return result, exc_info


class UnconfirmedPublisher(Publisher):
    use_confirms = False


class QuickResponder(Responder):
    publisher_cls = UnconfirmedPublisher
