"""The evaluation service's own collections: case_facts (_id = case_no), ratings
(one per case and round; a bad rating carries its follow-up), complaints,
accountability records, metric_counters (pre-aggregated) and settings.

Case facts remember the ids of the events applied to them, so an event handled
twice changes nothing the second time. Each write of a document also writes
what it changes in the counters, which the fold adds to them
(services/evaluation/counters_store.py).
"""
from pymongo import ASCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError

from services.common.errors import Conflict, NotFound
from services.common.mongo import drop_index_if_present
from services.evaluation import counters
from services.evaluation.counters_store import (
    COUNTED,
    FOLD_ID,
    UNCOUNTED,
    WAITING,
    CounterStore,
    count_guard,
    counted_document,
    match_stages,
    merge_updates,
    open_due_change,
    with_counting,
)
from services.evaluation.facts import OPENING, facts_from

HIDDEN = {"outbox": 0, "outbox_pending": 0, "counted": 0, UNCOUNTED: 0, WAITING: 0, "events": 0}
# what a transition reads: it counts its own change
CHANGING = {"outbox": 0, "outbox_pending": 0, UNCOUNTED: 0, WAITING: 0}


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
        drop_index_if_present(self.ratings, "case_no_1")  # one rating per case became one per round
        self.ratings.create_index([("case_no", ASCENDING), ("round", ASCENDING)], unique=True)
        self.ratings.create_index([("follow_up.status", ASCENDING), ("follow_up.rectify_by", ASCENDING)],
                                  sparse=True)
        self.ratings.create_index([("department", ASCENDING), ("rated_on", ASCENDING)])
        self.complaints.create_index([("department", ASCENDING), ("created_on", ASCENDING)])
        self.complaints.create_index([("status", ASCENDING), ("due", ASCENDING)])
        self.accountability.create_index([("year", ASCENDING), ("department", ASCENDING)])
        self.accountability.create_index([("year", ASCENDING), ("username", ASCENDING)])
        self._count_the_new_way()

    def _count_the_new_way(self) -> None:
        """Counters kept by an earlier version (each with the ids of the deltas it took, a delta pending
        per document) are rebuilt once from the documents, which know what they contribute. A database
        that has folded (or been rebuilt) has the fold document: nothing to look for."""
        if self.counter_folds.find_one({"_id": FOLD_ID}, {"_id": 1}) is not None:
            return
        if "counter_applied" in self.db.list_collection_names() or self.metric_counters.find_one(
                {"applied": {"$exists": True}}, {"_id": 1}) or any(self.db[name].find_one(
                {"counters_pending": {"$exists": True}}, {"_id": 1}) for name, _ in COUNTED):
            self.rebuild_counters()
            for name, _ in COUNTED:
                self.db[name].update_many({"counters_pending": {"$exists": True}}, {"$unset": {"counters_pending": ""}})
                drop_index_if_present(self.db[name], "counters_pending_1")
            self.db.drop_collection("counter_applied")

    # --- case facts -------------------------------------------------------------
    def record_facts(self, event: dict) -> bool:
        """Apply the facts of one case event, and what they change in the counters, in one write; False
        if this event was applied already. An opening event (one that usually finds no facts yet) first
        tries to insert them, which saves the read; a case already there is read and updated as any other."""
        case_no, event_id, facts = event["case_no"], event["event_id"], facts_from(event)
        if event["event_type"] in OPENING:
            try:
                self.case_facts.insert_one(
                    counted_document(counters.FACT, {"_id": case_no, **facts, "events": [event_id]}))
                return True
            except DuplicateKeyError:
                pass  # facts of this case are stored already (or this very event was)
        for _ in range(10):
            doc = self.case_facts.find_one({"_id": case_no}, CHANGING)  # not the deltas waiting on it
            if doc is not None and event_id in doc.get("events", []):
                return False
            update = with_counting(counters.FACT, {**(doc or {"_id": case_no}), **facts},
                                   {"$set": facts, "$push": {"events": event_id}})
            try:
                if self.case_facts.update_one(count_guard(doc or {"_id": case_no}), update,
                                              upsert=doc is None).matched_count or doc is None:
                    return True
            except DuplicateKeyError:
                pass  # another event created the case first
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
            self.ratings.insert_one(counted_document(counters.RATING, document))
        except DuplicateKeyError:
            raise Conflict(f"办件 {document['case_no']} 已评价，不能重复评价") from None

    def rating(self, rating_id: str) -> dict:
        doc = self.ratings.find_one({"_id": rating_id, "follow_up": {"$exists": True}}, CHANGING)
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
        self.complaints.insert_one(counted_document(counters.COMPLAINT, document))

    def complaint(self, complaint_id: str) -> dict:
        doc = self.complaints.find_one({"_id": complaint_id}, CHANGING)
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
    def rebuild_counters(self) -> dict:
        """Recompute every counter from the stored facts, ratings and complaints (maintenance, with the
        window quiet: a document changed while it runs may be counted as it was before)."""
        state = self.counter_folds.find_one({"_id": FOLD_ID}) or {}
        totals, seen = {}, {}
        for collection, kind in COUNTED:
            coll, fixes = self.db[collection], []
            seen[collection] = 0
            for doc in coll.find({}, {"outbox": 0, "events": 0, "history": 0}):
                seen[collection] += 1
                wanted = counters.contributions(kind, doc)
                for key, name, value in wanted:
                    fields = totals.setdefault(key, {})
                    fields[name] = fields.get(name, 0) + value
                due = open_due_change(doc) if kind == counters.FACT else {}
                if wanted != doc.get("counted") or doc.get(UNCOUNTED) is not None or due:
                    fixes.append(UpdateOne({"_id": doc["_id"]}, merge_updates(
                        {"$set": {"counted": wanted}, "$unset": {UNCOUNTED: "", WAITING: ""}}, due)))
                if len(fixes) >= 1000:
                    coll.bulk_write(fixes, ordered=False)
                    fixes = []
            if fixes:
                coll.bulk_write(fixes, ordered=False)
        seq = state.get("seq", 0)
        self.counter_folds.update_one({"_id": FOLD_ID}, {"$set": {"open": False, "seq": seq, "until": 0},
                                                         "$unset": {"sources": "", "sums": ""}}, upsert=True)
        self.replace_counters(totals, seq)
        return {"counters": len(totals), **seen}
