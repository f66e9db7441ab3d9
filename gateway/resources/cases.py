"""A case (办件): its view, supplements (补正), staff transitions, the applicant's rating."""
import falcon

from gateway import query_codes, schemas
from gateway.access import STAFF_ROLES, ensure_staff_of, ensure_visible, require
from gateway.idempotency import applied_since
from gateway.resources.base import Resource
from gateway.validation import read_json, validate
from services.common.contracts import Approval, Evaluation, Intake
from services.common.errors import Conflict


class CaseResource(Resource):
    def on_get(self, req, resp, case_no):
        actor = require(req)
        case = self.load_case(req, case_no)
        ensure_visible(actor, case, case_no)
        resp.media = query_codes.shown_to(actor, case)


class SupplementsResource(Resource):
    def on_post(self, req, resp, case_no):
        actor = require(req, "applicant", "api_client", *STAFF_ROLES)
        body = validate(read_json(req), schemas.SUPPLEMENT)
        ensure_visible(actor, self.load_case(req, case_no), case_no)
        resp.media = self.call(req, Intake.SERVICE, Intake.SUPPLEMENT, case_no, body["materials"], actor)


class TransitionsResource(Resource):
    def on_post(self, req, resp, case_no):
        actor = require(req, *STAFF_ROLES, "centre_admin")
        body = validate(read_json(req), schemas.TRANSITION)
        case = self.load_case(req, case_no)
        ensure_visible(actor, case, case_no)
        if actor["role"] != "centre_admin":
            ensure_staff_of(actor, case)
        action, params = body["action"], {k: v for k, v in body.items() if k != "action"}
        service = Intake if action in Intake.ACTIONS else Approval
        try:
            resp.media = self.call(req, service.SERVICE, service.TRANSITION, case_no, action, actor, params)
        except Conflict:
            # A retry (same Idempotency-Key) after a 503 whose first attempt was applied: its answer now.
            since = getattr(req.context, "retry_since", None)
            case = self.load_case(req, case_no) if since else None
            if case is None or not applied_since(case, action, actor["role"], since):
                raise
            resp.media = case


class RatingResource(Resource):
    def on_post(self, req, resp, case_no):
        body = read_json(req)
        code = req.get_param("code") or body.pop("code", None)   # ?code= (SMS link) or in the body (评价器)
        validate(body, schemas.RATING)
        if code is not None:  # the query code instead of an account
            query_codes.verify(self, req, case_no, code)
            actor = query_codes.code_holder(case_no)
        else:
            actor = require(req, "applicant", "api_client")
            ensure_visible(actor, self.load_case(req, case_no), case_no)
        resp.media = self.call(req, Evaluation.SERVICE, Evaluation.RATE, case_no, actor, body["level"],
                               comment=body.get("comment"), channel=body.get("channel"))
        resp.status = falcon.HTTP_201
