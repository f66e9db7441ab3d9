"""RPC with a deadline on both sides: a caller that gave up is never served late.

Every request carries an absolute deadline (`nameko.call_deadline` header,
unix seconds) and an AMQP expiration of the same length, so the broker drops
it once it has waited too long in the queue. `rpc` (use it instead of
nameko's) refuses a request whose deadline has passed before it starts work,
which also covers requests already pushed to a service that was stalled
(SIGSTOP, a long GC, a frozen VM) when it resumes: the caller answered 503
long ago and may have retried.

`TimeoutRpcProxy(service)` is the service-to-service side: a timeout on every
call (nameko 2's RpcProxy waits forever), the same deadline and expiration,
and no automatic republish (a retried publish could run the call twice).
"""
import functools
import inspect
import logging
import time

import eventlet
from nameko.rpc import MethodProxy, Rpc, RpcProxy, ServiceProxy

from services.common import actor_claims
from services.common.config import float_setting
from services.common.consumers import QuickReplyListener
from services.common.errors import DomainError, Forbidden, Unavailable
from services.common.pools import DepartmentRpcConsumer

log = logging.getLogger(__name__)

DEADLINE_KEY = "call_deadline"            # in nameko's context data
DEADLINE_HEADER = f"nameko.{DEADLINE_KEY}"  # on the AMQP message


def deadline_headers(timeout: float, now: float | None = None) -> dict:
    """Headers and properties that bound a request's life to `timeout` seconds."""
    now = time.time() if now is None else now
    return {DEADLINE_HEADER: round(now + timeout, 3)}


def expiration(timeout: float) -> float:
    """AMQP per-message TTL in seconds (kombu turns it into milliseconds); never zero."""
    return max(timeout, 0.001)


def expired(headers: dict | None, now: float | None = None) -> bool:
    deadline = (headers or {}).get(DEADLINE_HEADER)
    if deadline is None:
        return False
    try:
        return (time.time() if now is None else now) > float(deadline)
    except (TypeError, ValueError):
        return False


class DeadlineRpc(Rpc):
    """nameko's RPC entrypoint, refusing work its caller stopped waiting for."""

    rpc_consumer = DepartmentRpcConsumer()  # the default queue, or a department pool's (docs/scaling.md)

    def handle_message(self, body, message):
        if expired(message.headers):
            log.warning("refused expired call %s (deadline %s)", message.delivery_info.get("routing_key"),
                        message.headers.get(DEADLINE_HEADER))
            # RpcConsumer answers with this error (nobody waits for it) and acks the request.
            raise Unavailable("调用已超时，未执行")
        super().handle_message(body, message)


@functools.cache
def _signature(method) -> inspect.Signature:
    return inspect.signature(method)


class GatewayRpc(DeadlineRpc):
    """Issue 8: a call that passes an `actor` must carry the gateway's signature over it
    (services/common/actor_claims.py) when the service is configured with ACTOR_SIGNING_KEY (always, in
    services.run); otherwise it is refused with Forbidden before any worker runs. Domain errors (4xx) are
    expected: nameko logs them as warnings, and the logging filter drops their traceback."""

    def __init__(self, expected_exceptions=DomainError, **kwargs):
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)

    def handle_message(self, body, message):
        key = self.container.config.get("ACTOR_SIGNING_KEY")
        if key and isinstance(body, dict) and self._passes_actor(body.get("args") or [], body.get("kwargs") or {}):
            headers = message.headers or {}
            route = f"{self.container.service_name}.{self.method_name}"
            if not actor_claims.verify(key, route, body.get("args") or [], body.get("kwargs") or {},
                                       headers.get("nameko." + actor_claims.SIGNATURE_HEADER),
                                       headers.get("nameko." + actor_claims.SIGNED_AT_HEADER)):
                log.warning("refused %s: an actor without a valid gateway signature", route)
                # RpcConsumer answers with this error and acks the request.
                raise Forbidden("调用方身份未经网关签名，拒绝执行")
        super().handle_message(body, message)

    def _passes_actor(self, args, kwargs) -> bool:
        try:
            bound = _signature(getattr(self.container.service_cls, self.method_name)).bind(None, *args, **kwargs)
        except TypeError:
            return False  # nameko answers the bad signature itself
        return bound.arguments.get("actor") is not None


rpc = GatewayRpc.decorator


class ReadinessRpc(DeadlineRpc):
    """The readiness probe's `ping`, answered where its message arrives instead of in the worker pool.

    A service busy with a backlog (every worker taken by events redelivered after a restart, say) is
    alive and serving; its ping queued behind that work made /readyz fail for minutes in the fault suite
    while the service caught up. The answer still proves what readiness means here: the process runs,
    consumes its RPC queue and can reply over the broker."""

    def handle_message(self, body, message):
        if expired(message.headers):
            return super().handle_message(body, message)  # refused, as every late call
        # answered as every call (DepartmentRpcConsumer.handle_result: a reply lost with the broker is logged)
        self.rpc_consumer.handle_result(message, getattr(self.container.service_cls, self.method_name)(None), None)


readiness_rpc = ReadinessRpc.decorator


class TimeoutRpcProxy(RpcProxy):
    rpc_reply_listener = QuickReplyListener()

    def __init__(self, target_service: str, timeout: float | None = None, **options):
        super().__init__(target_service, **options)
        self.timeout = timeout

    def get_dependency(self, worker_ctx):
        timeout = self.timeout if self.timeout is not None else float_setting("RPC_TIMEOUT")
        options = {**self.options, "expiration": expiration(timeout), "retry": False}
        proxy = _DeadlineServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener, **options)
        return _TimeoutServiceProxy(proxy, self.target_service, timeout)


class _DeadlineMethodProxy(MethodProxy):
    def __init__(self, *args, **options):
        self.timeout = options["expiration"]
        self._signed = {}  # this call's signature headers (a proxy serves one call)
        super().__init__(*args, **options)

    def _call(self, *args, **kwargs):
        self._signed = self._signed_headers(args, kwargs)
        return super()._call(*args, **kwargs)

    def _signed_headers(self, args, kwargs) -> dict:
        """A call naming an actor (by keyword) is signed as the gateway signs its calls, so the callee's
        GatewayRpc believes it: only holders of ACTOR_SIGNING_KEY can name one."""
        key = self.worker_ctx.config.get("ACTOR_SIGNING_KEY")
        if not key or kwargs.get("actor") is None:
            return {}
        return actor_claims.headers(key, f"{self.service_name}.{self.method_name}", args, kwargs)

    def get_message_headers(self, worker_ctx):
        # Our own deadline replaces one inherited from the call this worker serves.
        return {**super().get_message_headers(worker_ctx), **deadline_headers(self.timeout),
                **self._signed}


class _DeadlineServiceProxy(ServiceProxy):
    def __getattr__(self, name):
        return _DeadlineMethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener, **self.options)


class _TimeoutServiceProxy:
    def __init__(self, proxy, service: str, timeout: float):
        self._proxy, self._service, self._timeout = proxy, service, timeout

    def __getattr__(self, method: str):
        remote = getattr(self._proxy, method)

        def call(*args, **kwargs):
            failure = Unavailable(f"{self._service}.{method} 未在 {self._timeout:g} 秒内应答")
            with eventlet.Timeout(self._timeout, failure):
                try:
                    reply = remote.call_async(*args, **kwargs)
                except Exception as exc:  # broker unreachable: the caller decides, no republish here
                    if isinstance(exc, Unavailable):
                        raise
                    raise Unavailable(f"{self._service}.{method} 无法发送：{exc.__class__.__name__}") from exc
                return reply.result()

        return call
