"""IntakeStore: the catalogue, applications and case-number counters, in intake's own database.

Writes are journaled (services.common.mongo): what a client was told survives a crash. An
application carries its own idempotency key (unique index), so a submission is
one insert: a duplicate-key error tells a retry from a new case, no read first.
"""
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.outbox import new_document_with_events, update_with_events

APPLICATIONS = "applications"
KEY_INDEX = "idempotency_key"
HIDDEN = {"outbox": 0}   # outbox_pending stays: a writer must know of a backlog


def _item(doc: dict | None) -> dict | None:
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k != "_id"}


class DuplicateCase(Exception):
    """The insert collided: `field` is "case_no" (number taken) or "idempotency_key" (a retry)."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class IntakeStore:
    def __init__(self, db):
        self.items = db.items                  # current version of each item, _id = code
        self.item_versions = db.item_versions  # every version, _id = code@version
        self.applications = db[APPLICATIONS]   # _id = case_no
        self.counters = db.counters   # case-number sequences, _id = region-DEPT-date

    def ensure_indexes(self):
        self.item_versions.create_index([("code", ASCENDING), ("version", ASCENDING)], unique=True)
        self.items.create_index([("department", ASCENDING), ("category", ASCENDING)])
        self.applications.create_index([("department", ASCENDING), ("status", ASCENDING)])
        self.applications.create_index("owner")
        self.applications.create_index(KEY_INDEX, unique=True, name=KEY_INDEX,
                                        partialFilterExpression={KEY_INDEX: {"$type": "string"}})

    # --- catalogue --------------------------------------------------------
    def catalogue_empty(self) -> bool:
        return self.items.find_one({}, {"_id": 1}) is None

    def seed_items(self, items: list[dict]) -> int:
        """Insert the seed catalogue; concurrent starts collide on _id and skip."""
        inserted = 0
        for item in items:
            try:
                self.item_versions.insert_one({"_id": f"{item['code']}@{item['version']}", **item})
            except DuplicateKeyError:
                pass
            try:
                self.items.insert_one({"_id": item["code"], **item})
                inserted += 1
            except DuplicateKeyError:
                pass
        return inserted

    def list_items(self, department: str | None = None, category: str | None = None) -> list[dict]:
        query = {k: v for k, v in (("department", department), ("category", category)) if v}
        return [_item(d) for d in self.items.find(query).sort("_id", ASCENDING)]

    def get_item(self, code: str, version: int | None = None) -> dict | None:
        if version is None:
            return _item(self.items.find_one({"_id": code}))
        return _item(self.item_versions.find_one({"_id": f"{code}@{version}"}))

    def item_version(self, code: str) -> int | None:
        """The current version number of an item (the catalogue cache's check)."""
        doc = self.items.find_one({"_id": code}, {"version": 1})
        return doc["version"] if doc else None

    def save_new_version(self, item: dict) -> bool:
        """Store item version n+1 and make it current, unless someone else got there first."""
        try:
            self.item_versions.insert_one({"_id": f"{item['code']}@{item['version']}", **item})
        except DuplicateKeyError:
            return False
        result = self.items.replace_one({"_id": item["code"], "version": item["version"] - 1},
                                        {"_id": item["code"], **item})
        return result.modified_count == 1

    # --- case numbers -----------------------------------------------------
    def next_sequence(self, key: str) -> int:
        """The next number of a sequence, journaled: a database crash never hands it out again."""
        doc = self.counters.find_one_and_update(
            {"_id": key}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER)
        return doc["seq"]

    def skip_taken(self, key: str, prefix: str) -> None:
        """After a collision (a counter that lost increments), move the sequence past the highest
        number already stored under `prefix` (case numbers sort by their zero-padded sequence)."""
        highest = self.applications.find_one({"_id": {"$gte": prefix, "$lt": prefix + "~"}}, {"_id": 1},
                                             sort=[("_id", DESCENDING)])
        if highest:
            self.counters.update_one({"_id": key}, {"$max": {"seq": int(highest["_id"].rsplit("-", 1)[1])}},
                                     upsert=True)

    # --- applications -----------------------------------------------------
    def insert_application(self, record: dict, events: list[dict]) -> None:
        """Store a new application with its first events; DuplicateCase says which key collided."""
        try:
            self.applications.insert_one(new_document_with_events(record, events))
        except DuplicateKeyError as exc:
            pattern = (exc.details or {}).get("keyPattern") or {}
            raise DuplicateCase(KEY_INDEX if KEY_INDEX in pattern or KEY_INDEX in str(exc) else "case_no") from None

    def get_application(self, case_no: str) -> dict | None:
        return self.applications.find_one({"_id": case_no}, HIDDEN)

    def application_by_key(self, key: str) -> dict | None:
        return self.applications.find_one({KEY_INDEX: key}, HIDDEN)

    def update_application(self, case_no: str, version: int, fields: dict, events: list[dict]) -> bool:
        """Version-guarded update; False if the case changed meanwhile."""
        return update_with_events(self.applications, case_no, version, {"$set": fields}, events)
