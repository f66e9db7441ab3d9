"""The gateway's own database: accounts (people and API clients).

Documents: {"_id": username, "role", "department", "display_name", "phone",
"work_no" (工号, staff), "away" (外出), "password_hash", "api_key_hash", "created_at"}. Hashing happens in
gateway/auth.py; this class only stores and finds.
"""
from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from services.common.errors import Conflict


class AccountStore:
    def __init__(self, db):
        self.accounts = db.accounts

    def ensure_indexes(self) -> None:
        # _id is the username, unique by nature; API keys are found by their keyed hash.
        self.accounts.create_index("api_key_hash", unique=True, sparse=True)

    def ping(self) -> None:
        """Raises pymongo's ConnectionFailure when the database cannot be reached (readiness)."""
        self.accounts.database.command("ping")

    def create(self, account: dict) -> dict:
        doc = {**account, "created_at": datetime.now(UTC).isoformat()}
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

    def count(self) -> int:
        return self.accounts.count_documents({})

    def exists(self, username: str) -> bool:
        return self.accounts.count_documents({"_id": username}, limit=1) > 0

    @staticmethod
    def _public(doc: dict) -> dict:
        return {
            "username": doc["_id"], "role": doc["role"], "department": doc.get("department"),
            "display_name": doc.get("display_name") or doc["_id"], "phone": doc.get("phone"),
            "created_at": doc.get("created_at"), "work_no": doc.get("work_no"), "away": bool(doc.get("away")),
        }
