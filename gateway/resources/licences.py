"""Licences (许可证): 存量证照 registration, revocation and cancellation, and 结果公示."""
import falcon

from gateway import schemas
from gateway.access import STAFF_ROLES, require
from gateway.resources.base import Resource
from gateway.validation import read_json, validate
from services.common.contracts import Approval


class CertificatesResource(Resource):
    def on_post(self, req, resp):
        actor = require(req, "department_admin", "centre_admin")
        body = validate(read_json(req), schemas.CERTIFICATE_REGISTRATION)
        resp.media = self.call(req, Approval.SERVICE, Approval.REGISTER_CERTIFICATE, body, actor)
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/certificates/{resp.media['certificate_no']}"


class CertificateTransitionsResource(Resource):
    def on_post(self, req, resp, certificate_no):
        actor = require(req, *STAFF_ROLES, "centre_admin")
        body = validate(read_json(req), schemas.CERTIFICATE_TRANSITION)
        resp.media = self.call(req, Approval.SERVICE, Approval.CERTIFICATE_TRANSITION, certificate_no,
                               body["action"], body["reason"], actor)


class ResultsResource(Resource):
    def on_get(self, req, resp):
        query = {key: req.get_param(key) for key in ("department", "from", "to") if req.get_param(key)}
        validate(query, schemas.RESULTS_QUERY)
        results = self.call(req, Approval.SERVICE, Approval.LIST_RESULTS, department=query.get("department"),
                            date_from=query.get("from"), date_to=query.get("to"), limit=500)
        resp.media = {"results": results}
