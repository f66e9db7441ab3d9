"""Bad-rating follow-ups (回访整改): the list supervisors and departments work from, and their steps."""
from gateway import schemas
from gateway.access import OVERSIGHT_ROLES, STAFF_ROLES, is_staff_of, metrics_department, require
from gateway.resources.base import Resource
from gateway.resources.evaluation import query_params
from gateway.validation import page, read_json, validate
from services.common.contracts import Evaluation
from services.common.errors import NotFound

QUERY = {"type": "object", "properties": {
    "department": schemas.DEPARTMENT,
    "state": {"enum": ["open", "contacted", "rectified", "dismissed", "closed"]}}}
WORKERS = (*STAFF_ROLES, *OVERSIGHT_ROLES)


class FollowUpsResource(Resource):
    def on_get(self, req, resp):
        actor = require(req, *WORKERS)
        query = validate(query_params(req, ("department", "state")), QUERY)
        limit, _ = page(req)
        department = metrics_department(actor, query.get("department"))
        resp.media = {"follow_ups": self.call(req, Evaluation.SERVICE, Evaluation.LIST_FOLLOW_UPS, department,
                                              query.get("state"), limit)}


class FollowUpResource(Resource):
    def on_get(self, req, resp, follow_up_id):
        actor = require(req, *WORKERS)
        follow_up = self.call(req, Evaluation.SERVICE, Evaluation.GET_FOLLOW_UP, follow_up_id)
        if actor["role"] not in OVERSIGHT_ROLES and not is_staff_of(actor, follow_up.get("department")):
            raise NotFound(f"回访整改 {follow_up_id} 不存在")
        resp.media = follow_up


class FollowUpTransitionsResource(Resource):
    def on_post(self, req, resp, follow_up_id):
        actor = require(req, *WORKERS)
        body = validate(read_json(req), schemas.FOLLOW_UP_TRANSITION)
        resp.media = self.call(req, Evaluation.SERVICE, Evaluation.FOLLOW_UP_TRANSITION, follow_up_id,
                               body["action"], actor, note=body.get("note"))
