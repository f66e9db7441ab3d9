"""The monthly report (月度报告) download: Excel or PDF, rendered by evaluation."""
import base64

from gateway import schemas
from gateway.access import OVERSIGHT_ROLES, require
from gateway.resources.base import Resource
from gateway.resources.evaluation import query_params
from gateway.validation import validate
from services.common.contracts import Evaluation


class MonthlyReportResource(Resource):
    def on_get(self, req, resp):
        require(req, *OVERSIGHT_ROLES)
        query = validate(query_params(req, ("period", "department", "format")), schemas.REPORT_QUERY)
        report = self.call(req, Evaluation.SERVICE, Evaluation.MONTHLY_REPORT, query["period"],
                           query.get("department"), query.get("format", "xlsx"))
        resp.content_type = report["content_type"]
        resp.downloadable_as = report["filename"]
        resp.data = base64.b64decode(report["content_base64"])
