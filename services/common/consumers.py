"""The one AMQP consumer connection of a service (nameko's shared QueueConsumer), back within a second
or two of the broker's return.

kombu retries a lost connection 2 s, 4 s, 6 s ... apart (up to 30 s): after an outage of half a minute
a service would sit idle for up to 16 s more with the broker already back. Here the attempts are at most
RECONNECT_MAX_INTERVAL apart; each refused attempt costs the broker nothing. Every entrypoint the services
use (services.common.rpc's consumer, the event handlers, the service-to-service reply listener) shares
this one consumer, as nameko's own entrypoints share theirs.
"""
from contextlib import contextmanager

from nameko.messaging import QueueConsumer
from nameko.rpc import ReplyListener

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


class QuickReplyListener(ReplyListener):
    """Replies to service-to-service calls (services.common.rpc.TimeoutRpcProxy), on the shared consumer."""

    queue_consumer = QuickQueueConsumer()
