"""Rate limits shared by every gunicorn worker and every gateway replica.

A fixed window per key, counted in the gateway's database (one tiny counter
document per key and window), so a caller cannot multiply its allowance by
the number of processes. Keys are a credential's hash or the client address;
the address comes from X-Forwarded-For only when the direct peer is a
trusted proxy (anyone can write that header).

`RateLimiter.hit(key, limit, window_seconds)` raises RateLimited with the
seconds to wait; other modules (progress look-ups, logins) reuse it.
"""
import hashlib
import math
import random
import time

from gateway.errors import RateLimited


def client_address(req, trusted_proxies: tuple[str, ...]) -> str:
    """The real client: the right-most X-Forwarded-For hop not itself a trusted proxy, if the peer is one."""
    peer = req.remote_addr or "-"
    if peer not in trusted_proxies:
        return peer
    forwarded = [hop.strip() for hop in (req.get_header("X-Forwarded-For") or "").split(",") if hop.strip()]
    for hop in reversed(forwarded):
        if hop not in trusted_proxies:
            return hop
    return peer


def key_of(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


class RateLimiter:
    def __init__(self, store, clock=time.time):
        self.store, self.clock = store, clock

    def hit(self, key: str, limit: int, window_seconds: int = 60, message: str | None = None) -> None:
        if limit <= 0:
            return
        now = self.clock()
        window_start = int(now // window_seconds) * window_seconds
        count = self.store.count_hit(key, window_start, window_seconds)
        if random.random() < 0.001:  # now and then, drop windows long gone
            self.store.prune_counters(now)
        if count > limit:
            retry_after = max(1, math.ceil(window_start + window_seconds - now))
            raise RateLimited(message or f"请求过于频繁，请 {retry_after} 秒后再试", retry_after=retry_after)
