"""The gateway's own database: accounts (people and API clients), their API
keys and refresh tokens, login failures and the shared rate-limit counters.

Documents
- accounts: {"_id": username, "role", "department", "display_name", "phone", "work_no" (工号, staff),
  "away" (外出), "password_hash", "api_key_hash", "disabled", "token_version", "created_at"}
- api_keys: {"_id": key id, "key_hash", "username", "scopes", "label", "created_at", "revoked_at"}
- refresh_tokens: {"_id": token hash, "username", "token_version", "expires_at", "used_at"}
- login_failures: {"_id": username, "failures", "locked_until"}
- rate_counters: {"_id": "<key>@<window>", "count", "expires_at"}

Hashing happens in gateway/auth.py; this class only stores and finds.
"""
import time
import uuid
from datetime import UTC, datetime

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.errors import Conflict, NotFound


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class AccountStore:
    def __init__(self, db):
        self.accounts = db.accounts
        self.api_keys = db.api_keys
        self.refresh_tokens = db.refresh_tokens
        self.login_failures = db.login_failures
        self.rate_counters = db.rate_counters

    def ensure_indexes(self) -> None:
        # _id is the username, unique by nature; API keys are found by their keyed hash.
        self.accounts.create_index("api_key_hash", unique=True, sparse=True)
        self.api_keys.create_index("key_hash", unique=True)
        self.api_keys.create_index("username")
        self.rate_counters.create_index("expires_at")

    def ping(self) -> None:
        """Raises pymongo's ConnectionFailure when the database cannot be reached (readiness)."""
        self.accounts.database.command("ping")

    def create(self, account: dict) -> dict:
        doc = {**account, "created_at": _now_iso(), "disabled": False, "token_version": 1}
        doc["_id"] = doc.pop("username")
        if doc.get("api_key_hash") is None:
            doc.pop("api_key_hash", None)
        try:
            self.accounts.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f"用户名 {doc['_id']} 已存在", [{"field": "username", "message": "用户名已存在"}]) from None
        return self._public(doc)

    def get(self, username: str) -> dict | None:
        doc = self.accounts.find_one({"_id": username})
        return self._public(doc) if doc else None

    def display_names(self, usernames) -> dict[str, str]:
        """{username: display name} of those accounts (one read); an unknown username is left out."""
        wanted = sorted({name for name in usernames if name})
        if not wanted:
            return {}
        return {doc["_id"]: doc.get("display_name") or doc["_id"]
                for doc in self.accounts.find({"_id": {"$in": wanted}}, {"display_name": 1})}

    def get_with_secret(self, username: str) -> dict | None:
        doc = self.accounts.find_one({"_id": username})
        if doc:
            doc["username"] = doc.pop("_id")
        return doc

    def find_by_api_key_hash(self, key_hash: str) -> dict | None:
        doc = self.accounts.find_one({"api_key_hash": key_hash})
        return self._public(doc) if doc else None

    def set_password_hash(self, username: str, password_hash: str) -> None:
        self.accounts.update_one({"_id": username}, {"$set": {"password_hash": password_hash}})

    def set_away(self, username: str, away: bool) -> None:
        self.accounts.update_one({"_id": username}, {"$set": {"away": bool(away)}})

    def set_disabled(self, username: str, disabled: bool) -> dict:
        """Disabling bumps the token version: every token and refresh token issued before dies at once."""
        update = {"$set": {"disabled": disabled}}
        if disabled:
            update["$inc"] = {"token_version": 1}
        if self.accounts.update_one({"_id": username}, update).matched_count != 1:
            raise NotFound(f"账号 {username} 不存在")
        return self.get(username)

    def count(self) -> int:
        return self.accounts.count_documents({})

    def exists(self, username: str) -> bool:
        return self.accounts.count_documents({"_id": username}, limit=1) > 0

    # --- API keys -----------------------------------------------------------
    def add_api_key(self, username: str, key_hash: str, scopes: list[str], label: str | None) -> dict:
        doc = {"_id": uuid.uuid4().hex[:16], "key_hash": key_hash, "username": username, "scopes": list(scopes),
               "label": label, "created_at": _now_iso(), "revoked_at": None}
        self.api_keys.insert_one(doc)
        return self._key_view(doc)

    def find_api_key(self, key_hash: str) -> dict | None:
        return self.api_keys.find_one({"key_hash": key_hash})

    def api_keys_of(self, username: str) -> list[dict]:
        return [self._key_view(doc) for doc in self.api_keys.find({"username": username}).sort("created_at", 1)]

    def get_api_key(self, username: str, key_id: str) -> dict:
        doc = self.api_keys.find_one({"_id": key_id, "username": username})
        if doc is None:
            raise NotFound(f"API 密钥 {key_id} 不存在")
        return doc

    def revoke_api_key(self, username: str, key_id: str) -> dict:
        self.get_api_key(username, key_id)
        self.api_keys.update_one({"_id": key_id, "revoked_at": None}, {"$set": {"revoked_at": _now_iso()}})
        return self._key_view(self.api_keys.find_one({"_id": key_id}))

    def revoke_legacy_api_key(self, username: str) -> None:
        self.accounts.update_one({"_id": username}, {"$unset": {"api_key_hash": ""}})

    @staticmethod
    def _key_view(doc: dict) -> dict:
        return {"id": doc["_id"], "username": doc["username"], "scopes": doc["scopes"], "label": doc.get("label"),
                "created_at": doc["created_at"], "revoked_at": doc.get("revoked_at")}

    # --- refresh tokens -----------------------------------------------------
    def add_refresh_token(self, token_hash: str, username: str, token_version: int, expires_at: float) -> None:
        self.refresh_tokens.insert_one({"_id": token_hash, "username": username, "token_version": token_version,
                                        "expires_at": expires_at, "used_at": None})

    def use_refresh_token(self, token_hash: str) -> dict | None:
        """Marks the token used and returns it, once; None if unknown, used already or expired."""
        doc = self.refresh_tokens.find_one({"_id": token_hash, "used_at": None})
        if doc is None or doc["expires_at"] < time.time():
            return None
        result = self.refresh_tokens.update_one({"_id": token_hash, "used_at": None},
                                                {"$set": {"used_at": time.time()}})
        return doc if result.modified_count == 1 else None

    # --- login failures (lock-out) -----------------------------------------------
    def locked_until(self, username: str) -> float:
        doc = self.login_failures.find_one({"_id": username})
        return float((doc or {}).get("locked_until") or 0)

    def record_login_failure(self, username: str, threshold: int, lock_seconds: int) -> int:
        doc = self.login_failures.find_one_and_update(
            {"_id": username}, {"$inc": {"failures": 1}}, upsert=True, return_document=ReturnDocument.AFTER)
        if doc["failures"] >= threshold:
            self.login_failures.update_one(
                {"_id": username}, {"$set": {"failures": 0, "locked_until": time.time() + lock_seconds}})
        return doc["failures"]

    def clear_login_failures(self, username: str) -> None:
        self.login_failures.delete_one({"_id": username})

    # --- rate limits -------------------------------------------------------------
    def count_hit(self, key: str, window_start: int, window_seconds: int) -> int:
        """One more request in this key's window; the count after it. One tiny document per key and window."""
        for _ in range(3):  # two first hits racing on the upsert: one inserts, the other retries as an update
            try:
                doc = self.rate_counters.find_one_and_update(
                    {"_id": f"{key}@{window_start}"},
                    {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": window_start + 2 * window_seconds}},
                    upsert=True, return_document=ReturnDocument.AFTER)
                return int(doc["count"])
            except DuplicateKeyError:
                continue
        return 0

    def prune_counters(self, now: float) -> None:
        self.rate_counters.delete_many({"expires_at": {"$lt": now}})

    @staticmethod
    def _public(doc: dict) -> dict:
        return {
            "username": doc["_id"], "role": doc["role"], "department": doc.get("department"),
            "display_name": doc.get("display_name") or doc["_id"], "phone": doc.get("phone"),
            "created_at": doc.get("created_at"), "work_no": doc.get("work_no"), "away": bool(doc.get("away")),
            "disabled": bool(doc.get("disabled")),
        }
