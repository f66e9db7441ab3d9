"""Public pages (no login): the catalogue, an item's 八公开 page, progress, rating (评价器), verification, results."""
from urllib.parse import quote

import falcon

from gateway.pages import labels
from gateway.pages.api import ApiError
from gateway.pages.base import Page, form_of, unavailable_text

RESET_SECONDS = 8  # the hall's rating device returns to its blank screen after a rating


def group_catalogue(items: list[dict]) -> list[dict]:
    """Items by department, then by category, in the catalogue's order."""
    departments: dict = {}
    for item in items:
        department = departments.setdefault(item.get("department"), {"code": item.get("department"), "categories": {}})
        key = item.get("category")
        category = department["categories"].setdefault(key, {"code": key, "name": item.get("category_name") or key,
                                                             "items": []})
        category["items"].append(item)
    return [{**d, "categories": list(d["categories"].values())} for d in departments.values()]


def matches(item: dict, words: str) -> bool:
    text = " ".join(str(item.get(k) or "") for k in ("name", "code", "category_name"))
    return all(word.lower() in text.lower() for word in words.split())


class CataloguePage(Page):
    def on_get(self, req, resp):
        query = (req.get_param("q") or "").strip()[:50]
        department = req.get_param("department")
        answer, error = self.try_get(req, "/v1/items", department=department, limit=500)
        items = (answer or {}).get("items", [])
        if query:
            items = [item for item in items if matches(item, query)]
        self.render(req, resp, "catalogue.html", query=query, department=department, groups=group_catalogue(items),
                    count=len(items), error=error, departments=labels.DEPARTMENT_NAMES)


class ItemPage(Page):
    def on_get(self, req, resp, code):
        try:
            item = self.api_get(req, f"/v1/items/{quote(code, safe='')}")
        except ApiError as exc:
            return self.render(req, resp, "message.html", status=exc.status if exc.status < 500 else 503,
                               title="事项不存在" if exc.status == 404 else "暂不可用", message=unavailable_text(exc))
        self.render(req, resp, "item.html", item=item)


class ProgressPage(Page):
    def on_get(self, req, resp):
        case_no = (req.get_param("case_no") or "").strip()[:40]
        code = (req.get_param("code") or "").strip()[:40]
        progress, error = None, None
        if case_no and code:
            try:
                progress = self.api_get(req, f"/v1/progress/{quote(case_no, safe='')}", code=code)
            except ApiError as exc:
                error = "未查到该办件：请核对办件编号和查询码。" if exc.status == 404 and not exc.missing \
                    else unavailable_text(exc)
        elif case_no or code:
            error = "请同时填写办件编号和查询码。"
        self.render(req, resp, "progress.html", case_no=case_no, code=code, progress=progress, error=error)


class RateStartPage(Page):
    """The rating device's blank screen: enter (or scan) the case number."""

    def on_get(self, req, resp):
        case_no = (req.get_param("case_no") or "").strip()
        if case_no:
            target = f"/rate/{quote(case_no, safe='')}"
            if req.get_param("code"):
                target += "?code=" + quote(req.get_param("code"), safe="")
            raise falcon.HTTPSeeOther(target)
        self.render(req, resp, "rate_start.html")


class RatePage(Page):
    def on_get(self, req, resp, case_no):
        self._form(req, resp, case_no, {"code": req.get_param("code") or "", "channel": req.get_param("channel")})

    def on_post(self, req, resp, case_no):
        form = form_of(req)
        if self.session(req):
            self.check_csrf(req, form)
        reasons = form.get("reasons") or []
        reasons = [reasons] if isinstance(reasons, str) else reasons
        names = dict(labels.BAD_RATING_REASONS)
        text = "；".join(names[r] for r in reasons if r in names)
        comment = (form.get("comment") or "").strip()
        comment = f"{text}。{comment}" if text and comment else (text or comment)
        body = {"level": int(form["level"]) if str(form.get("level", "")).isdigit() else form.get("level"),
                "channel": form.get("channel") if form.get("channel") in ("window", "sms", "web") else "web"}
        if comment:
            body["comment"] = comment
        if form.get("code") and not self.session(req):
            body["code"] = form["code"].strip()
        try:
            self.api_post(req, f"/v1/cases/{quote(case_no, safe='')}/rating", body)
        except ApiError as exc:
            return self._form(req, resp, case_no, form, error=exc, status=exc.status)
        self.render(req, resp, "rate_done.html", case_no=case_no, reset_seconds=RESET_SECONDS,
                    level_name=dict(labels.RATING_LEVELS).get(body["level"], ""))

    def _form(self, req, resp, case_no, form, error: ApiError | None = None, status: int = 200):
        message = None
        if error is not None:
            message = error.detail
            if error.status == 401:
                message = "请输入办件的查询码（见受理通知书或短信），或登录后评价。"
            elif error.missing or error.status >= 500:
                message = unavailable_text(error)
        self.render(req, resp, "rate.html", status=status, case_no=case_no, form=form, message=message,
                    field_errors=error.field_messages() if error else {}, levels=labels.RATING_LEVELS,
                    reasons=labels.BAD_RATING_REASONS, login_next=quote(f"/rate/{case_no}", safe=""))


class VerifyPage(Page):
    def on_get(self, req, resp, certificate_no=None):
        number = (certificate_no or req.get_param("no") or "").strip()[:60]
        certificate, error = None, None
        if number:
            try:
                certificate = self.api_get(req, f"/v1/certificates/{quote(number, safe='')}")
            except ApiError as exc:
                error = "未查到该证书编号：此证书可能不是本中心核发，请谨慎核对。" if exc.status == 404 \
                    and not exc.missing else unavailable_text(exc)
        self.render(req, resp, "verify.html", number=number, certificate=certificate, error=error,
                    status=404 if error and number and not certificate else 200)


class ResultsPage(Page):
    def on_get(self, req, resp):
        params = {k: req.get_param(k) for k in ("department", "from", "to") if req.get_param(k)}
        answer, error = self.try_get(req, "/v1/results", **params)
        results = answer.get("results", answer.get("decisions", [])) if isinstance(answer, dict) else (answer or [])
        self.render(req, resp, "results.html", results=results, error=error, params=params,
                    departments=labels.DEPARTMENT_NAMES)
