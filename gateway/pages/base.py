"""What every page shares: templates, the session, the in-process API, redirects."""
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import falcon
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gateway.pages import labels
from gateway.pages.api import ApiError, InProcessApi
from gateway.pages.sessions import COOKIE, LOGIN_COOKIE, PageSettings, SessionStore, needs_refresh, same_token

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"
HTML = "text/html; charset=utf-8"
CENTRE_TZ = ZoneInfo("Asia/Shanghai")
STAFF_HOME_ROLES = ("clerk", "chief_rep", "reviewer", "department_admin", "centre_admin")
OVERSIGHT_HOME_ROLES = ("supervisor",)


def local_time(value) -> str:
    """An ISO datetime as the centre's local time, 'YYYY-MM-DD HH:MM'; dates pass through."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M") if "T" in str(value) else str(value)
    return moment.astimezone(CENTRE_TZ).strftime("%Y-%m-%d %H:%M")


def make_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["local_time"] = local_time
    env.globals.update(
        status_name=lambda s: labels.STATUS_NAMES.get(s, s or ""),
        action_name=lambda a: labels.ACTION_NAMES.get(a, a or ""),
        role_name=lambda r: labels.ROLE_NAMES.get(r, r or ""),
        department_name=lambda d: labels.DEPARTMENT_NAMES.get(d, d or ""),
        case_kind_name=lambda k: labels.CASE_KIND_NAMES.get(k, k or ""),
        channel_name=lambda c: labels.CHANNEL_NAMES.get(c, c or ""),
        supervision_name=lambda s: labels.SUPERVISION_NAMES.get(s, s or ""),
        certificate_status_name=lambda s: labels.CERTIFICATE_STATUS_NAMES.get(s, s or ""),
        letter_status_name=lambda s: labels.LETTER_STATUS_NAMES.get(s, s or ""),
        stage_name=lambda s: labels.STAGE_NAMES.get(s, s or ""),
    )
    return env


@dataclass
class PageDeps:
    api: InProcessApi
    sessions: SessionStore
    env: Environment
    settings: PageSettings


class Page:
    """A page resource: thin, it asks the API and renders a template."""

    roles: tuple = ()  # empty: public; otherwise the roles that may open the page (others get 403)

    def __init__(self, deps: PageDeps):
        self.deps = deps

    # --- session ---------------------------------------------------------------
    def session(self, req) -> dict | None:
        if not hasattr(req.context, "page_session"):
            found = self.deps.sessions.find(cookie(req, COOKIE))
            req.context.page_expired = bool(found and found.get("expired"))
            req.context.page_session = None if req.context.page_expired else found
        return req.context.page_session

    def token(self, req) -> str | None:
        """The session's access token, refreshed first when it ends within a moment (a working person is
        never logged out by the token's short life; only idleness or a refused refresh ends the session)."""
        session = self.session(req)
        if session is None:
            return None
        if needs_refresh(session):
            session = req.context.page_session = self._refreshed(req, session)
        return session["token"]

    def _refreshed(self, req, session: dict) -> dict:
        sessions = self.deps.sessions
        try:
            tokens = self.deps.api.post(req, "/v1/auth/refresh", {"refresh_token": session["refresh_token"]})
        except ApiError as exc:
            current = sessions.reread(session)  # another request of this session may have refreshed first
            if current and current.get("refresh_token") != session.get("refresh_token"):
                return current
            if exc.status not in (400, 401):
                raise
            sessions.delete(cookie(req, COOKIE))
            raise falcon.HTTPSeeOther("/login?expired=1") from None
        renewed = sessions.renew(session, tokens)
        if renewed is None:
            raise falcon.HTTPSeeOther("/login?expired=1")
        return renewed

    def require_session(self, req, resp) -> dict:
        """The staff member's session; a redirect to the login page without one, 403 page for other roles."""
        session = self.session(req)
        if session is None:
            target = "/login?next=" + quote(req.relative_uri, safe="")
            if req.context.page_expired:
                target += "&expired=1"
            raise falcon.HTTPSeeOther(target)
        if self.roles and session["actor"]["role"] not in self.roles:
            raise Refused("您的账号角色无权使用此页面。")
        return session

    def check_csrf(self, req, form: dict) -> None:
        session = self.session(req)
        if session is None or not same_token(session["csrf"], form.get("csrf")):
            raise Refused("页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试。")

    # --- API -------------------------------------------------------------------
    def api_get(self, req, path: str, **params):
        return self.deps.api.get(req, path, self.token(req), **params)

    def api_post(self, req, path: str, body: dict, headers: dict | None = None):
        return self.deps.api.post(req, path, body, self.token(req), headers=headers)

    def try_get(self, req, path: str, **params):
        """(answer, None) or (None, message): a section of a page may be unavailable without failing the page."""
        try:
            return self.api_get(req, path, **params), None
        except ApiError as exc:
            if exc.status == 401 and self.session(req):
                self.deps.sessions.delete(cookie(req, COOKIE))
                raise falcon.HTTPSeeOther("/login?expired=1") from None
            return None, unavailable_text(exc)

    # --- rendering -------------------------------------------------------------
    def render(self, req, resp, template: str, status: int = 200, **values) -> None:
        session = self.session(req)
        resp.status = status
        resp.content_type = HTML
        resp.set_header("Cache-Control", "no-store" if session else "no-cache")
        resp.set_header("X-Frame-Options", "DENY")
        resp.set_header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
        resp.text = self.deps.env.get_template(template).render(
            user=session["actor"] if session else None, csrf=session["csrf"] if session else "",
            path=req.path, **values)


class Refused(Exception):
    """A page the caller may not use, or a form from nowhere: answered with the error page (403)."""


def cookie(req, name: str) -> str | None:
    values = req.get_cookie_values(name)
    return values[0] if values else None


def unavailable_text(exc: ApiError) -> str:
    if exc.missing:
        return "暂不可用：该功能的接口尚未开通。"
    if exc.status == 503:
        return "暂不可用：相关服务暂时无法响应，请稍后刷新。"
    return exc.detail


def form_of(req) -> dict:
    """The urlencoded form, each name to its value (lists for repeated names)."""
    form = req.get_media() if req.content_length else {}
    return {k: v for k, v in (form or {}).items()}


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def login_cookie(resp, value: str, secure: bool) -> None:
    resp.set_cookie(LOGIN_COOKIE, value, path="/login", secure=secure, http_only=True, same_site="Lax")


def home_for(role: str) -> str:
    if role in STAFF_HOME_ROLES:
        return "/workbench"
    if role in OVERSIGHT_HOME_ROLES:
        return "/dashboard"
    return "/"
