"""The gateway's own settings, read from the environment once (secrets never in code)."""
import os
from dataclasses import dataclass

from services.common.config import float_setting

DEV_JWT_SECRET = "dev-only-gateway-jwt-secret-change-me"


@dataclass(frozen=True)
class GatewaySettings:
    jwt_secret: str = DEV_JWT_SECRET
    # Keys the hash API keys are looked up by; a leaked database alone cannot be replayed.
    api_key_secret: str = DEV_JWT_SECRET + ":api-keys"
    token_ttl_seconds: int = 8 * 3600
    admin_password: str = "admin-dev-2026"
    # Requests per minute per caller in one worker process; 0 turns the limit off.
    rate_limit_per_minute: int = 1200
    readiness_timeout: float = 2.0
    rpc_timeout: float = 10.0
    # Calls one service may hold at once in a worker process (gateway/breaker.py); keep it below the threads.
    service_concurrency: int = 6

    @classmethod
    def from_env(cls) -> "GatewaySettings":
        secret = os.environ.get("GATEWAY_JWT_SECRET", DEV_JWT_SECRET)
        return cls(
            jwt_secret=secret,
            api_key_secret=os.environ.get("GATEWAY_API_KEY_SECRET", secret + ":api-keys"),
            token_ttl_seconds=int(os.environ.get("GATEWAY_TOKEN_TTL", 8 * 3600)),
            admin_password=os.environ.get("GATEWAY_ADMIN_PASSWORD", "admin-dev-2026"),
            rate_limit_per_minute=int(os.environ.get("GATEWAY_RATE_LIMIT", 1200)),
            rpc_timeout=float_setting("RPC_TIMEOUT"),
            service_concurrency=int(os.environ.get("GATEWAY_SERVICE_CONCURRENCY", 6)),
        )
