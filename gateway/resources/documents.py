"""A case's formal documents (法律文书) as PDF, for those who may see the case or hold its query code."""
from gateway import formal_documents, pdf, query_codes
from gateway.access import ensure_visible, require
from gateway.resources.base import Resource
from services.common.config import setting
from services.common.contracts import Approval, Intake
from services.common.errors import NotFound


class _CaseDocuments(Resource):
    def case(self, req, case_no: str) -> dict:
        code = req.get_param("code")
        if code is not None:  # the applicant without an account, by the query code
            query_codes.verify(self, req, case_no, code)
            return self.load_case(req, case_no)
        actor = require(req)
        case = self.load_case(req, case_no)
        ensure_visible(actor, case, case_no)
        return query_codes.shown_to(actor, case)


class DocumentsResource(_CaseDocuments):
    def on_get(self, req, resp, case_no):
        case = self.case(req, case_no)
        suffix = f"?code={req.get_param('code')}" if req.get_param("code") else ""
        resp.media = {"documents": [
            {"kind": kind, "title": formal_documents.TITLES[kind],
             "url": f"/v1/cases/{case_no}/documents/{kind}{suffix}"}
            for kind in formal_documents.available(case)]}


class DocumentResource(_CaseDocuments):
    def on_get(self, req, resp, case_no, kind):
        case = self.case(req, case_no)
        if kind not in formal_documents.available(case):
            raise NotFound(f"办件 {case_no} 没有文书 {kind}")
        departments = {d["code"]: d for d in self.call(req, Intake.SERVICE, Intake.LIST_DEPARTMENTS)}
        authority = (departments.get(case["department"]) or {}).get("full_name") or case["department"]
        certificate = None
        if case.get("certificate_no"):
            certificate = self.call(req, Approval.SERVICE, Approval.GET_CERTIFICATE_RECORD, case["certificate_no"])
        elif kind == "approval_decision":
            item = self.call(req, Intake.SERVICE, Intake.GET_ITEM, case["item_code"])
            certificate = {"licence_name": (item.get("licence") or {}).get("name")}
        verify_url = f"{req.prefix}/verify/{case['certificate_no']}" if case.get("certificate_no") else None
        document = formal_documents.build(case, kind, authority, setting("CENTRE_NAME"), certificate, verify_url)
        resp.content_type = "application/pdf"
        resp.set_header("Content-Disposition", f'inline; filename="{kind}-{case_no}.pdf"')
        resp.data = pdf.render(document)
