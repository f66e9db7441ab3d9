"""Idempotency-Key on every state-changing call (transitions, supplements, ratings, complaints, ...).

A client that got a 503 does not know whether its change happened; it sends
the same request with the same key again. The first request with a key
claims it in the gateway's own database (so it survives restarts and is
shared by every worker and replica): `{_id: "<caller>:<key>", fingerprint,
state, lease_until}`; its answer is stored. The same key with the same
method, path and body gets that answer again (`Idempotent-Replayed: true`);
with another body, 409. A 404 is not kept (nothing changed; the thing may exist a moment
later). A request answered 503 leaves its claim open: a retry
may run once the lease has passed, which is after the deadline of every RPC
the first attempt published (services refuse an expired request), so the two
never both run. Submissions keep their key with the application in intake.

Keys are kept IDEMPOTENCY_RETENTION_HOURS (default 24) from their first use: within that
window the same key always gets the same answer; then a TTL index removes the claim (the
database's TTL monitor runs about once a minute) and the key may be used again. Intake
releases submissions' keys after the same window (services/intake/service.py).
"""
import hashlib
import io
import time
from datetime import UTC, datetime, timedelta

from pymongo.errors import DuplicateKeyError

from services.common.config import setting
from services.common.errors import Conflict, InvalidInput, Unavailable, field_error

METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OWN_KEYS = frozenset({"/v1/applications", "/v1/auth/token"})  # intake stores its own; logging in changes nothing
MAX_KEY_LENGTH = 200
KEY_RETENTION = timedelta(hours=float(setting("IDEMPOTENCY_RETENTION_HOURS")))  # docs/resilience.md


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b"\0" + path.encode() + b"\0" + body).hexdigest()


def applied_since(case: dict, action: str, role: str | None, since: float) -> bool:
    """Whether the case's history shows `action` by this role at or after `since` (unix seconds):
    a retried transition answered 409 because its first attempt went through after all."""
    for entry in reversed(case.get("history") or []):
        try:
            at = datetime.fromisoformat(entry["at"]).timestamp()
        except (KeyError, TypeError, ValueError):
            continue
        if at < since - 1:  # clocks of one machine room; a second of slack
            return False
        if entry.get("action") == action and entry.get("actor_role") == role:
            return True
    return False


class IdempotencyStore:
    """The `idempotency_keys` collection of the gateway's database."""

    def __init__(self, db, retention: timedelta = KEY_RETENTION):
        self.keys = db.idempotency_keys
        self.retention = retention

    def ensure_indexes(self) -> None:
        # A TTL index on the claim's own expiry date: each claim goes once its date has passed.
        self.keys.create_index("expires_at", expireAfterSeconds=0)

    def claim(self, key_id: str, print_: str, lease: float, now: float | None = None) -> tuple[str, dict | None]:
        """'claimed' (go ahead), 'answered' (replay doc), 'conflict' (another body) or 'busy' (still running)."""
        now = time.time() if now is None else now
        try:
            created = datetime.now(UTC)
            self.keys.insert_one({"_id": key_id, "fingerprint": print_, "state": "pending", "attempt": 1,
                                  "lease_until": now + lease, "first_try": now, "created_at": created.isoformat(),
                                  "expires_at": created + self.retention})
            return "claimed", None
        except DuplicateKeyError:
            pass
        doc = self.keys.find_one({"_id": key_id})
        if doc is None:
            return "busy", None
        if doc["fingerprint"] != print_:
            return "conflict", doc
        if doc["state"] == "answered":
            return "answered", doc
        if doc["lease_until"] > now:
            return "busy", doc
        taken = self.keys.update_one({"_id": key_id, "state": "pending", "attempt": doc["attempt"]},
                                     {"$set": {"lease_until": now + lease}, "$inc": {"attempt": 1}})
        return ("claimed", doc) if taken.modified_count else ("busy", doc)

    def answer(self, key_id: str, status: int, body: str, content_type: str | None, location: str | None) -> None:
        self.keys.update_one({"_id": key_id}, {"$set": {
            "state": "answered", "status": status, "body": body, "content_type": content_type, "location": location,
            "answered_at": datetime.now(UTC).isoformat()}})

    def release(self, key_id: str, not_before: float) -> None:
        """The request failed without a definite answer: a retry may run from `not_before` on."""
        self.keys.update_one({"_id": key_id, "state": "pending"}, {"$set": {"lease_until": not_before}})


class Idempotency:
    """Falcon middleware; after Credentials (the key is the caller's own) and before the resource."""

    def __init__(self, store: IdempotencyStore, rpc_timeout: float):
        self.store = store
        self.rpc_timeout = rpc_timeout
        # A request makes at most a few RPCs; its claim lasts until the last one's deadline has surely passed.
        self.lease = 4 * rpc_timeout + 5

    def process_request(self, req, resp):
        req.context.idempotency_key = req.context.retry_since = None
        key = req.get_header("Idempotency-Key")
        actor = req.context.actor
        if key is None or req.method not in METHODS or req.path in OWN_KEYS or actor is None:
            return
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise InvalidInput("幂等键无效", [field_error("Idempotency-Key", f"须为 1–{MAX_KEY_LENGTH} 个字符")])
        body = req.stream.read(req.content_length or 0) if req.content_length else b""
        # The resource reads the body as if we had not (Falcon wraps wsgi.input lazily, on first read).
        req.env["wsgi.input"] = req.stream = io.BytesIO(body)
        key_id = f"{actor['username']}:{key}"
        outcome, doc = self.store.claim(key_id, fingerprint(req.method, req.path, body), self.lease)
        if outcome == "conflict":
            raise Conflict("该幂等键已用于另一个请求", [field_error("Idempotency-Key", "已用于内容不同的请求")])
        if outcome == "busy":
            raise Unavailable("使用该幂等键的请求仍在处理中，请稍后重试")
        if outcome == "answered":
            self._replay(resp, doc)
            return
        req.context.idempotency_key = key_id
        # A retry of a request whose first attempt got no definite answer: the change may be done already.
        req.context.retry_since = doc.get("first_try") if doc else None

    def process_response(self, req, resp, resource, req_succeeded):
        key_id = getattr(req.context, "idempotency_key", None)
        if key_id is None:
            return
        status = resp.status_code
        if status >= 500 or status in (401, 429):  # no definite answer: the change may or may not have happened
            self.store.release(key_id, time.time() + self.rpc_timeout)
            return
        if status == 404:
            # Nothing found, so nothing changed; and it may be found soon (approval opens a case from the
            # acceptance event, a moment after intake answered). Kept, the 404 would be the key's answer for
            # a day and a client retrying a step right after acceptance could never get through.
            self.store.release(key_id, time.time())
            return
        body = resp.render_body() or b""
        self.store.answer(key_id, status, body.decode("utf-8"), resp.content_type, resp.location)

    @staticmethod
    def _replay(resp, doc: dict) -> None:
        resp.status = doc["status"]
        resp.text = doc["body"]
        if doc.get("content_type"):
            resp.content_type = doc["content_type"]
        if doc.get("location"):
            resp.location = doc["location"]
        resp.set_header("Idempotent-Replayed", "true")
        resp.complete = True
