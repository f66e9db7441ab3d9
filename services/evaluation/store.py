"""The evaluation service's own collections: case_facts (_id = case_no), ratings
(one per case and round; a bad rating carries its follow-up), complaints,
accountability records, metric_counters (pre-aggregated) and settings.

Case facts remember the ids of the events applied to them, so an event handled
twice changes nothing the second time. Counters follow the documents through
`reconcile` (see services/evaluation/counters.py).
"""
import time

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError

from services.common.errors import Conflict, NotFound
from services.evaluation import counters
from services.evaluation.counters_store import STALE_SECONDS, CounterStore, match_stages

HIDDEN = {"outbox": 0, "outbox_pending": 0, "counted": 0, "counters_pending": 0, "events": 0}


class EvaluationStore(CounterStore):
    def __init__(self, db):
        super().__init__(db)
        self.case_facts = db.case_facts
        self.ratings = db.ratings
        self.complaints = db.complaints
        self.accountability = db.accountability
        self.settings = db.settings

    def ensure_indexes(self):
        super().ensure_indexes()
        self.case_facts.create_index([("department", ASCENDING), ("received_on", ASCENDING)])
        self.case_facts.create_index([("open_due", ASCENDING)], sparse=True)
        if "case_no_1" in self.ratings.index_information():  # one rating per case became one per round
            self.ratings.drop_index("case_no_1")
        self.ratings.create_index([("case_no", ASCENDING), ("round", ASCENDING)], unique=True)
        self.ratings.create_index([("follow_up.status", ASCENDING), ("follow_up.rectify_by", ASCENDING)],
                                  sparse=True)
        self.ratings.create_index([("department", ASCENDING), ("rated_on", ASCENDING)])
        self.complaints.create_index([("department", ASCENDING), ("created_on", ASCENDING)])
        self.complaints.create_index([("status", ASCENDING), ("due", ASCENDING)])
        self.accountability.create_index([("year", ASCENDING), ("department", ASCENDING)])
        self.accountability.create_index([("year", ASCENDING), ("username", ASCENDING)])
        for collection in (self.case_facts, self.ratings, self.complaints):
            collection.create_index("counters_pending", sparse=True)

    # --- case facts -------------------------------------------------------------
    def record_facts(self, case_no: str, event_id: str, facts: dict) -> bool:
        """Apply one event's facts once; False if this event was already applied."""
        for _ in range(3):
            try:
                self.case_facts.update_one(
                    {"_id": case_no, "events": {"$ne": event_id}},
                    {"$set": facts, "$addToSet": {"events": event_id}},
                    upsert=True,
                )
                return True
            except DuplicateKeyError:
                # Either the event was applied already, or another event created the case first: retry.
                if self.case_facts.count_documents({"_id": case_no, "events": event_id}, limit=1):
                    return False
        raise RuntimeError(f"could not record facts of {case_no}")

    def facts(self, case_no: str) -> dict | None:
        return self.case_facts.find_one({"_id": case_no}, {"events": 0, "counted": 0})

    def pending_by_due(self, department) -> dict[str, int]:
        """{promised date: open cases} of cases accepted and not decided, from the open-case counters
        (one per promised date and department), grouped by the database."""
        match = {"grain": counters.OPEN, **({"department": department} if department else {})}
        rows = self.metric_counters.aggregate([*match_stages(match, {"open": {"$gt": 0}}),
                                               {"$group": {"_id": "$day", "n": {"$sum": "$open"}}}])
        return {row["_id"]: row["n"] for row in rows if row["n"]}

    # --- ratings and follow-ups ---------------------------------------------------
    def ratings_of(self, case_no: str) -> list[dict]:
        return list(self.ratings.find({"case_no": case_no}, HIDDEN).sort("round", ASCENDING))

    def add_rating(self, document: dict) -> None:
        try:
            self.ratings.insert_one(document)
        except DuplicateKeyError:
            raise Conflict(f"办件 {document['case_no']} 已评价，不能重复评价") from None

    def rating(self, rating_id: str) -> dict:
        doc = self.ratings.find_one({"_id": rating_id, "follow_up": {"$exists": True}}, HIDDEN)
        if doc is None:
            raise NotFound(f"回访整改 {rating_id} 不存在")
        return doc

    def follow_ups(self, department, state, limit: int) -> list[dict]:
        query = {"follow_up": {"$exists": True}}
        if department:
            query["department"] = department
        if state:
            query["follow_up.status"] = state
        return list(self.ratings.find(query, HIDDEN).sort("follow_up.rectify_by", ASCENDING).limit(limit))

    def overdue_follow_ups(self, today: str, limit: int = 200) -> list[dict]:
        return list(self.ratings.find({"follow_up.status": {"$ne": "closed"}, "follow_up.rectify_by": {"$lt": today},
                                       "follow_up.overdue_recorded": {"$ne": True}}).limit(limit))

    def mark_overdue_recorded(self, rating_id: str) -> None:
        self.ratings.update_one({"_id": rating_id}, {"$set": {"follow_up.overdue_recorded": True}})

    # --- complaints -----------------------------------------------------------------
    def add_complaint(self, document: dict) -> None:
        self.complaints.insert_one(document)

    def complaint(self, complaint_id: str) -> dict:
        doc = self.complaints.find_one({"_id": complaint_id}, HIDDEN)
        if doc is None:
            raise NotFound(f"投诉 {complaint_id} 不存在")
        return doc

    def list_complaints(self, department, status, limit: int) -> list[dict]:
        query = {**({"department": department} if department else {}), **({"status": status} if status else {})}
        return list(self.complaints.find(query, HIDDEN).sort([("due", ASCENDING), ("created_at", ASCENDING)])
                    .limit(limit))

    # --- accountability ----------------------------------------------------------
    def add_record(self, record: dict) -> bool:
        """Store a record once (its _id is a natural key); False if it was there already."""
        try:
            self.accountability.insert_one(record)
            return True
        except DuplicateKeyError:
            return False

    def records(self, year: int, department=None, username=None) -> list[dict]:
        query = {"year": year, **({"department": department} if department else {}),
                 **({"username": username} if username else {})}
        return list(self.accountability.find(query).sort("date", ASCENDING))

    def record_counts(self, year: int, department=None) -> tuple[list[dict], list[dict]]:
        """Records per person and per unit in a year, counted by the database."""
        match = {"year": year, **({"department": department} if department else {})}

        def grouped(key: str) -> list[dict]:
            rows = self.accountability.aggregate([
                {"$match": {"$and": [match, {key: {"$ne": None}}]}},
                {"$group": {"_id": f"${key}", "records": {"$sum": 1}, "sources": {"$push": "$source"},
                            "department": {"$first": "$department"}}},
            ])
            return [{key: row["_id"], "records": row["records"], "sources": sorted(row["sources"]),
                     **({"department": row["department"]} if key == "username" else {})} for row in rows]

        return grouped("username"), grouped("department")

    # --- settings (tiny) -----------------------------------------------------------
    def setting(self, name: str) -> dict | None:
        return self.settings.find_one({"_id": name})

    def save_setting(self, name: str, value: dict) -> None:
        self.settings.replace_one({"_id": name}, {"_id": name, **value}, upsert=True)

    # --- counters ------------------------------------------------------------------
    def reconcile(self, collection: str, kind: str, doc_id) -> None:
        """Bring the counters in line with one document: apply a delta left pending by a crash,
        then the difference between what the document contributes now and what it did."""
        coll = self.db[collection]
        for _ in range(10):
            read_at = time.monotonic()
            doc = coll.find_one({"_id": doc_id}, {"outbox": 0, "events": 0})
            if doc is None:
                return
            if doc.get("counters_pending"):
                if time.monotonic() - read_at > STALE_SECONDS:
                    continue  # read too long ago: its id may be pruned from the counters by now
                self._settle(coll, collection, doc_id, doc["counters_pending"])
                continue
            wanted = counters.contributions(kind, doc)
            extra = {"open_due": counters.open_due(doc)} if kind == counters.FACT else {}
            if wanted == doc.get("counted", []) and all(doc.get(k) == v for k, v in extra.items()):
                return
            seq = doc.get("counted_seq", 0)
            delta = counters.difference(doc.get("counted"), wanted)
            update = {"$set": {"counted": wanted, "counted_seq": seq + 1}}
            for name, value in extra.items():
                if value is None:
                    update.setdefault("$unset", {})[name] = ""
                else:
                    update["$set"][name] = value
            if delta:
                update["$set"]["counters_pending"] = {
                    "id": f"{doc_id}:{seq + 1}",
                    "delta": [[key, name, value] for key, fields in delta.items() for name, value in fields.items()],
                }
            guard = {"_id": doc_id, "counted_seq": seq if seq else {"$exists": False},
                     "counters_pending": {"$exists": False}}
            if not coll.update_one(guard, update).matched_count:
                continue  # another worker moved the document on: read it again
            # Ours: the document now counts what it contributes, and holds this delta until it is applied.
            # No read back: whoever changes the document next reconciles it after (the sweep, after a crash).
            if delta:
                if time.monotonic() - read_at > STALE_SECONDS:
                    continue  # too long since the read to apply from memory: the pending branch applies it
                self._settle(coll, collection, doc_id, update["$set"]["counters_pending"])
            return
        raise RuntimeError(f"could not reconcile counters of {collection}/{doc_id}")

    def _settle(self, coll, collection: str, doc_id, pending: dict) -> None:
        """Apply a document's pending delta to the counters (at most once each), note it, clear it."""
        self.apply_delta(pending["id"], pending["delta"])
        self.finish_delta(pending["id"], pending["delta"], [collection, doc_id])
        coll.update_one({"_id": doc_id, "counters_pending.id": pending["id"]}, {"$unset": {"counters_pending": ""}})

    def still_pending(self, collection: str, doc_id, delta_id: str) -> bool:
        """Does the document still hold this delta (a crash left it to be applied and cleared)?"""
        return delta_id in self.pending_among([{"_id": delta_id, "source": [collection, doc_id]}])

    def pending_among(self, records: list[dict]) -> set[str]:
        """The ids of those finished deltas (counter_applied records) whose document still holds them."""
        by_collection: dict = {}
        for record in records:
            collection, doc_id = record["source"]
            by_collection.setdefault(collection, ([], []))
            by_collection[collection][0].append(doc_id)
            by_collection[collection][1].append(record["_id"])
        held = set()
        for collection, (doc_ids, delta_ids) in by_collection.items():
            held.update(doc["counters_pending"]["id"] for doc in self.db[collection].find(
                {"_id": {"$in": doc_ids}, "counters_pending.id": {"$in": delta_ids}}, {"counters_pending.id": 1}))
        return held

    def prune_applied_ids(self, now: float | None = None) -> int:
        return self.prune_applied(self.pending_among, now)

    def pending_reconciles(self, limit: int = 200) -> list[tuple[str, str, object]]:
        """Documents a crash left with a delta not yet applied."""
        found = []
        for collection, kind in (("case_facts", counters.FACT), ("ratings", counters.RATING),
                                 ("complaints", counters.COMPLAINT)):
            found += [(collection, kind, d["_id"]) for d in
                      self.db[collection].find({"counters_pending": {"$exists": True}}, {"_id": 1}).limit(limit)]
        return found

    def rebuild_counters(self) -> dict:
        """Recompute every counter from the stored facts, ratings and complaints (maintenance)."""
        totals, seen = {}, {}
        for collection, kind in (("case_facts", counters.FACT), ("ratings", counters.RATING),
                                 ("complaints", counters.COMPLAINT)):
            coll, fixes = self.db[collection], []
            seen[collection] = 0
            for doc in coll.find({}, {"outbox": 0, "events": 0, "history": 0}):
                seen[collection] += 1
                wanted = counters.contributions(kind, doc)
                for key, name, value in wanted:
                    fields = totals.setdefault(key, {})
                    fields[name] = fields.get(name, 0) + value
                extra = {"open_due": counters.open_due(doc)} if kind == counters.FACT else {}
                if wanted != doc.get("counted") or doc.get("counters_pending") or any(
                        doc.get(k) != v for k, v in extra.items()):
                    update = {"$set": {"counted": wanted}, "$unset": {"counters_pending": ""}}
                    for name, value in extra.items():
                        if value is None:
                            update["$unset"][name] = ""
                        else:
                            update["$set"][name] = value
                    fixes.append(UpdateOne({"_id": doc["_id"]}, update))
                if len(fixes) >= 1000:
                    coll.bulk_write(fixes, ordered=False)
                    fixes = []
            if fixes:
                coll.bulk_write(fixes, ordered=False)
        self.replace_counters(totals)
        return {"counters": len(totals), **seen}

