"""Credentials: argon2 password hashes, HS256 bearer tokens, API keys.

People log in with a password and get a short-lived JWT; API clients (the
provincial network) send an API key shown once at creation and stored only
as a keyed hash (HMAC-SHA256), so the key is found by its hash without being
kept.
"""
import hashlib
import hmac
import secrets
import time

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.errors import Unauthorized
from gateway.settings import GatewaySettings

API_KEY_PREFIX = "wk_"
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
    claims = {**actor_of(account), "sub": account["username"], "iat": now, "exp": now + settings.token_ttl_seconds}
    return {
        "access_token": jwt.encode(claims, settings.jwt_secret, algorithm="HS256"),
        "token_type": "Bearer",
        "expires_in": settings.token_ttl_seconds,
        "roles": [account["role"]],
    }


class Authenticator:
    """Turns an Authorization header into the caller's actor dict."""

    def __init__(self, store, settings: GatewaySettings):
        self.store, self.settings = store, settings

    def login(self, username: str, password: str) -> dict:
        account = self.store.get_with_secret(username)
        if not verify_password(account and account.get("password_hash"), password):
            raise Unauthorized("用户名或密码错误")
        return issue_token(self.settings, account)

    def actor(self, authorization: str | None) -> dict:
        scheme, _, credential = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise Unauthorized("缺少凭据：请使用 Authorization: Bearer <令牌或 API 密钥>")
        credential = credential.strip()
        if credential.startswith(API_KEY_PREFIX):
            account = self.store.find_by_api_key_hash(api_key_hash(self.settings, credential))
            if account is None or account["role"] != "api_client":
                raise Unauthorized("API 密钥无效")
            return actor_of(account)
        try:
            claims = jwt.decode(credential, self.settings.jwt_secret, algorithms=["HS256"],
                                options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("令牌已过期，请重新登录") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("令牌无效") from None
        return actor_of(claims)
