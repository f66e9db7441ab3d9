"""Publishing the gateway's RPC requests without ever holding a lock while the broker is slow.

A thread takes an idle confirm-mode connection (or opens one), publishes,
waits for the broker's confirm no longer than its call's deadline and gives
the connection back; the pool's lock only guards the list of idle ones. A
connection that failed, timed out or was refused is dropped without a
closing handshake (a blocked or half-open broker would never answer one).
A maintenance thread sends heartbeats on idle connections and reads what the
broker sent them: `connection.blocked` (memory or disk alarm) marks the pool
blocked, so calls answer 503 at once until `connection.unblocked`.
"""
import logging
import select
import threading
import time

from kombu import Connection, Producer

from gateway.replies import RPC_EXCHANGE
from services.common.errors import Unavailable

log = logging.getLogger(__name__)

HEARTBEAT = 10          # seconds, every connection
CONNECT_TIMEOUT = 3.0   # seconds, at most
MAINTENANCE_EVERY = 1.0
MAX_IDLE = 16


class _Link:
    """One confirm-mode connection and its producer."""

    def __init__(self, amqp_uri: str, connect_timeout: float, on_return, pool: "PublisherPool"):
        self.blocked: str | None = None
        self.connection = Connection(amqp_uri, connect_timeout=connect_timeout, heartbeat=HEARTBEAT,
                                     transport_options={"confirm_publish": True,
                                                        "on_blocked": self._on_blocked,
                                                        "on_unblocked": self._on_unblocked})
        self.pool = pool
        self.connection.ensure_connection(max_retries=1)
        self.producer = Producer(self.connection.channel(), on_return=on_return)

    def _on_blocked(self, reason):
        log.warning("broker blocked publishing: %s", reason)
        self.blocked = str(reason or "blocked")
        self.pool.blocked = self.blocked

    def _on_unblocked(self):
        log.warning("broker unblocked publishing")
        self.blocked = None
        self.pool.blocked = None

    def healthy(self) -> bool:
        """Send a heartbeat if due and read whatever the broker sent; False when the connection is gone."""
        try:
            amqp = self.connection.connection
            if amqp is None or not amqp.connected:
                return False
            self.connection.heartbeat_check()   # kombu's (py-amqp's own is heartbeat_tick)
            sock = amqp.transport.sock
            while select.select([sock], [], [], 0)[0]:
                amqp.drain_events(timeout=0.5)  # heartbeats, blocked/unblocked, or EOF (raises)
            return True
        except Exception as exc:
            log.info("dropping a publishing connection: %r", exc)
            return False

    def discard(self) -> None:
        if self.blocked and self.pool.blocked == self.blocked:
            self.pool.blocked = None  # the next connection finds out again
        try:
            self.connection.collect()  # no closing handshake: the broker may never answer it
        except Exception:
            pass


class PublisherPool:
    def __init__(self, amqp_uri: str, on_return):
        self.amqp_uri, self.on_return = amqp_uri, on_return
        self.blocked: str | None = None
        self._idle: list[_Link] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def publish(self, body, routing_key: str, timeout: float, **properties) -> None:
        """Publish with mandatory routing and a confirm, within `timeout` seconds; Unavailable otherwise.

        Never retried: once a publish has begun, the broker may have the request even if we saw an error.
        """
        deadline = time.monotonic() + timeout
        link = self._take(deadline)
        try:
            link.producer.publish(body, exchange=RPC_EXCHANGE, routing_key=routing_key, mandatory=True,
                                  serializer="json", delivery_mode=2, retry=False,
                                  timeout=max(deadline - time.monotonic(), 0.01), **properties)
        except Exception as exc:
            link.discard()
            raise Unavailable("消息服务未确认请求，请稍后重试") from exc
        self._give_back(link)

    def close(self) -> None:
        self._stopping.set()
        with self._lock:
            links, self._idle = self._idle, []
        for link in links:
            link.discard()

    # -- internals ---------------------------------------------------------
    def _take(self, deadline: float) -> _Link:
        self._start_maintenance()
        if self.blocked:
            raise Unavailable("消息服务资源告警，暂停接收请求，请稍后重试")
        while True:
            with self._lock:
                link = self._idle.pop() if self._idle else None
            if link is None:
                break
            if link.healthy():
                if link.blocked:
                    self._give_back(link)
                    raise Unavailable("消息服务资源告警，暂停接收请求，请稍后重试")
                return link
            link.discard()
        connect_timeout = min(CONNECT_TIMEOUT, max(deadline - time.monotonic(), 0.1))
        try:
            return _Link(self.amqp_uri, connect_timeout, self.on_return, self)
        except Exception as exc:
            raise Unavailable("消息服务不可用，请稍后重试") from exc

    def _give_back(self, link: _Link) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(link)
                return
        link.discard()

    def _start_maintenance(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._maintain, name="rpc-publishers", daemon=True)
                self._thread.start()

    def _maintain(self) -> None:
        while not self._stopping.wait(MAINTENANCE_EVERY):
            with self._lock:
                links, self._idle = self._idle, []
            for link in links:
                if link.healthy():
                    self._give_back(link)
                else:
                    link.discard()
