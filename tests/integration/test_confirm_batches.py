"""A document's events published as one batch with one wait for the broker's confirms (real broker)."""
import socket

import pytest
from kombu import Connection
from nameko.standalone.events import get_event_exchange

from services.common import contracts
from services.common.confirms import ConfirmedBatchPublisher
from services.common.mongo import service_database
from services.common.outbox import OutboxRelay, new_document_with_events
from services.common.topology import event_queue


def closed_event(case_no, n):
    fields = {name: "x" for name in contracts.EVENT_FIELDS[contracts.CASE_CLOSED]}
    return contracts.event(contracts.CASE_CLOSED, **{**fields, "case_no": case_no, "status": str(n)})


def drain(config):
    with Connection(config["AMQP_URI"]) as connection:
        queue = event_queue("evaluation", contracts.CASE_CLOSED).bind(connection.default_channel)
        messages = []
        while (message := queue.get(no_ack=True)) is not None:
            messages.append(message)
        return messages


def batch_publisher(config, timeout=5.0):
    return ConfirmedBatchPublisher(config["AMQP_URI"], get_event_exchange("approval", {}), timeout)


def test_a_batch_arrives_in_order_persistent_with_its_headers(service_config):
    publisher = batch_publisher(service_config)
    events = [closed_event("C-1", n) for n in range(3)]
    publisher.publish([(evt, contracts.CASE_CLOSED, {"nameko.request_id": f"r{n}"}) for n, evt in enumerate(events)])
    messages = drain(service_config)
    assert [m.decode()["event_id"] for m in messages] == [e["event_id"] for e in events]
    assert [m.headers["nameko.request_id"] for m in messages] == ["r0", "r1", "r2"]
    assert all(m.properties["delivery_mode"] == 2 for m in messages)
    publisher.close()


def test_a_dropped_connection_fails_one_batch_and_the_next_connects_again(service_config):
    publisher = batch_publisher(service_config)
    publisher.publish([(closed_event("C-2", 0), contracts.CASE_CLOSED, {})])
    publisher._connection.connection._transport.sock.shutdown(socket.SHUT_RDWR)   # the broker connection dies
    with pytest.raises(Exception):  # noqa: B017 - whichever error the dead socket gives
        publisher.publish([(closed_event("C-2", 1), contracts.CASE_CLOSED, {})])
    publisher.publish([(closed_event("C-2", 2), contracts.CASE_CLOSED, {})])
    assert [m.decode()["status"] for m in drain(service_config)] == ["0", "2"]
    publisher.close()


def test_no_broker_raises_within_the_timeout(service_config):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    publisher = ConfirmedBatchPublisher(f"amqp://guest:guest@127.0.0.1:{port}//", get_event_exchange("approval", {}),
                                        1.0, connect=lambda uri: Connection(uri, connect_timeout=1))
    with pytest.raises(Exception):  # noqa: B017 - a connection error
        publisher.publish([(closed_event("C-3", 0), contracts.CASE_CLOSED, {})])


def test_the_relay_publishes_a_documents_events_as_one_batch(service_config):
    publisher, batches = batch_publisher(service_config), []

    def publish_batch(events):
        batches.append(len(events))
        publisher.publish([(evt, evt["event_type"], {}) for evt in events])

    database = service_database("approval", service_config)
    relay = OutboxRelay(database, ("cases",), publish_batch)
    events = [closed_event("C-4", n) for n in range(2)]
    database.cases.insert_one(new_document_with_events({"_id": "C-4", "status": "closed"}, events))
    assert relay.flush("cases", "C-4") == 2 and batches == [2]
    assert not database.cases.find_one({"_id": "C-4"}).get("outbox")
    assert [m.decode()["status"] for m in drain(service_config)] == ["0", "1"]
    publisher.close()
