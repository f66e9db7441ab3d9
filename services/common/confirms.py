"""Publishing a batch of messages with one wait for the broker's confirms.

The outbox relays a document's events together (a submission stores two). Publishing
each with its own confirm costs a broker round trip and a pooled-connection checkout
per event; here the batch goes out on one channel in confirm mode and the caller
waits once, until every message of the batch is confirmed, or fails: a nack, a
timeout or a connection error raises, the connection is dropped (the next batch
connects again) and the caller leaves the events stored for the sweep. Messages of
one batch are published in order on one channel, so the broker keeps their order.
"""
import threading
import time

from kombu import Connection, Producer

from services.common.publisher import CONNECT_TIMEOUT, drop_connection

PERSISTENT = 2


class Nacked(Exception):
    """The broker refused (nacked) a message of the batch."""


class ConfirmedBatchPublisher:
    """Publishes [(body, routing_key, headers)] to one exchange; returns once all are confirmed."""

    # A connection idle this long is replaced before use: without traffic or heartbeats the broker
    # (or a firewall) may have dropped it, and finding out would cost a batch its timeout.
    MAX_IDLE = 30.0

    def __init__(self, amqp_uri: str, exchange, timeout: float, serializer: str = "json", connect=None):
        self._uri, self._exchange, self._timeout, self._serializer = amqp_uri, exchange, timeout, serializer
        self._used = 0.0
        self._connect_to = connect or (lambda uri: Connection(uri, connect_timeout=CONNECT_TIMEOUT))
        self._lock = threading.Lock()     # one batch at a time on the channel (green under eventlet)
        self._connection = self._producer = None
        self._published = 0               # delivery tags are counted per channel from 1
        self._unconfirmed: set[int] = set()
        self._nacked = False

    def _on_ack(self, tag: int, multiple: bool) -> None:
        if multiple:
            self._unconfirmed = {t for t in self._unconfirmed if t > tag}
        else:
            self._unconfirmed.discard(tag)

    def _on_nack(self, tag: int, multiple: bool) -> None:
        self._nacked = True
        self._on_ack(tag, multiple)

    def _connect(self) -> None:
        connection = self._connect_to(self._uri)
        connection.connect()
        channel = connection.channel()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self._exchange(channel).declare()
        self._connection, self._producer = connection, Producer(channel, exchange=self._exchange)
        self._published, self._unconfirmed, self._nacked = 0, set(), False

    def close(self) -> None:
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            drop_connection(connection)

    def publish(self, messages: list[tuple[dict, str, dict]]) -> None:
        if not messages:
            return
        with self._lock:
            if self._producer is not None and time.monotonic() - self._used > self.MAX_IDLE:
                self.close()
            try:
                if self._producer is None:
                    self._connect()
                for body, routing_key, headers in messages:
                    self._producer.publish(body, routing_key=routing_key, headers=headers,
                                           delivery_mode=PERSISTENT, serializer=self._serializer, retry=False)
                    self._published += 1
                    self._unconfirmed.add(self._published)
                deadline = time.monotonic() + self._timeout
                while self._unconfirmed and not self._nacked:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(f"no broker confirm within {self._timeout} s")
                    self._connection.drain_events(timeout=remaining)
                if self._nacked:
                    raise Nacked("the broker refused a message")
                self._used = time.monotonic()
            except BaseException:
                self.close()   # a channel in an unknown state is not reused
                raise
