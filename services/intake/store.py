"""IntakeStore: the catalogue, applications, case-number counters and
idempotency keys, in intake's own database."""
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.outbox import new_document_with_events, update_with_events

APPLICATIONS = "applications"


def _plain(doc: dict | None) -> dict | None:
    """A stored document without Mongo's _id and outbox bookkeeping."""
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k not in ("outbox", "outbox_pending")}


def _item(doc: dict | None) -> dict | None:
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k != "_id"}


class IntakeStore:
    def __init__(self, db):
        self.items = db.items                  # current version of each item, _id = code
        self.item_versions = db.item_versions  # every version, _id = code@version
        self.applications = db[APPLICATIONS]   # _id = case_no
        self.counters = db.counters            # case-number sequences, _id = region-DEPT-date
        self.idempotency = db.idempotency      # _id = username + key

    def ensure_indexes(self):
        self.item_versions.create_index([("code", ASCENDING), ("version", ASCENDING)], unique=True)
        self.items.create_index([("department", ASCENDING), ("category", ASCENDING)])
        self.applications.create_index([("department", ASCENDING), ("status", ASCENDING)])
        self.applications.create_index("owner")

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
        doc = self.counters.find_one_and_update(
            {"_id": key}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER)
        return doc["seq"]

    # --- applications -----------------------------------------------------
    def insert_application(self, record: dict, events: list[dict]) -> bool:
        """False if a case with this number already exists (a retried submission)."""
        try:
            self.applications.insert_one(new_document_with_events(record, events))
        except DuplicateKeyError:
            return False
        return True

    def get_application(self, case_no: str) -> dict | None:
        return _plain(self.applications.find_one({"_id": case_no}, {"outbox": 0, "outbox_pending": 0}))

    def update_application(self, case_no: str, version: int, fields: dict, events: list[dict]) -> bool:
        """Version-guarded update; False if the case changed meanwhile."""
        return update_with_events(self.applications, case_no, version, {"$set": fields}, events)

    # --- idempotency ------------------------------------------------------
    def find_key(self, key_id: str) -> dict | None:
        return self.idempotency.find_one({"_id": key_id})

    def claim_key(self, key_id: str, fingerprint: str, case_no: str, at: str) -> dict:
        """Bind the key to this body and case number; returns the winning claim."""
        claim = {"_id": key_id, "fingerprint": fingerprint, "case_no": case_no, "created_at": at, "answer": None}
        try:
            self.idempotency.insert_one(claim)
        except DuplicateKeyError:
            return self.idempotency.find_one({"_id": key_id})
        return claim

    def save_answer(self, key_id: str, answer: dict) -> None:
        self.idempotency.update_one({"_id": key_id, "answer": None}, {"$set": {"answer": answer}})

    # --- queues (issue 5) -------------------------------------------------
    def pending_applications(self, scope: dict, as_of: str) -> list[dict]:
        """Records received by `as_of` and not yet accepted then, within the caller's scope."""
        query = {**scope, "received_at": {"$lte": as_of},
                 "$or": [{"accepted_at": None}, {"accepted_at": {"$gt": as_of}}]}
        return [_plain(doc) for doc in self.applications.find(query, {"outbox": 0, "outbox_pending": 0})]
