"""Who may decide: letters of authority (首席代表委托书), away flags (B角外出), refused attempts (越权)."""
import falcon

from gateway import schemas
from gateway.access import OVERSIGHT_ROLES, require
from gateway.resources.base import Resource
from gateway.validation import query_int, read_json, validate
from services.common import policy
from services.common.contracts import Approval
from services.common.errors import Forbidden, InvalidInput, NotFound


class DelegationsResource(Resource):
    def on_post(self, req, resp):
        actor = require(req, "department_admin")
        body = read_json(req)
        body.setdefault("department", actor.get("department"))
        validate(body, schemas.DELEGATION)
        resp.media = self.call(req, Approval.SERVICE, Approval.ISSUE_DELEGATION, body, actor)
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/delegations/{resp.media['id']}"

    def on_get(self, req, resp):
        actor = require(req)
        department = req.get_param("department")
        if actor["role"] not in OVERSIGHT_ROLES:
            if actor["role"] not in policy.STAFF_ROLES:
                raise Forbidden("只有工作人员和督查人员可以查看授权委托书")
            department = actor.get("department")
        resp.media = {"delegations": self.call(req, Approval.SERVICE, Approval.LIST_DELEGATIONS, department)}


class DelegationRevokeResource(Resource):
    def on_post(self, req, resp, delegation_id):
        actor = require(req, "department_admin")
        body = validate(read_json(req) if req.content_length else {}, schemas.DELEGATION_REVOKE)
        resp.media = self.call(req, Approval.SERVICE, Approval.REVOKE_DELEGATION, delegation_id, actor,
                               body.get("reason"))


class DelegationRenewResource(Resource):
    def on_post(self, req, resp, delegation_id):
        actor = require(req, "department_admin")
        body = validate(read_json(req), schemas.DELEGATION_RENEW)
        resp.media = self.call(req, Approval.SERVICE, Approval.RENEW_DELEGATION, delegation_id, body["valid_until"],
                               actor)


class AwayResource(Resource):
    """B away hands authority to A: stored on the account, pushed to approval, which checks the letters."""

    def on_post(self, req, resp, username):
        actor = require(req)
        body = validate(read_json(req), schemas.AWAY)
        account = self.deps.store.get(username)
        if account is None:
            raise NotFound(f"账号 {username} 不存在")
        if account["role"] not in policy.STAFF_ROLES:
            raise InvalidInput("只有工作人员账号可以标记外出", [{"field": "username", "message": "不是工作人员账号"}])
        if not policy.may_mark_away(actor, account):
            raise Forbidden("只能由本人、本部门管理员或中心管理员标记外出")
        self.call(req, Approval.SERVICE, Approval.SET_AWAY, username, account.get("department"), body["away"], actor)
        self.deps.store.set_away(username, body["away"])
        resp.media = {"username": username, "away": body["away"]}


class ViolationsResource(Resource):
    def on_get(self, req, resp):
        require(req, *OVERSIGHT_ROLES)
        limit, errors = query_int(req, "limit", 100, 1, 500)
        if errors:
            raise InvalidInput("查询参数无效", errors)
        resp.media = {"violations": self.call(req, Approval.SERVICE, Approval.LIST_VIOLATIONS,
                                              req.get_param("department"), limit)}
