"""IntakeStore: the catalogue, applications and case-number counters, in intake's own database.

Writes are journaled (services.common.mongo): what a client was told survives a crash. An
application carries its own idempotency key (unique index), so a submission is
one insert: a duplicate-key error tells a retry from a new case, no read first.
"""
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.config import int_setting
from services.common.errors import Unavailable
from services.common.outbox import new_document_with_events, update_with_events
from services.intake.case_numbers import SequenceBlocks

APPLICATIONS = "applications"
KEY_INDEX = "idempotency_key"
HIDDEN = {"outbox": 0}   # outbox_pending stays: a writer must know of a backlog


def _item(doc: dict | None) -> dict | None:
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k not in ("_id", "versions")}


def version_entry(item: dict, changed_at: str, changed_by: str | None, changes: list[dict]) -> dict:
    """One audited version (who, when, what changed) with the whole item as it was then."""
    return {"version": item["version"], "changed_at": changed_at, "changed_by": changed_by, "changes": changes,
            "item": item}


class DuplicateCase(Exception):
    """The insert collided: `field` is "case_no" (number taken) or "idempotency_key" (a retry)."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class IntakeStore:
    def __init__(self, db):
        # _id = code: the current version's fields plus `versions`, every version with its audit;
        # an edit is one version-guarded write of both.
        self.items = db.items
        self.item_versions = db.item_versions  # read only: versions written before items carried their own
        self.departments = db.departments      # _id = department code
        self.applications = db[APPLICATIONS]   # _id = case_no
        self.counters = db.counters   # case-number sequences, _id = region-DEPT-date
        # Case numbers come from blocks of CASE_NUMBER_BLOCK reserved with one counter write each.
        self.sequences = SequenceBlocks(self.reserve_sequence, int_setting("CASE_NUMBER_BLOCK"))

    def ensure_indexes(self):
        self.items.create_index([("department", ASCENDING), ("category", ASCENDING)])
        self.applications.create_index([("department", ASCENDING), ("status", ASCENDING)])
        self.applications.create_index("owner")
        self.applications.create_index("status")  # the time-limit timer's scan (a whole-collection read without)
        self.applications.create_index(KEY_INDEX, unique=True, name=KEY_INDEX,
                                        partialFilterExpression={KEY_INDEX: {"$type": "string"}})

    def release_keys(self, received_before: str) -> int:
        """Idempotency keys of submissions received before `received_before` (UTC ISO) released: past the
        retention window the key may be used again; the application itself stays."""
        result = self.applications.update_many(
            {KEY_INDEX: {"$type": "string"}, "received_at": {"$lt": received_before}}, {"$set": {KEY_INDEX: None}})
        return result.modified_count

    # --- catalogue --------------------------------------------------------
    def catalogue_empty(self) -> bool:
        return self.items.find_one({}, {"_id": 1}) is None

    def seed_items(self, items: list[dict], at: str | None = None) -> int:
        """Insert the seed catalogue; concurrent starts collide on _id and skip."""
        inserted = 0
        for item in items:
            try:
                self.items.insert_one({"_id": item["code"], **item,
                                       "versions": [version_entry(item, at, "seed", [])]})
                inserted += 1
            except DuplicateKeyError:
                pass
        return inserted

    def seed_departments(self, departments: list[dict]) -> None:
        for department in departments:
            self.departments.update_one({"_id": department["code"]}, {"$setOnInsert": department}, upsert=True)

    def list_departments(self) -> dict[str, dict]:
        return {d["_id"]: {k: v for k, v in d.items() if k != "_id"} for d in self.departments.find({})}

    def list_items(self, department: str | None = None, category: str | None = None) -> list[dict]:
        query = {k: v for k, v in (("department", department), ("category", category)) if v}
        return [_item(d) for d in self.items.find(query, {"versions": 0}).sort("_id", ASCENDING)]

    def get_item(self, code: str, version: int | None = None) -> dict | None:
        if version is None:
            return _item(self.items.find_one({"_id": code}, {"versions": 0}))
        doc = self.items.find_one({"_id": code}, {"versions": 1})
        for entry in (doc or {}).get("versions") or []:
            if entry["version"] == version:
                return entry["item"]
        return _item(self.item_versions.find_one({"_id": f"{code}@{version}"}))

    def item_version(self, code: str) -> int | None:
        """The current version number of an item (the catalogue cache's check)."""
        doc = self.items.find_one({"_id": code}, {"version": 1})
        return doc["version"] if doc else None

    def item_versions_of(self, code: str) -> list[dict] | None:
        """Every version's audit (newest first), without the item copies; None for an unknown item."""
        doc = self.items.find_one({"_id": code}, {"versions": 1})
        if doc is None:
            return None
        return [{k: v for k, v in entry.items() if k != "item"} for entry in reversed(doc.get("versions") or [])]

    def create_item(self, item: dict, at: str, by: str | None) -> bool:
        """False if an item with this code exists."""
        try:
            self.items.insert_one({"_id": item["code"], **item, "versions": [version_entry(item, at, by, [])]})
        except DuplicateKeyError:
            return False
        return True

    def save_new_version(self, item: dict, at: str, by: str | None, changes: list[dict]) -> bool:
        """Make `item` (version n+1) current and record it with its audit, in one write guarded on version n."""
        fields = {k: v for k, v in item.items() if k != "versions"}
        result = self.items.update_one({"_id": item["code"], "version": item["version"] - 1},
                                       {"$set": fields, "$push": {"versions": version_entry(item, at, by, changes)}})
        return result.modified_count == 1

    # --- case numbers -----------------------------------------------------
    def next_sequence(self, key: str) -> int:
        """The next number of a sequence, journaled: a database crash never hands it out again."""
        return self.reserve_sequence(key, 1)

    def reserve_sequence(self, key: str, size: int) -> int:
        """Raise a sequence by `size`, journaled, and return its new value: the numbers
        value-size+1..value are the caller's alone, and a database crash never hands them out again."""
        for _ in range(3):
            doc = self.counters.find_one_and_update(
                {"_id": key}, {"$inc": {"seq": size}}, upsert=True, return_document=ReturnDocument.AFTER)
            if doc is not None:  # None: two first upserts of one key raced (seen on SecantusDB); again
                return doc["seq"]
        raise Unavailable("案号分配暂不可用，请稍后重试")

    def skip_taken(self, key: str, prefix: str) -> None:
        """After a collision (a counter that lost increments), move the sequence past the highest
        number already stored under `prefix` (case numbers sort by their zero-padded sequence)."""
        self.sequences.drop(key)
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

    def get_application(self, case_no: str, fields: tuple[str, ...] = ()) -> dict | None:
        """The application (without its outbox), or only `fields` of it."""
        return self.applications.find_one({"_id": case_no}, {name: 1 for name in fields} or HIDDEN)

    def application_by_key(self, key: str) -> dict | None:
        return self.applications.find_one({KEY_INDEX: key}, HIDDEN)

    def update_application(self, case_no: str, version: int, fields: dict, events: list[dict]) -> bool:
        """Version-guarded update; False if the case changed meanwhile."""
        return update_with_events(self.applications, case_no, version, {"$set": fields}, events)
    # --- queues and timers (issue 5) ----------------------------------------
    def applications_in(self, statuses, limit: int = 5000) -> list[dict]:
        return list(self.applications.find({"status": {"$in": list(statuses)}}, HIDDEN).limit(limit))

    def pending_applications(self, scope: dict, as_of: str) -> list[dict]:
        """Records received by `as_of` and not yet accepted then, within the caller's scope."""
        query = {**scope, "received_at": {"$lte": as_of},
                 "$or": [{"accepted_at": None}, {"accepted_at": {"$gt": as_of}}]}
        return list(self.applications.find(query, HIDDEN))
