"""Accounts: log in, create accounts, self-register as an applicant, who am I."""
import falcon

from gateway import accounts, schemas
from gateway.access import require
from gateway.resources.base import Resource
from gateway.validation import read_json, validate
from services.common.errors import Forbidden


class TokenResource(Resource):
    def on_post(self, req, resp):
        body = validate(read_json(req), schemas.TOKEN)
        address = getattr(req.context, "client_address", None) or req.remote_addr or "-"
        resp.media = self.deps.authenticator.login(body["username"], body["password"], address)


class AccountsResource(Resource):
    def on_post(self, req, resp):
        actor = require(req, "centre_admin", "department_admin")
        body = read_json(req)
        if actor["role"] == "department_admin":
            body.setdefault("department", actor.get("department"))
        validate(body, schemas.ACCOUNT, accounts.account_errors(body))
        accounts.check_may_create(actor, body)
        resp.media = accounts.create_account(self.deps.store, self.deps.settings, body)
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/accounts/{body['username']}"


class RegistrationResource(Resource):
    def on_post(self, req, resp):
        body = validate(read_json(req), schemas.REGISTRATION)
        resp.media = accounts.register_applicant(self.deps.store, self.deps.settings, body)
        resp.status = falcon.HTTP_201


class MeResource(Resource):
    def on_get(self, req, resp):
        actor = require(req)
        account = self.deps.store.get(actor["username"]) or {}
        resp.media = {**actor, "phone": account.get("phone"), "created_at": account.get("created_at")}


class RefreshResource(Resource):
    def on_post(self, req, resp):
        body = validate(read_json(req), schemas.REFRESH)
        resp.media = self.deps.authenticator.refresh(body["refresh_token"])


class AccountStateResource(Resource):
    """POST /v1/accounts/{username}/disable and /enable: takes effect on the account's very next call."""

    def __init__(self, deps, disabled: bool):
        super().__init__(deps)
        self.disabled = disabled

    def on_post(self, req, resp, username):
        actor = require(req, "centre_admin", "department_admin")
        accounts.check_may_manage(actor, self.deps.store.get(username), username)
        if username == actor["username"] and self.disabled:
            raise Forbidden("不能停用自己的账号")
        resp.media = self.deps.store.set_disabled(username, self.disabled)


class DisableResource(AccountStateResource):
    def __init__(self, deps):
        super().__init__(deps, True)


class EnableResource(AccountStateResource):
    def __init__(self, deps):
        super().__init__(deps, False)


def _key_owner(resource, req, username: str) -> dict:
    actor = require(req, "centre_admin", "department_admin", "api_client")
    account = resource.deps.store.get(username)
    if actor["role"] == "api_client":
        if username != actor["username"]:
            raise Forbidden("API 客户端只能管理自己的密钥")
        return account
    return accounts.check_may_manage(actor, account, username)


class ApiKeysResource(Resource):
    def on_get(self, req, resp, username):
        _key_owner(self, req, username)
        resp.media = {"api_keys": self.deps.store.api_keys_of(username)}

    def on_post(self, req, resp, username):
        account = _key_owner(self, req, username)
        body = validate(read_json(req), schemas.API_KEY)
        resp.media = accounts.issue_api_key(self.deps.store, self.deps.settings, account,
                                            body["scopes"], body.get("label"))
        resp.status = falcon.HTTP_201


class ApiKeyRotateResource(Resource):
    def on_post(self, req, resp, username, key_id):
        account = _key_owner(self, req, username)
        resp.media = accounts.rotate_api_key(self.deps.store, self.deps.settings, account, key_id)
        resp.status = falcon.HTTP_201


class ApiKeyRevokeResource(Resource):
    def on_post(self, req, resp, username, key_id):
        _key_owner(self, req, username)
        resp.media = self.deps.store.revoke_api_key(username, key_id)
