"""Approval's own collections: cases (_id = case_no), certificates, counters, calendar_years."""
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.errors import Conflict, NotFound
from services.common.outbox import update_with_events

CASES = "cases"


class ApprovalStore:
    def __init__(self, db):
        self.db = db
        self.cases = db[CASES]
        self.certificates = db["certificates"]
        self.counters = db["counters"]
        self.calendar = db["calendar_years"]

    def ensure_indexes(self):
        self.cases.create_index([("department", ASCENDING), ("status", ASCENDING)])
        self.certificates.create_index("case_no", unique=True)

    # --- cases ------------------------------------------------------------------
    def insert_case(self, document: dict) -> bool:
        """Store a new case; False if the case number is already there (opened before)."""
        try:
            self.cases.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    def case(self, case_no: str) -> dict:
        document = self.cases.find_one({"_id": case_no}, {"outbox": 0, "outbox_pending": 0})
        if document is None:
            raise NotFound(f"办件 {case_no} 不存在")
        return document

    def update_case(self, case_no: str, version: int, update: dict, events: list[dict]) -> None:
        """Apply one change and its events in one write, if nobody changed the case since `version`."""
        if not update_with_events(self.cases, case_no, version, update, events):
            raise Conflict(f"办件 {case_no} 已被他人修改，请刷新后重试")

    # --- certificates -------------------------------------------------------------
    def next_sequence(self, key: str) -> int:
        counter = self.counters.find_one_and_update(
            {"_id": key}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        return counter["seq"]

    def insert_certificate(self, certificate: dict) -> None:
        try:
            self.certificates.insert_one(certificate)
        except DuplicateKeyError:
            raise Conflict(f"办件 {certificate['case_no']} 正在发证，请刷新后重试") from None

    def certificate_for_case(self, case_no: str) -> dict | None:
        return self.certificates.find_one({"case_no": case_no})

    def delete_certificate(self, certificate_no: str) -> None:
        self.certificates.delete_one({"_id": certificate_no})

    def certificate(self, certificate_no: str) -> dict:
        document = self.certificates.find_one({"_id": certificate_no})
        if document is None:
            raise NotFound(f"证书 {certificate_no} 不存在")
        return document

    # --- calendar ---------------------------------------------------------------
    def calendar_years(self) -> dict[int, dict]:
        return {doc["_id"]: doc for doc in self.calendar.find({})}

    def calendar_year(self, year: int) -> dict | None:
        return self.calendar.find_one({"_id": year})

    def save_calendar_year(self, year: int, holidays: list[str], workdays: list[str], by: str, at: str) -> dict:
        document = {"_id": year, "year": year, "holidays": holidays, "workdays": workdays,
                    "updated_by": by, "updated_at": at}
        self.calendar.replace_one({"_id": year}, document, upsert=True)
        return document
