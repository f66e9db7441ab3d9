"""Cross-cutting request handling: request id, access log, credentials, rate limit, metrics."""
import logging
import re
import time
import uuid

from gateway.errors import PayloadTooLarge, Unauthorized
from gateway.ratelimit import client_address, key_of
from gateway.scopes import check_scopes
from services.common.errors import Forbidden
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
    """Resolves the Authorization header once; resources decide whether they need it (gateway/access.py).

    An API key also carries scopes: a route outside them is 403 before any resource runs."""

    def __init__(self, authenticator):
        self.authenticator = authenticator

    def process_request(self, req, resp):
        req.context.scopes = None
        if req.get_header("Authorization") is None:
            return
        try:
            req.context.actor, req.context.scopes = self.authenticator.authenticate(req.get_header("Authorization"))
        except Unauthorized as exc:  # kept until a resource asks: public routes ignore bad credentials
            req.context.auth_error = exc

    def process_resource(self, req, resp, resource, params):
        missing = check_scopes(req.context.scopes, req.method, req.uri_template)
        if missing:
            raise Forbidden(f"API 密钥缺少权限范围 {missing}")


class BodyLimit:
    """Refuses a body larger than the limit before reading it (413); read_json enforces it for chunked bodies."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes

    def process_request(self, req, resp):
        if req.content_length is not None and req.content_length > self.max_bytes:
            raise PayloadTooLarge(f"请求体不能超过 {self.max_bytes} 字节")


class RateLimit:
    """A fixed one-minute window per caller (credential, else the real client address), counted in the
    gateway's database so every worker and replica share it."""

    def __init__(self, limiter, per_minute: int, trusted_proxies: tuple[str, ...] = ()):
        self.limiter, self.per_minute, self.trusted_proxies = limiter, per_minute, trusted_proxies

    def process_request(self, req, resp):
        req.context.client_address = client_address(req, self.trusted_proxies)
        if self.per_minute <= 0 or req.path in UNMETERED:
            return
        caller = req.get_header("Authorization") or req.context.client_address
        self.limiter.hit(key_of("caller", caller), self.per_minute, 60,
                         f"每分钟最多 {self.per_minute} 次请求，请稍后再试")
