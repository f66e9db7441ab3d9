"""The evaluation service's own collections: case_facts (_id = case_no), ratings
(one per case), follow_ups (回访整改) and complaints.

Case facts remember the ids of the events applied to them, so an event handled
twice changes nothing the second time.
"""
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.common.errors import Conflict, NotFound

FACT_FIELDS = ("accepted_on", "refused", "decided_on", "on_time", "early", "used_working_days")


def _period(department, date_from, date_to, date_field) -> dict:
    query = {"department": department} if department else {}
    span = {op: value for op, value in (("$gte", date_from), ("$lte", date_to)) if value}
    if span:
        query[date_field] = span
    return query


class EvaluationStore:
    def __init__(self, db):
        self.case_facts = db.case_facts
        self.ratings = db.ratings
        self.follow_ups = db.follow_ups
        self.complaints = db.complaints

    def ensure_indexes(self):
        self.case_facts.create_index([("department", ASCENDING), ("received_on", ASCENDING)])
        self.ratings.create_index("case_no", unique=True)
        self.ratings.create_index([("department", ASCENDING), ("received_on", ASCENDING)])
        self.follow_ups.create_index([("status", ASCENDING), ("rectify_by", ASCENDING)])
        self.complaints.create_index([("department", ASCENDING), ("created_on", ASCENDING)])

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
        return self.case_facts.find_one({"_id": case_no}, {"events": 0})

    def facts_in_period(self, department, date_from, date_to) -> list[dict]:
        projection = {name: 1 for name in FACT_FIELDS}
        return list(self.case_facts.find(_period(department, date_from, date_to, "received_on"), projection))

    # --- ratings and follow-ups ---------------------------------------------------
    def add_rating(self, document: dict) -> None:
        try:
            self.ratings.insert_one(document)
        except DuplicateKeyError:
            raise Conflict(f"办件 {document['case_no']} 已评价，不能重复评价") from None

    def open_follow_up(self, follow_up: dict) -> None:
        self.follow_ups.update_one({"_id": follow_up["_id"]}, {"$setOnInsert": follow_up}, upsert=True)

    def ratings_in_period(self, department, date_from, date_to) -> list[dict]:
        return list(self.ratings.find(_period(department, date_from, date_to, "received_on"), {"level": 1}))

    # --- complaints -----------------------------------------------------------------
    def add_complaint(self, document: dict) -> None:
        self.complaints.insert_one(document)

    def complaint(self, complaint_id: str) -> dict:
        doc = self.complaints.find_one({"_id": complaint_id}, {"outbox": 0, "outbox_pending": 0})
        if doc is None:
            raise NotFound(f"投诉 {complaint_id} 不存在")
        return doc

    def count_complaints(self, department, date_from, date_to) -> int:
        return self.complaints.count_documents(_period(department, date_from, date_to, "created_on"))
