"""Accountability (责任追究): the ladder per person and unit, the records, and records by hand."""
import falcon

from gateway import schemas
from gateway.access import OVERSIGHT_ROLES, require
from gateway.resources.base import Resource
from gateway.resources.evaluation import query_params
from gateway.validation import read_json, validate
from services.common.contracts import Evaluation

QUERY = {"type": "object", "properties": {
    "year": {"type": "string", "pattern": r"^\d{4}$", "x-message": "年份应为四位数字"},
    "department": schemas.DEPARTMENT, "username": {"type": "string", "minLength": 1, "maxLength": 64}}}


class AccountabilityResource(Resource):
    def on_get(self, req, resp):
        require(req, *OVERSIGHT_ROLES)
        query = validate(query_params(req, ("year", "department")), QUERY)
        resp.media = self.call(req, Evaluation.SERVICE, Evaluation.ACCOUNTABILITY, query.get("year"),
                               query.get("department"))

    def on_post(self, req, resp):
        actor = require(req, *OVERSIGHT_ROLES)
        body = validate(read_json(req), schemas.ACCOUNTABILITY_RECORD)
        resp.media = self.call(req, Evaluation.SERVICE, Evaluation.RECORD_ACCOUNTABILITY, body, actor)
        resp.status = falcon.HTTP_201


class AccountabilityRecordsResource(Resource):
    def on_get(self, req, resp):
        require(req, *OVERSIGHT_ROLES)
        query = validate(query_params(req, ("year", "department", "username")), QUERY)
        resp.media = {"records": self.call(req, Evaluation.SERVICE, Evaluation.ACCOUNTABILITY_RECORDS,
                                           query.get("year"), query.get("department"), query.get("username"))}
