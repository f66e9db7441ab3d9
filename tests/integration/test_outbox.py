"""The outbox on a real broker and database: events stored with a state change
reach their queues, including those a crash left unpublished."""
import threading
import time
import uuid

import eventlet
from kombu import Connection
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from pymongo import MongoClient, monitoring

from services.common import contracts
from services.common.mongo import service_database
from services.common.outbox import OutboxRelay, new_document_with_events, update_with_events, with_events
from services.common.topology import event_queue


def closed_event(case_no):
    fields = {name: "x" for name in contracts.EVENT_FIELDS[contracts.CASE_CLOSED]}
    return contracts.event(contracts.CASE_CLOSED, **{**fields, "case_no": case_no})


def make_relay(config):
    exchange = get_event_exchange("approval", {})
    publisher = Publisher(config["AMQP_URI"], use_confirms=True, declare=[exchange])

    def publish_batch(events):
        for evt in events:
            publisher.publish(evt, exchange=exchange, routing_key=evt["event_type"])

    database = service_database("approval", config)
    relay = OutboxRelay(database, ("cases",), publish_batch)
    relay.ensure_indexes()
    return relay, database


def drain(config, service, event_type):
    bodies = []
    with Connection(config["AMQP_URI"]) as connection:
        queue = event_queue(service, event_type).bind(connection.default_channel)
        while (message := queue.get(no_ack=True)) is not None:
            bodies.append(message.decode())
    return bodies


def test_flush_publishes_and_clears(service_config):
    relay, database = make_relay(service_config)
    evt = closed_event("C-1")
    database.cases.insert_one(new_document_with_events({"_id": "C-1", "status": "closed"}, [evt]))
    assert relay.flush("cases", "C-1") == 1
    doc = database.cases.find_one({"_id": "C-1"})
    assert not doc.get("outbox") and "outbox_pending" not in doc
    assert [b["event_id"] for b in drain(service_config, "evaluation", contracts.CASE_CLOSED)] == [evt["event_id"]]


def test_sweep_publishes_what_a_crash_left_behind(service_config):
    relay, database = make_relay(service_config)
    database.cases.insert_one({"_id": "C-2", "status": "approved", "version": 1})
    evt = closed_event("C-2")
    evt["occurred_at"] = "2020-01-01T00:00:00+00:00"  # stored long ago, never published
    database.cases.update_one({"_id": "C-2"}, with_events({"$set": {"status": "closed"}}, [evt]))
    assert relay.sweep(min_age_seconds=1) == 1
    assert relay.sweep(min_age_seconds=1) == 0
    assert [b["case_no"] for b in drain(service_config, "evaluation", contracts.CASE_CLOSED)] == ["C-2"]


def test_sweep_leaves_fresh_events_to_their_own_flush(service_config):
    relay, database = make_relay(service_config)
    database.cases.insert_one(new_document_with_events({"_id": uuid.uuid4().hex}, [closed_event("C-3")]))
    assert relay.sweep(min_age_seconds=60) == 0


def test_published_events_are_persistent(service_config):
    relay, database = make_relay(service_config)
    database.cases.insert_one(new_document_with_events({"_id": "C-4"}, [closed_event("C-4")]))
    relay.flush("cases", "C-4")
    with Connection(service_config["AMQP_URI"]) as connection:
        message = event_queue("evaluation", contracts.CASE_CLOSED).bind(connection.default_channel).get(no_ack=True)
    assert message.properties["delivery_mode"] == 2


def test_update_with_events_is_version_guarded(service_config):
    relay, database = make_relay(service_config)
    database.cases.insert_one({"_id": "C-5", "status": "approved", "version": 3})
    assert not update_with_events(database.cases, "C-5", 2, {"$set": {"status": "closed"}}, [closed_event("C-5")])
    assert database.cases.find_one({"_id": "C-5"}) == {"_id": "C-5", "status": "approved", "version": 3}
    assert update_with_events(database.cases, "C-5", 3, {"$set": {"status": "closed"}}, [closed_event("C-5")])
    doc = database.cases.find_one({"_id": "C-5"})
    assert (doc["status"], doc["version"], len(doc["outbox"]), doc["outbox_pending"]) == ("closed", 4, 1, True)


def test_flush_of_stored_events_publishes_them_without_reading_and_keeps_the_rest(service_config):
    relay, database = make_relay(service_config)
    earlier, mine = closed_event("C-6"), closed_event("C-6")
    database.cases.insert_one(new_document_with_events({"_id": "C-6"}, [earlier, mine]))
    assert relay.flush("cases", "C-6", [mine]) == 1      # only what this writer stored
    doc = database.cases.find_one({"_id": "C-6"})
    assert [e["event_id"] for e in doc["outbox"]] == [earlier["event_id"]] and doc["outbox_pending"] is True
    relay.flush("cases", "C-6", [mine])  # a repeat: as many events as the outbox holds, but not the same one
    doc = database.cases.find_one({"_id": "C-6"})
    assert [e["event_id"] for e in doc["outbox"]] == [earlier["event_id"]] and doc["outbox_pending"] is True
    assert relay.flush("cases", "C-6", [earlier]) == 1
    assert "outbox_pending" not in database.cases.find_one({"_id": "C-6"})
    assert [b["event_id"] for b in drain(service_config, "evaluation", contracts.CASE_CLOSED)] == [
        mine["event_id"], mine["event_id"], earlier["event_id"]]  # the repeat too: consumers are idempotent


def test_two_flushes_of_one_document_do_not_interleave(service_config):
    published = []
    relay, database = make_relay(service_config)

    def slow_publish(events):
        eventlet.sleep(0.2 if events[0]["case_no"] == "first" else 0)
        published.extend(evt["event_id"] for evt in events)

    relay.publish_batch = slow_publish
    first = [closed_event("first"), closed_event("first")]
    second = [closed_event("second")]
    database.cases.insert_one(new_document_with_events({"_id": "C-7"}, first + second))
    one = eventlet.spawn(relay.flush, "cases", "C-7", first)
    eventlet.sleep(0.05)
    two = eventlet.spawn(relay.flush, "cases", "C-7", second)
    one.wait(), two.wait()
    assert published == [e["event_id"] for e in first + second]


class UpdateCommands(monitoring.CommandListener):
    def __init__(self):
        self.count = 0

    def started(self, event):
        self.count += event.command_name == "update"

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_clears_waiting_together_are_one_write_and_each_document_loses_only_its_published_events(
        service_config):
    relay, database = make_relay(service_config)
    updates = UpdateCommands()
    client = MongoClient(service_config["MONGO_URI"], event_listeners=[updates])
    relay._clears.database = client[database.name]
    documents = [f"G-{n}" for n in range(8)]
    stored = {doc_id: [closed_event(doc_id), closed_event(doc_id)] for doc_id in documents}
    for doc_id, events in stored.items():
        database.cases.insert_one(new_document_with_events({"_id": doc_id}, events))
    together = threading.Barrier(len(documents))
    relay.publish_batch = lambda events: together.wait(10)
    flushes = [threading.Thread(target=relay.flush, args=("cases", doc_id, stored[doc_id][:1 + (n % 2)]))
               for n, doc_id in enumerate(documents)]
    for flush in flushes:
        flush.start()
    for flush in flushes:
        flush.join(30)
    client.close()
    assert 1 <= updates.count < len(documents)
    for n, doc_id in enumerate(documents):
        doc = database.cases.find_one({"_id": doc_id})
        if n % 2:   # both published: nothing left, not even the empty outbox
            assert "outbox" not in doc and "outbox_pending" not in doc
        else:       # the second was stored but not published: it stays, pending
            assert [e["event_id"] for e in doc["outbox"]] == [stored[doc_id][1]["event_id"]]
            assert doc["outbox_pending"] is True


def test_only_the_lease_holder_sweeps(service_config):
    first, database = make_relay(service_config)
    second, _ = make_relay(service_config)
    first.lease_seconds = 1
    database.cases.insert_one({"_id": "C-8", "version": 1})
    evt = closed_event("C-8")
    evt["occurred_at"] = "2020-01-01T00:00:00+00:00"
    database.cases.update_one({"_id": "C-8"}, with_events({"$set": {"status": "closed"}}, [evt]))
    assert first.take_lease() and not second.take_lease()
    assert second.sweep(min_age_seconds=1) == 0                     # leftovers are the holder's
    assert first.take_lease()                                         # the holder renews
    time.sleep(1.1)                                                   # the holder died: its lease runs out
    assert second.sweep(min_age_seconds=1) == 1 and not first.take_lease()
    assert len(drain(service_config, "evaluation", contracts.CASE_CLOSED)) == 1
