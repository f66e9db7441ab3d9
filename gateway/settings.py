"""The gateway's own settings, read from the environment once (secrets never in code).

Outside development (`WINDOW_ENV`, default production) the gateway refuses to
start without `GATEWAY_JWT_SECRET`: the public development secret would let
anyone mint tokens.
"""
import os
from dataclasses import dataclass, field

from services.common.config import DEFAULTS, float_setting, setting

DEV_JWT_SECRET = "dev-only-gateway-jwt-secret-change-me"


class InsecureConfiguration(RuntimeError):
    """A production gateway configured with a development secret."""


@dataclass(frozen=True)
class GatewaySettings:
    jwt_secret: str = DEV_JWT_SECRET
    # Keys the hash API keys are looked up by; a leaked database alone cannot be replayed.
    api_key_secret: str = DEV_JWT_SECRET + ":api-keys"
    # Access tokens are short-lived; a refresh token (rotated on use) gets a new one.
    token_ttl_seconds: int = 15 * 60
    refresh_ttl_seconds: int = 12 * 3600
    admin_password: str = "admin-dev-2026"
    # Requests per minute per caller, counted in the gateway's database (shared by every
    # worker and replica); 0 turns the limit off.
    rate_limit_per_minute: int = 1200
    # Login attempts per minute per username and per client address, checked before any argon2 hash.
    login_rate_per_minute: int = 10
    # Failed logins in a row before the username is locked, and for how long.
    lockout_failures: int = 5
    lockout_seconds: int = 15 * 60
    # Argon2 verifications running at once in one worker; more wait briefly, then get 503.
    login_concurrency: int = 2
    # Largest request body accepted (bytes) and deepest JSON nesting.
    max_body_bytes: int = 1_000_000
    max_json_depth: int = 32
    # Proxies whose X-Forwarded-For is believed (their own address must match exactly).
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    readiness_timeout: float = 2.0
    rpc_timeout: float = 10.0
    # Calls one service may hold at once in a worker process (gateway/breaker.py); keep it below the threads.
    service_concurrency: int = 6
    environment: str = "development"

    @classmethod
    def from_env(cls) -> "GatewaySettings":
        environment = setting("WINDOW_ENV") or "production"
        secret = os.environ.get("GATEWAY_JWT_SECRET", "")
        if not secret:
            if environment != "development":
                raise InsecureConfiguration(
                    "GATEWAY_JWT_SECRET is not set: refusing to start outside development (WINDOW_ENV=development)")
            secret = DEV_JWT_SECRET
        if environment != "development" and len(secret) < 32:
            raise InsecureConfiguration("GATEWAY_JWT_SECRET must be at least 32 characters in production")
        if environment != "development" and setting("ACTOR_SIGNING_KEY") == DEFAULTS["ACTOR_SIGNING_KEY"]:
            raise InsecureConfiguration("ACTOR_SIGNING_KEY is the development default: set it outside development")
        proxies = tuple(p.strip() for p in os.environ.get("GATEWAY_TRUSTED_PROXIES", "").split(",") if p.strip())
        return cls(
            jwt_secret=secret,
            api_key_secret=os.environ.get("GATEWAY_API_KEY_SECRET", secret + ":api-keys"),
            token_ttl_seconds=int(os.environ.get("GATEWAY_TOKEN_TTL", 15 * 60)),
            refresh_ttl_seconds=int(os.environ.get("GATEWAY_REFRESH_TTL", 12 * 3600)),
            admin_password=os.environ.get("GATEWAY_ADMIN_PASSWORD", "admin-dev-2026"),
            rate_limit_per_minute=int(os.environ.get("GATEWAY_RATE_LIMIT", 1200)),
            login_rate_per_minute=int(os.environ.get("GATEWAY_LOGIN_RATE", 10)),
            lockout_failures=int(os.environ.get("GATEWAY_LOCKOUT_FAILURES", 5)),
            lockout_seconds=int(os.environ.get("GATEWAY_LOCKOUT_SECONDS", 15 * 60)),
            max_body_bytes=int(os.environ.get("GATEWAY_MAX_BODY_BYTES", 1_000_000)),
            trusted_proxies=proxies,
            rpc_timeout=float_setting("RPC_TIMEOUT"),
            service_concurrency=int(os.environ.get("GATEWAY_SERVICE_CONCURRENCY", 6)),
            environment=environment,
        )
