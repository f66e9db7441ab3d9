"""Approval's own collections: cases (_id = case_no), certificates, counters, calendar_years."""
import time

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from services.approval.cases import RESCAN, UNWATCHED
from services.common.caselist import key_as_of, merge
from services.common.clock import CachedClock
from services.common.errors import Conflict, NotFound
from services.common.mongo import replace_index
from services.common.outbox import new_document_with_events, update_with_events

CASES = "cases"
OPEN_WINDOW = 5000   # open cases read at once (ApprovalStore.open_cases, ApprovalStore.due_for_scan)
CERTIFICATES = "certificates"
DELEGATIONS, VIOLATIONS, ALERTS = "delegations", "violations", "alerts"


class ApprovalStore:
    def __init__(self, db):
        self.db = db
        self.cases = db[CASES]
        self.certificates = db[CERTIFICATES]
        self.counters = db["counters"]
        self.calendar = db["calendar_years"]
        self.clock = CachedClock(self.calendar_years)   # the working-day clock over these years
        self._authority = None

    def ensure_indexes(self):
        self.cases.create_index([("department", ASCENDING), ("status", ASCENDING)])
        # Not unique: a licence registered from before the platform (存量证照) has no case.
        replace_index(self.certificates, "case_no")  # was unique before 存量证照
        self.certificates.create_index([("status", ASCENDING), ("valid_until", ASCENDING)])
        self.cases.create_index("certificate.certificate_no", sparse=True)
        self.cases.create_index("certificate_pending", sparse=True)
        self.cases.create_index("cancellation_pending", sparse=True)
        self.cases.create_index("decision.decided_on", sparse=True)
        self.cases.create_index("sort_key")
        self.cases.create_index("sort_changed_at")
        self.cases.create_index("scanned_on")
        self.cases.create_index("supervision_state")
        # Cases stored before the scan kept `scanned_on` are all scanned once (then find their place).
        self.cases.update_many({"scanned_on": None}, {"$set": {"scanned_on": RESCAN}})
        AuthorityStore(self.db).ensure_indexes()

    @property
    def authority(self) -> "AuthorityStore":
        if self._authority is None:
            self._authority = AuthorityStore(self.db)
        return self._authority

    # --- cases ------------------------------------------------------------------
    def insert_case(self, document: dict) -> bool:
        """Store a new case; False if the case number is already there (opened before)."""
        try:
            self.cases.insert_one({"scanned_on": RESCAN, **document})
        except DuplicateKeyError:
            return False
        return True

    def case(self, case_no: str) -> dict:
        document = self.cases.find_one({"_id": case_no}, {"outbox": 0, "outbox_pending": 0})
        if document is None:
            raise NotFound(f"办件 {case_no} 不存在")
        return document

    def update_case(self, case_no: str, version: int, update: dict, events: list[dict]) -> None:
        """Apply one change and its events in one write, if nobody changed the case since `version`;
        the deadline scan then looks at it again, unless the update says otherwise (cases.list_fields)."""
        update = {**update, "$set": {"scanned_on": RESCAN, **update.get("$set", {})}}
        if not update_with_events(self.cases, case_no, version, update, events):
            raise Conflict(f"办件 {case_no} 已被他人修改，请刷新后重试")

    def open_cases(self, statuses, after: str = "") -> list[dict]:
        """Up to OPEN_WINDOW cases in `statuses`, by case number, after `after` (a window: one query,
        as SecantusDB reads the whole collection for any of them)."""
        query = {"status": {"$in": list(statuses)}, **({"_id": {"$gt": after}} if after else {})}
        return list(self.cases.find(query, {"outbox": 0, "outbox_pending": 0}).sort("_id", ASCENDING)
                    .limit(OPEN_WINDOW))

    def all_open_cases(self, statuses):
        """Every case in `statuses`, window after window."""
        after = ""
        while True:
            window = self.open_cases(statuses, after)
            yield from window
            if len(window) < OPEN_WINDOW:
                return
            after = window[-1]["_id"]

    def due_for_scan(self, today: str) -> list[dict]:
        """Up to OPEN_WINDOW cases the deadline scan has not looked at on centre date `today` (nor since
        they last changed). A bounded range of the `scanned_on` index: SecantusDB reads only the cases it
        matches, so a tick costs what changed since the last one, and after midnight each open case once."""
        return list(self.cases.find({"scanned_on": {"$gte": RESCAN, "$lt": today}},
                                    {"outbox": 0, "outbox_pending": 0}).limit(OPEN_WINDOW))

    def mark_scanned(self, scanned: list[tuple[dict, dict]]) -> None:
        """Store each scanned case's (case, update) in one bulk write, each only if the case is still at the
        version scanned: a case changed meanwhile keeps RESCAN and is scanned again."""
        if scanned:
            self.cases.bulk_write([UpdateOne({"_id": case["_id"], "version": case.get("version")}, update)
                                   for case, update in scanned], ordered=False)

    def rescan_all(self) -> None:
        """Every watched case is scanned again (the calendar changed under their deadlines)."""
        self.cases.update_many({"scanned_on": {"$gt": RESCAN, "$lt": UNWATCHED}}, {"$set": {"scanned_on": RESCAN}})

    def supervised_cases(self, statuses) -> list[dict]:
        """Cases in `statuses` whose stored supervision state is yellow or red (from their last change or
        scan), by the `supervision_state` index."""
        query = {"supervision_state": {"$in": ["yellow", "red"]}, "status": {"$in": list(statuses)}}
        return list(self.cases.find(query, {"outbox": 0, "outbox_pending": 0}))

    def page_cases(self, match: dict, as_of: str, after: str | None, limit: int) -> list[tuple[str, dict]]:
        """Cases listed at `as_of`, in the order they had then, after key `after` (see services.common.caselist)."""
        base = {**match, "listed_from": {"$lte": as_of}}
        steady = {**base, "sort_changed_at": {"$lte": as_of}}
        if after:
            steady["sort_key"] = {"$gt": after}
        hidden = {"outbox": 0, "outbox_pending": 0}
        rows = [(doc["sort_key"], doc) for doc in self.cases.find(steady, hidden).sort("sort_key", ASCENDING)
                .limit(limit)]
        for doc in self.cases.find({**base, "sort_changed_at": {"$gt": as_of}}, hidden):
            key = key_as_of(doc, as_of)
            if key and (after is None or key > after):
                rows.append((key, doc))
        return merge([rows], limit)

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

    def cases_with_pending_cancellation(self, limit: int = 200) -> list[tuple[str, dict]]:
        # $exists alone walks the sparse index; with `$ne: None` the server scanned every case (every 2 s)
        return [(case["_id"], case["cancellation_pending"]) for case in
                self.cases.find({"cancellation_pending": {"$exists": True}}, {"cancellation_pending": 1}).limit(limit)
                if case.get("cancellation_pending") is not None]

    def cancellation_done(self, case_no: str) -> None:
        self.cases.update_one({"_id": case_no}, {"$unset": {"cancellation_pending": ""}})

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
        self.clock.invalidate()
        return document


class AuthorityStore:
    """Letters of authority, who is away, refused attempts (越权) and supervision alerts, in approval's db."""

    # How long a case view may show actions by letters and away flags read earlier (a change made in
    # this process is seen at once; another replica's within this). Transitions always read afresh.
    VIEW_TTL = 1.0

    def __init__(self, db, now=time.monotonic):
        self._now = now
        self._seen: dict[str | None, tuple[float, list[dict], list[str]]] = {}
        self.delegations = db[DELEGATIONS]
        self.presence = db["presence"]          # _id = username: {"away": bool, "department", "updated_at"}
        self.violations = db[VIOLATIONS]
        self.alerts = db[ALERTS]                # _id = case:stage:deadline:state, unique: each warning once

    def ensure_indexes(self):
        self.delegations.create_index([("department", ASCENDING), ("status", ASCENDING)])
        self.violations.create_index([("department", ASCENDING), ("at", ASCENDING)])

    # --- letters --------------------------------------------------------------------
    def for_view(self, department: str | None) -> tuple[list[dict], list[str]]:
        """(the department's active letters, who is away) for a case view, read at most once per VIEW_TTL."""
        now = self._now()
        seen = self._seen.get(department)
        if seen is None or now - seen[0] >= self.VIEW_TTL:
            if len(self._seen) > 256:
                self._seen.clear()
            seen = self._seen[department] = (now, self.letters(department, True), self.away())
        return seen[1], seen[2]

    def _changed(self) -> None:
        self._seen.clear()

    def insert_letter(self, letter: dict, events: list[dict] | None = None) -> None:
        self._changed()
        self.delegations.insert_one(new_document_with_events(letter, events or []) if events else letter)

    def letter(self, letter_id: str) -> dict:
        document = self.delegations.find_one({"_id": letter_id}, {"outbox": 0, "outbox_pending": 0})
        if document is None:
            raise NotFound(f"授权委托书 {letter_id} 不存在")
        return document

    def letters(self, department: str | None = None, active_only: bool = False) -> list[dict]:
        query = {k: v for k, v in (("department", department),) if v}
        if active_only:
            query["status"] = "active"
        return list(self.delegations.find(query, {"outbox": 0, "outbox_pending": 0}).sort("issued_at", ASCENDING))

    def update_letter(self, letter_id: str, version: int, fields: dict, events: list[dict] | None = None) -> None:
        self._changed()
        if not update_with_events(self.delegations, letter_id, version, {"$set": fields}, events or []):
            raise Conflict("授权委托书已被他人修改，请刷新后重试")

    # --- away ----------------------------------------------------------------------
    def set_away(self, username: str, department: str | None, away: bool, at: str) -> None:
        self._changed()
        self.presence.update_one({"_id": username}, {"$set": {"away": bool(away), "department": department,
                                                              "updated_at": at}}, upsert=True)

    def away(self) -> list[str]:
        return [doc["_id"] for doc in self.presence.find({"away": True}, {"_id": 1})]

    # --- violations ------------------------------------------------------------------
    def insert_violation(self, violation: dict, events: list[dict]) -> None:
        self.violations.insert_one(new_document_with_events(violation, events))

    def list_violations(self, department: str | None, limit: int) -> list[dict]:
        query = {"department": department} if department else {}
        return list(self.violations.find(query, {"outbox": 0, "outbox_pending": 0}).sort("at", -1).limit(limit))

    # --- alerts ----------------------------------------------------------------------
    def claim_alert(self, alert: dict, events: list[dict]) -> bool:
        """Store a warning with its event once; False when another replica (or an earlier run) did."""
        try:
            self.alerts.insert_one(new_document_with_events(alert, events))
        except DuplicateKeyError:
            return False
        return True
