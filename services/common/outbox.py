"""Transactional outbox: a state change and the events announcing it are one write.

A service stores the events it must publish inside the very document whose
state changed (`outbox` array, `outbox_pending` flag), in the same update_one.
The relay then publishes them (persistent messages, publisher confirms) and
pulls them from the document. If the process dies between the write and the
publish, the periodic sweep publishes them later; if it dies between the
publish and the pull, the event goes out twice and consumers drop the
duplicate by its event_id. Either way nothing is lost.
"""
import contextlib
import datetime as dt
import logging
import os
import threading
import uuid

import eventlet
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange
from pymongo.errors import DuplicateKeyError

from services.common.confirms import ConfirmedBatchPublisher
from services.common.mongo import relaxed, service_database, startup
from services.common.routing import event_routing_key, parse_pools

log = logging.getLogger(__name__)

# Failpoint for the crash tests: when set to an event type, the process dies
# right after that event was stored with its state change and before it is
# published, as a power cut would do.
CRASH_BEFORE_PUBLISH = "FAILPOINT_CRASH_BEFORE_PUBLISH"


def _failpoint(events: list[dict]) -> None:
    target = os.environ.get(CRASH_BEFORE_PUBLISH)
    if target and any(evt["event_type"] == target for evt in events):
        log.critical("failpoint %s=%s: exiting before publish", CRASH_BEFORE_PUBLISH, target)
        logging.shutdown()
        os._exit(70)


def with_events(update: dict, events: list[dict]) -> dict:
    """Return `update` extended to store `events` atomically with it."""
    combined = {op: dict(fields) for op, fields in update.items()}
    combined.setdefault("$push", {})["outbox"] = {"$each": events}
    combined.setdefault("$set", {})["outbox_pending"] = True
    return combined


def update_with_events(collection, doc_id, version: int, update: dict, events: list[dict]) -> bool:
    """Apply `update` and store `events` in one write, only if the document is still at `version`
    (the version guard), and bump the version. False when someone changed it meanwhile."""
    update = {op: dict(fields) for op, fields in update.items()}
    update.setdefault("$inc", {})["version"] = 1
    result = collection.update_one({"_id": doc_id, "version": version}, with_events(update, events))
    return result.matched_count == 1


def new_document_with_events(document: dict, events: list[dict]) -> dict:
    """Return a document to insert that carries its first events."""
    return {**document, "outbox": list(events), "outbox_pending": True}


def _remaining_after(ids: list[str]) -> list[dict]:
    """One pipeline update: drop the published events, and the outbox with its pending flag once none
    is left (a smaller document for every later write)."""
    kept = {"$filter": {"input": {"$ifNull": ["$outbox", []]}, "as": "evt",
                        "cond": {"$not": [{"$in": ["$$evt.event_id", ids]}]}}}
    left = {"$gt": [{"$size": "$outbox"}, 0]}
    return [{"$set": {"outbox": kept}},
            {"$set": {"outbox": {"$cond": [left, "$outbox", "$$REMOVE"]},
                      "outbox_pending": {"$cond": [left, True, "$$REMOVE"]}}}]


class GroupedClears:
    """Removes published events from their documents, one write for every clear waiting: the first
    caller writes its own and any that queued meanwhile, the others find theirs done (group commit).
    SecantusDB serialises a collection's writes, and a write command costs it about as much again
    as each document it changes: under a burst, grouped clears hold the collection (which the next
    submissions' inserts wait for) about half as long as one write each."""

    def __init__(self, database):
        self.database = database
        self._waiting: dict[str, list] = {}
        self._writers: dict[str, threading.Lock] = {}
        self._mutex = threading.Lock()

    def clear(self, collection: str, doc_id, ids: list[str]) -> None:
        entry = {"doc_id": doc_id, "ids": ids, "error": None, "done": False}
        with self._mutex:
            self._waiting.setdefault(collection, []).append(entry)
            writer = self._writers.setdefault(collection, threading.Lock())
        with writer:
            if not entry["done"]:
                with self._mutex:
                    batch = self._waiting.pop(collection, [])
                self._write(collection, batch)
        if entry["error"] is not None:
            raise entry["error"]

    def _write(self, collection: str, batch: list[dict]) -> None:
        try:
            relaxed(self.database[collection]).update_many(
                {"_id": {"$in": [entry["doc_id"] for entry in batch]}},
                _remaining_after([event_id for entry in batch for event_id in entry["ids"]]))
        except Exception as exc:
            for entry in batch:
                entry["error"] = exc
        for entry in batch:
            entry["done"] = True


class OutboxRelay:
    """Publishes stored events. Flushes of one document are serialised in this process, so
    its events go out in the order they were stored; the sweep runs under a lease so several
    replicas do not republish the same leftovers."""

    LEASES = "outbox_leases"

    def __init__(self, database, collections: tuple[str, ...], publish_batch, lease_seconds: float = 10.0):
        self.database = database
        self.collections = collections
        # publish_batch(events): all of a document's events, confirmed (one wait for their confirms)
        self.publish_batch = publish_batch
        self.lease_seconds = lease_seconds
        self.holder = uuid.uuid4().hex
        self._locks: dict[tuple, list] = {}
        self._clears = GroupedClears(database)

    def ensure_indexes(self):
        for name in self.collections:
            self.database[name].create_index("outbox_pending", sparse=True)

    @contextlib.contextmanager
    def _document_lock(self, key: tuple):
        entry = self._locks.setdefault(key, [threading.Lock(), 0])
        entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                self._locks.pop(key, None)

    def flush(self, collection: str, doc_id, events: list[dict] | None = None) -> int:
        """Publish and remove the pending events of one document: `events` as the caller just stored
        them (no read), or, when None, whatever the document holds."""
        coll = self.database[collection]
        with self._document_lock((collection, doc_id)):
            if events is None:
                doc = coll.find_one({"_id": doc_id}, {"outbox": 1})
                events = (doc or {}).get("outbox") or []
            _failpoint(events)
            if events:
                self.publish_batch(events)
                self._clears.clear(collection, doc_id, [evt["event_id"] for evt in events])
        return len(events)

    def relay(self, collection: str, doc_id, events: list[dict], backlog: bool = False) -> None:
        """Flush in the background: the events are stored, so a crash leaves them to the sweep.
        With a backlog (events of an earlier write still pending) everything pending goes, in order."""
        _failpoint(events)
        eventlet.spawn_n(self._flush_quietly, collection, doc_id, None if backlog else events)

    def _flush_quietly(self, collection, doc_id, events):
        try:
            self.flush(collection, doc_id, events)
        except Exception:
            log.exception("outbox flush of %s/%s failed; left to the sweep", collection, doc_id)

    def take_lease(self) -> bool:
        """The sweep lease of this service (one replica sweeps at a time); renewed by its holder."""
        now = dt.datetime.now(dt.UTC)
        until = (now + dt.timedelta(seconds=self.lease_seconds)).isoformat()
        try:
            relaxed(self.database[self.LEASES]).update_one(
                {"_id": "sweep", "$or": [{"until": {"$lte": now.isoformat()}}, {"holder": self.holder}]},
                {"$set": {"holder": self.holder, "until": until}}, upsert=True)
        except DuplicateKeyError:   # another replica holds it
            return False
        return True

    def sweep(self, min_age_seconds: float = 2.0) -> int:
        """Publish events a crash left behind (older than min_age_seconds), if this replica holds the lease."""
        if not self.take_lease():
            return 0
        cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=min_age_seconds)).isoformat()
        published = 0
        for name in self.collections:
            for doc in self.database[name].find({"outbox_pending": True}, {"outbox": 1}).limit(500):
                events = doc.get("outbox") or []
                if events and min(e["occurred_at"] for e in events) <= cutoff:
                    published += self.flush(name, doc["_id"])
                elif not events:
                    self.database[name].update_one(
                        {"_id": doc["_id"], "outbox": {"$size": 0}}, {"$unset": {"outbox_pending": ""}}
                    )
        if published:
            log.info("outbox sweep published %d left-over events", published)
        return published


PUBLISH_TIMEOUT = 5.0  # seconds for one event's write and broker confirm


class Outbox(DependencyProvider):
    """Injects the service's OutboxRelay over the named collections."""

    def __init__(self, *collections: str):
        self.collections = collections
        self.relay = None

    def setup(self):
        service = self.container.service_name
        exchange = get_event_exchange(service, self.container.config)
        pools = parse_pools(self.container.config.get("DEPARTMENT_POOLS"))  # docs/scaling.md

        def message(evt: dict) -> tuple[dict, str, dict]:
            headers = {"nameko.request_id": evt["request_id"]} if evt.get("request_id") else {}
            return evt, event_routing_key(evt["event_type"], evt.get("department"), pools), headers

        # A document's events (a submission stores two) with one wait for the broker's confirms, bounded:
        # a confirm that never comes fails the batch, drops its connection (so a late confirm cannot
        # confirm another event) and leaves the events to the sweep, instead of hanging the relay.
        batches = ConfirmedBatchPublisher(self.container.config["AMQP_URI"], exchange, PUBLISH_TIMEOUT,
                                          serializer=self.container.config.get("serializer", "json"))
        self.batches = batches
        database = service_database(service, self.container.config)
        self.relay = OutboxRelay(database, self.collections,
                                 publish_batch=lambda events: batches.publish([message(evt) for evt in events]))
        with startup():
            self.relay.ensure_indexes()

    def stop(self):
        if getattr(self, "batches", None) is not None:
            self.batches.close()

    def get_dependency(self, worker_ctx):
        return self.relay
