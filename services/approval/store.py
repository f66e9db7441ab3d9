"""Approval's own collections: cases (_id = case_no), certificates, counters, calendar_years."""
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.errors import Conflict, NotFound
from services.common.outbox import update_with_events

CASES = "cases"
CERTIFICATES = "certificates"


class ApprovalStore:
    def __init__(self, db):
        self.db = db
        self.cases = db[CASES]
        self.certificates = db[CERTIFICATES]
        self.counters = db["counters"]
        self.calendar = db["calendar_years"]

    def ensure_indexes(self):
        self.cases.create_index([("department", ASCENDING), ("status", ASCENDING)])
        # Not unique: a licence registered from before the platform (存量证照) has no case.
        self.certificates.create_index("case_no")
        self.certificates.create_index([("status", ASCENDING), ("valid_until", ASCENDING)])
        self.cases.create_index("certificate.certificate_no", sparse=True)
        self.cases.create_index("certificate_pending", sparse=True)
        self.cases.create_index("decision.decided_on", sparse=True)

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

    def file_certificate(self, certificate: dict) -> bool:
        """Store a certificate its case already carries; False if it is filed already (idempotent)."""
        try:
            self.certificates.insert_one(certificate)
        except DuplicateKeyError:
            return False
        return True

    def find_certificate(self, certificate_no: str) -> dict | None:
        return self.certificates.find_one({"_id": certificate_no}, {"outbox": 0, "outbox_pending": 0})

    def certificate_of_case(self, certificate_no: str) -> dict | None:
        """The certificate as the issuing case's write recorded it (the source of truth for issuance)."""
        case = self.cases.find_one({"certificate.certificate_no": certificate_no}, {"certificate": 1})
        return (case or {}).get("certificate")

    def certificate_filed(self, case_no: str) -> None:
        self.cases.update_one({"_id": case_no, "certificate_pending": True}, {"$unset": {"certificate_pending": ""}})

    def cases_with_pending_certificate(self, limit: int = 200) -> list[dict]:
        return [case["certificate"] for case in
                self.cases.find({"certificate_pending": True}, {"certificate": 1}).limit(limit)]

    def update_certificate(self, certificate_no: str, version: int, update: dict, events: list[dict]) -> None:
        if not update_with_events(self.certificates, certificate_no, version, update, events):
            raise Conflict(f"许可证 {certificate_no} 已被他人修改，请刷新后重试")

    def mark_replaced(self, certificate_no: str, update: dict) -> bool:
        """Idempotent: only a licence still in force and not yet replaced changes."""
        update = {**update, "$inc": {"version": 1}}
        result = self.certificates.update_one(
            {"_id": certificate_no, "status": "valid", "replaced_by": None}, update)
        return result.modified_count == 1

    def certificates_expiring(self, first_day: str, last_day: str, limit: int = 500) -> list[dict]:
        query = {"status": "valid", "valid_until": {"$gte": first_day, "$lte": last_day}}
        return list(self.certificates.find(query, {"outbox": 0}).limit(limit))

    def decided_cases(self, department: str | None, date_from: str | None, date_to: str | None,
                      limit: int) -> list[dict]:
        """Decided cases for 结果公示, newest decision first."""
        decided_on = {"$exists": True}
        if date_from:
            decided_on["$gte"] = date_from
        if date_to:
            decided_on["$lte"] = date_to
        query = {"decision.decided_on": decided_on, **({"department": department} if department else {})}
        fields = {"case_no": 1, "item_code": 1, "item_name": 1, "department": 1, "applicant": 1, "decision": 1,
                  "certificate_no": 1, "status": 1}
        return list(self.cases.find(query, fields).sort("decision.decided_on", -1).limit(limit))

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
