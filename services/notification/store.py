"""The notification service's own collections: messages (with their delivery
records) and applicants' contacts per case.

A message is unique on (event_id, recipient, channel): an event delivered
twice inserts nothing the second time, so it is sent once.
"""
import uuid

from pymongo import ASCENDING, DESCENDING

from services.common.errors import NotFound
from services.common.mongo import insert_new
from services.notification.delivery import FAILED, PENDING, SENT

# data: the event as structured fields (services/notification/webhooks.payload), for apps and the province.
VIEW_FIELDS = ("event", "case_no", "channel", "title", "body", "data", "created_at", "read")


def message_view(doc: dict) -> dict:
    return {"id": doc["_id"], **{name: doc.get(name) for name in VIEW_FIELDS}}


class NotificationStore:
    def __init__(self, db):
        self.messages = db.messages
        self.contacts = db.contacts

    def ensure_indexes(self):
        self.messages.create_index(
            [("event_id", ASCENDING), ("recipient", ASCENDING), ("channel", ASCENDING)], unique=True
        )
        self.messages.create_index([("recipient", ASCENDING), ("channel", ASCENDING), ("created_at", DESCENDING)])
        self.messages.create_index([("delivery.status", ASCENDING), ("delivery.next_attempt_at", ASCENDING)])

    # --- contacts -------------------------------------------------------------
    def remember_contact(self, case_no: str, contact: dict) -> None:
        known = {key: value for key, value in contact.items() if value}
        if case_no and known:
            self.contacts.update_one({"_id": case_no}, {"$set": known}, upsert=True)

    def contact_for(self, case_no: str | None) -> dict:
        doc = self.contacts.find_one({"_id": case_no}) if case_no else None
        return {"phone": (doc or {}).get("phone"), "email": (doc or {}).get("email")}

    # --- messages -------------------------------------------------------------
    def add_all(self, messages: list[dict]) -> list[dict]:
        """Insert new messages in one write; one this (event, recipient, channel) already has is skipped
        (the event delivered again), the others go in. Returns the documents inserted."""
        return insert_new(self.messages, [{"_id": uuid.uuid4().hex, "read": False, **m} for m in messages])

    def claim(self, message_id: str, attempts: int, next_attempt_at: str) -> bool:
        result = self.messages.update_one(
            {"_id": message_id, "delivery.attempts": attempts, "delivery.status": {"$in": [PENDING, FAILED]}},
            {"$inc": {"delivery.attempts": 1}, "$set": {"delivery.next_attempt_at": next_attempt_at}},
        )
        return result.modified_count == 1

    def mark_sent(self, message_id: str, sent_at: str) -> None:
        self.messages.update_one(
            {"_id": message_id},
            {"$set": {"delivery.status": SENT, "delivery.sent_at": sent_at, "delivery.next_attempt_at": None}},
        )

    def mark_failed(self, message_id: str, error: str, retry_at: str | None) -> None:
        self.messages.update_one(
            {"_id": message_id},
            {"$set": {"delivery.status": FAILED, "delivery.last_error": error, "delivery.next_attempt_at": retry_at}},
        )

    def due(self, now: str, limit: int, statuses: tuple[str, ...] = (PENDING, FAILED)) -> list[dict]:
        query = {"delivery.status": {"$in": list(statuses)}, "delivery.next_attempt_at": {"$ne": None, "$lte": now}}
        return list(self.messages.find(query).sort("delivery.next_attempt_at", ASCENDING).limit(limit))

    def get(self, message_id: str) -> dict | None:
        return self.messages.find_one({"_id": message_id})

    def for_event(self, event_id: str) -> list[dict]:
        return list(self.messages.find({"event_id": event_id}))

    # --- inbox ----------------------------------------------------------------
    def inbox(self, recipients: list[str], limit: int, offset: int = 0) -> list[dict]:
        """One page, newest first."""
        cursor = self.messages.find({"recipient": {"$in": recipients}, "channel": "inbox"})
        return [message_view(doc) for doc in cursor.sort("created_at", DESCENDING).skip(offset).limit(limit)]

    def mark_read(self, recipients: list[str], message_id: str) -> dict:
        query = {"_id": message_id, "recipient": {"$in": recipients}, "channel": "inbox"}
        if self.messages.update_one(query, {"$set": {"read": True}}).matched_count != 1:
            raise NotFound(f"消息 {message_id} 不存在")
        return message_view(self.messages.find_one({"_id": message_id}))
