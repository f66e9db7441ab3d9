"""MongoDB access for a service: one client per process, one database per service.

Every write is journaled by default (write concern w:1, j:true): a write that
was acknowledged, and so may have been acknowledged to a client, survives a
database crash. Bookkeeping whose loss costs nothing but a repeat (the outbox
relay pulling published events) opts out with `relaxed(collection)`.

Every call is bounded (CLIENT_TIMEOUTS): a database that is down, restarting or
answering nothing on a half-open socket fails the call with a pymongo error
within seconds (a 503 at the gateway, a retried event, the next timer tick),
instead of holding a worker forever.
"""
import contextlib
import logging
import threading

import pymongo
from nameko.extensions import DependencyProvider
from pymongo import MongoClient, WriteConcern
from pymongo.errors import BulkWriteError, OperationFailure
from pymongo.operations import IndexModel

from services.common.config import database_name, setting

_clients: dict[str, MongoClient] = {}
_lock = threading.Lock()
JOURNALED = WriteConcern(w=1, j=True)
RELAXED = WriteConcern(w=1)
# milliseconds. timeoutMS (pymongo's client-side operation timeout) bounds each operation as a whole:
# choosing a server, waiting for a pooled connection, sending and every wait for the answer (a cursor's
# each batch on its own), and the server is told the same limit (maxTimeMS). Above the slowest legitimate
# operation (a scan of a large collection on a loaded 2-core machine), far below "forever".
# In the fault suite a restarted service's update once waited two minutes for an answer with
# socketTimeoutMS at 30 s, and once more with timeoutMS set (cause not found, docs/resilience.md);
# WorkerDeadline is the backstop for such a wait.
CLIENT_TIMEOUTS = {"serverSelectionTimeoutMS": 10000, "connectTimeoutMS": 5000, "timeoutMS": 30000}
# Seconds the start-up work (index builds, one-off migrations) may take: an index built on a large
# collection of an existing deployment takes minutes, far past CLIENT_TIMEOUTS' 30 s per call.
STARTUP_TIMEOUT_SECONDS = 3600
# IndexOptionsConflict, IndexKeySpecsConflict: an index of that name exists with other options.
INDEX_CONFLICTS = (85, 86)
log = logging.getLogger(__name__)


def get_client(uri: str | None = None) -> MongoClient:
    uri = uri or setting("MONGO_URI")
    with _lock:
        if uri not in _clients:
            _clients[uri] = MongoClient(uri, tz_aware=True, w=1, journal=True, **CLIENT_TIMEOUTS)
        return _clients[uri]


def startup():
    """The time limit for a service's start-up database work (`with startup(): store.ensure_indexes()`):
    it replaces the client's per-call limit inside the block."""
    return pymongo.timeout(STARTUP_TIMEOUT_SECONDS)


def relaxed(collection):
    """The collection with acknowledged but unjournaled writes: for writes whose loss only repeats work."""
    return collection.with_options(write_concern=RELAXED)


def replace_index(collection, keys, **options) -> str:
    """create_index that migrates: an index an earlier version made under the same name with other
    options (say unique, now not) is dropped and made again, so a database from before the change
    still starts. Replicas starting together may both try; the loser finds the new index in place."""
    try:
        return collection.create_index(keys, **options)
    except OperationFailure as error:
        if error.code not in INDEX_CONFLICTS:
            raise
        name = IndexModel(keys, **options).document["name"]
        log.warning("index %s.%s changed since this database was made: rebuilding it", collection.name, name)
        try:
            collection.drop_index(name)
        except OperationFailure:
            pass  # another replica dropped it first
        return collection.create_index(keys, **options)


def drop_index_if_present(collection, name: str) -> None:
    """Drop an index an earlier version made and this one no longer uses (each one costs every write of
    its field); replicas starting together may both try."""
    if name in collection.index_information():
        try:
            collection.drop_index(name)
        except OperationFailure:
            pass  # another replica dropped it first


def service_database(service: str, config: dict | None = None):
    """The service's own database; `config` is a nameko config (or None: the environment)."""
    config = config or {}
    return get_client(config.get("MONGO_URI"))[database_name(service, config.get("MONGO_DB_PREFIX"))]


class Storage(DependencyProvider):
    """Injects the service's store: a small class with domain-level methods,
    built once per container around the service's own database."""

    def __init__(self, store_class):
        self.store_class = store_class
        self.store = None

    def setup(self):
        self.store = self.store_class(service_database(self.container.service_name, self.container.config))
        with startup():
            self.store.ensure_indexes()

    def get_dependency(self, worker_ctx):
        return self.store


DUPLICATE_KEY = 11000


def _duplicates(error: BulkWriteError) -> set[int]:
    """The positions a bulk write skipped as duplicate keys; raises `error` if it failed otherwise."""
    errors = error.details.get("writeErrors", [])
    if any(e.get("code") != DUPLICATE_KEY for e in errors):
        raise error
    return {e["index"] for e in errors}


@contextlib.contextmanager
def duplicates_ignored():
    """A bulk write whose only errors are duplicate keys (those documents were there already) succeeds."""
    try:
        yield
    except BulkWriteError as error:
        _duplicates(error)


def insert_new(collection, documents: list[dict]) -> list[dict]:
    """Insert in one unordered write the documents not there already (a duplicate key skips one);
    returns those inserted."""
    if not documents:
        return []
    try:
        collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        skipped = _duplicates(error)
        return [doc for position, doc in enumerate(documents) if position not in skipped]
    return documents
