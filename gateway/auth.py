"""Credentials: argon2 password hashes, short-lived HS256 bearer tokens with
refresh, API keys with scopes, account disable, lock-out.

People log in with a password and get a short-lived JWT plus a refresh token
(opaque, stored hashed, usable once). API clients (the provincial network)
send an API key shown once at creation and stored only as a keyed hash
(HMAC-SHA256), so the key is found by its hash without being kept.

Every request re-reads the account: a disabled account (or one whose token
version moved on) gets 401 on its very next call, token or key.

Logins are bounded before any argon2 hash is computed: per-username and
per-address rate limits, a lock-out after repeated failures, and at most
`login_concurrency` hashes at once per worker.
"""
import hashlib
import hmac
import secrets
import threading
import time

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.errors import RateLimited, Unauthorized
from gateway.ratelimit import RateLimiter, key_of
from gateway.scopes import ALL_SCOPES  # noqa: F401  (re-exported for accounts)
from gateway.settings import GatewaySettings
from services.common.errors import Unavailable

API_KEY_PREFIX = "wk_"
REFRESH_PREFIX = "rt_"
_hasher = PasswordHasher()
# Verified when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no-such-account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def api_key_hash(settings: GatewaySettings, api_key: str) -> str:
    return hmac.new(settings.api_key_secret.encode(), api_key.encode(), hashlib.sha256).hexdigest()


def actor_of(account: dict) -> dict:
    """The actor dict every service receives."""
    return {key: account.get(key) for key in ("username", "role", "department", "display_name", "work_no")}


def issue_token(settings: GatewaySettings, account: dict) -> dict:
    now = int(time.time())
    claims = {**actor_of(account), "sub": account["username"], "iat": now, "exp": now + settings.token_ttl_seconds,
              "ver": int(account.get("token_version") or 1)}
    return {
        "access_token": jwt.encode(claims, settings.jwt_secret, algorithm="HS256"),
        "token_type": "Bearer",
        "expires_in": settings.token_ttl_seconds,
        "roles": [account["role"]],
    }


class Authenticator:
    """Turns an Authorization header into the caller's actor dict (and an API key's scopes)."""

    def __init__(self, store, settings: GatewaySettings, limiter: RateLimiter | None = None):
        self.store, self.settings = store, settings
        self.limiter = limiter or RateLimiter(store)
        self._hashing = threading.BoundedSemaphore(max(1, settings.login_concurrency))

    # --- logging in -----------------------------------------------------------
    def login(self, username: str, password: str, address: str = "-") -> dict:
        """A token (with refresh token) for a correct password; 401 otherwise; 429 when locked or flooded."""
        per_minute = self.settings.login_rate_per_minute
        if per_minute > 0:
            self.limiter.hit(key_of("login-user", username), per_minute, 60, "该账号登录尝试过于频繁，请稍后再试")
            self.limiter.hit(key_of("login-addr", address), per_minute * 3, 60, "登录尝试过于频繁，请稍后再试")
        locked_until = self.store.locked_until(username)
        if locked_until > time.time():
            raise RateLimited("连续登录失败次数过多，账号已临时锁定，请稍后再试",
                              retry_after=max(1, int(locked_until - time.time())))
        account = self.store.get_with_secret(username)
        if not self._hashing.acquire(timeout=5):
            raise Unavailable("登录请求繁忙，请稍后重试")
        try:
            good = verify_password(account and account.get("password_hash"), password)
        finally:
            self._hashing.release()
        if not good:
            self.store.record_login_failure(username, self.settings.lockout_failures, self.settings.lockout_seconds)
            raise Unauthorized("用户名或密码错误")
        if account.get("disabled"):
            raise Unauthorized("账号已停用")
        self.store.clear_login_failures(username)
        return self._tokens(account)

    def refresh(self, refresh_token: str) -> dict:
        record = self.store.use_refresh_token(self._refresh_hash(refresh_token))
        if record is None:
            raise Unauthorized("刷新令牌无效或已使用，请重新登录")
        account = self.store.get_with_secret(record["username"])
        if not account or account.get("disabled") or int(account.get("token_version") or 1) != record["token_version"]:
            raise Unauthorized("账号已停用或凭据已失效，请重新登录")
        return self._tokens(account)

    def _tokens(self, account: dict) -> dict:
        answer = issue_token(self.settings, account)
        refresh = REFRESH_PREFIX + secrets.token_urlsafe(32)
        self.store.add_refresh_token(self._refresh_hash(refresh), account["username"],
                                     int(account.get("token_version") or 1),
                                     time.time() + self.settings.refresh_ttl_seconds)
        answer["refresh_token"] = refresh
        answer["refresh_expires_in"] = self.settings.refresh_ttl_seconds
        return answer

    def _refresh_hash(self, token: str) -> str:
        return hmac.new(self.settings.jwt_secret.encode(), token.encode(), hashlib.sha256).hexdigest()

    # --- each request -------------------------------------------------------------
    def actor(self, authorization: str | None) -> dict:
        return self.authenticate(authorization)[0]

    def authenticate(self, authorization: str | None) -> tuple[dict, tuple[str, ...] | None]:
        """(actor, scopes): scopes is None for people (their role decides), the key's scopes for API keys."""
        scheme, _, credential = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise Unauthorized("缺少凭据：请使用 Authorization: Bearer <令牌或 API 密钥>")
        credential = credential.strip()
        if credential.startswith(API_KEY_PREFIX):
            return self._api_key(credential)
        try:
            claims = jwt.decode(credential, self.settings.jwt_secret, algorithms=["HS256"],
                                options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("令牌已过期，请刷新或重新登录") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("令牌无效") from None
        account = self.store.get_with_secret(str(claims["sub"]))
        if account is None or account.get("disabled"):
            raise Unauthorized("账号不存在或已停用")
        if int(claims.get("ver") or 0) != int(account.get("token_version") or 1):
            raise Unauthorized("令牌已失效，请重新登录")
        return actor_of(account), None

    def _api_key(self, credential: str) -> tuple[dict, tuple[str, ...]]:
        key_hash = api_key_hash(self.settings, credential)
        record = self.store.find_api_key(key_hash)
        if record is not None:
            if record.get("revoked_at"):
                raise Unauthorized("API 密钥已吊销")
            username, scopes = record["username"], tuple(record.get("scopes") or ())
        else:  # the key issued with the account: every scope, until rotated
            legacy = self.store.find_by_api_key_hash(key_hash)
            if legacy is None:
                raise Unauthorized("API 密钥无效")
            username, scopes = legacy["username"], ALL_SCOPES
        account = self.store.get_with_secret(username)
        if account is None or account["role"] != "api_client" or account.get("disabled"):
            raise Unauthorized("API 密钥无效或账号已停用")
        return actor_of(account), scopes
