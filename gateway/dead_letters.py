"""Dead letters for ops: the gateway moves poison messages from the broker's
dead-letter queue into its own database, lists them and replays one on request.

Moving them out of the queue (ack only after the insert; the record id makes
a second insert a no-op) lets ops list, page and mark them without touching
the broker's queue order. A replay publishes the original event to the queue
it failed on, with its attempt count reset, confirmed and persistent, and
marks the record; handlers are idempotent, so a replay that is repeated after
a crash does no harm.
"""
import json
import logging
from datetime import UTC, datetime

from kombu import Connection, Producer, Queue
from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from services.common.dead_letters import DEAD_LETTER_QUEUE, replay_headers
from services.common.errors import Conflict, NotFound, Unavailable

log = logging.getLogger(__name__)
MOVE_AT_MOST = 1000  # per listing, so one request never drains forever


def _queue() -> Queue:
    return Queue(DEAD_LETTER_QUEUE, durable=True, auto_delete=False)


def public(doc: dict) -> dict:
    return {"id": doc["_id"], "queue": doc.get("queue"), "event_type": doc.get("event_type"),
            "event": doc.get("event"), "error": doc.get("error"), "attempts": doc.get("attempts"),
            "failed_at": doc.get("failed_at"), "status": doc.get("status", "pending"),
            "replayed_at": doc.get("replayed_at"), "replayed_by": doc.get("replayed_by")}


class DeadLetterOffice:
    def __init__(self, amqp_uri: str, db):
        self.amqp_uri = amqp_uri
        self.records = db.dead_letters

    def list(self, status: str | None = None, limit: int = 100) -> list[dict]:
        self.collect()
        query = {"status": status} if status else {}
        return [public(doc) for doc in self.records.find(query).sort("failed_at", DESCENDING).limit(limit)]

    def collect(self) -> int:
        """Move what waits in the dead-letter queue into the database; returns how many were moved."""
        moved = 0
        try:
            with Connection(self.amqp_uri, connect_timeout=3) as connection:
                queue = _queue().bind(connection.default_channel)
                queue.declare()
                while moved < MOVE_AT_MOST:
                    message = queue.get(no_ack=False)
                    if message is None:
                        break
                    self._store(message.decode())
                    message.ack()
                    moved += 1
        except (ConnectionError, OSError) as exc:
            raise Unavailable("消息服务不可用，请稍后重试") from exc
        return moved

    def replay(self, record_id: str, actor: dict) -> dict:
        doc = self.records.find_one({"_id": record_id})
        if doc is None:
            raise NotFound(f"死信 {record_id} 不存在")
        claimed = self.records.update_one({"_id": record_id, "status": "pending"}, {"$set": {"status": "replaying"}})
        if not claimed.modified_count:
            raise Conflict(f"死信 {record_id} 已重放")
        try:
            with Connection(self.amqp_uri, connect_timeout=3,
                            transport_options={"confirm_publish": True}) as connection:
                Producer(connection.default_channel).publish(
                    doc["event"], exchange="", routing_key=doc["queue"],
                    headers=replay_headers({**doc, "id": record_id}), serializer="json", delivery_mode=2,
                    retry=False, timeout=5)
        except Exception as exc:
            self.records.update_one({"_id": record_id}, {"$set": {"status": "pending"}})
            log.warning("replay of dead letter %s failed: %r", record_id, exc)
            raise Unavailable("消息服务不可用，重放未完成，请稍后重试") from exc
        done = {"status": "replayed", "replayed_at": datetime.now(UTC).isoformat(),
                "replayed_by": actor.get("username")}
        self.records.update_one({"_id": record_id}, {"$set": done})
        log.warning("dead letter %s replayed to %s by %s", record_id, doc["queue"], actor.get("username"))
        return public({**doc, **done})

    def _store(self, body) -> None:
        record = json.loads(body) if isinstance(body, bytes | str) else dict(body)
        doc = {**record, "_id": record.get("id") or record.get("failed_at"), "status": "pending"}
        doc.pop("id", None)
        try:
            self.records.insert_one(doc)
        except DuplicateKeyError:
            pass
