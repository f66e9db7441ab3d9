"""Services publish with every wait bounded and never take a late confirm for another message's
(services/common/publisher.py), on the real broker.

The late confirm: a publish whose confirm does not come in time fails, but the broker may still owe that
confirm. py-amqp takes the next ack it reads as the confirm of whatever it waits for, whatever its
delivery tag, so a message the broker refused could count as confirmed. The test makes the broker refuse
the message after a timed-out one (a queue with no room that rejects publishes) and asserts the refusal
is seen. (On this stack nameko's own Publisher also saw the refusal in every try, 12 in a row: the gap
was not reproduced; SafePublisher drops the connection regardless, so it cannot arise.)
"""
import socket
import threading
import time
import uuid

import pytest
from amqp.exceptions import MessageNacked
from kombu import Connection, Queue

from services.common.publisher import PublishTimeout, SafePublisher


def declare_queues(amqp_uri: str) -> tuple[str, str]:
    roomy, full = f"confirms-{uuid.uuid4().hex[:8]}", f"confirms-full-{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        Queue(roomy, durable=True, channel=channel).declare()
        Queue(full, durable=True, channel=channel,
              queue_arguments={"x-max-length": 0, "x-overflow": "reject-publish"}).declare()
    return roomy, full


BIG = "x" * 4_000_000  # a persistent message the broker confirms only once its 4 MB are on disk


def late_confirm_then_refused(publisher, roomy: str, full: str) -> None:
    """Publish to `roomy` with no time for the confirm, then to `full`, which the broker refuses."""
    with pytest.raises(OSError):  # the confirm wait timed out (socket.timeout)
        publisher.publish({"n": 1, "pad": BIG}, routing_key=roomy, retry=False, confirm_timeout=1e-6)
    time.sleep(1.0)  # the late confirm is on its way (a refusal of the next message must not overtake it)
    publisher.publish({"n": 2}, routing_key=full, retry=False, confirm_timeout=5)


def test_a_late_confirm_never_confirms_the_next_message(service_config):
    roomy, full = declare_queues(service_config["AMQP_URI"])
    with pytest.raises(MessageNacked):
        late_confirm_then_refused(SafePublisher(service_config["AMQP_URI"]), roomy, full)


def test_the_connection_after_a_failed_publish_confirms_correctly(service_config):
    roomy, _ = declare_queues(service_config["AMQP_URI"])
    publisher = SafePublisher(service_config["AMQP_URI"])
    with pytest.raises(OSError):
        publisher.publish({"n": 1, "pad": BIG}, routing_key=roomy, retry=False, confirm_timeout=1e-6)
    publisher.publish({"n": 2}, routing_key=roomy, retry=False, confirm_timeout=5)
    with Connection(service_config["AMQP_URI"]) as connection:
        queue = Queue(roomy, channel=connection.channel())
        assert queue.queue_declare(passive=True).message_count == 2  # the first went through, only its confirm was late


def test_a_broker_that_never_answers_fails_the_publish_within_its_deadline():
    """A peer that accepts the connection and then says nothing (a half-open or frozen broker)."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    publisher = SafePublisher(f"amqp://guest:guest@127.0.0.1:{silent.getsockname()[1]}/", deadline=2.0)
    started = time.monotonic()
    try:
        with pytest.raises(PublishTimeout):
            publisher.publish({"n": 1}, routing_key="anything", timeout=30)
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        silent.close()
