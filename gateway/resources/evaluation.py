"""Complaints (投诉) and efficiency metrics, served by evaluation."""
import falcon

from gateway import schemas
from gateway.access import OVERSIGHT_ROLES, STAFF_ROLES, current_actor, is_staff_of, metrics_department, require
from gateway.resources.base import Resource
from gateway.validation import page, read_json, validate
from services.common.contracts import Evaluation
from services.common.errors import NotFound

LIST_QUERY = {"type": "object", "properties": {
    "department": schemas.DEPARTMENT, "status": {"enum": ["received", "assigned", "investigating", "concluded",
                                                          "replied", "closed"]},
    "supervision": {"enum": ["green", "yellow", "red"]}}}


def may_see_complaint(actor: dict, complaint: dict) -> bool:
    author = complaint.get("submitted_by") or (complaint.get("actor") or {}).get("username")
    return (actor["role"] in OVERSIGHT_ROLES or is_staff_of(actor, complaint.get("department"))
            or (author is not None and author == actor["username"]))


def query_params(req, names) -> dict:
    return {key: req.get_param(key) for key in names if req.get_param(key)}


class ComplaintsResource(Resource):
    def on_post(self, req, resp):
        actor = current_actor(req)  # complaints may be anonymous
        body = validate(read_json(req), schemas.COMPLAINT)
        complaint = self.call(req, Evaluation.SERVICE, Evaluation.CREATE_COMPLAINT, body, actor)
        resp.media = {"id": complaint["id"], "status": complaint["status"]}
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/complaints/{complaint['id']}"

    def on_get(self, req, resp):
        actor = require(req, *STAFF_ROLES, *OVERSIGHT_ROLES)
        query = validate(query_params(req, ("department", "status", "supervision")), LIST_QUERY)
        limit, _ = page(req)
        department = metrics_department(actor, query.get("department"))
        resp.media = {"complaints": self.call(req, Evaluation.SERVICE, Evaluation.LIST_COMPLAINTS, department,
                                              query.get("status"), query.get("supervision"), limit)}


class ComplaintResource(Resource):
    def on_get(self, req, resp, complaint_id):
        actor = require(req)
        complaint = self.call(req, Evaluation.SERVICE, Evaluation.GET_COMPLAINT, complaint_id)
        if not may_see_complaint(actor, complaint):
            raise NotFound(f"投诉 {complaint_id} 不存在")
        resp.media = complaint


class ComplaintTransitionsResource(Resource):
    def on_post(self, req, resp, complaint_id):
        actor = require(req, *STAFF_ROLES, *OVERSIGHT_ROLES)
        body = validate(read_json(req), schemas.COMPLAINT_TRANSITION)
        action = body.pop("action")
        resp.media = self.call(req, Evaluation.SERVICE, Evaluation.COMPLAINT_TRANSITION, complaint_id, action,
                               actor, body)


class MetricsResource(Resource):
    def on_get(self, req, resp):
        actor = require(req)
        query = validate(query_params(req, ("department", "from", "to", "staff", "item_code", "period", "by")),
                         schemas.METRICS_QUERY)
        department = metrics_department(actor, query.get("department"))
        narrower = {key: query[key] for key in ("staff", "item_code", "period", "by") if key in query}
        resp.media = self.call(req, Evaluation.SERVICE, Evaluation.METRICS, department=department,
                               date_from=query.get("from"), date_to=query.get("to"), **narrower)


class MetricsRebuildResource(Resource):
    def on_post(self, req, resp):
        actor = require(req, *OVERSIGHT_ROLES)
        resp.media = self.call(req, Evaluation.SERVICE, Evaluation.REBUILD_METRICS, actor)
