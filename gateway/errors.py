"""Every error the gateway answers with, in one table, rendered as problem+json.

Domain errors raised by the services arrive here as their own types (see
gateway/rpc.py); the gateway adds the HTTP-only ones (bad JSON, credentials,
rate limit). Falcon's own errors (unknown route, wrong method) get the same
shape.
"""
import json
import logging

import falcon
from pymongo.errors import ConnectionFailure, ExecutionTimeout, WTimeoutError

from gateway.rpc import RemoteFailure
from services.common.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unavailable

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://zwfw.example.gov.cn/problems/"


class MalformedJson(DomainError):
    """The body is not JSON, or not a JSON object (400)."""


class Unauthorized(DomainError):
    """No credentials, or bad ones (401)."""


class RateLimited(DomainError):
    """Too many requests from one caller, or a locked login (429, with Retry-After)."""

    def __init__(self, detail: str, errors: list | None = None, retry_after: int = 60):
        super().__init__(detail, errors)
        self.retry_after = retry_after


class PayloadTooLarge(DomainError):
    """The request body is larger than the gateway accepts (413)."""


# exception type -> (HTTP status, problem type slug, Chinese title)
ERROR_TABLE = {
    MalformedJson: (400, "malformed-request", "请求格式错误"),
    Unauthorized: (401, "unauthorized", "未认证或凭据无效"),
    Forbidden: (403, "forbidden", "无权执行此操作"),
    NotFound: (404, "not-found", "资源不存在"),
    Conflict: (409, "conflict", "与当前状态冲突"),
    InvalidInput: (422, "invalid-input", "请求字段无效"),
    RateLimited: (429, "rate-limited", "请求过于频繁"),
    PayloadTooLarge: (413, "payload-too-large", "请求体过大"),
    RemoteFailure: (500, "internal-error", "服务内部错误"),
    Unavailable: (503, "unavailable", "服务暂不可用"),
    # The gateway's own database (accounts, idempotency keys) down or too slow: retry later, not a bug.
    ConnectionFailure: (503, "unavailable", "服务暂不可用"),
    ExecutionTimeout: (503, "unavailable", "服务暂不可用"),
    WTimeoutError: (503, "unavailable", "服务暂不可用"),
}
DATABASE_DOWN = (ConnectionFailure, ExecutionTimeout, WTimeoutError)

# Titles for Falcon's own HTTP errors (unknown route, wrong method, ...).
STATUS_TITLES = {
    400: "请求格式错误", 401: "未认证或凭据无效", 403: "无权执行此操作", 404: "资源不存在",
    405: "不支持该请求方法", 409: "与当前状态冲突", 411: "缺少请求长度", 413: "请求体过大",
    415: "不支持的媒体类型", 422: "请求字段无效", 429: "请求过于频繁", 500: "服务内部错误", 503: "服务暂不可用",
}


def problem(status: int, slug: str, title: str, detail: str, errors: list | None = None) -> dict:
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


def _lookup(exc: Exception):
    for cls in type(exc).__mro__:
        if cls in ERROR_TABLE:
            return ERROR_TABLE[cls]
    return None


def _send(resp, body: dict, headers: dict | None = None) -> None:
    resp.status = body["status"]
    resp.content_type = PROBLEM_JSON
    resp.text = json.dumps(body, ensure_ascii=False)
    for name, value in (headers or {}).items():
        resp.set_header(name, value)


def handle_known(req, resp, exc, params) -> None:
    status, slug, title = _lookup(exc)
    if isinstance(exc, RemoteFailure):
        log.error("remote failure: %s", exc)
        detail, errors = "服务处理请求时发生意外错误，请稍后重试", None
    elif isinstance(exc, DATABASE_DOWN):
        log.warning("gateway database unavailable: %r", exc)
        detail, errors = "数据库暂不可用，请稍后重试", None
    else:
        detail = exc.detail
        # 422 always lists its fields; another refusal lists them when it names one (e.g. a channel, 403)
        errors = exc.errors if isinstance(exc, InvalidInput) else (exc.errors or None)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 429:
        headers = {"Retry-After": str(getattr(exc, "retry_after", 60))}
    if status == 503:
        headers = {"Retry-After": "1"}
    _send(resp, problem(status, slug, title, detail, errors), headers)


def handle_http_error(req, resp, exc: falcon.HTTPError, params) -> None:
    status = exc.status_code
    title = STATUS_TITLES.get(status, exc.title or "错误")
    detail = exc.description or title
    _send(resp, problem(status, f"http-{status}", title, detail), dict(exc.headers or {}))


def handle_unexpected(req, resp, exc, params) -> None:
    if isinstance(exc, falcon.HTTPError):
        return handle_http_error(req, resp, exc, params)
    log.exception("unhandled error")
    _send(resp, problem(500, "internal-error", "服务内部错误", "网关处理请求时发生意外错误"))


def install(app: falcon.App) -> None:
    """Register the handlers; Falcon picks the most specific one for each exception."""
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(falcon.HTTPError, handle_http_error)
    app.add_error_handler(tuple(ERROR_TABLE), handle_known)
