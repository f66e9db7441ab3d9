"""A thread-safe RPC client speaking nameko's RPC wire format over kombu.

The boundary: `RpcClient.call(service, method, *args, **kwargs)` returns the
remote result or raises a local exception: the services' domain errors
(services.common.errors) by their class name, `Unavailable` when the broker,
the database or the service does not answer in time, `RemoteFailure` for
anything else.

Why not nameko's standalone proxy: it is single-threaded, and gunicorn's
gthread workers call from many threads. Requests go out through a pool of
confirm-mode connections (gateway/publishers.py: no lock held while the broker
is slow, a confirm timeout, heartbeats, `mandatory=True` so a call to a
service with no queue bound fails at once); replies come back through the
process's ReplyListener. Each request carries a deadline and an AMQP
expiration (services/common/rpc.py), so a call answered 503 is never run
later, and it is published once: a failed publish is 503, never a second
copy. A per-service guard (gateway/breaker.py) bounds the threads a stalled
service can hold. Everything is created lazily and re-created after a fork,
so the client is safe to build before gunicorn forks its workers.
"""
import os
import threading
import time
import uuid

from gateway.breaker import ServiceGuard
from gateway.publishers import PublisherPool
from gateway.replies import ReplyListener
from services.common import actor_claims
from services.common.config import setting
from services.common.errors import ERROR_TYPES, Unavailable
from services.common.rpc import deadline_headers, expiration

READY_WAIT = 3.0  # seconds a call waits for the reply queue to (re)connect
LISTENER_STUCK = 60.0  # seconds without a reply connection after which /healthz fails

# A service's database outage arrives as pymongo's exception names: a 503, not a bug.
DATABASE_ERRORS = frozenset({
    "ServerSelectionTimeoutError", "AutoReconnect", "NetworkTimeout", "ConnectionFailure", "NotPrimaryError",
    "WaitQueueTimeoutError", "ExecutionTimeout", "WTimeoutError",
})


class RemoteFailure(Exception):
    """A service failed in an unexpected way (a bug, not a domain error)."""

    def __init__(self, exc_type: str, value: str):
        super().__init__(f"{exc_type}: {value}")
        self.exc_type, self.value = exc_type, value


def remote_error(error: dict) -> Exception:
    """Turn nameko's serialized exception into a local one."""
    exc_type, args = error.get("exc_type"), error.get("exc_args") or []
    if exc_type in DATABASE_ERRORS:
        return Unavailable("数据库暂不可用，请稍后重试")
    cls = ERROR_TYPES.get(exc_type)
    if cls is None:
        return RemoteFailure(str(exc_type), str(error.get("value", "")))
    detail = args[0] if args else str(error.get("value", ""))
    errors = args[1] if len(args) > 1 and isinstance(args[1], list) else []
    return cls(detail, errors)


def actor_signature_headers(route: str, args, kwargs) -> dict:
    """The gateway's signature over a call, so services believe the actor in it (services/common/actor_claims.py)."""
    return actor_claims.headers(setting("ACTOR_SIGNING_KEY"), route, args, kwargs)


class RpcClient:
    def __init__(self, amqp_uri: str, timeout: float = 10.0, service_concurrency: int = 6,
                 breaker_cooldown: float = 1.0):
        self.amqp_uri, self.timeout = amqp_uri, timeout
        self.guard = ServiceGuard(service_concurrency, breaker_cooldown)
        self._lock = threading.Lock()
        self._pid = None
        self._replies: ReplyListener | None = None
        self._publishers: PublisherPool | None = None
        self._created = time.monotonic()

    def call(self, service: str, method: str, *args, request_id: str | None = None,
             timeout: float | None = None, routing_key: str | None = None, **kwargs):
        timeout = self.timeout if timeout is None else timeout
        replies, publishers = self._parts()
        if not replies.wait_ready(min(timeout, READY_WAIT)):  # broker down: fail fast, not after the full timeout
            raise Unavailable("消息服务不可用，请稍后重试")
        # routing_key: a department pool's (gateway/departments.py), else nameko's. The guard counts per
        # pool ("intake.health"), so a stalled pool opens its own circuit, not the whole service's.
        routing_key = routing_key or f"{service}.{method}"
        target = routing_key.rsplit(".", 1)[0]
        with self.guard.admit(target):
            body = self._call(replies, publishers, target, method, args, kwargs, request_id, timeout, routing_key)
        if body.get("error"):
            raise remote_error(body["error"])
        return body.get("result")

    def healthy(self) -> tuple[bool, str]:
        """Whether this process can still serve calls (for /healthz): its reply consumer is alive or recovering."""
        with self._lock:
            replies = self._replies if self._pid == os.getpid() else None
        if replies is None:
            return True, "idle"
        return replies.healthy(LISTENER_STUCK)

    def close(self) -> None:
        with self._lock:
            if self._publishers:
                self._publishers.close()
                self._publishers = None
            if self._replies:
                self._replies.stop()
                self._replies = None

    # -- internals ---------------------------------------------------------
    def _parts(self) -> tuple[ReplyListener, PublisherPool]:
        with self._lock:
            if self._pid != os.getpid():  # first use, or first use after a fork
                self._pid, self._replies, self._publishers = os.getpid(), None, None
            if self._replies is None:
                self._replies = ReplyListener(self.amqp_uri)
                self._publishers = PublisherPool(self.amqp_uri, self._on_return)
            return self._replies, self._publishers

    def _call(self, replies, publishers, service, method, args, kwargs, request_id, timeout, routing_key) -> dict:
        started = time.monotonic()
        correlation_id = uuid.uuid4().hex
        future = replies.expect(correlation_id)
        # Signed for the service's own method (`intake.submit_application`), whichever pool `service` names.
        route = f"{service.split('.', 1)[0]}.{method}"
        headers = {"nameko.call_id_stack": [f"gateway.{uuid.uuid4()}"], "nameko.request_id": request_id,
                   **deadline_headers(timeout), **actor_signature_headers(route, args, kwargs)}
        try:
            publishers.publish({"args": list(args), "kwargs": kwargs}, routing_key, timeout,
                               reply_to=replies.queue_name, correlation_id=correlation_id, headers=headers,
                               expiration=expiration(timeout))
            body = future.result(timeout=max(timeout - (time.monotonic() - started), 0.01))
        except TimeoutError:
            self.guard.timed_out(service)
            raise Unavailable(f"服务 {service} 未在 {timeout:g} 秒内响应（{method}）") from None
        finally:
            replies.forget(correlation_id)
        self.guard.answered(service)
        return body

    def _on_return(self, exc, exchange, routing_key, message) -> None:
        service = routing_key.split(".", 1)[0]
        with self._lock:
            replies = self._replies
        if replies:
            replies.fail(message.properties.get("correlation_id"),
                         Unavailable(f"服务 {service} 当前不可用（无可路由的队列）"))
