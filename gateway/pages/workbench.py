"""The staff workbench: my queue, the case page with its allowed actions, walk-in applications, the notice."""
import re
import secrets
from urllib.parse import quote

import falcon

from gateway.pages import labels
from gateway.pages.api import ApiError
from gateway.pages.base import STAFF_HOME_ROLES, Page, form_of, unavailable_text
from gateway.pages.queue import queue_order

QUEUE_FILTERS = ("status", "supervision")
# Downloads passed through for the logged-in person: documents of a case, and monthly reports.
DOWNLOADABLE = re.compile(r"^/v1/(cases/[^/?#]+/documents(/[^?#]*)?|reports/monthly)$")


def case_path(case_no: str) -> str:
    return f"/v1/cases/{quote(case_no, safe='')}"


class WorkbenchPage(Page):
    roles = STAFF_HOME_ROLES

    def on_get(self, req, resp):
        session = self.require_session(req, resp)
        queue = req.get_param("queue") if req.get_param("queue") in ("mine", "all") else "mine"
        filters = {k: req.get_param(k) for k in QUEUE_FILTERS if req.get_param(k)}
        answer, error = self.try_get(req, "/v1/cases", queue=queue, limit=100, **filters)
        cases = queue_order((answer or {}).get("cases", []))
        self.render(req, resp, "workbench.html", cases=cases, error=error, queue=queue, filters=filters,
                    statuses=labels.STATUS_NAMES, states=labels.SUPERVISION_NAMES,
                    can_apply=session["actor"]["role"] == "clerk")


class CasePage(Page):
    roles = STAFF_HOME_ROLES + ("supervisor",)

    def on_get(self, req, resp, case_no):
        self.require_session(req, resp)
        self.show(req, resp, case_no, done=req.get_param("done"))

    def show(self, req, resp, case_no, done=None, error: ApiError | None = None, status=200):
        try:
            case = self.api_get(req, case_path(case_no))
        except ApiError as exc:
            return self.render(req, resp, "message.html", status=exc.status if exc.status < 500 else 503,
                               title="办件不存在" if exc.status == 404 else "暂不可用", message=unavailable_text(exc))
        documents, documents_error = self.try_get(req, case_path(case_no) + "/documents")
        actions = case.get("allowed_actions")
        self.render(req, resp, "case.html", status=status, case=case, done=done,
                    error=error.detail if error else None, field_errors=error.field_messages() if error else {},
                    documents=(documents or {}).get("documents", []), documents_error=documents_error,
                    actions=[(a, labels.action_fields(a)) for a in actions] if actions is not None else None)


class CaseActionPage(Page):
    roles = CasePage.roles
    show = CasePage.show  # a refused action is answered with the case page and the reason

    def on_post(self, req, resp, case_no):
        self.require_session(req, resp)
        form = form_of(req)
        self.check_csrf(req, form)
        action = form.get("action") or ""
        body = {"action": action}
        for name, _kind, _label, _options in labels.action_fields(action):
            value = (form.get(name) or "").strip()
            if value:
                body[name] = int(value) if name in labels.INTEGER_FIELDS and value.isdigit() else value
        try:
            self.api_post(req, case_path(case_no) + "/transitions", body)
        except ApiError as exc:
            return self.show(req, resp, case_no, error=exc, status=exc.status)
        raise falcon.HTTPSeeOther(f"/workbench/cases/{quote(case_no, safe='')}?done={quote(action)}")


class NoticePage(Page):
    """The printable notice of a case (受理通知书 / 一次性告知书 / 不予受理通知书), as intake wrote it."""

    roles = STAFF_HOME_ROLES

    def on_get(self, req, resp, case_no):
        self.require_session(req, resp)
        try:
            case = self.api_get(req, case_path(case_no))
        except ApiError as exc:
            return self.render(req, resp, "message.html", status=exc.status, title="办件不存在",
                               message=unavailable_text(exc))
        documents, _ = self.try_get(req, case_path(case_no) + "/documents")
        self.render(req, resp, "notice.html", case=case, notice=case.get("notice"),
                    documents=(documents or {}).get("documents", []))


class WalkInPage(Page):
    """A clerk receives a walk-in application (窗口收件) against the item's material checklist."""

    roles = ("clerk",)

    def on_get(self, req, resp):
        self.require_session(req, resp)
        self.show(req, resp, req.get_param("item"), {"idempotency_key": secrets.token_urlsafe(16)})

    def on_post(self, req, resp):
        self.require_session(req, resp)
        form = form_of(req)
        self.check_csrf(req, form)
        received = form.get("materials") or []
        received = [received] if isinstance(received, str) else received
        kind = "enterprise" if form.get("applicant_type") == "enterprise" else "person"
        applicant = {"type": kind, "name": (form.get("name") or "").strip(), "phone": (form.get("phone") or "").strip()}
        if kind == "enterprise":
            applicant["credit_code"] = (form.get("credit_code") or "").strip()
            applicant["legal_representative"] = (form.get("legal_representative") or "").strip()
        else:
            applicant["id_number"] = (form.get("id_number") or "").strip()
        body = {"item_code": form.get("item_code"), "channel": "window", "applicant": applicant,
                "materials": [{"code": code} for code in received]}
        if (form.get("owner_account") or "").strip():
            body["owner_account"] = form["owner_account"].strip()
        key = form.get("idempotency_key") or secrets.token_urlsafe(16)  # a resubmitted form: the same answer
        try:
            answer = self.api_post(req, "/v1/applications", body, headers={"Idempotency-Key": key})
        except ApiError as exc:
            return self.show(req, resp, form.get("item_code"), form, exc, status=exc.status)
        raise falcon.HTTPSeeOther(f"/workbench/cases/{quote(answer['case_no'], safe='')}/notice")

    def show(self, req, resp, item_code, form, error: ApiError | None = None, status=200):
        session = self.session(req)
        items, items_error = self.try_get(req, "/v1/items", department=session["actor"].get("department"), limit=500)
        item = None
        if item_code:
            item, item_error = self.try_get(req, f"/v1/items/{quote(item_code, safe='')}")
            items_error = items_error or item_error
        received = form.get("materials") or []
        self.render(req, resp, "apply.html", status=status, items=(items or {}).get("items", []), item=item,
                    error=error.detail if error else items_error, field_errors=error.field_messages() if error else {},
                    form=form, received=[received] if isinstance(received, str) else received)


class DownloadPage(Page):
    """A document or report file, fetched with the session's token (browsers send cookies, not bearer tokens)."""

    roles = STAFF_HOME_ROLES + ("supervisor",)

    def on_get(self, req, resp):
        self.require_session(req, resp)
        path = req.get_param("path") or ""
        if not DOWNLOADABLE.match(path):
            raise falcon.HTTPNotFound(description="无此文件")
        params = {k: v for k, v in req.params.items() if k != "path"}
        answer = self.deps.api.request(req, "GET", path, self.token(req), params=params)
        if not answer.ok:
            raise ApiError(answer)
        resp.status, resp.data = answer.status, answer.data
        resp.content_type = answer.content_type
        if answer.headers.get("content-disposition"):
            resp.set_header("Content-Disposition", answer.headers["content-disposition"])
