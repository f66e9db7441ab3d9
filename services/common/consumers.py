"""The one AMQP consumer connection of a service (nameko's shared QueueConsumer), back within a second
or two of the broker's return.

kombu retries a lost connection 2 s, 4 s, 6 s ... apart (up to 30 s): after an outage of half a minute
a service would sit idle for up to 16 s more with the broker already back. Here the attempts are at most
RECONNECT_MAX_INTERVAL apart; each refused attempt costs the broker nothing. Every entrypoint the services
use (services.common.rpc's consumer, the event handlers, the service-to-service reply listener) shares
this one consumer, as nameko's own entrypoints share theirs.
"""
import logging
from contextlib import contextmanager

import amqp.exceptions
from kombu.exceptions import KombuError
from nameko.messaging import QueueConsumer
from nameko.rpc import ReplyListener

log = logging.getLogger(__name__)

# What an ack, a reject or a reply raises when the broker connection under it is gone: the socket's
# own error (ConnectionResetError, BrokenPipeError, ...), amqp's "connection already closed" (not an
# OSError) or kombu's. nameko lets any of them, raised in a container's thread, kill the whole service.
CONNECTION_LOST = (OSError, amqp.exceptions.ConnectionError, KombuError)

RECONNECT_FIRST_INTERVAL = 0.2   # seconds
RECONNECT_MAX_INTERVAL = 1.0     # seconds


class QuickQueueConsumer(QueueConsumer):
    @contextmanager
    def establish_connection(self):
        with self.create_connection() as conn:
            conn.ensure_connection(self.on_connection_error, self.connect_max_retries,
                                   interval_start=RECONNECT_FIRST_INTERVAL, interval_step=RECONNECT_FIRST_INTERVAL,
                                   interval_max=RECONNECT_MAX_INTERVAL)
            yield conn

    # nameko ignores only amqp's own ConnectionError here; a socket reset by a broker killed mid-ack
    # (seen in the fault suite: a reply to intake acked as RabbitMQ died) escaped into a container
    # thread and killed the whole service. The message is the broker's again either way: it is
    # redelivered after the reconnect, and every consumer here takes a redelivery for what it is.
    def ack_message(self, message):
        self._settle(super().ack_message, message)

    def requeue_message(self, message):
        self._settle(super().requeue_message, message)

    @staticmethod
    def _settle(how, message):
        try:
            how(message)
        except CONNECTION_LOST as exc:
            log.warning("%s of %s lost with the broker connection (%r)", how.__name__,
                        message.delivery_info.get("routing_key"), exc)


class QuickReplyListener(ReplyListener):
    """Replies to service-to-service calls (services.common.rpc.TimeoutRpcProxy), on the shared consumer."""

    queue_consumer = QuickQueueConsumer()
