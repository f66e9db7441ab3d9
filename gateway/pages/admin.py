"""Administration pages: department admins edit items and issue or revoke letters of authority (授权书);
centre admins manage accounts and the calendar. Each form sends one API request and shows its answer."""
import datetime as dt
import re
from urllib.parse import quote

import falcon

from gateway.pages import labels
from gateway.pages.api import ApiError
from gateway.pages.base import Page, form_of

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ITEM_TEXT_FIELDS = (("name", "事项名称"), ("legal_basis", "设定依据"), ("conditions", "申请条件"),
                    ("procedure", "办理流程"), ("fee", "收费标准"), ("complaint_phone", "监督投诉电话"))
ITEM_DAY_FIELDS = (("statutory_days", "法定办结时限（工作日）"), ("promised_days", "承诺办结时限（工作日）"))
# Actions a letter of authority may cover, in the letter's words (受理, 初审, 现场检查, 核准, 审批, 发证...).
LETTER_ACTIONS = {"accept": "受理", "review": "初审", "inspect": "现场检查", "verify": "核准", "decide": "审批",
                  "sign": "审签", "issue": "发证"}


def field_messages(exc: ApiError) -> dict:
    """The API's field errors by form field: `holidays[2]` is shown at `holidays` (first message kept)."""
    messages = {}
    for field, message in exc.field_messages().items():
        messages.setdefault(field, message)
        if field and "[" in field:
            messages.setdefault(field.split("[")[0], f"{field}：{message}")
    return messages


class AdminPage(Page):
    def answer(self, req, resp, template, call, done: str, **values):
        """Run `call()`; show the page again with the API's answer (or its refusal and field errors)."""
        try:
            call()
        except ApiError as exc:
            return self.render(req, resp, template, status=exc.status, error=exc.detail,
                               field_errors=field_messages(exc), **values)
        return self.render(req, resp, template, done=done, field_errors={}, **values)


class AccountsPage(AdminPage):
    roles = ("centre_admin", "department_admin")

    def on_get(self, req, resp):
        self.require_session(req, resp)
        self.render(req, resp, "admin_accounts.html", form={}, field_errors={}, roles=self.creatable(req))

    def on_post(self, req, resp):
        session = self.require_session(req, resp)
        form = form_of(req)
        self.check_csrf(req, form)
        if form.get("disable"):
            return self.answer(req, resp, "admin_accounts.html",
                               lambda: self.api_post(req, f"/v1/accounts/{quote(form['disable'], safe='')}/disable",
                                                     {}),
                               f"已停用账号 {form['disable']}", form={}, roles=self.creatable(req))
        body = {k: (form.get(k) or "").strip() for k in ("username", "password", "display_name", "role")}
        department = (form.get("department") or "").strip() or session["actor"].get("department")
        body["department"] = department or None
        return self.answer(req, resp, "admin_accounts.html", lambda: self.api_post(req, "/v1/accounts", body),
                           f"已创建账号 {body['username']}", form=form, roles=self.creatable(req))

    def creatable(self, req):
        roles = dict(labels.ROLE_NAMES)
        if self.session(req)["actor"]["role"] == "department_admin":
            roles = {k: v for k, v in roles.items() if k in ("clerk", "chief_rep", "reviewer")}
        return roles


class CalendarPage(AdminPage):
    roles = ("centre_admin",)

    def on_get(self, req, resp):
        self.require_session(req, resp)
        year = self.year(req.get_param("year"))
        calendar, error = self.try_get(req, f"/v1/calendar/{year}")
        self.render(req, resp, "admin_calendar.html", year=year, calendar=calendar, error=error, field_errors={})

    def on_post(self, req, resp):
        self.require_session(req, resp)
        form = form_of(req)
        self.check_csrf(req, form)
        year = self.year(form.get("year"))
        body, bad = {}, {}
        for key in ("holidays", "workdays"):  # one date a line (commas and spaces also separate)
            body[key] = [entry for entry in re.split(r"[\s,，、;；]+", form.get(key) or "") if entry]
            wrong = [entry for entry in body[key] if not DATE.fullmatch(entry)]
            if wrong:
                bad[key] = "日期格式须为 YYYY-MM-DD：" + "、".join(wrong[:5])
        if bad:  # nothing is sent: the whole year is saved at once or not at all
            return self.render(req, resp, "admin_calendar.html", status=422, year=year, calendar=body,
                               error="日历有误，未保存", field_errors=bad)
        answer = {}

        def put():
            answer["calendar"] = self.deps.api.put(req, f"/v1/calendar/{year}", body, self.token(req))
        return self.answer(req, resp, "admin_calendar.html", put, f"已保存 {year} 年日历", year=year,
                           calendar=answer.get("calendar") or body)

    @staticmethod
    def year(value) -> int:
        return int(value) if str(value or "").isdigit() else dt.date.today().year


class DelegationsPage(AdminPage):
    roles = ("department_admin",)

    def on_get(self, req, resp, done=None):
        session = self.require_session(req, resp)
        self.show(req, resp, session, {})

    def on_post(self, req, resp):
        session = self.require_session(req, resp)
        form = form_of(req)
        self.check_csrf(req, form)
        if form.get("revoke"):
            call = lambda: self.api_post(req, f"/v1/delegations/{quote(form['revoke'], safe='')}/revoke", {})  # noqa: E731
            return self.show(req, resp, session, {}, call, "已撤销授权书")
        actions = form.get("actions") or []
        actions = [actions] if isinstance(actions, str) else actions
        items = form.get("items") or []
        items = [items] if isinstance(items, str) else items
        body = {"department": session["actor"].get("department"), "a_account": (form.get("a_account") or "").strip(),
                "b_account": (form.get("b_account") or "").strip(),
                "items": [{"item_code": code, "actions": actions} for code in items]}
        for name in ("valid_from", "valid_until"):  # a date left empty takes the letter's default
            if (form.get(name) or "").strip():
                body[name] = form[name].strip()
        return self.show(req, resp, session, form, lambda: self.api_post(req, "/v1/delegations", body), "已签发授权书")

    def show(self, req, resp, session, form, call=None, done=None):
        error, field_errors, status = None, {}, 200
        if call is not None:
            try:
                call()
            except ApiError as exc:
                error, field_errors, status, done = exc.detail, exc.field_messages(), exc.status, None
        department = session["actor"].get("department")
        letters, list_error = self.try_get(req, "/v1/delegations", department=department)
        items, _ = self.try_get(req, "/v1/items", department=department, limit=500)
        self.render(req, resp, "admin_delegations.html", status=status, done=done, error=error or list_error,
                    field_errors=field_errors, form=form, letters=(letters or {}).get("delegations", []),
                    items=(items or {}).get("items", []), actions=LETTER_ACTIONS,
                    item_names={i.get("code"): i.get("name") for i in (items or {}).get("items", [])})


class ItemEditPage(AdminPage):
    roles = ("department_admin", "centre_admin")

    def on_get(self, req, resp, code):
        self.require_session(req, resp)
        self.show(req, resp, code)

    def on_post(self, req, resp, code):
        self.require_session(req, resp)
        form = form_of(req)
        self.check_csrf(req, form)
        item = self.api_get(req, f"/v1/items/{quote(code, safe='')}")
        changes = {}
        for name, _label in ITEM_TEXT_FIELDS:
            if (form.get(name) or "").strip() != (item.get(name) or ""):
                changes[name] = (form.get(name) or "").strip()
        for name, _label in ITEM_DAY_FIELDS:
            value = (form.get(name) or "").strip()
            if value != str(item.get(name)):
                changes[name] = int(value) if value.isdigit() else value
        try:
            self.deps.api.put(req, f"/v1/items/{quote(code, safe='')}", {**item, **changes}, self.token(req))
        except ApiError as exc:
            return self.show(req, resp, code, exc, form)
        raise falcon.HTTPSeeOther(f"/workbench/items/{quote(code, safe='')}?done=1")

    def show(self, req, resp, code, error: ApiError | None = None, form=None):
        item = self.api_get(req, f"/v1/items/{quote(code, safe='')}")
        versions, versions_error = self.try_get(req, f"/v1/items/{quote(code, safe='')}/versions")
        self.render(req, resp, "admin_item.html", status=error.status if error else 200, item={**item, **(form or {})},
                    done=req.get_param("done"), error=error.detail if error else None,
                    field_errors=error.field_messages() if error else {}, text_fields=ITEM_TEXT_FIELDS,
                    day_fields=ITEM_DAY_FIELDS, versions=(versions or {}).get("versions", []),
                    versions_error=versions_error)
