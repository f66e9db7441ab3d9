"""The pages' view of the platform: the gateway's own JSON API, called in-process.

A page asks `/v1/...` exactly as a browser's script or the provincial network
would (same access checks, same problem+json errors, same X-Request-Id), but
without a network hop: the WSGI app is invoked directly. So a page never holds
a rule the API does not, and a new API endpoint is usable by a page the moment
it is routed. The caller's credential is the session's bearer token.
"""
import json
from dataclasses import dataclass
from urllib.parse import urlencode

import falcon.testing

from services.common.logs import set_request_id

UNROUTED = "http-404"  # the problem type of a path the gateway does not serve (yet)


@dataclass
class ApiAnswer:
    status: int
    content_type: str
    data: bytes
    headers: dict

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def body(self):
        if "json" not in self.content_type:
            return None
        try:
            return json.loads(self.data or b"null")
        except ValueError:
            return None


class ApiError(Exception):
    """The API refused: `status`, the problem's `detail` and its field `errors`; `missing` when not routed."""

    def __init__(self, answer: ApiAnswer):
        problem = answer.body if isinstance(answer.body, dict) else {}
        super().__init__(problem.get("detail") or f"HTTP {answer.status}")
        self.status = answer.status
        self.detail = problem.get("detail") or problem.get("title") or "请求失败"
        self.errors = problem.get("errors") or []
        self.missing = self.status in (404, 405) and str(problem.get("type", "")).endswith(("http-404", "http-405"))

    def field_messages(self) -> dict:
        return {e.get("field"): e.get("message") for e in self.errors if isinstance(e, dict)}


class InProcessApi:
    def __init__(self, app):
        self.app = app

    def request(self, req, method: str, path: str, token: str | None = None, params: dict | None = None,
                body=None, headers: dict | None = None) -> ApiAnswer:
        """Run one API request for the page request `req` (its request id and client address carried over)."""
        sent = {"X-Request-Id": req.context.request_id, **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = b""
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            sent["Content-Type"] = "application/json"
        for name in ("X-Forwarded-For", "X-Real-IP"):
            if req.get_header(name):
                sent[name] = req.get_header(name)
        query = urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")})
        environ = falcon.testing.create_environ(path=path, query_string=query, method=method, headers=sent,
                                                body=data, remote_addr=req.remote_addr)
        captured = {}

        def start_response(status, response_headers, exc_info=None):
            captured["status"], captured["headers"] = status, dict(response_headers)

        chunks = self.app(environ, start_response)
        try:
            payload = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
            set_request_id(req.context.request_id)  # the inner request cleared it; the page's logs keep it
        headers_out = {k.lower(): v for k, v in captured["headers"].items()}
        return ApiAnswer(int(captured["status"].split()[0]), headers_out.get("content-type", ""), payload, headers_out)

    def get(self, req, path: str, token: str | None = None, **params):
        return self._json(self.request(req, "GET", path, token, params=params))

    def post(self, req, path: str, body: dict, token: str | None = None, headers: dict | None = None):
        return self._json(self.request(req, "POST", path, token, body=body, headers=headers))

    def put(self, req, path: str, body: dict, token: str | None = None):
        return self._json(self.request(req, "PUT", path, token, body=body))

    @staticmethod
    def _json(answer: ApiAnswer):
        if not answer.ok:
            raise ApiError(answer)
        return answer.body
