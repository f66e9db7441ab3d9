"""The notification service's collections for the provincial network: the
change feed, webhooks and their deliveries, and which client submitted each case.

Change feed (`changes`): one document per status-change event, `_id` = the
event id (a redelivered event inserts nothing). A change is stored first
without a `seq`, then numbered: each number is max(seq)+1 under a unique
index, given by one numberer at a time (a lease), and a number is given only
once every smaller number is stored. A reader asking for
`seq > cursor` therefore never sees n+1 before n: no gaps, no repeats, across
restarts and concurrent writers. A change left unnumbered by a crash is
numbered by the next timer tick or reader.

Webhooks (`webhooks`) and deliveries (`webhook_deliveries`): each delivery
has a per-webhook `seq`, and a webhook's deliveries go out strictly in that
order (one sender at a time, held by a lease on the webhook document): a
failing head is retried with back-off, then dead-lettered, before the next.
"""
import datetime as dt
import time
import uuid

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.errors import NotFound
from services.notification.webhooks import DEAD, DELIVERED, PENDING

LEASE_SECONDS = 60


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class ProvinceStore:
    def __init__(self, db):
        self.changes = db.changes
        self.locks = db.province_locks
        self.case_clients = db.case_clients
        self.webhooks = db.webhooks
        self.deliveries = db.webhook_deliveries

    def ensure_indexes(self):
        self.changes.create_index("seq", unique=True, sparse=True)
        # Unnumbered changes carry `unnumbered: true` (sparse index): the numberer walks the index
        # instead of scanning and sorting the whole feed on every event. Changes stored before: marked once.
        self.changes.create_index("unnumbered", sparse=True)
        self.changes.update_many({"seq": {"$exists": False}, "unnumbered": {"$exists": False}},
                                 {"$set": {"unnumbered": True}})
        self.changes.create_index([("submitted_by", ASCENDING), ("seq", ASCENDING)])
        self.webhooks.create_index("client")
        self.deliveries.create_index([("webhook_id", ASCENDING), ("event_id", ASCENDING)], unique=True)
        self.deliveries.create_index([("webhook_id", ASCENDING), ("status", ASCENDING), ("seq", ASCENDING)])
        self.deliveries.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])

    # --- which client submitted a case -------------------------------------------
    def remember_client(self, case_no: str | None, client: str | None) -> None:
        if case_no and client:
            self.case_clients.update_one({"_id": case_no}, {"$set": {"client": client}}, upsert=True)

    def client_of(self, case_no: str | None) -> str | None:
        doc = self.case_clients.find_one({"_id": case_no}) if case_no else None
        return (doc or {}).get("client")

    # --- change feed -------------------------------------------------------------------
    def add_change(self, event: dict, status: str) -> None:
        doc = {"_id": event["event_id"], "case_no": event.get("case_no"), "status": status,
               "at": event.get("occurred_at"), "event": event["event_type"],
               "submitted_by": event.get("submitted_by"), "owner": event.get("owner"),
               "department": event.get("department"), "stored_at": _now(), "unnumbered": True}
        try:
            self.changes.insert_one(doc)
        except DuplicateKeyError:
            pass  # the same event again: already stored (numbered or about to be)

    def number_changes(self, batch: int = 200, lease_seconds: float = 30.0) -> int:
        """Give every unnumbered change the next seq, oldest first; returns how many were numbered.

        Nothing waiting (one indexed read): nothing else is done, no lease taken; the timer asks
        twice a second. One numberer at a time (a lease on a tiny lock document): others return at
        once and leave their change to the holder or the next tick. The unique index on seq still
        guards against a lease that expired under a stalled holder."""
        if self.changes.find_one({"unnumbered": True}, {"_id": 1}) is None:
            return 0
        now = time.time()
        try:
            taken = self.locks.update_one({"_id": "changes", "until": {"$lt": now}},
                                          {"$set": {"until": now + lease_seconds}}, upsert=True)
        except DuplicateKeyError:
            return 0  # held by another worker
        if taken.modified_count != 1 and taken.upserted_id is None:
            return 0
        numbered, last = 0, None
        try:
            last = self._recorded_last_seq()
            while True:
                pending = list(self.changes.find({"unnumbered": True}, {"_id": 1})
                               .sort([("at", ASCENDING), ("_id", ASCENDING)]).limit(batch))
                if not pending:
                    return numbered
                for doc in pending:
                    try:
                        result = self.changes.update_one({"_id": doc["_id"], "seq": {"$exists": False}},
                                                         {"$set": {"seq": last + 1}, "$unset": {"unnumbered": ""}})
                    except DuplicateKeyError:  # a stalled holder numbered meanwhile: start from the maximum
                        last = self._last_seq()
                        break
                    if result.modified_count == 1:
                        last += 1
                        numbered += 1
                    else:  # numbered already (by a holder whose lease expired): only the mark was left
                        self.changes.update_one({"_id": doc["_id"], "seq": {"$exists": True}},
                                                {"$unset": {"unnumbered": ""}})
        finally:
            done = {"$set": {"until": 0}}
            if last is not None:
                done["$max"] = {"last": last}   # where the next numberer starts (checked by the unique index)
            self.locks.update_one({"_id": "changes"}, done)

    def _recorded_last_seq(self) -> int:
        """The last seq handed out, as the previous numberer recorded it; the whole feed's maximum
        when none was recorded. A record behind the truth (a crash before recording) makes the next
        number collide on the unique index, and the numberer starts again from the maximum."""
        lock = self.locks.find_one({"_id": "changes"}) or {}
        return lock["last"] if "last" in lock else self._last_seq()

    def _last_seq(self) -> int:
        last = list(self.changes.find({"seq": {"$exists": True}}, {"seq": 1}).sort("seq", DESCENDING).limit(1))
        return last[0]["seq"] if last else 0

    def read_changes(self, after: int, limit: int, client: str | None) -> list[dict]:
        query = {"seq": {"$gt": after}}
        if client is not None:
            query["submitted_by"] = client
        cursor = self.changes.find(query).sort("seq", ASCENDING).limit(limit)
        return [{"seq": doc["seq"], "case_no": doc["case_no"], "status": doc["status"], "at": doc["at"],
                 "event": doc["event"]} for doc in cursor]

    # --- webhooks --------------------------------------------------------------------------
    def add_webhook(self, client: str, url: str, events: list[str], secret_token: str) -> dict:
        doc = {"_id": uuid.uuid4().hex[:20], "client": client, "url": url, "events": list(events),
               "secret": secret_token, "previous_secret": None, "previous_until": None,
               "active": True, "next_seq": 0, "lease_until": 0, "created_at": _now(), "rotated_at": None}
        self.webhooks.insert_one(doc)
        return doc

    def webhook(self, webhook_id: str) -> dict:
        doc = self.webhooks.find_one({"_id": webhook_id})
        if doc is None:
            raise NotFound(f"Webhook {webhook_id} 不存在")
        return doc

    def webhooks_of(self, client: str | None) -> list[dict]:
        query = {"active": True} if client is None else {"client": client, "active": True}
        return list(self.webhooks.find(query).sort("created_at", ASCENDING))

    def rotate_secret(self, webhook_id: str, secret_token: str, overlap_seconds: int) -> dict:
        current = self.webhook(webhook_id)
        self.webhooks.update_one({"_id": webhook_id}, {"$set": {
            "secret": secret_token, "previous_secret": current["secret"],
            "previous_until": time.time() + overlap_seconds, "rotated_at": _now()}})
        return self.webhook(webhook_id)

    def deactivate(self, webhook_id: str) -> dict:
        self.webhooks.update_one({"_id": webhook_id}, {"$set": {"active": False}})
        return self.webhook(webhook_id)

    # --- deliveries ----------------------------------------------------------------------
    def add_delivery(self, webhook: dict, event: dict, body: dict) -> dict | None:
        """Queue one delivery behind the webhook's earlier ones; None if this event is queued already."""
        if self.deliveries.count_documents({"webhook_id": webhook["_id"], "event_id": event["event_id"]}, limit=1):
            return None
        numbered = self.webhooks.find_one_and_update({"_id": webhook["_id"]}, {"$inc": {"next_seq": 1}},
                                                     return_document=ReturnDocument.AFTER)
        doc = {"_id": uuid.uuid4().hex, "webhook_id": webhook["_id"], "client": webhook["client"],
               "seq": numbered["next_seq"], "event_id": event["event_id"], "event": event["event_type"],
               "case_no": event.get("case_no"), "body": body, "status": PENDING, "attempts": [],
               "attempt_count": 0, "next_attempt_at": time.time(), "created_at": _now(),
               "delivered_at": None, "dead_lettered_at": None}
        try:
            self.deliveries.insert_one(doc)
        except DuplicateKeyError:
            return None
        return doc

    def take_lease(self, webhook_id: str, now: float) -> bool:
        result = self.webhooks.update_one({"_id": webhook_id, "lease_until": {"$lt": now}},
                                          {"$set": {"lease_until": now + LEASE_SECONDS}})
        return result.modified_count == 1

    def release_lease(self, webhook_id: str) -> None:
        self.webhooks.update_one({"_id": webhook_id}, {"$set": {"lease_until": 0}})

    def head(self, webhook_id: str) -> dict | None:
        """The webhook's oldest delivery not yet delivered or dead-lettered."""
        found = list(self.deliveries.find({"webhook_id": webhook_id, "status": PENDING}).sort("seq", ASCENDING)
                     .limit(1))
        return found[0] if found else None

    def record_attempt(self, delivery_id: str, attempt: dict, status: str, next_attempt_at: float | None) -> None:
        update = {"$push": {"attempts": attempt}, "$inc": {"attempt_count": 1},
                  "$set": {"status": status, "next_attempt_at": next_attempt_at}}
        if status == DELIVERED:
            update["$set"]["delivered_at"] = attempt["at"]
        if status == DEAD:
            update["$set"]["dead_lettered_at"] = attempt["at"]
        self.deliveries.update_one({"_id": delivery_id}, update)

    def webhooks_due(self, now: float) -> list[str]:
        return sorted(self.deliveries.distinct("webhook_id", {"status": PENDING, "next_attempt_at": {"$lte": now}}))

    def deliveries_of(self, webhook_id: str, limit: int) -> list[dict]:
        cursor = self.deliveries.find({"webhook_id": webhook_id}).sort("seq", DESCENDING).limit(limit)
        return [delivery_view(doc) for doc in cursor]


def delivery_view(doc: dict) -> dict:
    return {"id": doc["_id"], "seq": doc["seq"], "event_id": doc["event_id"], "event": doc["event"],
            "case_no": doc.get("case_no"), "status": doc["status"], "attempt_count": doc["attempt_count"],
            "attempts": doc["attempts"], "next_attempt_at": _iso(doc.get("next_attempt_at")),
            "created_at": doc["created_at"], "delivered_at": doc.get("delivered_at"),
            "dead_lettered_at": doc.get("dead_lettered_at"), "body": doc["body"]}


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")
