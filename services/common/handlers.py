"""Event handlers that never lose an event and never loop on a poison one.

`handle(event_type)` subscribes a method to a contract event (source service
from contracts.EVENT_SOURCE). A handler that raises is retried with back-off:
the message is republished to its own queue with an attempt count, and only
then acked, so a crash in between redelivers the original. After
EVENT_MAX_ATTEMPTS the message goes to the dead-letter queue
`window.dead-letter`, with the error and the queue it came from, for ops to
inspect and replay through the gateway (services/common/dead_letters.py).
"""
import logging
import os

import eventlet
from kombu import Queue
from nameko.events import EventHandler

from services.common import contracts
from services.common.consumers import QuickQueueConsumer
from services.common.dead_letters import ATTEMPTS_HEADER, DEAD_LETTER_QUEUE, dead_letter_record
from services.common.pools import dedicated_pool, event_queue
from services.common.publisher import SafePublisher

log = logging.getLogger(__name__)

__all__ = ["ATTEMPTS_HEADER", "DEAD_LETTER_QUEUE", "dead_letter_queue", "handle", "retry_delay"]
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_BASE_SECONDS = 1.0


def dead_letter_queue() -> Queue:
    return Queue(DEAD_LETTER_QUEUE, durable=True, auto_delete=False)


def retry_delay(attempt: int, base: float) -> float:
    """Seconds before retry number `attempt` (1-based): base, 2·base, 4·base … capped at 60 s."""
    return min(base * 2 ** (attempt - 1), 60.0)


class ReliableEventHandler(EventHandler):
    queue_consumer = QuickQueueConsumer()  # shared with the RPC entrypoints (services/common/consumers.py)

    def setup(self):
        super().setup()
        config = self.container.config
        # The queue nameko named, with its department bindings; a dedicated worker's own pool queue instead.
        self.queue = event_queue(self.container.service_name, self.event_type, dedicated_pool(self.container),
                                 config, self.method_name)
        # nameko config first (tests), then the environment (deployments), then the defaults
        self.max_attempts = int(config.get("EVENT_MAX_ATTEMPTS")
                                or os.environ.get("EVENT_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
        self.retry_base = float(config.get("EVENT_RETRY_BASE_SECONDS")
                                or os.environ.get("EVENT_RETRY_BASE_SECONDS") or DEFAULT_RETRY_BASE_SECONDS)
        self.publisher = SafePublisher(config["AMQP_URI"], use_confirms=True, declare=[dead_letter_queue()])

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)  # a lost connection redelivers it (QuickQueueConsumer)
            return
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        eventlet.spawn_n(self._retry_or_dead_letter, message, attempts, exc_info[1])

    def _retry_or_dead_letter(self, message, attempts, error):
        headers = dict(message.headers or {})
        body = message.decode()
        try:
            if attempts < self.max_attempts:
                eventlet.sleep(retry_delay(attempts, self.retry_base))
                headers[ATTEMPTS_HEADER] = attempts
                self.publisher.publish(body, routing_key=self.queue.name, extra_headers=headers, timeout=5)
                log.warning("event %s failed (attempt %d): %r; retrying", self.event_type, attempts, error)
            else:
                record = dead_letter_record(self.queue.name, self.event_type, body, headers, attempts, error)
                self.publisher.publish(record, routing_key=DEAD_LETTER_QUEUE, timeout=5)
                log.error("event %s dead-lettered after %d attempts: %r", self.event_type, attempts, error)
        except Exception:
            # Not acked: put back at once, or (the broker connection gone) redelivered after the reconnect.
            # Never left unacked on a live connection, where it would wait for a restart to be handled.
            log.exception("could not retry event %s; putting it back", self.event_type)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


def handle(event_type: str):
    """Decorate a method as the handler of a contract event."""
    return ReliableEventHandler.decorator(contracts.EVENT_SOURCE[event_type], event_type)
