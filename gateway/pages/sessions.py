"""Staff sessions for the pages: a random cookie naming a server-side session that holds the API token.

The cookie (HttpOnly, SameSite=Lax, Secure in production) carries only a random
id; the database keeps its SHA-256, the bearer token the login obtained from
the same authenticator as `POST /v1/auth/token` (with its refresh token and the
access token's end), the CSRF token and the time of the last request. A session
idle longer than `idle_seconds` is gone; so is one whose token the API no longer
accepts and cannot refresh (the account disabled, the refresh token expired).
While the person keeps working, an access token about to end is exchanged for a
new pair through `POST /v1/auth/refresh` (see `Page.token`), so only idleness
logs a working clerk out.
"""
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass

COOKIE = "wk_session"
LOGIN_COOKIE = "wk_login"  # double-submit CSRF token of the login form, before any session exists
TOUCH_EVERY = 30  # seconds: last-seen is written at most this often
REFRESH_MARGIN = 30  # seconds: an access token ending sooner than this is refreshed before use


@dataclass(frozen=True)
class PageSettings:
    idle_seconds: int = 30 * 60
    secure_cookies: bool = False

    @classmethod
    def from_env(cls) -> "PageSettings":
        return cls(idle_seconds=int(os.environ.get("GATEWAY_SESSION_IDLE", 30 * 60)),
                   secure_cookies=os.environ.get("GATEWAY_SECURE_COOKIES", "") in ("1", "true", "yes"))


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def token_fields(tokens: dict, now: float) -> dict:
    """What a session keeps of a token answer: both tokens and when the access token ends."""
    return {"token": tokens["access_token"], "refresh_token": tokens.get("refresh_token"),
            "token_expires": now + float(tokens.get("expires_in") or 0) if tokens.get("expires_in") else None}


def needs_refresh(doc: dict, now: float | None = None) -> bool:
    expires = doc.get("token_expires")
    now = time.time() if now is None else now
    return bool(doc.get("refresh_token")) and expires is not None and expires - now < REFRESH_MARGIN


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class SessionStore:
    def __init__(self, db, settings: PageSettings):
        self.sessions, self.settings = db.page_sessions, settings

    def ensure_indexes(self) -> None:
        self.sessions.create_index("last_seen")

    def create(self, actor: dict, tokens: dict, now: float | None = None) -> str:
        """A new session for the answer of `POST /v1/auth/token` (access and refresh token)."""
        session_id = secrets.token_urlsafe(32)
        now = time.time() if now is None else now
        self.sessions.insert_one({"_id": _key(session_id), "actor": actor, **token_fields(tokens, now),
                                  "csrf": secrets.token_urlsafe(24), "created_at": now, "last_seen": now})
        # Sessions long idle are removed whenever someone logs in, so the collection stays small.
        self.sessions.delete_many({"last_seen": {"$lt": now - self.settings.idle_seconds}})
        return session_id

    def find(self, session_id: str | None, now: float | None = None) -> dict | None:
        """The live session, its last-seen moved on; None when unknown or idle too long (then it is deleted)."""
        if not session_id:
            return None
        now = time.time() if now is None else now
        doc = self.sessions.find_one({"_id": _key(session_id)})
        if doc is None:
            return None
        if now - doc["last_seen"] > self.settings.idle_seconds:
            self.sessions.delete_one({"_id": doc["_id"]})
            return {"expired": True}
        if now - doc["last_seen"] > TOUCH_EVERY:
            self.sessions.update_one({"_id": doc["_id"]}, {"$set": {"last_seen": now}})
        return doc

    def renew(self, doc: dict, tokens: dict, now: float | None = None) -> dict | None:
        """Store the pair a refresh gave, unless another request of the session refreshed first:
        then the session as that request left it (None when it is gone)."""
        fields = token_fields(tokens, time.time() if now is None else now)
        result = self.sessions.update_one({"_id": doc["_id"], "refresh_token": doc.get("refresh_token")},
                                          {"$set": fields})
        if result.modified_count == 1:
            return {**doc, **fields}
        return self.sessions.find_one({"_id": doc["_id"]})

    def reread(self, doc: dict) -> dict | None:
        return self.sessions.find_one({"_id": doc["_id"]})

    def delete(self, session_id: str | None) -> None:
        if session_id:
            self.sessions.delete_one({"_id": _key(session_id)})
