"""The gateway process's RPC reply queue and the thread that consumes it.

One exclusive, auto-delete queue per process, bound to the `nameko-rpc`
exchange with its own name as routing key (nameko's responders publish the
reply there with routing key = the request's `reply_to`). A single background
thread owns the consuming connection; callers wait on a Future keyed by
correlation id. When the connection drops (broker restart), every pending call
fails with Unavailable at once (its reply queue is gone) and the thread
reconnects with back-off.
"""
import logging
import threading
import time
import uuid
from concurrent.futures import Future

from kombu import Connection, Consumer, Exchange, Queue

from services.common.errors import Unavailable

log = logging.getLogger(__name__)

RPC_EXCHANGE = Exchange("nameko-rpc", type="topic", durable=True)


class ReplyListener:
    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri
        self.queue_name = f"rpc.reply-gateway-{uuid.uuid4().hex}"
        self._pending: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._down_since: float | None = None

    def healthy(self, stuck_after: float) -> tuple[bool, str]:
        """False when the consumer thread died or has not reached the broker for `stuck_after` seconds."""
        if self._thread is not None and not self._thread.is_alive() and not self._stopping.is_set():
            return False, "RPC 回复线程已退出"
        down_since = self._down_since
        if down_since is not None and time.monotonic() - down_since > stuck_after:
            return False, f"RPC 回复连接已中断 {time.monotonic() - down_since:.0f} 秒"
        return True, "ok"

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stopping.clear()
                self._down_since = time.monotonic()
                self._thread = threading.Thread(target=self._run, name="rpc-replies", daemon=True)
                self._thread.start()

    def wait_ready(self, timeout: float) -> bool:
        self.start()
        return self._ready.wait(timeout)

    def expect(self, correlation_id: str) -> Future:
        future: Future = Future()
        with self._lock:
            self._pending[correlation_id] = future
        return future

    def forget(self, correlation_id: str) -> None:
        with self._lock:
            self._pending.pop(correlation_id, None)

    def fail(self, correlation_id: str, error: Exception) -> None:
        with self._lock:
            future = self._pending.pop(correlation_id, None)
        if future and not future.done():
            future.set_exception(error)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _queue(self) -> Queue:
        return Queue(self.queue_name, exchange=RPC_EXCHANGE, routing_key=self.queue_name,
                     exclusive=True, auto_delete=True, durable=False)

    def _run(self) -> None:
        backoff = 0.2
        while not self._stopping.is_set():
            try:
                with Connection(self.amqp_uri, connect_timeout=3, heartbeat=10) as connection:
                    connection.ensure_connection(max_retries=1)
                    with Consumer(connection.channel(), queues=[self._queue()], callbacks=[self._on_reply],
                                  no_ack=True, accept=["json"]):
                        self._ready.set()
                        self._down_since = None
                        backoff = 0.2
                        self._drain(connection)
            except Exception as exc:  # the broker went away: fail what waits, then reconnect
                if not self._stopping.is_set():
                    log.warning("rpc reply connection lost: %s", exc)
            finally:
                if self._ready.is_set():
                    self._down_since = time.monotonic()
                self._ready.clear()
                self._fail_all(Unavailable("消息服务连接中断，请稍后重试"))
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, 2.0)

    def _drain(self, connection) -> None:
        while not self._stopping.is_set():
            try:
                connection.drain_events(timeout=1)
            except TimeoutError:
                pass
            connection.heartbeat_check()  # rate-limited by py-amqp; also needed while replies keep coming

    def _on_reply(self, body, message) -> None:
        correlation_id = message.properties.get("correlation_id")
        with self._lock:
            future = self._pending.pop(correlation_id, None)
        if future is None:
            log.debug("reply for unknown or timed-out call %s", correlation_id)
        elif not future.done():
            future.set_result(body)

    def _fail_all(self, error: Exception) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)
