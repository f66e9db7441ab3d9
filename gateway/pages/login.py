"""Login and logout for the pages: the same authenticator as `POST /v1/auth/token`, a server-side session."""
import falcon

from gateway.pages.api import ApiError
from gateway.pages.base import Page, cookie, form_of, home_for, login_cookie, new_login_token
from gateway.pages.sessions import COOKIE, LOGIN_COOKIE, same_token


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


class LoginPage(Page):
    def on_get(self, req, resp):
        self._form(req, resp, message="长时间未操作，已自动退出，请重新登录。" if req.get_param("expired") else None)

    def on_post(self, req, resp):
        form = form_of(req)
        if not same_token(cookie(req, LOGIN_COOKIE), form.get("login_token")):
            return self._form(req, resp, message="登录页面已过期，请重新输入。", status=400, form=form)
        username, password = (form.get("username") or "").strip(), form.get("password") or ""
        if not username or not password:
            return self._form(req, resp, message="请输入用户名和密码。", status=400, form=form)
        try:
            token = self.deps.api.post(req, "/v1/auth/token", {"username": username, "password": password})
            me = self.deps.api.get(req, "/v1/me", token["access_token"])
        except ApiError as exc:
            return self._form(req, resp, message=exc.detail, status=exc.status, form=form)
        old = cookie(req, COOKIE)
        self.deps.sessions.delete(old)  # a fresh id at every login (no session fixation)
        actor = {key: me.get(key) for key in ("username", "role", "department", "display_name")}
        session_id = self.deps.sessions.create(actor, token)
        resp.set_cookie(COOKIE, session_id, path="/", secure=self.deps.settings.secure_cookies, http_only=True,
                        same_site="Lax", max_age=None)
        resp.unset_cookie(LOGIN_COOKIE, path="/login")
        raise falcon.HTTPSeeOther(safe_next(form.get("next")) or home_for(actor["role"]))

    def _form(self, req, resp, message=None, status=200, form=None):
        token = new_login_token()
        login_cookie(resp, token, self.deps.settings.secure_cookies)
        form = form or {}
        self.render(req, resp, "login.html", status=status, message=message, login_token=token,
                    username=form.get("username", ""), next=safe_next(form.get("next") or req.get_param("next")))


class LogoutPage(Page):
    def on_post(self, req, resp):
        form = form_of(req)
        if self.session(req) is not None:
            self.check_csrf(req, form)
            self.deps.sessions.delete(cookie(req, COOKIE))
        resp.unset_cookie(COOKIE, path="/")
        raise falcon.HTTPSeeOther("/login")
