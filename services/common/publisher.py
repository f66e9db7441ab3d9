"""Publishing from a service: every wait bounded, and a broker confirm never counted for the wrong message.

nameko's Publisher takes a pooled producer and waits for the broker's confirm.
Two ways that goes wrong under faults, both closed here:

- A confirm that did not come in time (a broker restarting, a connection caught
  half-way) stays owed on that connection. py-amqp takes the next ack it reads
  as the confirm of whatever it publishes next, whatever its delivery tag, so a
  later message on the pooled connection would count as confirmed by the late
  ack of the one that failed, and the outbox would drop an event the broker
  never took. A connection whose publish failed in any way is therefore
  dropped (no closing handshake) before it goes back to the pool; the next
  publish opens a fresh one.
- Waiting for a free producer, connecting and retrying are each bounded, and
  the whole publish has a deadline (PUBLISH_DEADLINE), so a stuck publish fails
  (the outbox sweep or the broker's redelivery takes over) instead of holding
  a worker, a document lock or a timer forever.
"""
import logging

import eventlet
from kombu import Connection
from kombu.exceptions import ChannelError
from kombu.pools import producers
from nameko.amqp.publish import Publisher, UndeliverableMessage

log = logging.getLogger(__name__)

ACQUIRE_TIMEOUT = 5.0    # seconds to wait for a free pooled producer
CONNECT_TIMEOUT = 3.0    # seconds for one connection attempt
PUBLISH_DEADLINE = 20.0  # seconds for the whole publish, retries and reconnects included
RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1.0}
CONNECT_RETRIES = {"max_retries": 1, "interval_start": 0.5, "interval_step": 0.5, "interval_max": 1.0}


class PublishTimeout(Exception):
    """The publish did not finish within its deadline; the broker may or may not have the message."""


class SafePublisher(Publisher):
    retry_policy = RETRY_POLICY
    transport_options = CONNECT_RETRIES

    def __init__(self, amqp_uri, deadline: float = PUBLISH_DEADLINE, **kwargs):
        super().__init__(amqp_uri, **kwargs)
        self.deadline = deadline

    def publish(self, payload, **kwargs):
        with eventlet.Timeout(self.deadline, PublishTimeout(f"publish not confirmed within {self.deadline:g}s")):
            self._publish(payload, **kwargs)

    def _publish(self, payload, **kwargs):
        options = self.publish_kwargs.copy()
        headers = options.pop("headers", {}).copy()
        headers.update(kwargs.pop("headers", {}))
        headers.update(kwargs.pop("extra_headers", {}))
        use_confirms = kwargs.pop("use_confirms", self.use_confirms)
        transport_options = {**kwargs.pop("transport_options", self.transport_options),
                             "confirm_publish": use_confirms}
        declare = self.declare[:]
        declare.extend(kwargs.pop("declare", ()))
        settings = {
            "delivery_mode": kwargs.pop("delivery_mode", self.delivery_mode),
            "mandatory": kwargs.pop("mandatory", self.mandatory),
            "priority": kwargs.pop("priority", self.priority),
            "expiration": kwargs.pop("expiration", self.expiration),
            "serializer": kwargs.pop("serializer", self.serializer),
            "compression": kwargs.pop("compression", self.compression),
            "retry": kwargs.pop("retry", self.retry),
            "retry_policy": kwargs.pop("retry_policy", self.retry_policy),
        }
        options.update(kwargs)
        connection = Connection(self.amqp_uri, transport_options=transport_options, ssl=self.ssl,
                                login_method=self.login_method, connect_timeout=CONNECT_TIMEOUT)
        with producers[connection].acquire(block=True, timeout=ACQUIRE_TIMEOUT) as producer:
            try:
                producer.publish(payload, headers=headers, declare=declare, **settings, **options)
            except BaseException as exc:
                discard(producer)
                if isinstance(exc, ChannelError) and "NO_ROUTE" in str(exc):
                    raise UndeliverableMessage() from exc
                raise


def discard(producer) -> None:
    """Drop the producer's connection without a closing handshake: whatever the broker still owes it
    (a late confirm, a half-read frame) goes with it. The pool reconnects on the next use."""
    drop_connection(producer.connection)


def drop_connection(connection) -> None:
    """Let go of a connection without a closing handshake: a half-open socket must not hold us."""
    try:
        connection.collect()
    except Exception:  # already gone
        log.debug("dropping a publishing connection failed", exc_info=True)
