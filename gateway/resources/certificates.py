"""Public verification of a licence certificate number (personal identifiers masked by approval)."""
from gateway.resources.base import Resource
from services.common.contracts import Approval


class CertificateResource(Resource):
    def on_get(self, req, resp, certificate_no):
        resp.media = self.call(req, Approval.SERVICE, Approval.GET_CERTIFICATE, certificate_no)
