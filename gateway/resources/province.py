"""The provincial network: webhooks, the change feed, exchange code tables, a case in the exchange format."""
import falcon

from gateway import exchange, schemas
from gateway.access import ensure_visible, require
from gateway.resources.base import Resource
from gateway.validation import query_int, read_json, validate
from services.common.config import setting
from services.common.contracts import Intake, Notification
from services.common.errors import InvalidInput, NotFound

FEED_READERS = ("api_client", "supervisor", "centre_admin")
WEBHOOK_READERS = ("api_client", "centre_admin")


def _province() -> str:
    return exchange.province_of(setting("REGION_CODE"), setting("EXCHANGE_PROVINCE") or None)


class WebhooksResource(Resource):
    def on_post(self, req, resp):
        actor = require(req, "api_client")
        body = validate(read_json(req), schemas.WEBHOOK)
        resp.media = self.call(req, Notification.SERVICE, Notification.REGISTER_WEBHOOK, actor, body["url"],
                               body["events"])
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/webhooks/{resp.media['id']}"

    def on_get(self, req, resp):
        actor = require(req, *WEBHOOK_READERS)
        resp.media = {"webhooks": self.call(req, Notification.SERVICE, Notification.LIST_WEBHOOKS, actor)}


class WebhookResource(Resource):
    def on_get(self, req, resp, webhook_id):
        actor = require(req, *WEBHOOK_READERS)
        resp.media = self.call(req, Notification.SERVICE, Notification.GET_WEBHOOK, actor, webhook_id)

    def on_delete(self, req, resp, webhook_id):
        actor = require(req, *WEBHOOK_READERS)
        resp.media = self.call(req, Notification.SERVICE, Notification.DELETE_WEBHOOK, actor, webhook_id)


class WebhookSecretResource(Resource):
    def on_post(self, req, resp, webhook_id):
        actor = require(req, "api_client")
        resp.media = self.call(req, Notification.SERVICE, Notification.ROTATE_WEBHOOK_SECRET, actor, webhook_id)


class DeliveriesResource(Resource):
    def on_get(self, req, resp, webhook_id):
        actor = require(req, *WEBHOOK_READERS)
        limit, errors = query_int(req, "limit", 50, 1, 200)
        if errors:
            raise InvalidInput("分页参数无效", errors)
        resp.media = self.call(req, Notification.SERVICE, Notification.LIST_DELIVERIES, actor, webhook_id,
                               limit=limit)


class ChangesResource(Resource):
    def on_get(self, req, resp):
        actor = require(req, *FEED_READERS)
        limit, errors = query_int(req, "limit", 100, 1, 500)
        if errors:
            raise InvalidInput("分页参数无效", errors)
        resp.media = self.call(req, Notification.SERVICE, Notification.LIST_CHANGES, actor,
                               cursor=req.get_param("cursor"), limit=limit)


class CodeTablesResource(Resource):
    def on_get(self, req, resp):
        province = _province()
        resp.media = {"province": province, "tables": exchange.table_names(province)}


class CodeTableResource(Resource):
    def on_get(self, req, resp, table):
        try:
            resp.media = exchange.table(_province(), table)
        except exchange.UnknownTable:
            raise NotFound(f"代码表 {table} 不存在") from None


class ExchangeCaseResource(Resource):
    def on_get(self, req, resp, case_no):
        actor = require(req)
        case = self.load_case(req, case_no)
        ensure_visible(actor, case, case_no)
        resp.media = exchange.render_case(_province(), case)


class RevealApplicantResource(Resource):
    """POST /v1/cases/{case_no}/applicant/reveal {"reason"}: the full ID number and phone for the case's
    department staff; intake logs each read with who and why."""

    def on_post(self, req, resp, case_no):
        actor = require(req)
        body = validate(read_json(req), schemas.REVEAL)
        resp.media = self.call(req, Intake.SERVICE, Intake.REVEAL_APPLICANT, case_no, actor, body["reason"])
