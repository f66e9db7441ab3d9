"""An ack, a requeue or a reply on a connection the broker has just lost, on a real broker.

nameko's QueueConsumer ignores only amqp's own ConnectionError there; the socket's error escaped
into a container thread and killed the whole service (the fault suite, RabbitMQ killed while a
reply to intake was being acked). QuickQueueConsumer logs it, and the broker hands the message on
again once the connection is gone."""
import socket
import time

import pytest
from kombu import Connection, Queue
from nameko.messaging import QueueConsumer
from polling import eventually

from gateway.rpc import RpcClient
from services.common.consumers import QuickQueueConsumer
from services.common.errors import Unavailable
from services.common.pools import QuickResponder
from tests.integration.test_gateway_rpc_faults import RAN, counting  # noqa: F401  (counting: a fixture)

QUEUE = "acks-on-a-lost-connection"


@pytest.fixture
def amqp_uri(service_config):
    return service_config["AMQP_URI"]


def taken_then_cut(amqp_uri):
    """A message taken (unacked) from a real queue, and its connection's socket then cut under it."""
    connection = Connection(amqp_uri)
    queue = Queue(QUEUE, durable=True)(connection.channel())
    queue.declare()
    with Connection(amqp_uri) as publisher:
        publisher.Producer().publish({"n": 1}, routing_key=QUEUE, declare=[queue])
    message = queue.get(no_ack=False)
    assert message is not None
    connection.connection.transport.sock.shutdown(socket.SHUT_RDWR)  # the amqp connection's socket
    return connection, message


def redelivered(amqp_uri):
    with Connection(amqp_uri) as connection:
        message = Queue(QUEUE, durable=True)(connection.channel()).get(no_ack=False)
        if message is not None:
            message.ack()
        return message


@pytest.mark.parametrize("settle", ["ack_message", "requeue_message"])
def test_a_lost_connection_does_not_raise_and_the_message_comes_back(amqp_uri, settle, caplog):
    connection, message = taken_then_cut(amqp_uri)
    try:
        getattr(QuickQueueConsumer(), settle)(message)   # raised OSError before
    finally:
        connection.collect()
    assert "lost with the broker connection" in caplog.text
    again = redelivered(amqp_uri)
    assert again is not None and again.payload == {"n": 1} and again.delivery_info["redelivered"]


def test_nameko_s_own_consumer_lets_the_error_through(amqp_uri):
    """What the fix is for: the same cut under nameko's QueueConsumer raises into the caller."""
    connection, message = taken_then_cut(amqp_uri)
    try:
        with pytest.raises(OSError):
            QueueConsumer().ack_message(message)
    finally:
        connection.collect()
    assert redelivered(amqp_uri) is not None


@pytest.mark.usefixtures("counting")   # the service of test_gateway_rpc_faults, started
def test_a_reply_lost_with_the_broker_leaves_the_service_serving_and_the_request_acked(
        service_config, rabbit_config, rabbit_manager, monkeypatch):
    """The reply cannot be sent (the failure injected where the broker's would surface): the caller gets
    503 at its timeout, the service goes on serving, and the request, handled once, is acked rather
    than left unacked on a live connection, where it would hold a worker's place until a restart."""
    send_response = QuickResponder.send_response

    def lost(self, result, exc_info):
        monkeypatch.setattr(QuickResponder, "send_response", send_response)  # the next reply goes out
        raise ConnectionResetError(104, "Connection reset by peer")

    client = RpcClient(service_config["AMQP_URI"], timeout=5)
    try:
        assert client.call("counting", "record", "warm-up") == "warm-up"   # both ends ready before the fault
        monkeypatch.setattr(QuickResponder, "send_response", lost)
        with pytest.raises(Unavailable):
            client.call("counting", "record", "lost", timeout=2)
        time.sleep(1.2)   # the gateway's circuit for the service stays open a cooldown (1 s) after a timeout
        assert client.call("counting", "record", "next") == "next"
    finally:
        client.close()
    assert RAN == ["warm-up", "lost", "next"]
    # the management API's counts lag (its statistics come every few seconds): polled; left unacked, 1 stays
    eventually(lambda: rabbit_manager.get_queue(rabbit_config["vhost"], "rpc-counting").get(
        "messages_unacknowledged") == 0, timeout=15)
