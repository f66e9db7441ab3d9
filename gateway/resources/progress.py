"""Case progress by case number and query code (办件进度查询), public: no account, no personal data."""
from gateway import query_codes
from gateway.progress import progress_view
from gateway.resources.base import Resource


class ProgressResource(Resource):
    def on_get(self, req, resp, case_no):
        query_codes.verify(self, req, case_no, req.get_param("code"))
        resp.media = progress_view(self.load_case(req, case_no))
