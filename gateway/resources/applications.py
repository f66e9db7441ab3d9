"""Submitting an application (申请): intake checks it and answers accepted,
awaiting_supplement (with the one-time notice) or pre_review."""
import falcon

from gateway.access import require
from gateway.resources.base import Resource
from gateway.validation import read_json
from services.common import policy
from services.common.contracts import Intake
from services.common.errors import Forbidden, field_error

SUBMISSION_KEYS = ("case_no", "item_code", "status", "missing", "deadlines", "notice", "query_code")


def check_channel(actor: dict, channel) -> None:
    """The window channel is the window staff's (an applicant posting it would skip pre-review), online the
    applicant's, province the provincial network's API clients': refused by the one policy, naming the field."""
    reason = policy.channel_refusal(actor["role"], channel)
    if reason:
        raise Forbidden(reason, [field_error("channel", reason)])


class ApplicationsResource(Resource):
    def _check_department(self, actor: dict, department: str | None) -> None:
        """Window staff file applications for their own department's items only (issue 8)."""
        if actor["role"] == "clerk" and actor.get("department") and department and department != actor["department"]:
            raise Forbidden("窗口工作人员只能受理本部门事项的申请")

    def on_post(self, req, resp):
        actor = require(req, "applicant", "clerk", "api_client")
        application = read_json(req)  # intake validates it, naming every bad field at once
        application.setdefault("channel", policy.CHANNELS_BY_ROLE[actor["role"]][0])
        check_channel(actor, application.get("channel"))
        department = self.item_department(req, application.get("item_code"), needed=actor["role"] == "clerk")
        self._check_department(actor, department)
        case = self.call_for(req, department, Intake.SERVICE, Intake.SUBMIT, application, actor,
                             idempotency_key=req.get_header("Idempotency-Key"))
        resp.media = {key: case.get(key) for key in SUBMISSION_KEYS}
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/cases/{case['case_no']}"
