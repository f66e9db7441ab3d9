"""A thread-safe RPC client speaking nameko's RPC wire format over kombu.

The boundary: `RpcClient.call(service, method, *args, **kwargs)` returns the
remote result or raises a local exception: the services' domain errors
(services.common.errors) by their class name, `Unavailable` when the broker or
the service does not answer in time, `RemoteFailure` for anything else.

Why not nameko's standalone proxy: it is single-threaded, and gunicorn's
gthread workers call from many threads. Here requests are published on one
confirm-mode connection guarded by a lock, with `mandatory=True` so a call to a
service with no queue bound fails at once; replies come back through the
process's ReplyListener. Everything is created lazily and re-created after a
fork, so the client is safe to build before gunicorn forks its workers.
"""
import os
import threading
import uuid

from kombu import Connection, Producer

from gateway.replies import RPC_EXCHANGE, ReplyListener
from services.common import actor_claims
from services.common.config import setting
from services.common.errors import ERROR_TYPES, Unavailable

READY_WAIT = 3.0  # seconds a call waits for the reply queue to (re)connect


class RemoteFailure(Exception):
    """A service failed in an unexpected way (a bug, not a domain error)."""

    def __init__(self, exc_type: str, value: str):
        super().__init__(f"{exc_type}: {value}")
        self.exc_type, self.value = exc_type, value


def remote_error(error: dict) -> Exception:
    """Turn nameko's serialized exception into a local one."""
    exc_type, args = error.get("exc_type"), error.get("exc_args") or []
    cls = ERROR_TYPES.get(exc_type)
    if cls is None:
        return RemoteFailure(str(exc_type), str(error.get("value", "")))
    detail = args[0] if args else str(error.get("value", ""))
    errors = args[1] if len(args) > 1 and isinstance(args[1], list) else []
    return cls(detail, errors)


def actor_signature_headers(route: str, args, kwargs) -> dict:
    """The gateway's signature over the call, so services believe the actor in it (services/common/actor_claims.py)."""
    signature, signed_at = actor_claims.sign(setting("ACTOR_SIGNING_KEY"), route, args, kwargs)
    return {"nameko." + actor_claims.SIGNATURE_HEADER: signature, "nameko." + actor_claims.SIGNED_AT_HEADER: signed_at}


class RpcClient:
    def __init__(self, amqp_uri: str, timeout: float = 10.0):
        self.amqp_uri, self.timeout = amqp_uri, timeout
        self._lock = threading.Lock()
        self._pid = None
        self._replies: ReplyListener | None = None
        self._connection: Connection | None = None
        self._producer: Producer | None = None

    def call(self, service: str, method: str, *args, request_id: str | None = None,
             timeout: float | None = None, **kwargs):
        timeout = self.timeout if timeout is None else timeout
        replies = self._listener()
        if not replies.wait_ready(min(timeout, READY_WAIT)):  # broker down: fail fast, not after the full timeout
            raise Unavailable("消息服务不可用，请稍后重试")
        correlation_id = uuid.uuid4().hex
        future = replies.expect(correlation_id)
        try:
            self._publish(service, method, args, kwargs, correlation_id, request_id, replies.queue_name)
            body = future.result(timeout=timeout)
        except TimeoutError:
            raise Unavailable(f"服务 {service} 未在 {timeout:g} 秒内响应（{method}）") from None
        finally:
            replies.forget(correlation_id)
        if body.get("error"):
            raise remote_error(body["error"])
        return body.get("result")

    def close(self) -> None:
        with self._lock:
            self._drop_connection()
            if self._replies:
                self._replies.stop()
                self._replies = None

    # -- internals ---------------------------------------------------------
    def _listener(self) -> ReplyListener:
        with self._lock:
            if self._pid != os.getpid():  # first use, or first use after a fork
                self._pid, self._replies, self._connection, self._producer = os.getpid(), None, None, None
            if self._replies is None:
                self._replies = ReplyListener(self.amqp_uri)
            return self._replies

    def _publish(self, service, method, args, kwargs, correlation_id, request_id, reply_to) -> None:
        body = {"args": list(args), "kwargs": kwargs}
        headers = {"nameko.call_id_stack": [f"gateway.{uuid.uuid4()}"], "nameko.request_id": request_id}
        headers.update(actor_signature_headers(f"{service}.{method}", body["args"], kwargs))
        with self._lock:
            for attempt in (1, 2):  # a connection left stale by a broker restart gets one fresh retry
                try:
                    self._producer_for_publish().publish(
                        body, exchange=RPC_EXCHANGE, routing_key=f"{service}.{method}", mandatory=True,
                        reply_to=reply_to, correlation_id=correlation_id, headers=headers,
                        delivery_mode=2, serializer="json", retry=False,
                    )
                    return
                except Exception as exc:
                    self._drop_connection()
                    if attempt == 2:
                        raise Unavailable("消息服务不可用，请稍后重试") from exc

    def _producer_for_publish(self) -> Producer:
        if self._producer is None:
            self._connection = Connection(self.amqp_uri, connect_timeout=3,
                                          transport_options={"confirm_publish": True})
            self._connection.ensure_connection(max_retries=1)
            self._producer = Producer(self._connection.channel(), on_return=self._on_return)
        return self._producer

    def _on_return(self, exc, exchange, routing_key, message) -> None:
        service = routing_key.split(".", 1)[0]
        self._replies.fail(message.properties.get("correlation_id"),
                           Unavailable(f"服务 {service} 当前不可用（无可路由的队列）"))

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:
                pass
        self._connection, self._producer = None, None
