"""Cross-cutting request handling: request id, access log, credentials, rate limit, metrics."""
import hashlib
import logging
import re
import threading
import time
import uuid

from gateway.errors import RateLimited, Unauthorized
from services.common.logs import set_request_id

log = logging.getLogger("gateway.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
UNMETERED = ("/healthz", "/readyz", "/metrics")


class RequestContext:
    """X-Request-Id echoed (or made up), put on every log line and every RPC; an access log line per request."""

    def __init__(self, metrics):
        self.metrics = metrics

    def process_request(self, req, resp):
        given = req.get_header("X-Request-Id")
        req.context.request_id = given if given and REQUEST_ID.match(given) else uuid.uuid4().hex
        req.context.started = time.perf_counter()
        req.context.actor, req.context.auth_error = None, None
        set_request_id(req.context.request_id)
        resp.set_header("X-Request-Id", req.context.request_id)

    def process_response(self, req, resp, resource, req_succeeded):
        resp.set_header("X-Request-Id", req.context.request_id)
        elapsed = time.perf_counter() - req.context.started
        route = req.uri_template or "unmatched"
        status = resp.status_code
        self.metrics.observe(req.method, route, status, elapsed)
        actor = req.context.actor or {}
        log.info("%s %s %s", req.method, req.path, status, extra={
            "route": route, "status": status, "duration_ms": round(elapsed * 1000, 1),
            "username": actor.get("username"), "role": actor.get("role"),
        })
        set_request_id(None)


class Credentials:
    """Resolves the Authorization header once; resources decide whether they need it (gateway/access.py)."""

    def __init__(self, authenticator):
        self.authenticator = authenticator

    def process_request(self, req, resp):
        if req.get_header("Authorization") is None:
            return
        try:
            req.context.actor = self.authenticator.actor(req.get_header("Authorization"))
        except Unauthorized as exc:  # kept until a resource asks: public routes ignore bad credentials
            req.context.auth_error = exc


class RateLimit:
    """A fixed one-minute window per caller (credential or address) in this worker process."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._window, self._counts = 0, {}

    def process_request(self, req, resp):
        if self.per_minute <= 0 or req.path in UNMETERED:
            return
        caller = req.get_header("Authorization") or req.remote_addr or "-"
        key = hashlib.sha256(caller.encode()).hexdigest()[:16]
        window = int(time.time() // 60)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            self._counts[key] = count = self._counts.get(key, 0) + 1
        if count > self.per_minute:
            raise RateLimited(f"每分钟最多 {self.per_minute} 次请求，请稍后再试")
